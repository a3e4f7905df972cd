package host

import (
	"errors"
	"net"
	"os"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/ssc-chat/ssc/sanitize"
	"github.com/ssc-chat/ssc/wire"
)

// Key requests (§5.4): enough to seal to a whole room at once, then a few a
// second.
const (
	keyRate  = 20
	keyBurst = DefaultMaxMembers
)

// member is one seated connection.
type member struct {
	name    string
	key     string // sanitize.NameKey(name)
	capKey  string // sanitize.CapitalKey(name)
	since   time.Time
	local   bool
	conn    net.Conn
	limiter *rate.Limiter // chat lines (docs/protocol.md §4.4); used only by the member's reader
	// keyLimiter bounds key requests, keyRefused is when the member was
	// last told; both used only by the member's reader.
	keyLimiter *rate.Limiter
	keyRefused time.Time
	id         wire.Identity // public keys, relayed as the member signed them
	kemKey     []byte        // the HPKE key id commits to, sent to whoever asks
	out        *queue        // encoded frames, shared read-only between members

	seat   int  // index in Session.seated; guarded by Session.mu
	closed bool // unseated, out closed; guarded by Session.mu
}

func newMember(conn net.Conn, name string, now time.Time, local bool, id wire.Identity, limit rate.Limit) *member {
	return &member{
		id:      id,
		name:    name,
		key:     sanitize.NameKey(name),
		capKey:  sanitize.CapitalKey(name),
		since:   now,
		local:   local,
		conn:    conn,
		limiter: rate.NewLimiter(limit, wire.MessageBurst),

		keyLimiter: rate.NewLimiter(keyRate, keyBurst),
		out:        newQueue(),
	}
}

func (m *member) wire() wire.Member {
	return wire.Member{Name: m.name, Since: m.since.UnixMilli(), Host: m.local, Identity: m.id}
}

// writeLoop sends queued frames until the queue is closed and empty, then
// closes the connection. Frames that queued up meanwhile go out in one
// write: under load that is far fewer TLS records and system calls per
// frame. The batch buffer is borrowed only while there is a batch, so an
// idle member costs its queue and nothing more.
func (s *Session) writeLoop(m *member) {
	defer m.conn.Close()
	for m.out.wait() {
		buf := batchPool.Get().(*[]byte)
		b := m.out.take((*buf)[:0], maxBatch)
		if !m.local {
			// The operator's pipe is in-process: it may be slow, never stalled.
			m.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
		}
		_, err := m.conn.Write(b)
		*buf = b[:0]
		batchPool.Put(buf)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			s.leave(m, wire.LeaveTooSlow)
			return
		}
		if err != nil {
			// The member hung up. Its reader tells why (a Bye may still be
			// in flight); until it does, what is queued goes nowhere.
			for m.out.wait() {
				m.out.discard()
			}
			return
		}
	}
}

// maxBatch bounds one batched write; a frame may take it a little over.
const maxBatch = 32 << 10

var batchPool = sync.Pool{New: func() any { b := make([]byte, 0, maxBatch+wire.MaxFrame); return &b }}

// serveMember reads a seated member's frames until it leaves or breaks the
// protocol. It is the member's only reader.
func (s *Session) serveMember(m *member, r *wire.Reader) {
	for {
		if !m.local {
			// While the operator's terminal is behind, nobody is read: the
			// room slows down instead of the operator losing lines.
			if op := s.operator.Load(); op != nil {
				op.waitWithin(s.ctx)
			}
		}
		msg, err := r.Next()
		if err != nil {
			s.leave(m, wire.LeaveLost)
			return
		}
		switch msg := msg.(type) {
		case *wire.Say:
			s.say(m, msg)
		case *wire.Direct:
			s.direct(m, msg)
		case *wire.KeyRequest:
			s.key(m, msg)
		case *wire.Bye:
			s.leave(m, wire.LeaveQuit)
			return
		default:
			// Anything else is a protocol error; the member is cut off.
			s.leave(m, wire.LeaveLost)
			m.conn.Close()
			return
		}
	}
}

// say relays a member's line to everyone, the sender included: seeing it
// come back is how a member knows the host accepted it. The host does not
// verify the signature: it names the sender by the connection, and every
// member verifies against that name's key (docs/protocol.md §5.2).
func (s *Session) say(m *member, msg *wire.Say) {
	if !s.allow(m) {
		return
	}
	frame := mustFrame(&wire.ChatMessage{From: m.name, Body: msg.Body, Counter: msg.Counter, Sig: msg.Sig, Time: s.cfg.Now().UnixMilli()})
	s.mu.Lock()
	defer s.mu.Unlock()
	if !m.closed {
		s.broadcastLocked(frame, nil)
	}
}

