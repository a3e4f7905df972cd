package sessiontest

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/ssc-chat/ssc/host"
	"github.com/ssc-chat/ssc/keys"
	"github.com/ssc-chat/ssc/peer"
	"github.com/ssc-chat/ssc/peer/peertest"
	"github.com/ssc-chat/ssc/wire"
)

// crowd holds connections open against a host the way an attacker would,
// each kind in its own goroutine, until stop is called.
type crowd struct {
	t      *testing.T
	addr   string
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  []net.Conn
}

func newCrowd(t *testing.T, addr string) *crowd {
	ctx, cancel := context.WithCancel(context.Background())
	c := &crowd{t: t, addr: addr, ctx: ctx, cancel: cancel}
	t.Cleanup(c.stop)
	return c
}

func (c *crowd) dial() (net.Conn, error) {
	conn, err := (&net.Dialer{}).DialContext(c.ctx, "tcp", c.addr)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.conns = append(c.conns, conn)
	c.mu.Unlock()
	return conn, nil
}

// idle opens n sockets that never send a byte and reopens each one the host
// closes, at most reopen times in all.
func (c *crowd) idle(n, reopen int) {
	budget := make(chan struct{}, reopen)
	for range reopen {
		budget <- struct{}{}
	}
	for range n {
		c.wg.Go(func() {
			for {
				conn, err := c.dial()
				if err != nil {
					return
				}
				conn.Read(make([]byte, 1)) // until the host closes it
				select {
				case <-budget:
				default:
					return
				}
			}
		})
	}
}

// garbage sends random bytes where a TLS handshake should be.
func (c *crowd) garbage() {
	conn, err := c.dial()
	if err != nil {
		c.t.Fatal(err)
	}
	c.wg.Go(func() {
		junk := make([]byte, 512)
		for range 1000 {
			rand.Read(junk)
			if _, err := conn.Write(junk); err != nil {
				return
			}
		}
	})
}

// slowLoris completes TLS, then sends an admission frame one byte a second.
func (c *crowd) slowLoris(n int) {
	for range n {
		conn, err := c.dial()
		if err != nil {
			c.t.Fatal(err)
		}
		c.wg.Go(func() {
			tc := tls.Client(conn, keys.ClientTLSConfig(nil))
			if tc.HandshakeContext(c.ctx) != nil {
				return
			}
			frame, _ := wire.Append(nil, &wire.AdmitInit{Share: make([]byte, wire.ShareSize)})
			for _, b := range frame {
				select {
				case <-c.ctx.Done():
					return
				case <-time.After(time.Second):
				}
				if _, err := tc.Write([]byte{b}); err != nil {
					return
				}
			}
		})
	}
}

func (c *crowd) stop() {
	c.cancel()
	c.mu.Lock()
	for _, conn := range c.conns {
		conn.Close()
	}
	c.mu.Unlock()
	c.wg.Wait()
}

// Idle sockets, reopened as fast as the host closes them, a garbage sender
// and slow TLS connections together lock nobody out: joiners get in at
// once, and the operator hears that connections are being shed.
func TestStrangersCannotLockJoinersOut(t *testing.T) {
	r := startRoom(t)
	c := newCrowd(t, r.addr)
	c.idle(host.MaxPending+40, 400)
	c.garbage()
	c.slowLoris(4)
	time.Sleep(200 * time.Millisecond) // let the crowd fill the lobby first

	for i := range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		joiner, err := peer.Join(ctx, r.addr, peer.Config{Name: fmt.Sprintf("joiner%d", i), Passphrase: []byte(passphrase)})
		cancel()
		if err != nil {
			t.Fatalf("joiner %d was kept out by the crowd: %v", i, err)
		}
		peertest.Record(joiner)
		joiner.Close()
	}
	r.opEvents.Wait(t, "a notice that connections are being shed", peertest.NoticeContaining("closed or turned away to make room"))
	c.stop()
	r.operator.Close()
}

