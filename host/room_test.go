package host

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/ssc-chat/ssc/keys"
	"github.com/ssc-chat/ssc/wire"
)

func newTestSession(tb testing.TB) *Session {
	tb.Helper()
	id, err := keys.GenerateHostIdentity()
	if err != nil {
		tb.Fatal(err)
	}
	s, err := New(Config{SessionName: "test", Passphrase: []byte("pass"), Identity: id})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// seat puts a member in the room over an in-memory pipe, past admission,
// and returns the member's end of the pipe after reading its Welcome.
func seat(tb testing.TB, s *Session, name string) (net.Conn, *wire.Reader) {
	tb.Helper()
	ours, theirs := net.Pipe()
	s.wg.Go(func() {
		r := wire.NewReader(ours, wire.MaxHandshakeFrame)
		m, err := s.hello(ours, r, "pipe", false)
		if err != nil {
			ours.Close()
			return
		}
		s.serveMember(m, r)
	})
	if err := wire.Write(theirs, &wire.Hello{Name: name}); err != nil {
		tb.Fatal(err)
	}
	r := wire.NewReader(theirs, wire.MaxFrame)
	msg, err := r.Next()
	if err != nil {
		tb.Fatal(err)
	}
	if _, ok := msg.(*wire.Welcome); !ok {
		tb.Fatalf("%s got %T, want Welcome", name, msg)
	}
	return theirs, r
}

// drain reads frames from conn until it closes, counting chat messages.
func drain(r *wire.Reader, messages chan<- struct{}) {
	for {
		msg, err := r.Next()
		if err != nil {
			return
		}
		if _, ok := msg.(*wire.ChatMessage); ok && messages != nil {
			messages <- struct{}{}
		}
	}
}

func TestSlowMemberIsDroppedAndRoomGoesOn(t *testing.T) {
	s := newTestSession(t)
	_, watcherR := seat(t, s, "watcher")
	stuck, _ := seat(t, s, "stuck") // never reads again
	defer stuck.Close()

	left := make(chan *wire.Left, 16)
	messages := make(chan *wire.ChatMessage, 4096)
	go func() {
		for {
			msg, err := watcherR.Next()
			if err != nil {
				return
			}
			switch msg := msg.(type) {
			case *wire.Left:
				left <- msg
			case *wire.ChatMessage:
				messages <- msg
			}
		}
	}()

	// Enough talkers that their bursts together overflow one queue.
	talkers := QueueLen/messageBurst + 2
	for i := range talkers {
		conn, r := seat(t, s, fmt.Sprintf("talker%d", i))
		go drain(r, nil)
		go func() {
			for j := range messageBurst {
				if wire.Write(conn, &wire.Say{Text: fmt.Sprintf("line %d", j)}) != nil {
					return
				}
			}
		}()
	}
	select {
	case l := <-left:
		if l.Name != "stuck" || l.Reason != wire.LeaveTooSlow {
			t.Fatalf("got %+v, want stuck dropped as too slow", l)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a member that stopped reading was never dropped")
	}
	// Everyone else got every line.
	want := talkers * messageBurst
	for got := 0; got < want; got++ {
		select {
		case <-messages:
		case <-time.After(5 * time.Second):
			t.Fatalf("watcher got %d of %d lines", got, want)
		}
	}
}

func TestFloodIsRateLimited(t *testing.T) {
	s := newTestSession(t)
	conn, r := seat(t, s, "flooder")
	var notices, relayed int
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			msg, err := r.Next()
			if err != nil {
				return
			}
			switch msg := msg.(type) {
			case *wire.Notice:
				if strings.Contains(msg.Text, "faster than the session allows") {
					notices++
				}
			case *wire.ChatMessage:
				relayed++
			}
		}
	}()
	const sent = messageBurst * 3
	for i := range sent {
		if err := wire.Write(conn, &wire.Say{Text: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	wire.Write(conn, &wire.Bye{})
	<-done
	// A paste of a burst goes through whole; the flood beyond it does not,
	// and the sender is told rather than disconnected.
	if relayed < messageBurst || relayed >= sent {
		t.Fatalf("%d of %d lines relayed", relayed, sent)
	}
	if notices != sent-relayed {
		t.Fatalf("%d notices for %d refused lines", notices, sent-relayed)
	}
}

func TestProtocolViolationDropsOnlyTheOffender(t *testing.T) {
	s := newTestSession(t)
	_, watcherR := seat(t, s, "watcher")
	bad, _ := seat(t, s, "bad")
	// A member may not send host messages.
	wire.Write(bad, &wire.ChatMessage{From: "watcher", Text: "forged"})
	for {
		msg, err := watcherR.Next()
		if err != nil {
			t.Fatal(err)
		}
		if m, ok := msg.(*wire.ChatMessage); ok {
			t.Fatalf("relayed %+v", m)
		}
		if l, ok := msg.(*wire.Left); ok {
			if l.Name != "bad" || l.Reason != wire.LeaveLost {
				t.Fatalf("got %+v", l)
			}
			break
		}
	}
	if _, err := io.ReadAll(bad); err != nil && !errors.Is(err, io.ErrClosedPipe) {
		t.Fatalf("offender's connection: %v", err)
	}
}

// BenchmarkFanout measures relaying one chat line to a room of N members:
// the work the host does per message, from the sender's frame to every
// member's queue and out through every writer.
func BenchmarkFanout(b *testing.B) {
	for _, n := range []int{10, 100, 500} {
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			s := newTestSession(b)
			var wg sync.WaitGroup
			received := make(chan struct{}, 1<<16)
			for i := range n {
				_, r := seat(b, s, fmt.Sprintf("m%d", i))
				wg.Go(func() { drain(r, received) })
			}
			sender, _ := seat(b, s, "sender")
			s.mu.Lock()
			s.members["sender"].limiter = rate.NewLimiter(rate.Inf, 0)
			s.mu.Unlock()
			text := strings.Repeat("x", 200)
			b.ReportAllocs()
			b.ResetTimer()
			go func() {
				for range b.N {
					wire.Write(sender, &wire.Say{Text: text})
				}
			}()
			for range b.N * n {
				<-received
			}
			b.StopTimer()
			s.Close()
			wg.Wait()
		})
	}
}
