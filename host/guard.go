package host

import (
	"sync"
	"time"
)

// Limits of the guess budget (docs/protocol.md §3.5).
const (
	// FreeGuesses is how many failed admissions cost nothing: people mistype.
	FreeGuesses = 5
	// MaxGuesses stops admission until the passphrase is rotated. The
	// budget is global because every joiner through a tunnel comes from the
	// same address, so a per-address budget would be no budget at all.
	MaxGuesses = 100
	// maxBackoff caps the wait between guesses once the free ones are spent.
	maxBackoff = 5 * time.Minute
)

// guard is the session's budget of passphrase guesses. A guess is taken
// when a joiner's first admission message arrives, before any answer, and
// only a verified confirmation gives it back: hanging up, timing out or
// sending a bad share all count as a failed guess, so no way of abandoning an
// attempt escapes the count. Attempts in flight are bounded by the cap on
// unadmitted connections; counting them apart from failures keeps a crowd
// joining at once from tripping the backoff.
type guard struct {
	mu       sync.Mutex
	inflight int       // guesses taken and not yet settled
	failures int       // guesses that failed
	next     time.Time // no guess is taken before this
}

// take starts a guess at now. It says how long to wait when the backoff is
// running, or stopped once MaxGuesses is reached.
func (g *guard) take(now time.Time) (wait time.Duration, stopped bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.failures+g.inflight >= MaxGuesses {
		return 0, true
	}
	if now.Before(g.next) {
		return g.next.Sub(now), false
	}
	g.inflight++
	return 0, false
}

// settle ends a guess taken at some earlier take. A failure past the free
// ones doubles the wait before the next guess.
func (g *guard) settle(now time.Time, ok bool) (failures int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.inflight--
	if ok {
		return g.failures
	}
	g.failures++
	if over := g.failures - FreeGuesses; over > 0 {
		backoff := maxBackoff
		if over < 20 {
			backoff = min(time.Second<<(over-1), maxBackoff)
		}
		g.next = now.Add(backoff)
	}
	return g.failures
}

// reset starts a fresh budget, as a new passphrase makes old guesses moot.
// Guesses in flight stay counted as in flight.
func (g *guard) reset() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.failures = 0
	g.next = time.Time{}
}
