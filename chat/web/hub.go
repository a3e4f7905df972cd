package web

import (
	"sync"
)

// maxLog bounds the entries kept for a page that reloads: the newest are
// sent again to the page that takes the seat.
const maxLog = 2000

// hub holds what the page shows, for whichever socket holds the seat: the
// state (phase, form, panel, end), the member list, and the log of entries,
// each already encoded. A socket's writer catches up with it at its own
// pace; nothing a socket does blocks the chat.
type hub struct {
	mu       sync.Mutex
	state    []byte
	stateV   int
	members  []byte
	membersV int
	log      [][]byte
	base     int   // the index of log[0] among every entry ever logged
	cur      *sock // the socket that holds the seat, nil when none
	ended    bool  // the session is over: writers close once caught up
}

// sock is one WebSocket's place in the hub; its fields are guarded by hub.mu.
type sock struct {
	wake     chan struct{} // capacity 1: something new to send
	done     chan struct{} // closed when the writer has stopped
	next     int           // the next log entry to send
	stateV   int
	membersV int
	replaced bool // another socket took the seat
}

func newSock() *sock {
	return &sock{wake: make(chan struct{}, 1), done: make(chan struct{})}
}

func (s *sock) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// setState replaces the state if b differs from it.
func (h *hub) setState(b []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if string(b) == string(h.state) {
		return
	}
	h.state = b
	h.stateV++
	h.pokeLocked()
}

// setMembers replaces the member list if b differs from it.
func (h *hub) setMembers(b []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if string(b) == string(h.members) {
		return
	}
	h.members = b
	h.membersV++
	h.pokeLocked()
}

// add logs an entry.
func (h *hub) add(b []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.log = append(h.log, b)
	if len(h.log) > maxLog {
		drop := len(h.log) - maxLog
		clear(h.log[:drop])
		h.log = h.log[drop:]
		h.base += drop
	}
	h.pokeLocked()
}

func (h *hub) end() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ended = true
	h.pokeLocked()
}

func (h *hub) pokeLocked() {
	if h.cur != nil {
		h.cur.poke()
	}
}

// seat gives the seat to s, and returns the socket it took it from.
func (h *hub) seat(s *sock) *sock {
	h.mu.Lock()
	defer h.mu.Unlock()
	old := h.cur
	if old != nil {
		old.replaced = true
		old.poke()
	}
	h.cur = s
	s.next = h.base
	s.poke()
	return old
}

// unseat takes the seat from s if it still holds it, and reports whether it did.
func (h *hub) unseat(s *sock) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cur != s {
		return false
	}
	h.cur = nil
	return true
}

// seated reports whether any socket holds the seat.
func (h *hub) seated() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cur != nil
}

// pending returns what s has yet to send, in order: the state, the members,
// then the log; and whether s must stop after sending it (replaced, or the
// session over and s caught up).
func (h *hub) pending(s *sock) (out [][]byte, stop bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if s.replaced {
		return nil, true
	}
	if s.stateV != h.stateV && h.state != nil {
		out = append(out, h.state)
		s.stateV = h.stateV
	}
	if s.membersV != h.membersV && h.members != nil {
		out = append(out, h.members)
		s.membersV = h.membersV
	}
	if s.next < h.base {
		s.next = h.base
	}
	out = append(out, h.log[s.next-h.base:]...)
	s.next = h.base + len(h.log)
	return out, h.ended
}

// wipe drops everything the hub holds, zeroing the encoded entries.
func (h *hub) wipe() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, b := range h.log {
		clear(b)
	}
	clear(h.state)
	clear(h.members)
	h.log, h.state, h.members = nil, nil, nil
}
