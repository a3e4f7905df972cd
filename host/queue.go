package host

import (
	"context"
	"sync"
	"time"
)

// Flow control towards members (docs/protocol.md §4.4).
const (
	// queueLimit is how many bytes may wait for one member before it counts
	// as behind. A burst the rate limits allow fits many times over.
	queueLimit = 4 << 20
	// stallTimeout is how long a member may stay behind before it is
	// removed as too slow: a busy member catches up within it, a stalled one
	// does not.
	stallTimeout = 5 * time.Second
	// queueHardLimit removes a member at once, however recently it fell
	// behind: it bounds what one member can make the host hold.
	queueHardLimit = 8 * queueLimit
)

// queue holds the encoded frames waiting for one member, bounded in bytes
// rather than frames. Frames are shared between members' queues and never
// written to. Pushing never blocks and never drops: a member that stays
// behind is removed instead, so every member that stays in the room gets
// every frame, in order.
type queue struct {
	wake chan struct{} // one token: there is work for the writer, or the queue closed

	mu     sync.Mutex
	frames [][]byte
	size   int           // bytes in frames
	behind time.Time     // when size went over queueLimit; zero while within it
	space  chan struct{} // closed when size falls within queueLimit; nil unless someone waits
	closed bool          // nothing more is pushed; the writer sends what is left
}

func newQueue() *queue { return &queue{wake: make(chan struct{}, 1)} }

// push appends frame and reports whether the member is stalled: behind for
// stallTimeout, or past queueHardLimit. What to do about it is the caller's
// business; the operator, for one, is never removed.
func (q *queue) push(frame []byte) (stalled bool) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return false
	}
	q.frames = append(q.frames, frame)
	q.size += len(frame)
	if q.size > queueLimit {
		now := time.Now()
		if q.behind.IsZero() {
			q.behind = now
		}
		stalled = q.size > queueHardLimit || now.Sub(q.behind) >= stallTimeout
	}
	q.mu.Unlock()
	q.signal()
	return stalled
}

func (q *queue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// wait blocks until there is something to take, and reports false once the
// queue is closed and empty.
func (q *queue) wait() bool {
	for {
		q.mu.Lock()
		more, closed := len(q.frames) > 0, q.closed
		q.mu.Unlock()
		if more {
			return true
		}
		if closed {
			return false
		}
		<-q.wake
	}
}

// take appends queued frames to buf, at least one and then as many as fit
// within max bytes, and removes them from the queue.
func (q *queue) take(buf []byte, max int) []byte {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := 0
	for n < len(q.frames) && (n == 0 || len(buf)+len(q.frames[n]) <= max) {
		buf = append(buf, q.frames[n]...)
		q.size -= len(q.frames[n])
		q.frames[n] = nil
		n++
	}
	if n == len(q.frames) {
		q.frames = q.frames[:0]
	} else {
		q.frames = q.frames[n:]
	}
	if q.size <= queueLimit {
		q.behind = time.Time{}
		q.wakeLocked()
	}
	return buf
}

// discard drops what is queued, for a member that can no longer be written to.
func (q *queue) discard() {
	q.mu.Lock()
	defer q.mu.Unlock()
	clear(q.frames)
	q.frames = q.frames[:0]
	q.size = 0
	q.behind = time.Time{}
	q.wakeLocked()
}

// close lets the writer send what is queued and then stop.
func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	q.wakeLocked() // nobody waits on a queue that takes nothing more
	q.mu.Unlock()
	q.signal()
}

// abort drops whatever is still queued, queues final alone and closes: a
// member removed for falling behind is told why without first having to
// read everything it fell behind on.
func (q *queue) abort(final []byte) {
	q.mu.Lock()
	clear(q.frames)
	q.frames = append(q.frames[:0], final)
	q.size = len(final)
	q.closed = true
	q.wakeLocked()
	q.mu.Unlock()
	q.signal()
}

// wakeLocked releases whoever waits in waitWithin.
func (q *queue) wakeLocked() {
	if q.space != nil {
		close(q.space)
		q.space = nil
	}
}

// waitWithin blocks while the queue is over queueLimit, until it drains,
// closes, or ctx ends, and reports whether it is within. The host calls it
// on the operator's queue before reading from any member: a slow terminal
// slows the room rather than losing anything or ending the session.
func (q *queue) waitWithin(ctx context.Context) bool {
	for {
		q.mu.Lock()
		if q.size <= queueLimit || q.closed {
			q.mu.Unlock()
			return true
		}
		if q.space == nil {
			q.space = make(chan struct{})
		}
		space := q.space
		q.mu.Unlock()
		select {
		case <-space:
		case <-ctx.Done():
			return false
		}
	}
}
