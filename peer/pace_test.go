package peer

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ssc-chat/ssc/keys"
	"github.com/ssc-chat/ssc/wire"
)

// lineTime is how long a line waits for its turn once the burst is spent.
const lineTime = time.Second / wire.MessageRate

// attachCounting attaches a client to a fake host that seats it and counts
// the chat lines it reads, until the client says goodbye. It returns with
// the client's burst spent: the next line has to wait its turn.
func attachCounting(t *testing.T) (*Client, *atomic.Int64) {
	t.Helper()
	ours, theirs := net.Pipe()
	var lines atomic.Int64
	go func() {
		defer ours.Close()
		r := wire.NewReader(ours, wire.MaxHelloFrame)
		msg, err := r.Next()
		if err != nil {
			return
		}
		h := msg.(*wire.Hello)
		members := []wire.Member{{Name: h.Name, Since: 1, Identity: h.Identity}}
		if wire.Write(ours, &wire.Welcome{Name: h.Name, Session: "test", Members: members, SessionID: make([]byte, 32)}) != nil {
			return
		}
		r.SetLimit(wire.MaxFrame)
		for {
			msg, err := r.Next()
			if err != nil {
				return
			}
			switch msg.(type) {
			case *wire.Say:
				lines.Add(1)
			case *wire.Bye:
				return
			}
		}
	}()
	c, err := Attach(context.Background(), theirs, "bot", keys.Fingerprint{})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for range c.Events() {
		}
	}()
	if d := c.SendDelay(); d != 0 {
		t.Fatalf("a fresh client's SendDelay is %s, want 0", d)
	}
	for range paceBurst {
		if err := c.Say(context.Background(), "burst"); err != nil {
			t.Fatal(err)
		}
	}
	if d := c.SendDelay(); d != lineTime {
		t.Fatalf("SendDelay after the burst is %s, want %s", d, lineTime)
	}
	return c, &lines
}

// A line waiting for its turn gives up when its context ends, with the
// context's error, and is not sent; the next line does not wait longer for it.
func TestPacedSayHonoursContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, lines := attachCounting(t)
		defer c.Close()
		start := time.Now()
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(lineTime/4, cancel)
		if err := c.Say(ctx, "never sent"); !errors.Is(err, context.Canceled) {
			t.Fatalf("Say = %v, want context.Canceled", err)
		}
		if d := time.Since(start); d != lineTime/4 {
			t.Fatalf("Say returned after %s, want when ctx was cancelled (%s)", d, lineTime/4)
		}
		if err := c.Say(context.Background(), "next"); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != lineTime {
			t.Fatalf("the next line went after %s, want %s", d, lineTime)
		}
		synctest.Wait()
		if n := lines.Load(); n != paceBurst+1 {
			t.Fatalf("the host read %d lines, want %d", n, paceBurst+1)
		}
	})
}

// A line waiting for its turn when the client leaves is ErrClosed at once.
func TestPacedSayEndsWithClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, lines := attachCounting(t)
		start := time.Now()
		closed := make(chan struct{})
		time.AfterFunc(lineTime/4, func() {
			c.Close()
			close(closed)
		})
		if err := c.Say(context.Background(), "never sent"); !errors.Is(err, ErrClosed) {
			t.Fatalf("Say = %v, want ErrClosed", err)
		}
		if d := time.Since(start); d != lineTime/4 {
			t.Fatalf("Say returned after %s, want when the client closed (%s)", d, lineTime/4)
		}
		<-closed
		if n := lines.Load(); n != paceBurst {
			t.Fatalf("the host read %d lines, want %d", n, paceBurst)
		}
	})
}
