package web

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ssc-chat/ssc/chat"
	"github.com/ssc-chat/ssc/peer"
	"github.com/ssc-chat/ssc/sanitize"
	"github.com/ssc-chat/ssc/wire"
)

// maxWaiting bounds the typed lines waiting for their turn: over three
// minutes of them at the session's rate.
const maxWaiting = 1000

// typed is one line typed in the page.
type typed struct {
	to   string // the member chosen for a direct message; "" for the room
	text string
}

// outbox holds the lines typed in the page until they go out. The client
// paces chat lines to the rate the session takes (a pasted block goes at
// 5 a second past its first lines), and that wait must hold up neither the
// page's socket (its buttons, the verify dialog, another tab taking the
// seat) nor a reload, which would drop what was still waiting.
type outbox struct {
	mu     sync.Mutex
	lines  []typed
	told   bool          // the page was told lines wait, since the outbox was last empty
	closed bool          // the member left: nothing more goes out
	unsent int           // lines still waiting when it closed
	wake   chan struct{} // capacity 1: lines were added
}

func newOutbox() *outbox { return &outbox{wake: make(chan struct{}, 1)} }

// add queues lines, and returns how many did not fit and how many are
// longer than any message may be (which would only fail when their turn
// came, and meanwhile hold up to a frame each).
func (o *outbox) add(to string, text string) (dropped, long int, firstDropped string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for line := range strings.SplitSeq(text, "\n") {
		switch {
		case strings.TrimSpace(line) == "" || o.closed:
		case len(line) > wire.MaxText:
			long++
		case len(o.lines) >= maxWaiting:
			if dropped == 0 {
				firstDropped = line
			}
			dropped++
		default:
			o.lines = append(o.lines, typed{to: to, text: line})
		}
	}
	select {
	case o.wake <- struct{}{}:
	default:
	}
	return dropped, long, firstDropped
}

// next takes the oldest line, and says how many still wait behind it.
func (o *outbox) next() (t typed, behind int, ok bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.lines) == 0 {
		o.told = false
		return typed{}, 0, false
	}
	t = o.lines[0]
	o.lines[0] = typed{}
	o.lines = o.lines[1:]
	return t, len(o.lines), true
}

// tell reports whether the page is yet to be told that lines wait.
func (o *outbox) tell() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	first := !o.told
	o.told = true
	return first
}

// close forgets the lines still waiting and takes no more: the member
// left. It returns how many lines were left unsent in all.
func (o *outbox) close() (unsent int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.unsent += len(o.lines)
	clear(o.lines)
	o.lines, o.closed = nil, true
	return o.unsent
}

// queue adds what the page typed to the outbox, saying on the page what
// did not fit.
func (s *Server) queue(to, text string) {
	dropped, long, first := s.out.add(to, text)
	if long > 0 {
		s.log(entry{Type: "error", Lines: []string{fmt.Sprintf("%d lines not sent: a message holds at most %d bytes; split them", long, wire.MaxText)}})
	}
	if dropped > 0 {
		if r := []rune(first); len(r) > 40 {
			first = string(r[:40]) + "…"
		}
		s.log(entry{Type: "error", Lines: []string{fmt.Sprintf("%d lines not sent, from %q on: %d wait their turn already; send them again once those are out",
			dropped, sanitize.Text(first), maxWaiting)}})
	}
}

// sender sends the outbox's lines, one after the other, until stop closes.
func (s *Server) sender(ctx context.Context, ch *chat.Chat, stop <-chan struct{}) {
	for {
		t, behind, ok := s.out.next()
		if !ok {
			select {
			case <-s.out.wake:
				continue
			case <-stop:
				return
			}
		}
		if d := ch.Client().SendDelay(); d > 0 && behind > 0 && s.out.tell() {
			// A line waits d, each one behind it a further 1/rate.
			all := d + time.Duration(behind)*time.Second/wire.MessageRate
			s.log(entry{Type: "notice", Lines: []string{fmt.Sprintf("%d lines wait their turn: the session takes %d a second, so the last goes out in about %d s",
				behind+1, wire.MessageRate, int((all+time.Second-1)/time.Second))}})
		}
		if !s.do(ctx, ch, t) {
			s.out.close() // the member has left: nothing more goes out
		}
	}
}

// do carries out one line as if typed in the console, or seals it to the
// member chosen, by its exact name. It reports false once the member has
// left.
func (s *Server) do(ctx context.Context, ch *chat.Chat, t typed) bool {
	var out string
	var err error
	switch {
	case t.to != "" && strings.HasPrefix(t.text, "//"):
		out, err = ch.Direct(ctx, t.to, t.text[1:]) // "//" starts a line with "/", as in the console
	case t.to != "" && strings.HasPrefix(t.text, "/"):
		// Writing to one member, a command would go to the room (/me, a
		// /msg to someone else) or leave it: the page promised this line
		// to the one member only.
		s.log(entry{Type: "error", Lines: []string{"not sent: commands work when writing to everyone (Back to everyone); start a line with // to send one starting with /"}})
		return true
	case t.to != "":
		out, err = ch.Direct(ctx, t.to, t.text)
	default:
		out, err = ch.Do(ctx, t.text)
		if strings.HasPrefix(strings.TrimSpace(t.text), "/passphrase") {
			// Marked once the command has run, so that the refresh reads
			// the passphrase it left.
			s.mu.Lock()
			s.rotated = true
			s.mu.Unlock()
		}
	}
	switch {
	case errors.Is(err, chat.ErrQuit), errors.Is(err, peer.ErrClosed), ctx.Err() != nil:
		return false
	case err != nil:
		s.log(entry{Type: "error", Lines: lines(err.Error())})
	case out != "":
		s.log(entry{Type: "output", Lines: lines(out)})
	}
	s.touch()
	return true
}
