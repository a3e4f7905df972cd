package peer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ssc-chat/ssc/keys"
	"github.com/ssc-chat/ssc/wire"
)

// fakeHost reads the Hello a member sends over conn and answers with
// welcome, which it may fill from the hello.
func fakeHost(t *testing.T, conn net.Conn, welcome func(*wire.Hello) wire.Message) {
	r := wire.NewReader(conn, wire.MaxHelloFrame)
	msg, err := r.Next()
	if err != nil {
		t.Errorf("fake host reading hello: %v", err)
		return
	}
	if w := welcome(msg.(*wire.Hello)); w != nil {
		conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
		wire.Write(conn, w)
	}
	r.SetLimit(wire.MaxFrame)
	r.Next() // the member's Bye, or its hanging up
	conn.Close()
}

// A host that lists thousands of entries whose keys do not verify cannot
// hold the welcome up: they come back once, as one warning naming them all,
// and nothing blocks before the member is seated.
func TestHostileWelcomeDoesNotHang(t *testing.T) {
	const bad = 2000 // more than the events a client buffers
	ours, theirs := net.Pipe()
	defer ours.Close()
	// Genuine keys, but each entry signed for another name.
	id, err := keys.GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	wrong := wire.Identity{SignKey: id.Public.SignKey, KEMHash: id.Public.KEMHash, Created: 1, Sig: id.SignEntry(make([]byte, 32), "someone else", 1)}
	go fakeHost(t, ours, func(h *wire.Hello) wire.Message {
		members := []wire.Member{{Name: h.Name, Since: 1, Identity: h.Identity}}
		for i := range bad {
			members = append(members, wire.Member{Name: fmt.Sprintf("m%04d", i), Since: 2, Identity: wrong})
		}
		return &wire.Welcome{Name: h.Name, Session: "evil", Members: members, SessionID: make([]byte, 32)}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	attached := make(chan error, 1)
	var c *Client
	go func() {
		var err error
		c, err = Attach(ctx, theirs, "bot", keys.Fingerprint{})
		attached <- err
	}()
	select {
	case err := <-attached:
		if err != nil {
			t.Fatalf("Attach: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Attach did not return for a welcome full of bad entries")
	}
	defer c.Close()
	if ev := <-c.Events(); ev.Kind != KindWelcome || len(ev.Members) != 1 {
		t.Fatalf("first event %v with %d members, want the welcome with only the member itself", ev.Kind, len(ev.Members))
	}
	ev := <-c.Events()
	if ev.Kind != KindWarning || ev.Problem != ProblemBadRoster || len(ev.Names) != bad {
		t.Fatalf("second event %v (problem %d, %d names), want one warning naming all %d bad entries", ev.Kind, ev.Problem, len(ev.Names), bad)
	}
}

// Whatever the host does, or does not, send, the handshake ends with the
// context, and by itself after handshakeTimeout.
func TestAttachHonoursContext(t *testing.T) {
	t.Run("cancelled", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ours, theirs := net.Pipe()
			defer ours.Close()
			go fakeHost(t, ours, func(*wire.Hello) wire.Message { return nil }) // reads the hello, then silence
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(time.Second, cancel)
			start := time.Now()
			_, err := Attach(ctx, theirs, "bot", keys.Fingerprint{})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Attach = %v, want context.Canceled", err)
			}
			if d := time.Since(start); d != time.Second {
				t.Fatalf("Attach returned after %s, want when ctx was cancelled (1s)", d)
			}
		})
	})
	t.Run("timeout", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ours, theirs := net.Pipe()
			defer ours.Close()
			go fakeHost(t, ours, func(*wire.Hello) wire.Message { return nil })
			start := time.Now()
			_, err := Attach(context.Background(), theirs, "bot", keys.Fingerprint{})
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Attach = %v, want context.DeadlineExceeded", err)
			}
			if d := time.Since(start); d != handshakeTimeout {
				t.Fatalf("Attach returned after %s, want %s", d, handshakeTimeout)
			}
		})
	})
}

// Join gives up when its context is cancelled, even when the other end
// accepted the connection and never says a word.
func TestJoinHonoursContext(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		conn, err := ln.Accept()
		if err == nil {
			defer conn.Close()
			io.Copy(io.Discard, conn) // until Join hangs up
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = Join(ctx, ln.Addr().String(), Config{Name: "bot", Passphrase: []byte("p")})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Join = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Join took %s after its context ended", d)
	}
}

