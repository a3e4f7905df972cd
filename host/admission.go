package host

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"math"
	"net"
	"time"

	"golang.org/x/time/rate"

	"github.com/ssc-chat/ssc/keys"
	"github.com/ssc-chat/ssc/sanitize"
	"github.com/ssc-chat/ssc/wire"
)

// errRefused marks an attempt the host turned away after saying so.
var errRefused = errors.New("host: refused")

// serveRemote admits a joiner from the network and then serves it as a
// member until it leaves. It owns the stranger's connection.
func (s *Session) serveRemote(st *stranger) {
	raw := st.conn
	stop := context.AfterFunc(s.ctx, func() { raw.Close() })
	defer stop()
	defer s.lobby.leave(st)

	// Socket deadlines run on the real clock, whatever Config.Now says.
	raw.SetDeadline(st.accepted.Add(firstMessageTimeout))
	conn := tls.Server(raw, s.tlsConfig)
	r := wire.NewReader(conn, wire.MaxHandshakeFrame)
	if err := s.admit(conn, r, st); err != nil {
		conn.Close()
		return
	}
	raw.SetDeadline(st.accepted.Add(AdmissionTimeout))
	r.SetLimit(wire.MaxHelloFrame)
	// Joins wait while the operator's terminal is behind, as messages do:
	// a crowd churning through joins cannot grow the operator's queue. A
	// joiner that would wait past its admission deadline is told to come
	// back instead.
	if op := s.operator.Load(); op != nil {
		ctx, cancel := context.WithDeadline(s.ctx, st.accepted.Add(AdmissionTimeout-time.Second))
		within := op.waitWithin(ctx)
		cancel()
		if !within {
			refuse(conn, &wire.Refused{Code: wire.RefuseLoad, RetryAfter: 1})
			conn.Close()
			return
		}
	}
	m, err := s.hello(conn, r, raw.RemoteAddr().String(), false)
	if err != nil {
		conn.Close()
		return
	}
	s.lobby.leave(st)
	s.serveMember(m, r)
}

// refuseLoad tells a joiner, over TLS as it expects, that the host is too
// busy admitting others to take it now, and closes the connection.
func (s *Session) refuseLoad(raw net.Conn) {
	defer s.lobby.refused()
	defer raw.Close()
	stop := context.AfterFunc(s.ctx, func() { raw.Close() })
	defer stop()
	raw.SetDeadline(time.Now().Add(refuseTimeout))
	conn := tls.Server(raw, s.tlsConfig)
	if conn.HandshakeContext(s.ctx) == nil {
		refuse(conn, &wire.Refused{Code: wire.RefuseLoad, RetryAfter: 1})
	}
}

// admit runs the admission handshake of docs/protocol.md §3.2 as the
// responder: TLS, then CPace bound to this very TLS connection, then key
// confirmation both ways. Nothing else is read or sent before it succeeds.
// A stranger that has not sent its first admission message yet may be shed
// to make room; once it has, it holds a guess and is not.
func (s *Session) admit(conn *tls.Conn, r *wire.Reader, st *stranger) error {
	if err := conn.HandshakeContext(s.ctx); err != nil {
		return fmt.Errorf("tls handshake: %w", err)
	}
	init, err := next[*wire.AdmitInit](r)
	if err != nil {
		return err
	}
	if !s.lobby.engage(st) {
		return errRefused
	}
	st.conn.SetDeadline(st.accepted.Add(AdmissionTimeout))
	if s.isLocked() {
		return refuse(conn, &wire.Refused{Code: wire.RefuseLocked})
	}
	// At most maxGuessing guesses run at once; the others queue for a
	// moment. An honest crowd passes in milliseconds, while guesses held
	// open cannot pile up charges on the schedule (docs/protocol.md §3.5).
	select {
	case s.guessing <- struct{}{}:
		defer func() { <-s.guessing }()
	case <-time.After(guessQueueTimeout):
		return refuse(conn, &wire.Refused{Code: wire.RefuseLoad, RetryAfter: 1})
	case <-s.ctx.Done():
		return s.ctx.Err()
	}
	now := s.cfg.Now()
	wait, stopped := s.guard.take(now)
	if stopped {
		return refuse(conn, &wire.Refused{Code: wire.RefuseSpent})
	}
	if wait > 0 {
		secs := uint32(min(math.Ceil(wait.Seconds()), math.MaxUint32))
		return refuse(conn, &wire.Refused{Code: wire.RefuseBusy, RetryAfter: secs})
	}
	// The guess is counted from here on; only a verified confirmation gives it back.
	ok := false
	defer func() {
		failures := s.guard.settle(s.cfg.Now(), ok)
		if !ok {
			s.tellOperatorFailure(conn.RemoteAddr(), failures)
		}
	}()

	if ok, err = s.pake(conn, r, init); err != nil {
		refuse(conn, &wire.Refused{Code: wire.RefuseDenied})
		return err
	}
	return nil
}

