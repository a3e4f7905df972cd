package host

import (
	"fmt"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Limits before admission (docs/protocol.md §3.5).
const (
	// MaxPending caps connections that are not admitted yet.
	MaxPending = 64
	// firstMessageTimeout bounds TCP accept to the first admission message:
	// the TLS handshake and one small frame, well under a second for an
	// honest joiner, who typed the passphrase before dialling.
	firstMessageTimeout = 5 * time.Second
	// AdmissionTimeout bounds everything from TCP accept to Welcome.
	AdmissionTimeout = 15 * time.Second
	// maxRefusing caps connections being told, over TLS, that the host is
	// too busy; beyond it they are closed unread.
	maxRefusing = 8
	// refuseTimeout bounds telling one of them.
	refuseTimeout = 2 * time.Second
	// shedNoticeEvery rate-limits the operator's notice about shedding.
	shedNoticeEvery = 30 * time.Second
	// minShedAge protects a connection that has spoken from being shed
	// while it is young: an honest joiner sends its first admission
	// message within a few round trips, long before this.
	minShedAge = time.Second
	// maxGuessing caps guesses in flight; more queue for guessQueueTimeout.
	maxGuessing = 8
	// confirmTimeout bounds the wait for a joiner's confirmation tag.
	confirmTimeout = 3 * time.Second
	// guessQueueTimeout bounds the wait for a place to guess: two rounds
	// of held guesses and a second, so a joiner behind up to twice
	// maxGuessing others gets a place; behind more, it is told to come back.
	guessQueueTimeout = 2*confirmTimeout + time.Second
)

// stranger is a connection that is not admitted yet.
type stranger struct {
	conn     net.Conn // wraps raw, noting when it first speaks
	raw      net.Conn
	accepted time.Time
	spoke    atomic.Bool // sent at least one byte
	engaged  bool        // sent its first admission message, so holds a guess; guarded by lobby.mu
	gone     bool        // shed or finished; guarded by lobby.mu
}

func newStranger(conn net.Conn, now time.Time) *stranger {
	st := &stranger{accepted: now, raw: conn}
	st.conn = &listening{Conn: conn, spoke: &st.spoke}
	return st
}

// said reports whether st has sent anything: read by its goroutine, or
// waiting in the socket for it to read.
func (st *stranger) said() bool {
	if st.spoke.Load() {
		return true
	}
	return pending(st.raw)
}

// listening notes whether its connection has said anything yet.
type listening struct {
	net.Conn
	spoke *atomic.Bool
}

func (l *listening) Read(p []byte) (int, error) {
	n, err := l.Conn.Read(p)
	if n > 0 && !l.spoke.Load() {
		l.spoke.Store(true)
	}
	return n, err
}

// lobby holds the strangers. When it is full, a newcomer takes the place of
// the oldest stranger that has sent nothing at all, or failing that the
// oldest that has not sent an admission message in its first second: idle
// sockets, however fast they are reopened, only push out each other, a
// joiner in the middle of its handshake is not pushed out by newer ones,
// slow handshakes run into their deadline, and connections that hold a
// guess, which the guess budget bounds, are never shed. When nobody can be
// shed, the newcomer is told the host is busy.
type lobby struct {
	mu       sync.Mutex
	waiting  []*stranger // oldest first
	refusing int         // connections being told the host is busy
	shed     int         // strangers shed or newcomers turned away since the last notice
	noticed  time.Time   // when the operator was last told; zero before the first notice
}

// admission is what the lobby decided for a newcomer.
type admission int

const (
	admitted admission = iota // serve it
	refusing                  // tell it the host is busy, then close
	closed                    // the lobby closed it unread
)

// enter seats a newcomer, shedding the oldest unengaged stranger if the
// lobby is full. notice is non-empty when the operator should hear of it.
func (l *lobby) enter(st *stranger, now time.Time) (a admission, notice string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.waiting) >= MaxPending {
		victim := slices.IndexFunc(l.waiting, func(w *stranger) bool { return !w.said() })
		if victim < 0 {
			victim = slices.IndexFunc(l.waiting, func(w *stranger) bool {
				return !w.engaged && now.Sub(w.accepted) >= minShedAge
			})
		}
		if victim < 0 {
			// Everyone waiting is young or mid-admission: this one must
			// come back.
			a = closed
			if l.refusing < maxRefusing {
				l.refusing++
				a = refusing
			}
			l.shed++
			return a, l.noticeLocked(now)
		}
		w := l.waiting[victim]
		w.gone = true
		w.conn.Close() // its goroutine sees the error and leaves
		l.waiting = append(l.waiting[:victim], l.waiting[victim+1:]...)
		l.shed++
		notice = l.noticeLocked(now)
	}
	l.waiting = append(l.waiting, st)
	return admitted, notice
}

// noticeLocked is the operator's notice about shedding, when one is due.
func (l *lobby) noticeLocked(now time.Time) string {
	if !l.noticed.IsZero() && now.Sub(l.noticed) < shedNoticeEvery {
		return ""
	}
	n := l.shed
	l.shed, l.noticed = 0, now
	return fmt.Sprintf("%d %s that had not started admission %s closed or turned away to make room: someone may be opening connections to keep joiners out",
		n, plural(n, "connection", "connections"), plural(n, "was", "were"))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// engage marks st as having sent its first admission message, unless it
// was shed meanwhile; from here on it is never shed.
func (l *lobby) engage(st *stranger) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if st.gone {
		return false
	}
	st.engaged = true
	return true
}

// leave takes st out of the lobby: it was admitted, or gave up.
func (l *lobby) leave(st *stranger) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if st.gone {
		return
	}
	st.gone = true
	for i, w := range l.waiting {
		if w == st {
			l.waiting = append(l.waiting[:i], l.waiting[i+1:]...)
			break
		}
	}
}

// refused ends one refusal that enter allowed.
func (l *lobby) refused() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.refusing--
}
