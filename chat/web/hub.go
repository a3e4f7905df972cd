package web

import (
	"slices"
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
	// standby are the sockets another one took the seat from, oldest
	// first: their pages say so and offer to take it back, and the newest
	// takes it when the one holding it closes, so that closing the second
	// of two tabs does not end the session the first still shows.
	standby []*sock
	ended   bool // the session is over: writers close once caught up
}

// Frames the hub sends besides the state, the members and the log.
var (
	// resetFrame tells a page that takes the seat to forget what it shows:
	// everything follows again.
	resetFrame = []byte(`{"type":"reset"}`)
	// replacedFrame tells a page that another one took the seat.
	replacedFrame = []byte(`{"type":"replaced"}`)
)

// sock is one WebSocket's place in the hub; its fields are guarded by hub.mu.
type sock struct {
	wake     chan struct{} // capacity 1: something new to send
	done     chan struct{} // closed when the writer has stopped
	next     int           // the next log entry to send
	stateV   int
	membersV int
	replaced bool // another socket holds the seat: this one is on standby
	told     bool // the page was told it is on standby
	reset    bool // the page must forget what it shows before catching up
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
	for _, s := range h.standby {
		s.poke()
	}
}

func (h *hub) pokeLocked() {
	if h.cur != nil {
		h.cur.poke()
	}
}

// seat gives the seat to s; the socket that held it goes on standby.
func (h *hub) seat(s *sock) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seatLocked(s)
}

func (h *hub) seatLocked(s *sock) {
	if h.cur == s {
		return
	}
	h.standby = slices.DeleteFunc(h.standby, func(o *sock) bool { return o == s })
	if old := h.cur; old != nil {
		old.replaced, old.told = true, false
		h.standby = append(h.standby, old)
		old.poke()
	}
	h.cur = s
	s.replaced, s.reset = false, true
	s.next, s.stateV, s.membersV = h.base, -1, -1
	s.poke()
}

// standBy puts s on standby, unless nobody holds the seat: then s takes it.
func (h *hub) standBy(s *sock) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cur == nil {
		h.seatLocked(s)
		return
	}
	s.replaced, s.told = true, false
	h.standby = append(h.standby, s)
	s.poke()
}

// unseat forgets s, whose socket closed. When s held the seat, the newest
// socket on standby takes it; unseat reports whether none was left to.
func (h *hub) unseat(s *sock) (empty bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.standby = slices.DeleteFunc(h.standby, func(o *sock) bool { return o == s })
	if h.cur != s {
		return false
	}
	h.cur = nil
	if n := len(h.standby); n > 0 {
		h.seatLocked(h.standby[n-1])
		return false
	}
	return true
}

// holds reports whether s holds the seat.
func (h *hub) holds(s *sock) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cur == s
}

// seated reports whether any socket holds the seat.
func (h *hub) seated() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cur != nil
}

// pending returns what s has yet to send, in order: the state, the members,
// then the log; and whether s must stop after sending it (the session is
// over and s caught up). A socket on standby is told so once, and at the
// end gets the final state.
func (h *hub) pending(s *sock) (out [][]byte, stop bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if s.replaced {
		if !s.told {
			out, s.told = append(out, replacedFrame), true
		}
		if h.ended && h.state != nil {
			out = append(out, h.state)
		}
		return out, h.ended
	}
	if s.reset {
		out, s.reset = append(out, resetFrame), false
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