// pake runs CPace and key confirmation once the guess is counted. It
// reports whether the joiner proved knowledge of the passphrase.
func (s *Session) pake(conn *tls.Conn, r *wire.Reader, init *wire.AdmitInit) (bool, error) {
	sid, err := keys.ExporterSID(conn.ConnectionState())
	if err != nil {
		return false, err
	}
	s.secretMu.Lock()
	prs := append([]byte(nil), s.passphrase...)
	s.secretMu.Unlock()
	cp, err := keys.NewCPace(keys.Responder, prs, s.ci, sid, nil, rand.Reader)
	keys.Wipe(prs)
	if err != nil {
		return false, err
	}
	defer cp.Wipe()
	if err := cp.Finish(init.Share, nil); err != nil {
		return false, err
	}
	if err := wire.Write(conn, &wire.AdmitReply{Share: cp.Share(), Tag: cp.Tag()}); err != nil {
		return false, err
	}
	// An honest joiner confirms within a round trip; a guess held open
	// longer only keeps others waiting.
	conn.SetReadDeadline(time.Now().Add(confirmTimeout))
	confirm, err := next[*wire.AdmitConfirm](r)
	if err != nil {
		return false, err
	}
	if err := cp.VerifyTag(confirm.Tag); err != nil {
		return false, err
	}
	return true, nil
}

// hello names an admitted connection and seats it in the room (§3.3).
func (s *Session) hello(conn net.Conn, r *wire.Reader, from string, local bool) (*member, error) {
	h, err := next[*wire.Hello](r)
	if err != nil {
		return nil, err
	}
	name, err := sanitize.Name(h.Name)
	if err != nil || name != h.Name {
		return nil, refuse(conn, &wire.Refused{Code: wire.RefuseBadName})
	}
	// The entry's self-signature is checked once here so that a broken
	// client learns at once; members check it again, as they trust no host.
	// The HPKE key is kept, for whoever seals to the member (§5.4).
	pub := keys.PublicIdentity{SignKey: h.Identity.SignKey, KEMHash: h.Identity.KEMHash}
	if keys.VerifyEntry(s.sessionID(), pub, name, h.Identity.Created, h.Identity.Sig) != nil || keys.CheckKEMKey(pub, h.KEMKey) != nil {
		return nil, refuse(conn, &wire.Refused{Code: wire.RefuseBadName})
	}
	limit := rate.Limit(wire.MessageRate)
	if s.cfg.NoRateLimit {
		limit = rate.Inf
	}
	m := newMember(conn, name, s.cfg.Now(), local, h.Identity, limit)
	m.kemKey = h.KEMKey
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.ended:
		return nil, ErrEnded
	case s.signKeys[string(h.Identity.SignKey)]:
		// A signing key gets one seat per session, ever: a recorded roster
		// entry cannot bring its owner's name back in someone else's hands,
		// nor let the owner's old messages count again (docs/protocol.md §5.1).
		return nil, refuse(conn, &wire.Refused{Code: wire.RefuseBadName})
	case s.members[m.key] != nil, s.capitals[m.capKey] != nil:
		return nil, refuse(conn, &wire.Refused{Code: wire.RefuseNameTaken})
	case len(s.members) >= s.cfg.MaxMembers:
		return nil, refuse(conn, &wire.Refused{Code: wire.RefuseFull})
	}
	s.signKeys[string(h.Identity.SignKey)] = true
	// Joined goes out before the member is seated, so it is not told of
	// itself; only the operator learns where it came from.
	s.broadcastLocked(mustFrame(&wire.Joined{Member: m.wire()}), s.local)
	if s.local != nil {
		s.local.out.push(mustFrame(&wire.Joined{Member: m.wire(), Addr: from}))
	}
	s.seatLocked(m)
	welcome := &wire.Welcome{Name: name, Session: s.cfg.SessionName, Members: s.rosterLocked(), SessionID: s.sessionID()}
	m.out.push(mustFrame(welcome))
	conn.SetDeadline(time.Time{})
	r.SetLimit(wire.MaxFrame)
	s.writers.Add(1)
	s.wg.Go(func() {
		defer s.writers.Done()
		// Close cuts off a member whose writer is still stuck after the grace period.
		stop := context.AfterFunc(s.ctx, func() { conn.Close() })
		defer stop()
		s.writeLoop(m)
	})
	return m, nil
}

// refuse tells a joiner no, in the one coarse word §3.4 allows, and returns
// errRefused. The write is best effort: the joiner may be gone already.
func refuse(conn net.Conn, m *wire.Refused) error {
	wire.Write(conn, m)
	return errRefused
}

// next reads one frame and insists on its type, as each handshake step expects exactly one.
func next[T wire.Message](r *wire.Reader) (T, error) {
	var zero T
	msg, err := r.Next()
	if err != nil {
		return zero, err
	}
	m, ok := msg.(T)
	if !ok {
		return zero, fmt.Errorf("host: got message type %d, want %T", msg.Type(), zero)
	}
	return m, nil
}

func (s *Session) isLocked() bool {
	s.secretMu.Lock()
	defer s.secretMu.Unlock()
	return s.locked
}

// tellOperatorFailure warns the operator of a failed admission; once the
// budget is spent it says how to resume.
func (s *Session) tellOperatorFailure(addr net.Addr, failures int) {
	text := fmt.Sprintf("failed admission from %s: wrong passphrase, or someone between them and you (%d failed so far)", addr, failures)
	if failures >= MaxGuesses {
		text = fmt.Sprintf("%d failed admissions: nobody is admitted any more until you rotate the passphrase with /passphrase new", failures)
	} else if wait := s.guard.wait(s.cfg.Now()); wait > 0 {
		text += fmt.Sprintf("; joiners now wait %s before the next attempt (/passphrase new gives a new passphrase and ends the wait)", wait.Round(time.Second))
	}
	s.tellOperator(text)
}