// direct relays a sealed message to its recipient and, as an
// acknowledgement, back to its sender. The host cannot read it (§5.4).
func (s *Session) direct(m *member, msg *wire.Direct) {
	if !s.allow(m) {
		return
	}
	s.mu.Lock()
	to := s.members[sanitize.NameKey(msg.To)]
	s.mu.Unlock()
	if to == nil {
		s.tell(m, "direct message not sent: nobody called "+msg.To+" is here")
		return
	}
	// Encoded outside the lock; a member that left meanwhile takes nothing.
	frame := mustFrame(&wire.DirectMessage{From: m.name, To: to.name, Sealed: msg.Sealed, Counter: msg.Counter, Sig: msg.Sig, Time: s.cfg.Now().UnixMilli()})
	recipients := []*member{to}
	if to != m {
		recipients = append(recipients, m)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if m.closed {
		return // removed meanwhile: what it sent goes nowhere
	}
	var slow []*member
	for _, r := range recipients {
		if r.out.push(frame) {
			slow = append(slow, r)
		}
	}
	s.dropSlowLocked(slow)
}

// key answers a member's request for another's HPKE key, with nothing when
// nobody by that name is here (§5.4). Keys cost a token of their own
// limiter: a member may seal to everyone, but not pull keys in a loop.
func (s *Session) key(m *member, msg *wire.KeyRequest) {
	if !m.keyLimiter.Allow() {
		// Refused silently but for one notice a second: a notice per
		// request would answer a flood with ten times its bytes.
		if now := time.Now(); now.Sub(m.keyRefused) >= time.Second {
			m.keyRefused = now
			s.tell(m, "key requests refused: you are asking faster than the session allows; wait a few seconds")
		}
		return
	}
	answer := &wire.Key{Name: msg.Name}
	s.mu.Lock()
	defer s.mu.Unlock()
	if to := s.members[sanitize.NameKey(msg.Name)]; to != nil && to.name == msg.Name {
		answer.KEMKey = to.kemKey
	}
	s.sendLocked(m, mustFrame(answer))
}

// sendLocked queues frame for m alone, removing m if that shows it stalled.
func (s *Session) sendLocked(m *member, frame []byte) {
	if !m.closed && m.out.push(frame) {
		s.dropSlowLocked([]*member{m})
	}
}

// allow applies the member's rate limit by waiting for the line's turn: the
// member's connection is read no faster than the rate, so a flood slows its
// sender down through TCP and nobody else, and no line is dropped, even
// when lines sent in time arrive bunched after a stall on the way. It is
// false only when the session is closing.
func (s *Session) allow(m *member) bool {
	return m.limiter.Wait(s.ctx) == nil
}

// broadcastLocked queues frame for every member. A member that has stalled
// is removed rather than waited for: the room never blocks on one member.
func (s *Session) broadcastLocked(frame []byte, except *member) {
	var slow []*member
	for _, m := range s.seated {
		if m != except && m.out.push(frame) {
			slow = append(slow, m)
		}
	}
	s.dropSlowLocked(slow)
}

// dropSlowLocked removes stalled members and tells the rest. Each is told
// why before its connection closes, ahead of everything it fell behind on;
// the operator is never removed for slowness (serveMember waits for it).
func (s *Session) dropSlowLocked(slow []*member) {
	for _, m := range slow {
		if m.closed || m.local {
			continue
		}
		s.unseatLocked(m)
		m.out.abort(endTooSlow)
		s.broadcastLocked(mustFrame(&wire.Left{Name: m.name, Reason: wire.LeaveTooSlow}), nil)
	}
}

var endTooSlow = mustFrame(&wire.End{Reason: wire.EndTooSlow})

// removeLocked unseats m and closes its queue; its writer sends what is queued and hangs up.
func (s *Session) removeLocked(m *member) {
	if m.closed {
		return
	}
	s.unseatLocked(m)
	m.out.close()
}

// unseatLocked takes m out of the room: nothing more is queued for it.
func (s *Session) unseatLocked(m *member) {
	delete(s.members, m.key)
	if s.capitals[m.capKey] == m {
		delete(s.capitals, m.capKey)
	}
	last := s.seated[len(s.seated)-1]
	s.seated[m.seat], last.seat = last, m.seat
	s.seated[len(s.seated)-1] = nil
	s.seated = s.seated[:len(s.seated)-1]
	m.closed = true
	if m.local {
		s.operator.Store(nil)
	}
}

// seatLocked puts m in the room.
func (s *Session) seatLocked(m *member) {
	s.members[m.key] = m
	s.capitals[m.capKey] = m
	m.seat = len(s.seated)
	s.seated = append(s.seated, m)
	if m.local {
		s.local = m
		s.operator.Store(m.out)
	}
}

// leave unseats m, if it is still seated, and tells the others why.
func (s *Session) leave(m *member, reason wire.LeaveReason) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m.closed {
		return
	}
	if m.local {
		// The operator leaving is the host leaving: the session ends. Coming
		// through the operator's own reader, this happens after everything
		// the operator sent before it has been relayed.
		s.endLocked()
		return
	}
	s.removeLocked(m)
	s.broadcastLocked(mustFrame(&wire.Left{Name: m.name, Reason: reason}), nil)
}

func (s *Session) rosterLocked() []wire.Member {
	roster := make([]wire.Member, 0, len(s.seated))
	for _, m := range s.seated {
		roster = append(roster, m.wire())
	}
	return roster
}

// tell sends a notice to one member.
func (s *Session) tell(m *member, text string) {
	frame := mustFrame(&wire.Notice{Text: text})
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sendLocked(m, frame)
}

// tellOperator sends a notice to the operator's own member, if connected.
func (s *Session) tellOperator(text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tellOperatorLocked(text)
}

func (s *Session) tellOperatorLocked(text string) {
	if s.local != nil {
		s.local.out.push(mustFrame(&wire.Notice{Text: text}))
	}
}
