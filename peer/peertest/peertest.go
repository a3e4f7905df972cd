// Package peertest records what a peer.Client delivers, so that tests can
// wait for the event they expect and look back at what came before it. It
// is for tests only, beside the package it serves.
package peertest

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssc-chat/ssc/peer"
)

// Timeout is how long Wait waits before failing the test.
const Timeout = 5 * time.Second

// Recorder holds a client's events as they come.
type Recorder struct {
	ch   chan peer.Event
	mu   sync.Mutex
	seen []peer.Event // the events Wait has looked at, in order
}

// Record starts recording c's events; c's channel is drained from now on.
func Record(c *peer.Client) *Recorder {
	r := &Recorder{ch: make(chan peer.Event, 4096)}
	go func() {
		for ev := range c.Events() {
			r.ch <- ev
		}
		close(r.ch)
	}()
	return r
}

// Wait returns the first event from here on that match accepts, failing
// the test when none comes within Timeout or the events end first.
func (r *Recorder) Wait(t testing.TB, what string, match func(peer.Event) bool) peer.Event {
	t.Helper()
	timeout := time.After(Timeout)
	for {
		select {
		case ev, ok := <-r.ch:
			if !ok {
				t.Fatalf("events ended while waiting for %s; saw %s", what, r.summary())
			}
			r.mu.Lock()
			r.seen = append(r.seen, ev)
			r.mu.Unlock()
			if match(ev) {
				return ev
			}
		case <-timeout:
			t.Fatalf("no %s within %s; saw %s", what, Timeout, r.summary())
		}
	}
}

// Seen returns the events Wait has looked at so far.
func (r *Recorder) Seen() []peer.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]peer.Event(nil), r.seen...)
}

func (r *Recorder) summary() string {
	var parts []string
	for _, ev := range r.Seen() {
		parts = append(parts, fmt.Sprintf("%s:%s%s:%s%s%v", ev.Kind, ev.From, ev.Name, ev.Text, ev.Reason, problem(ev.Problem)))
	}
	return "[" + strings.Join(parts, " | ") + "]"
}

// Kind matches any event of kind k.
func Kind(k peer.Kind) func(peer.Event) bool {
	return func(ev peer.Event) bool { return ev.Kind == k }
}

// Message matches a message to the room from from with exactly text.
func Message(from, text string) func(peer.Event) bool {
	return func(ev peer.Event) bool {
		return ev.Kind == peer.KindMessage && ev.From == from && ev.Text == text && ev.To == ""
	}
}

// Joined matches name joining.
func Joined(name string) func(peer.Event) bool {
	return func(ev peer.Event) bool { return ev.Kind == peer.KindJoin && ev.Name == name }
}

// Left matches name leaving for reason.
func Left(name string, reason peer.Reason) func(peer.Event) bool {
	return func(ev peer.Event) bool { return ev.Kind == peer.KindLeave && ev.Name == name && ev.Reason == reason }
}

// NoticeContaining matches a notice whose text contains s.
func NoticeContaining(s string) func(peer.Event) bool {
	return func(ev peer.Event) bool { return ev.Kind == peer.KindNotice && strings.Contains(ev.Text, s) }
}

// Warning matches a warning about problem.
func Warning(problem peer.Problem) func(peer.Event) bool {
	return func(ev peer.Event) bool { return ev.Kind == peer.KindWarning && ev.Problem == problem }
}

// WarningFrom matches a warning about problem with a message said to be from from.
func WarningFrom(problem peer.Problem, from string) func(peer.Event) bool {
	return func(ev peer.Event) bool {
		return ev.Kind == peer.KindWarning && ev.Problem == problem && ev.From == from
	}
}

// problem shows a warning's problem in a summary; nothing for other events.
func problem(p peer.Problem) string {
	if p == 0 {
		return ""
	}
	return fmt.Sprintf("(problem %d)", p)
}
