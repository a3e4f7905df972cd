package sessiontest

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/ssc-chat/ssc/host"
	"github.com/ssc-chat/ssc/keys"
	"github.com/ssc-chat/ssc/peer"
	"github.com/ssc-chat/ssc/wire"
)

// pipeListener hands the host one end of a net.Pipe per dial, so that a
// whole session, admission included, runs in a synctest bubble where
// seconds of pacing cost no time.
type pipeListener struct {
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), closed: make(chan struct{})}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

// dial is a peer.Config Dial that connects to the listener.
func (l *pipeListener) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	ours, theirs := net.Pipe()
	select {
	case l.conns <- theirs:
		return ours, nil
	case <-l.closed:
		return nil, net.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

// pipeRoom is a host and its operator over pipes, in a synctest bubble.
type pipeRoom struct {
	session  *host.Session
	ln       *pipeListener
	operator *peer.Client
}

func startPipeRoom(t *testing.T) *pipeRoom {
	t.Helper()
	id, err := keys.GenerateHostIdentity()
	if err != nil {
		t.Fatal(err)
	}
	s, err := host.New(host.Config{SessionName: "test session", Passphrase: []byte(passphrase), Identity: id})
	if err != nil {
		t.Fatal(err)
	}
	ln := newPipeListener()
	s.Listen(ln)
	conn, err := s.ConnectLocal()
	if err != nil {
		t.Fatal(err)
	}
	op, err := peer.Attach(context.Background(), conn, "host", s.Fingerprint())
	if err != nil {
		t.Fatal(err)
	}
	r := &pipeRoom{session: s, ln: ln, operator: op}
	t.Cleanup(func() {
		s.Close()
		op.Close()
	})
	return r
}

func (r *pipeRoom) join(t *testing.T, cfg peer.Config) *peer.Client {
	t.Helper()
	cfg.Passphrase, cfg.Dial = []byte(passphrase), r.ln.dial
	c, err := peer.Join(context.Background(), "pipe", cfg)
	if err != nil {
		t.Fatalf("join %s: %v", cfg.Name, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// queued returns the events c has queued; in a bubble, after
// synctest.Wait, that is everything the host has sent it.
func queued(c *peer.Client) []peer.Event {
	var evs []peer.Event
	for {
		select {
		case ev := <-c.Events():
			evs = append(evs, ev)
		default:
			return evs
		}
	}
}

// say has c send lines numbered from 0 as fast as Say returns.
func say(t *testing.T, c *peer.Client, lines int) {
	t.Helper()
	for i := range lines {
		if err := c.Say(context.Background(), fmt.Sprintf("line %d", i)); err != nil {
			t.Fatalf("Say line %d: %v", i, err)
		}
	}
}

// linesFrom returns the texts of the messages to the room from name.
func linesFrom(evs []peer.Event, name string) []string {
	var got []string
	for _, ev := range evs {
		if ev.Kind == peer.KindMessage && ev.From == name && ev.To == "" {
			got = append(got, ev.Text)
		}
	}
	return got
}

// notices counts the host's rate-limit notices among evs.
func notices(evs []peer.Event) int {
	n := 0
	for _, ev := range evs {
		if ev.Kind == peer.KindNotice && strings.Contains(ev.Text, "message not sent") {
			n++
		}
	}
	return n
}

// A block pasted at once, far longer than the host's burst, reaches the
// room whole and in order, and its sender is never told a line was dropped.
func TestPastedBlockArrivesWhole(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := startPipeRoom(t)
		bob := r.join(t, peer.Config{Name: "bob"})
		const lines = 100
		say(t, bob, lines)
		synctest.Wait()

		got := linesFrom(queued(r.operator), "bob")
		if len(got) != lines {
			t.Errorf("the room got %d of bob's %d lines", len(got), lines)
		}
		for i, text := range got {
			if want := fmt.Sprintf("line %d", i); text != want {
				t.Fatalf("the room's line %d from bob is %q, want %q", i, text, want)
			}
		}
		if n := notices(queued(bob)); n != 0 {
			t.Errorf("bob was told %d times that a line was not sent", n)
		}
	})
}

// An unpaced client is held to the host's limit by the host itself: beyond
// the burst its lines are dropped, and it is told about each.
func TestUnpacedMemberMeetsTheHostLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := startPipeRoom(t)
		bob := r.join(t, peer.Config{Name: "bob", Unpaced: true})
		const lines = wire.MessageBurst + 10
		say(t, bob, lines)
		synctest.Wait()

		if got := linesFrom(queued(r.operator), "bob"); len(got) != wire.MessageBurst {
			t.Errorf("the room got %d of bob's %d lines sent at once, want the host's burst of %d", len(got), lines, wire.MessageBurst)
		}
		if n := notices(queued(bob)); n != lines-wire.MessageBurst {
			t.Errorf("bob was told of %d dropped lines, want %d", n, lines-wire.MessageBurst)
		}
	})
}
