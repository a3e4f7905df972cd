package host

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/time/rate"

	"github.com/ssc-chat/ssc/keys"
	"github.com/ssc-chat/ssc/wire"
)

func newTestSession(tb testing.TB) *Session {
	tb.Helper()
	return newTestSessionWith(tb, Config{})
}

func newTestSessionWith(tb testing.TB, cfg Config) *Session {
	tb.Helper()
	id, err := keys.GenerateHostIdentity()
	if err != nil {
		tb.Fatal(err)
	}
	cfg.SessionName, cfg.Passphrase, cfg.Identity = "test", []byte("pass"), id
	s, err := New(cfg)
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
		r := wire.NewReader(ours, wire.MaxHelloFrame)
		m, err := s.hello(ours, r, "pipe", false)
		if err != nil {
			ours.Close()
			return
		}
		s.serveMember(m, r)
	})
	return theirs, hello(tb, theirs, s.sessionID(), name)
}

// seatOperator connects the operator's own member, as ssc start does.
func seatOperator(tb testing.TB, s *Session) (net.Conn, *wire.Reader) {
	tb.Helper()
	conn, err := s.ConnectLocal()
	if err != nil {
		tb.Fatal(err)
	}
	return conn, hello(tb, conn, s.sessionID(), "host")
}

// helloFrom is the Hello of a member with keys id in session sid.
func helloFrom(id *keys.Identity, sid []byte, name string) *wire.Hello {
	created := time.Now().UnixMilli()
	return &wire.Hello{Name: name, KEMKey: id.KEMKey, Identity: wire.Identity{
		SignKey: id.Public.SignKey, KEMHash: id.Public.KEMHash, Created: created, Sig: id.SignEntry(sid, name, created),
	}}
}

// hello names a member with fresh keys and reads its Welcome.
func hello(tb testing.TB, theirs net.Conn, sid []byte, name string) *wire.Reader {
	tb.Helper()
	id, err := keys.GenerateIdentity()
	if err != nil {
		tb.Fatal(err)
	}
	if err := wire.Write(theirs, helloFrom(id, sid, name)); err != nil {
		tb.Fatal(err)
	}
	r := wire.NewReader(theirs, wire.MaxWelcomeFrame)
	msg, err := r.Next()
	if err != nil {
		tb.Fatal(err)
	}
	if _, ok := msg.(*wire.Welcome); !ok {
		tb.Fatalf("%s got %T, want Welcome", name, msg)
	}
	return r
}

// say makes a Say the host will relay; the host never verifies
// signatures, so these tests need no real one.
func say(text string) *wire.Say {
	return &wire.Say{Body: []byte(text), Sig: make([]byte, wire.SignatureSize)}
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

// A flood is read at the rate limit: the burst goes at once, the rest at 5
// a second, every line in the end and in order, no notice and nobody
// removed; and a member who talks meanwhile is not slowed by it.
func TestFloodIsRateLimited(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newTestSession(t)
		conn, r := seat(t, s, "flooder")
		other, otherR := seat(t, s, "other")
		var mu sync.Mutex
		var relayed []string
		var notices int
		otherSaid := false
		go func() {
			for {
				msg, err := otherR.Next()
				if err != nil {
					return
				}
				mu.Lock()
				switch msg := msg.(type) {
				case *wire.Notice:
					notices++
				case *wire.ChatMessage:
					if msg.From == "flooder" {
						relayed = append(relayed, string(msg.Body))
					} else {
						otherSaid = true
					}
				}
				mu.Unlock()
			}
		}()
		go func() { // the flooder's own copies
			for {
				if _, err := r.Next(); err != nil {
					return
				}
			}
		}()
		const sent = wire.MessageBurst * 3
		go func() {
			for i := range sent {
				if wire.Write(conn, say(fmt.Sprint(i))) != nil {
					return
				}
			}
		}()
		count := func() int {
			synctest.Wait()
			mu.Lock()
			defer mu.Unlock()
			return len(relayed)
		}
		if n := count(); n != wire.MessageBurst {
			t.Fatalf("%d lines relayed at once, want the burst of %d", n, wire.MessageBurst)
		}
		wire.Write(other, say("meanwhile"))
		time.Sleep(time.Second)
		if n := count(); n > wire.MessageBurst+wire.MessageRate+1 {
			t.Fatalf("%d lines relayed within a second, want at most %d", n, wire.MessageBurst+wire.MessageRate+1)
		}
		mu.Lock()
		said := otherSaid
		mu.Unlock()
		if !said {
			t.Fatal("another member was held up by the flood")
		}
		time.Sleep(time.Minute)
		if n := count(); n != sent {
			t.Fatalf("%d of %d lines relayed", n, sent)
		}
		mu.Lock()
		defer mu.Unlock()
		for i, body := range relayed {
			if body != fmt.Sprint(i) {
				t.Fatalf("line %d is %q: out of order", i, body)
			}
		}
		if notices != 0 {
			t.Fatalf("%d notices, want none", notices)
		}
		s.Close()
		conn.Close()
		other.Close()
	})
}

