package sessiontest

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssc-chat/ssc/chat"
	"github.com/ssc-chat/ssc/host"
	"github.com/ssc-chat/ssc/host/hosttest"
	"github.com/ssc-chat/ssc/peer"
	"github.com/ssc-chat/ssc/peer/peertest"
)

const passphrase = "correct-horse-battery-staple"

// room is a running host with its operator attached.
type room struct {
	t        testing.TB
	session  *host.Session
	addr     string
	operator *peer.Client
	opChat   *chat.Chat // the operator's chat language, with the host's commands
	opEvents *peertest.Recorder
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

// startRoomB starts a room for a test or a benchmark; options adjust the
// host's configuration.
func startRoomB(t testing.TB, options ...func(*host.Config)) *room {
	t.Helper()
	cfg := host.Config{SessionName: "test session", Passphrase: []byte(passphrase)}
	for _, o := range options {
		o(&cfg)
	}
	h := hosttest.Start(t, cfg)
	s := h.Session
	conn, err := s.ConnectLocal()
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{Conn: conn}
	op, err := peer.Attach(context.Background(), rec, "host", s.Fingerprint())
	if err != nil {
		t.Fatal(err)
	}
	return &room{t: t, session: s, addr: h.Addr, operator: op, opChat: chat.New(op, h), opEvents: peertest.Record(op), opWire: rec}
}

func (r *room) join(name string) (*peer.Client, *peertest.Recorder) {
	r.t.Helper()
	c, err := r.tryJoin(name, passphrase)
	if err != nil {
		r.t.Fatalf("join %s: %v", name, err)
	}
	ev := peertest.Record(c)
	r.t.Cleanup(func() { c.Close() })
	return c, ev
}

func (r *room) tryJoin(name, pass string) (*peer.Client, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return peer.Join(ctx, r.addr, peer.Config{Name: name, Passphrase: []byte(pass)})
}

// do has the operator's chat carry out line and returns its output.
func (r *room) do(line string) string {
	r.t.Helper()
	return do(r.t, r.opChat, line)
}

// do has ch carry out line and returns its output, failing the test when
// it returns an error.
func do(t testing.TB, ch *chat.Chat, line string) string {
	t.Helper()
	out, err := ch.Do(context.Background(), line)
	if err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	return out
}

// member has member c carry out line as the chat language does.
func member(t testing.TB, c *peer.Client, line string) string {
	t.Helper()
	return do(t, chat.New(c, nil), line)
}

// wantOutput fails unless a command's output holds s.
func wantOutput(t testing.TB, line, out, s string) {
	t.Helper()
	if !strings.Contains(out, s) {
		t.Fatalf("%s answered %q, want %q in it", line, out, s)
	}
}

type contextT = context.Context

func testContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 10*time.Second)
}
