package host

import (
	"net"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/ssc-chat/ssc/sanitize"
	"github.com/ssc-chat/ssc/wire"
)

// Per-member message rate (docs/protocol.md §4.4): a pasted block of
// lines goes through at once, a sustained flood does not.
const (
	messageRate  = 5  // per second, sustained
	messageBurst = 40 // lines at once
)

// member is one seated connection. Its queue is written only under
// Session.mu, which is what makes closing it safe.
type member struct {
	name    string
	key     string
	since   time.Time
	local   bool
	conn    net.Conn
	limiter *rate.Limiter // used only by the member's reader
	id      wire.Identity // public keys, relayed as the member signed them

	out    chan []byte // encoded frames, shared read-only between members
	closed bool        // out is closed; guarded by Session.mu
}

func newMember(conn net.Conn, name string, now time.Time, local bool, id wire.Identity) *member {
	return &member{
		id:      id,
		name:    name,
		key:     sanitize.NameKey(name),
		since:   now,
		local:   local,
		conn:    conn,
		limiter: rate.NewLimiter(messageRate, messageBurst),
		out:     make(chan []byte, QueueLen),
	}
}

func (m *member) wire() wire.Member {
	return wire.Member{Name: m.name, Since: m.since.UnixMilli(), Host: m.local, Identity: m.id}
}

// enqueue offers a frame without blocking and reports whether it fit.
// Callers hold Session.mu.
func (m *member) enqueue(frame []byte) bool {
	if m.closed {
		return true
	}
	select {
	case m.out <- frame:
		return true
	default:
		return false
	}
}

// writeLoop sends queued frames until the queue is closed, then closes the
// connection. Frames that queued up meanwhile go out in one write: under
// load that is far fewer TLS records and system calls per frame. The batch
// buffer is borrowed only while there is a batch, so an idle member costs
// its queue and nothing more.
func (m *member) writeLoop() {
	defer m.conn.Close()
	for frame := range m.out {
		m.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
		if len(m.out) == 0 {
			if _, err := m.conn.Write(frame); err != nil {
				return
			}
			continue
		}
		buf := batchPool.Get().(*[]byte)
		b := append((*buf)[:0], frame...)
	batch:
		for len(b) < maxBatch {
			select {
			case more, ok := <-m.out:
				if !ok {
					break batch
				}
				b = append(b, more...)
			default:
				break batch
			}
		}
		_, err := m.conn.Write(b)
		*buf = b[:0]
		batchPool.Put(buf)
		if err != nil {
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
		if !r.enqueue(frame) {
			slow = append(slow, r)
		}
	}
	s.dropSlowLocked(slow)
}

// allow applies the member's rate limit, telling it when a line is refused.
func (s *Session) allow(m *member) bool {
	if m.limiter.Allow() {
		return true
	}
	s.tell(m, "message not sent: you are sending faster than the session allows; wait a few seconds")
	return false
}

// broadcastLocked queues frame for every member. A member whose queue is
// full is dropped rather than waited for: the room never blocks on one member.
func (s *Session) broadcastLocked(frame []byte, except *member) {
	var slow []*member
	for _, m := range s.members {
		if m != except && !m.enqueue(frame) {
			slow = append(slow, m)
		}
	}
	s.dropSlowLocked(slow)
}

// dropSlowLocked removes members whose queues overflowed and tells the rest.
func (s *Session) dropSlowLocked(slow []*member) {
	for _, m := range slow {
		if m.closed {
			continue
		}
		s.removeLocked(m)
		m.conn.Close()
		s.broadcastLocked(mustFrame(&wire.Left{Name: m.name, Reason: wire.LeaveTooSlow}), nil)
	}
}

// removeLocked unseats m and closes its queue; its writer sends what is queued and hangs up.
func (s *Session) removeLocked(m *member) {
	if m.closed {
		return
	}
	delete(s.members, m.key)
	m.closed = true
	close(m.out)
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
	roster := make([]wire.Member, 0, len(s.members))
	for _, m := range s.members {
		roster = append(roster, m.wire())
	}
	return roster
}

// tell sends a notice to one member.
func (s *Session) tell(m *member, text string) {
	frame := mustFrame(&wire.Notice{Text: text})
	s.mu.Lock()
	defer s.mu.Unlock()
	m.enqueue(frame)
}

// tellOperator sends a notice to the operator's own member, if connected.
func (s *Session) tellOperator(text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tellOperatorLocked(text)
}

func (s *Session) tellOperatorLocked(text string) {
	if s.local != nil {
		s.local.enqueue(mustFrame(&wire.Notice{Text: text}))
	}
}
