package sessiontest

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/ssc-chat/ssc/chat"
	"github.com/ssc-chat/ssc/host"
	"github.com/ssc-chat/ssc/keys"
	"github.com/ssc-chat/ssc/peer"
	"github.com/ssc-chat/ssc/peer/peertest"
)

// relay accepts on 127.0.0.1 and forwards each connection to target. With
// a mitm identity it terminates TLS on both sides and relays the plaintext
// admission bytes, as an attacker in the path with its own certificate would.
type relay struct {
	ln     net.Listener
	target string
	mitm   *keys.HostIdentity

	mu    sync.Mutex
	conns []net.Conn
	wg    sync.WaitGroup
}

func startRelay(t *testing.T, target string, mitm *keys.HostIdentity) *relay {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &relay{ln: ln, target: target, mitm: mitm}
	r.wg.Go(r.serve)
	t.Cleanup(r.close)
	return r
}

func (r *relay) serve() {
	for {
		in, err := r.ln.Accept()
		if err != nil {
			return
		}
		out, err := net.Dial("tcp", r.target)
		if err != nil {
			in.Close()
			continue
		}
		var a, b net.Conn = in, out
		if r.mitm != nil {
			a = tls.Server(in, keys.ServerTLSConfig(r.mitm))
			b = tls.Client(out, keys.ClientTLSConfig(nil))
		}
		r.mu.Lock()
		r.conns = append(r.conns, in, out)
		r.mu.Unlock()
		r.wg.Go(func() { io.Copy(a, b); a.Close(); b.Close() })
		r.wg.Go(func() { io.Copy(b, a); a.Close(); b.Close() })
	}
}

// cut drops every relayed connection, as a broken network would.
func (r *relay) cut() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.conns {
		c.Close()
	}
}

func (r *relay) close() {
	r.ln.Close()
	r.cut()
	r.wg.Wait()
}

func joinVia(addr, name string) (*peer.Client, error) {
	ctx, cancel := testContext()
	defer cancel()
	return peer.Join(ctx, addr, peer.Config{Name: name, Passphrase: []byte(passphrase)})
}

func TestManInTheMiddleFailsAdmission(t *testing.T) {
	r := startRoom(t)

	// Control: a relay that only forwards bytes changes nothing.
	plain := startRelay(t, r.addr, nil)
	c, err := joinVia(plain.ln.Addr().String(), "alice")
	if err != nil {
		t.Fatalf("through a plain relay: %v", err)
	}
	c.Close()

	// A relay that terminates TLS on both sides, relaying every admission
	// byte while both ends know the passphrase, must fail on both sides.
	mitmID, err := keys.GenerateHostIdentity()
	if err != nil {
		t.Fatal(err)
	}
	mitm := startRelay(t, r.addr, mitmID)
	_, err = joinVia(mitm.ln.Addr().String(), "bob")
	if !errors.Is(err, peer.ErrWrongPassphrase) {
		t.Fatalf("through a man in the middle: got %v, want ErrWrongPassphrase", err)
	}
	r.opEvents.Wait(t, "host's side failing", peertest.NoticeContaining("failed admission"))
	for _, m := range r.operator.Members() {
		if m.Name == "bob" {
			t.Fatal("bob was seated through a man in the middle")
		}
	}
}

func TestPinnedFingerprintMismatch(t *testing.T) {
	r := startRoom(t)
	other, _ := keys.GenerateHostIdentity()
	ctx, cancel := testContext()
	defer cancel()
	_, err := peer.Join(ctx, r.addr, peer.Config{Name: "alice", Passphrase: []byte(passphrase), Pin: &other.Fingerprint})
	if !errors.Is(err, peer.ErrHostMismatch) {
		t.Fatalf("got %v, want ErrHostMismatch", err)
	}
	fp := r.session.Fingerprint()
	pinned, err := peer.Join(ctx, r.addr, peer.Config{Name: "alice", Passphrase: []byte(passphrase), Pin: &fp})
	if err != nil {
		t.Fatalf("with the right pin: %v", err)
	}
	// A mismatch aborts before any admission byte: the host counted no
	// guess. Everything the operator heard up to the pinned join is
	// looked at, so a notice of a failed admission before it would be seen.
	r.opEvents.Wait(t, "alice joining with the right pin", peertest.Joined("alice"))
	pinned.Close()
	for _, ev := range r.opEvents.Seen() {
		if strings.Contains(ev.Text, "failed admission") {
			t.Fatal("a pin mismatch reached admission")
		}
	}
}

func TestConnectionLossIsExplained(t *testing.T) {
	r := startRoom(t)
	link := startRelay(t, r.addr, nil)
	c, err := joinVia(link.ln.Addr().String(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	ev := peertest.Record(c)
	ev.Wait(t, "welcome", peertest.Kind(peer.KindWelcome))
	link.cut()
	end := ev.Wait(t, "end", peertest.Kind(peer.KindEnd))
	if end.Reason != peer.ReasonLost || !strings.Contains(chat.New(c, nil).Describe(end), "connection to the host lost") {
		t.Fatalf("end event %+v", end)
	}
	r.opEvents.Wait(t, "alice lost", peertest.Left("alice", peer.ReasonLost))
}

// A relay that holds the host's own certificate and key, as a host's
// compromised machine or a stolen key would give someone, passes the
// joiner's pin and names the same host in CPace's channel identifier. Only
// the exporter binding stops it: each TLS connection has its own, so the
// two CPace runs it relays cannot agree. Without that binding this test
// fails.
func TestManInTheMiddleWithTheHostsOwnKeyFailsAdmission(t *testing.T) {
	id, err := keys.GenerateHostIdentity()
	if err != nil {
		t.Fatal(err)
	}
	pin := id.Fingerprint
	r := startRoomB(t, func(c *host.Config) { c.Identity = id })
	mitm := startRelay(t, r.addr, id)
	ctx, cancel := testContext()
	defer cancel()
	_, err = peer.Join(ctx, mitm.ln.Addr().String(), peer.Config{Name: "bob", Passphrase: []byte(passphrase), Pin: &pin})
	if !errors.Is(err, peer.ErrWrongPassphrase) {
		t.Fatalf("through a relay with the host's own key: got %v, want ErrWrongPassphrase", err)
	}
	r.opEvents.Wait(t, "host's side failing", peertest.NoticeContaining("failed admission"))
	for _, m := range r.operator.Members() {
		if m.Name == "bob" {
			t.Fatal("bob was seated through a man in the middle")
		}
	}
}