// When every place in the lobby is taken by a joiner in the middle of
// admission, a newcomer is told the host is busy and when to come back,
// instead of having its connection cut without a word.
func TestFullLobbyTurnsJoinersAwayWithAReason(t *testing.T) {
	r := startRoom(t)
	c := newCrowd(t, r.addr)
	// Each sends a valid first admission message and then waits, holding
	// a guess or waiting for a place to guess: the host must not shed those.
	var ready sync.WaitGroup
	for range host.MaxPending {
		conn, err := c.dial()
		if err != nil {
			t.Fatal(err)
		}
		ready.Add(1)
		c.wg.Go(func() {
			tc := tls.Client(conn, keys.ClientTLSConfig(nil))
			err := tc.HandshakeContext(c.ctx)
			if err == nil {
				cs := tc.ConnectionState()
				fp, _ := keys.PeerFingerprint(cs)
				sid, _ := keys.ExporterSID(cs)
				var cp *keys.CPace
				if cp, err = keys.NewCPace(keys.Initiator, []byte("a guess"), keys.AdmissionCI(fp), sid, nil, rand.Reader); err == nil {
					defer cp.Wipe()
					err = wire.Write(tc, &wire.AdmitInit{Share: cp.Share()})
				}
			}
			ready.Done()
			if err == nil {
				wire.NewReader(tc, wire.MaxHandshakeFrame).Next() // hold until answered or closed
			}
		})
	}
	ready.Wait()
	time.Sleep(300 * time.Millisecond) // for the host to read every first message

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := peer.Join(ctx, r.addr, peer.Config{Name: "late", Passphrase: []byte(passphrase)})
	var refused *peer.RefusedError
	if !errors.Is(err, peer.ErrLoad) || !errors.As(err, &refused) || refused.RetryAfter <= 0 {
		t.Fatalf("a joiner at a full lobby got %v, want a refusal for load with a time to come back", err)
	}
	c.stop()
	r.operator.Close()
}

// holdGuess runs admission with the right passphrase up to the host's
// reply, then waits for release before it confirms: a joiner in the middle
// of its guess, holding one of the host's places for guesses.
func holdGuess(t *testing.T, c *crowd, replied *sync.WaitGroup, release <-chan struct{}) {
	conn, err := c.dial()
	if err != nil {
		t.Fatal(err)
	}
	replied.Add(1)
	c.wg.Go(func() {
		once := sync.OnceFunc(replied.Done)
		defer once()
		tc := tls.Client(conn, keys.ClientTLSConfig(nil))
		if tc.HandshakeContext(c.ctx) != nil {
			return
		}
		cs := tc.ConnectionState()
		fp, _ := keys.PeerFingerprint(cs)
		sid, _ := keys.ExporterSID(cs)
		cp, err := keys.NewCPace(keys.Initiator, []byte(passphrase), keys.AdmissionCI(fp), sid, nil, rand.Reader)
		if err != nil {
			return
		}
		defer cp.Wipe()
		wire.Write(tc, &wire.AdmitInit{Share: cp.Share()})
		msg, err := wire.NewReader(tc, wire.MaxHandshakeFrame).Next()
		reply, ok := msg.(*wire.AdmitReply)
		if err != nil || !ok || cp.Finish(reply.Share, nil) != nil {
			return
		}
		once()
		select {
		case <-release:
		case <-c.ctx.Done():
			return
		}
		wire.Write(tc, &wire.AdmitConfirm{Tag: cp.Tag()})
	})
}

// No more than 8 guesses run at once: a joiner behind 8 held guesses waits
// for one to finish, then gets in.
func TestGuessesInFlightAreCapped(t *testing.T) {
	r := startRoom(t)
	c := newCrowd(t, r.addr)
	var replied sync.WaitGroup
	release := make(chan struct{})
	for range 8 {
		holdGuess(t, c, &replied, release)
	}
	replied.Wait()
	joined := make(chan error, 1)
	go func() {
		_, err := r.tryJoin("ninth", passphrase)
		joined <- err
	}()
	select {
	case err := <-joined:
		t.Fatalf("a ninth guess ran beside eight held ones (join: %v)", err)
	case <-time.After(500 * time.Millisecond):
	}
	close(release)
	if err := <-joined; err != nil {
		t.Fatalf("the ninth joiner, once a place was free: %v", err)
	}
	c.stop()
	r.operator.Close()
}