func TestProtocolViolationDropsOnlyTheOffender(t *testing.T) {
	s := newTestSession(t)
	_, watcherR := seat(t, s, "watcher")
	bad, _ := seat(t, s, "bad")
	// A member may not send host messages.
	wire.Write(bad, &wire.ChatMessage{From: "watcher", Body: []byte("forged"), Sig: make([]byte, wire.SignatureSize)})
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

// count reads frames without decoding them and signals each chat message:
// the benchmark should spend its time in the host, not in the members.
func count(conn net.Conn, id int, messages chan<- int) {
	var buf []byte
	var prefix [4]byte
	for {
		if _, err := io.ReadFull(conn, prefix[:]); err != nil {
			return
		}
		n := int(binary.BigEndian.Uint32(prefix[:]))
		if cap(buf) < n {
			buf = make([]byte, n)
		}
		if _, err := io.ReadFull(conn, buf[:n]); err != nil {
			return
		}
		if wire.Type(buf[1]) == wire.TypeMessage {
			messages <- id
		}
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
			received := make(chan int, 1<<16)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			for i := range n {
				conn, _ := seat(b, s, fmt.Sprintf("m%d", i))
				wg.Go(func() { count(conn, i, received) })
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			// The room's heap per member: queue, roster entry with its keys,
			// limiter, goroutine stacks are not heap (and the pipes and the
			// readers of this benchmark are counted too, so this is an upper bound).
			perMember := (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / float64(n) / 1024
			sender, senderR := seat(b, s, "sender")
			wg.Go(func() { drain(senderR, nil) })
			s.mu.Lock()
			s.members["sender"].limiter = rate.NewLimiter(rate.Inf, 0)
			s.mu.Unlock()
			text := strings.Repeat("x", 200)
			// Members seated over unbuffered pipes can lag behind a burst of
			// joins and be dropped, which TCP's buffers would absorb; the
			// benchmark is only meaningful with the whole room present.
			s.mu.Lock()
			present := len(s.members)
			s.mu.Unlock()
			if present != n+1 {
				b.Fatalf("%d of %d members still seated after joining", present, n+1)
			}
			b.ReportAllocs()
			b.ResetTimer()
			// At most window messages in flight, so the benchmark measures
			// relaying rather than queueing.
			const window = 64
			credit := make(chan struct{}, window+b.N)
			for range window {
				credit <- struct{}{}
			}
			go func() {
				for range b.N {
					<-credit
					wire.Write(sender, say(text))
				}
			}()
			// Message k is done when every member has it; only then may
			// message k+window go out.
			got := make([]int, n)
			complete := make([]int, b.N+1)
			for i := range b.N * n {
				select {
				case id := <-received:
					got[id]++
					if complete[got[id]]++; complete[got[id]] == n {
						credit <- struct{}{}
					}
				case <-time.After(10 * time.Second):
					b.Fatalf("%d of %d deliveries", i, b.N*n)
				}
			}
			b.StopTimer()
			b.ReportMetric(perMember, "heap-KiB/member")
			s.Close()
			wg.Wait()
		})
	}
}

func TestHelloWithBadIdentityIsRefused(t *testing.T) {
	s := newTestSession(t)
	id, err := keys.GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	good := helloFrom(id, s.sessionID(), "alice").Identity
	created := good.Created
	kem := id.KEMKey
	other, err := keys.GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		hello *wire.Hello
	}{
		{"signed for another name", &wire.Hello{Name: "mallory", Identity: good, KEMKey: kem}},
		{"another time", &wire.Hello{Name: "alice", Identity: wire.Identity{SignKey: good.SignKey, KEMHash: good.KEMHash, Created: created + 1, Sig: good.Sig}, KEMKey: kem}},
		{"signed for another session", &wire.Hello{Name: "alice", Identity: helloFrom(id, make([]byte, 32), "alice").Identity, KEMKey: kem}},
		{"someone else's KEM key", &wire.Hello{Name: "alice", Identity: good, KEMKey: other.KEMKey}},
		{"not a KEM key", &wire.Hello{Name: "alice", Identity: good, KEMKey: make([]byte, wire.KEMKeySize)}},
		{"name not in its canonical form", &wire.Hello{Name: " alice", Identity: good, KEMKey: kem}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ours, theirs := net.Pipe()
			defer theirs.Close()
			go func() {
				r := wire.NewReader(ours, wire.MaxHelloFrame)
				if m, err := s.hello(ours, r, "pipe", false); err == nil {
					s.serveMember(m, r)
				}
				ours.Close()
			}()
			if err := wire.Write(theirs, tt.hello); err != nil {
				t.Fatal(err)
			}
			msg, err := wire.NewReader(theirs, wire.MaxWelcomeFrame).Next()
			if err != nil {
				t.Fatal(err)
			}
			if r, ok := msg.(*wire.Refused); !ok || r.Code != wire.RefuseBadName {
				t.Fatalf("got %#v, want a refusal", msg)
			}
		})
	}
}

