package jsonlines

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssc-chat/ssc/chat"
	"github.com/ssc-chat/ssc/host"
	"github.com/ssc-chat/ssc/host/hosttest"
	"github.com/ssc-chat/ssc/peer"
)

// lines is output that a test can wait on.
type lines struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *lines) wait(t *testing.T, s string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		l.mu.Lock()
		out := l.buf.String()
		l.mu.Unlock()
		if strings.Contains(out, s) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the output within 5s:\n%s", s, out)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A stdin line longer than any message gives an error event, and the
// member stays in the session and can still send.
func TestRunLongLineKeepsMember(t *testing.T) {
	h := hosttest.Start(t, host.Config{SessionName: "json", Passphrase: []byte("pass")})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := peer.Join(ctx, h.Addr, peer.Config{Name: "bot", Passphrase: []byte("pass")})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	in, stdin := io.Pipe()
	out := &lines{}
	type result struct {
		end peer.Event
		err error
	}
	done := make(chan result, 1)
	go func() {
		end, err := Run(ctx, chat.New(c, nil), in, NewWriter(out))
		done <- result{end, err}
	}()
	out.wait(t, `"type":"welcome"`)

	go func() {
		io.WriteString(stdin, strings.Repeat("x", 100<<10)+"\n")
		io.WriteString(stdin, "still here\n")
	}()
	out.wait(t, `{"type":"error","text":"line not sent: it is longer than 65536 bytes (a message can be at most 4096)"}`)
	out.wait(t, `"from":"bot","text":"still here","self":true`)

	stdin.Close()
	select {
	case r := <-done:
		if r.err != nil || r.end.Reason != peer.ReasonLeft {
			t.Fatalf("Run = %+v, %v; want the member to leave at the end of input", r.end, r.err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return at the end of input")
	}
}

// A message from the host's operator says "host": true and keeps "from" the
// plain name; a member's message never does, whatever its text.
func TestRunMarksHostMessages(t *testing.T) {
	h := hosttest.Start(t, host.Config{SessionName: "json", Passphrase: []byte("pass")})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := h.Session.ConnectLocal()
	if err != nil {
		t.Fatal(err)
	}
	operator, err := peer.Attach(ctx, conn, "alice", h.Session.Fingerprint())
	if err != nil {
		t.Fatal(err)
	}
	defer operator.Close()
	c, err := peer.Join(ctx, h.Addr, peer.Config{Name: "bot", Passphrase: []byte("pass")})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	in, stdin := io.Pipe()
	defer stdin.Close()
	out := &lines{}
	go Run(ctx, chat.New(c, nil), in, NewWriter(out))
	out.wait(t, `"type":"welcome"`)

	if err := operator.Say(ctx, "from the host"); err != nil {
		t.Fatal(err)
	}
	out.wait(t, `"from":"alice","text":"from the host","self":false,"host":true}`)
	io.WriteString(stdin, "◆ alice: not from the host\n")
	out.wait(t, `"from":"bot","text":"◆ alice: not from the host","self":true}`)
	if n := strings.Count(out.String(), `"host":true`); n != 2 { // the welcome's roster, and the host's message
		t.Errorf(`"host":true appears %d times, want 2:\n%s`, n, out.String())
	}
}
