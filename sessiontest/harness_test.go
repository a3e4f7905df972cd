package sessiontest

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssc-chat/ssc/host"
	"github.com/ssc-chat/ssc/keys"
	"github.com/ssc-chat/ssc/peer"
)

const passphrase = "correct-horse-battery-staple"

// room is a running host with its operator attached.
type room struct {
	t        testing.TB
	session  *host.Session
	addr     string
	operator *peer.Client
	opEvents *events
	opWire   *recorder // every byte between the host and its operator
}

// recorder keeps every byte that crosses a connection, both ways.
type recorder struct {
	net.Conn
	mu   sync.Mutex
	seen []byte
}

func (r *recorder) Read(p []byte) (int, error) {
	n, err := r.Conn.Read(p)
	r.mu.Lock()
	r.seen = append(r.seen, p[:n]...)
	r.mu.Unlock()
	return n, err
}

func (r *recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	r.seen = append(r.seen, p...)
	r.mu.Unlock()
	return r.Conn.Write(p)
}

func (r *recorder) bytes() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]byte(nil), r.seen...)
}

func startRoom(t *testing.T) *room { return startRoomB(t) }

// startRoomB starts a room for a test or a benchmark.
func startRoomB(t testing.TB) *room {
	t.Helper()
	id, err := keys.GenerateHostIdentity()
	if err != nil {
		t.Fatal(err)
	}
	s, err := host.New(host.Config{SessionName: "test session", Passphrase: []byte(passphrase), Identity: id})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()
	conn, err := s.ConnectLocal()
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{Conn: conn}
	op, err := peer.Attach(rec, "host", operator{s, ln.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	r := &room{t: t, session: s, addr: ln.Addr().String(), operator: op, opEvents: collect(op), opWire: rec}
	t.Cleanup(func() {
		s.Close()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return r
}

func (r *room) join(name string) (*peer.Client, *events) {
	r.t.Helper()
	c, err := r.tryJoin(name, passphrase)
	if err != nil {
		r.t.Fatalf("join %s: %v", name, err)
	}
	ev := collect(c)
	r.t.Cleanup(func() { c.Leave() })
	return c, ev
}

func (r *room) tryJoin(name, pass string) (*peer.Client, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return peer.Join(ctx, r.addr, peer.Config{Name: name, Passphrase: []byte(pass)})
}

// events records a client's events so tests can wait for the one they expect.
type events struct {
	ch   chan peer.Event
	seen []peer.Event
}

func collect(c *peer.Client) *events {
	e := &events{ch: make(chan peer.Event, 4096)}
	go func() {
		for ev := range c.Events() {
			e.ch <- ev
		}
		close(e.ch)
	}()
	return e
}

// wait returns the first event, from now on, that match accepts, failing the
// test after a few seconds.
func (e *events) wait(t *testing.T, what string, match func(peer.Event) bool) peer.Event {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case ev, ok := <-e.ch:
			if !ok {
				t.Fatalf("events ended while waiting for %s; saw %s", what, e.summary())
			}
			e.seen = append(e.seen, ev)
			if match(ev) {
				return ev
			}
		case <-timeout:
			t.Fatalf("no %s within 5s; saw %s", what, e.summary())
		}
	}
}

func (e *events) summary() string {
	var parts []string
	for _, ev := range e.seen {
		parts = append(parts, string(ev.Kind)+":"+ev.From+ev.Name+":"+ev.Text+ev.Reason)
	}
	return "[" + strings.Join(parts, " | ") + "]"
}

func message(from, text string) func(peer.Event) bool {
	return func(ev peer.Event) bool { return ev.Kind == peer.KindMessage && ev.From == from && ev.Text == text }
}

func kind(k peer.Kind) func(peer.Event) bool {
	return func(ev peer.Event) bool { return ev.Kind == k }
}

func noticeContaining(s string) func(peer.Event) bool {
	return func(ev peer.Event) bool { return ev.Kind == peer.KindNotice && strings.Contains(ev.Text, s) }
}

func left(name, reason string) func(peer.Event) bool {
	return func(ev peer.Event) bool { return ev.Kind == peer.KindLeave && ev.Name == name && ev.Reason == reason }
}

type contextT = context.Context

func testContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 10*time.Second)
}

// operator is the host's HostControl as main builds it: the session's
// commands, and the ways to join.
type operator struct {
	*host.Session
	addr string
}

func (o operator) Links() []string { return []string{"ssc join " + o.addr} }
