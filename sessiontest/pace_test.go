package sessiontest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"testing/synctest"
	"time"

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

// wantWhole checks that the room got bob's lines 0 to lines-1, each once,
// in order, and that bob was told nothing (no line refused).
func (r *pipeRoom) wantWhole(t *testing.T, bob *peer.Client, lines int) {
	t.Helper()
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
}

// notices counts the host's notices among evs: none is expected while pasting.
func notices(evs []peer.Event) int {
	n := 0
	for _, ev := range evs {
		if ev.Kind == peer.KindNotice {
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

		r.wantWhole(t, bob, lines)
	})
}

// An unpaced client is held to the host's limit by the host itself: beyond
// the burst it reads the client's lines at the rate, so sending them takes
// that long, and every one arrives, in order, with no notice.
func TestUnpacedMemberIsHeldToTheRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := startPipeRoom(t)
		bob := r.join(t, peer.Config{Name: "bob", Unpaced: true})
		time.Sleep(time.Minute) // the host's bucket is full
		const lines = wire.MessageBurst + 10
		start := time.Now()
		say(t, bob, lines)
		took := time.Since(start)
		time.Sleep(time.Second) // the last line waits its turn
		synctest.Wait()
		// The pipe hands a line over when the host reads it: the last one
		// was read a fifth of a second after the one before, past the burst.
		if least := (lines - wire.MessageBurst - 1) * time.Second / wire.MessageRate; took < least {
			t.Errorf("the host read %d lines in %s, faster than its rate allows (%s)", lines, took, least)
		}
		r.wantWhole(t, bob, lines)
	})
}

// laggy is a connection whose writes wait in a buffer, as in a kernel's,
// and are not delivered while it is stalled: a link that hiccups.
type laggy struct {
	net.Conn
	mu      sync.Mutex
	buf     [][]byte
	stalled bool
	wake    chan struct{} // capacity 1
	done    chan struct{}
}

func (l *laggy) Write(p []byte) (int, error) {
	l.mu.Lock()
	l.buf = append(l.buf, bytes.Clone(p))
	l.mu.Unlock()
	l.poke()
	return len(p), nil
}

func (l *laggy) poke() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

func (l *laggy) stall(on bool) {
	l.mu.Lock()
	l.stalled = on
	l.mu.Unlock()
	l.poke()
}

// deliver writes what is buffered to the pipe whenever not stalled.
func (l *laggy) deliver() {
	for {
		l.mu.Lock()
		var next []byte
		if !l.stalled && len(l.buf) > 0 {
			next, l.buf = l.buf[0], l.buf[1:]
		}
		l.mu.Unlock()
		if next == nil {
			select {
			case <-l.wake:
				continue
			case <-l.done:
				return
			}
		}
		if _, err := l.Conn.Write(next); err != nil {
			return
		}
	}
}

// Lines paced by their sender but held up on the way reach the host
// bunched, past its burst: they wait their turn there, and none is lost.
func TestStalledPasteArrivesWhole(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := startPipeRoom(t)
		var link *laggy
		dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := r.ln.dial(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			link = &laggy{Conn: c, wake: make(chan struct{}, 1), done: make(chan struct{})}
			go link.deliver()
			return link, nil
		}
		bob, err := peer.Join(context.Background(), "pipe", peer.Config{Name: "bob", Passphrase: []byte(passphrase), Dial: dial})
		if err != nil {
			t.Fatal(err)
		}
		defer close(link.done)
		defer bob.Close()
		time.Sleep(time.Minute) // idle: every bucket is full
		link.stall(true)
		time.AfterFunc(3*time.Second, func() { link.stall(false) })
		// Long enough that lines still come, at the rate, for well over
		// ten seconds after the stall.
		const lines = 200
		say(t, bob, lines)
		time.Sleep(10 * time.Second)
		synctest.Wait()
		r.wantWhole(t, bob, lines)
	})
}