func TestConfigPrintsNoPassphrase(t *testing.T) {
	cfg := Config{Name: "bob", Passphrase: []byte("correct horse")}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := fmt.Sprintf(format, cfg); !containsAll(s, "redacted") || containsAll(s, "correct horse") {
			t.Errorf("Sprintf(%q) = %q", format, s)
		}
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !contains(s, sub) {
			return false
		}
	}
	return true
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// A host that seats someone else in this member's place, under its name in
// another spelling or under another name, could show the room that someone's
// keys as this member's and every fingerprint would match: the member
// refuses such a welcome.
func TestWelcomeMustSeatThisMemberAsItself(t *testing.T) {
	fake, err := keys.GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	var zero keys.Fingerprint
	impostor := func(name string) wire.Member {
		return wire.Member{Name: name, Since: 1, Identity: NewHello(fake, zero, name).Identity}
	}
	tests := []struct {
		name    string
		welcome func(h *wire.Hello) *wire.Welcome
	}{
		{"another spelling in its place", func(h *wire.Hello) *wire.Welcome {
			return &wire.Welcome{Name: h.Name, Members: []wire.Member{impostor("Bot")}}
		}},
		{"another spelling beside it", func(h *wire.Hello) *wire.Welcome {
			return &wire.Welcome{Name: h.Name, Members: []wire.Member{impostor("BOT"), {Name: h.Name, Since: 1, Identity: h.Identity}}}
		}},
		{"a look-alike in capitals of another script beside it", func(h *wire.Hello) *wire.Welcome {
			return &wire.Welcome{Name: h.Name, Members: []wire.Member{impostor("\u0412\u041e\u0422"), {Name: h.Name, Since: 1, Identity: h.Identity}}}
		}},
		{"its name with other keys", func(h *wire.Hello) *wire.Welcome {
			return &wire.Welcome{Name: h.Name, Members: []wire.Member{impostor("bot")}}
		}},
		{"not listed at all", func(h *wire.Hello) *wire.Welcome {
			return &wire.Welcome{Name: h.Name, Members: []wire.Member{impostor("alice")}}
		}},
		{"welcomed under another name", func(h *wire.Hello) *wire.Welcome {
			return &wire.Welcome{Name: "robot", Members: []wire.Member{impostor("robot")}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ours, theirs := net.Pipe()
			defer ours.Close()
			go fakeHost(t, ours, func(h *wire.Hello) wire.Message {
				w := tt.welcome(h)
				w.Session, w.SessionID = "evil", make([]byte, 32)
				return w
			})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c, err := Attach(ctx, theirs, "bot", zero)
			if !errors.Is(err, ErrNotYou) {
				if c != nil {
					c.Close()
				}
				t.Fatalf("Attach = %v, want %v", err, ErrNotYou)
			}
		})
	}
}

// A host that never answers a key request costs a Direct its context and
// nothing more: no waiter stays behind.
func TestDirectWithoutAnAnswerLeavesNothingBehind(t *testing.T) {
	alice, err := keys.GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	var zero keys.Fingerprint
	ours, theirs := net.Pipe()
	defer ours.Close()
	go func() {
		r := wire.NewReader(ours, wire.MaxHelloFrame)
		msg, err := r.Next()
		if err != nil {
			return
		}
		h := msg.(*wire.Hello)
		wire.Write(ours, &wire.Welcome{Name: h.Name, Session: "silent", SessionID: make([]byte, 32), Members: []wire.Member{
			{Name: h.Name, Since: 1, Identity: h.Identity},
			{Name: "alice", Since: 1, Identity: NewHello(alice, zero, "alice").Identity},
		}})
		r.SetLimit(wire.MaxFrame)
		for { // read key requests and never answer
			msg, err := r.Next()
			if _, bye := msg.(*wire.Bye); err != nil || bye {
				ours.Close()
				return
			}
		}
	}()
	c, err := Attach(context.Background(), theirs, "bot", zero)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	go func() {
		for range c.Events() {
		}
	}()
	for range 20 {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		err := c.Direct(ctx, "alice", "hello")
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Direct = %v, want %v", err, context.DeadlineExceeded)
		}
	}
	c.mu.Lock()
	left := len(c.keyWait)
	c.mu.Unlock()
	if left != 0 {
		t.Fatalf("%d names still have waiters", left)
	}
}

// A host that hangs up before TLS, as one turning connections away does,
// is told apart from one that cannot be reached or breaks the protocol.
func TestHangUpBeforeTLSIsErrHungUp(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			conn.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = Join(ctx, ln.Addr().String(), Config{Name: "bot", Passphrase: []byte("pass")})
	if !errors.Is(err, ErrHungUp) {
		t.Fatalf("Join = %v, want %v", err, ErrHungUp)
	}
}