// A signing key is seated once per session: a recorded roster entry sent
// again, after its owner left or while it is still here, is refused, so
// nobody can take over a departed member's name with its keys.
func TestSigningKeyGetsOneSeatPerSession(t *testing.T) {
	s := newTestSession(t)
	id, err := keys.GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	entry := helloFrom(id, s.sessionID(), "alice")
	try := func() (net.Conn, wire.Message) {
		ours, theirs := net.Pipe()
		s.wg.Go(func() {
			r := wire.NewReader(ours, wire.MaxHelloFrame)
			if m, err := s.hello(ours, r, "pipe", false); err == nil {
				s.serveMember(m, r)
			}
			ours.Close()
		})
		if err := wire.Write(theirs, entry); err != nil {
			t.Fatal(err)
		}
		msg, err := wire.NewReader(theirs, wire.MaxWelcomeFrame).Next()
		if err != nil {
			t.Fatal(err)
		}
		return theirs, msg
	}
	first, msg := try()
	if _, ok := msg.(*wire.Welcome); !ok {
		t.Fatalf("first seat: got %#v", msg)
	}
	go io.Copy(io.Discard, first)
	_, msg = try()
	if r, ok := msg.(*wire.Refused); !ok || r.Code != wire.RefuseBadName {
		t.Fatalf("the same entry while its owner is here: got %#v, want a refusal", msg)
	}
	wire.Write(first, &wire.Bye{})
	for s.Members() > 0 {
		time.Sleep(time.Millisecond)
	}
	again, msg := try()
	defer again.Close()
	if r, ok := msg.(*wire.Refused); !ok || r.Code != wire.RefuseBadName {
		t.Fatalf("the same entry after its owner left: got %#v, want a refusal", msg)
	}
}

// A Config printed by mistake shows neither the passphrase nor the key.
func TestConfigPrintsRedacted(t *testing.T) {
	id, err := keys.GenerateHostIdentity()
	if err != nil {
		t.Fatal(err)
	}
	defer id.Wipe()
	cfg := Config{SessionName: "s", Passphrase: []byte("hunter2-secret"), Identity: id}
	for _, out := range []string{fmt.Sprint(cfg), fmt.Sprintf("%v %+v %#v", cfg, cfg, cfg), fmt.Sprintf("%v", &cfg)} {
		if strings.Contains(out, "hunter2") || !strings.Contains(out, "redacted") {
			t.Errorf("Config printed as %s", out)
		}
	}
}
