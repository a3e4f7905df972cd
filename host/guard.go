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
// attempt escapes the count.
//
// The schedule is the one a single joiner trying one guess after another
// meets: past the free guesses, guess number FreeGuesses+k (counting every
// guess taken, whether failed or still in flight) makes the next one wait
// backoff(k). Each guess charges its wait when it is taken, on top of the
// waits charged before it, so guesses held open in parallel are spaced as if
// each had already failed, and a parallel attacker gets no more guesses in
// any long enough time than a serial one. While fewer than FreeGuesses
// guesses have failed nobody waits, however many are in flight, so a crowd
// joining at once with the right passphrase is never held up; what that
// crowd charged is given back as each of its guesses succeeds, and the
// charge of guesses that fail stays, so a burst of failures started in the
// free window is paid for afterwards.
type guard struct {
	mu       sync.Mutex
	inflight int       // guesses taken and not yet settled
	failures int       // guesses that failed
	next     time.Time // once FreeGuesses have failed, no guess is taken before this
}

// backoff is the wait that guess number FreeGuesses+k charges (k ≥ 1):
// 1 s, 2 s, 4 s, … up to maxBackoff.
func backoff(k int) time.Duration {
	if k >= 20 {
		return maxBackoff
	}
	return min(time.Second<<(k-1), maxBackoff)
}

// take starts a guess at now. It says how long to wait when the backoff is
// running, or stopped once MaxGuesses is reached.
func (g *guard) take(now time.Time) (wait time.Duration, stopped bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	taken := g.failures + g.inflight
	if taken >= MaxGuesses {
		return 0, true
	}
	if g.failures >= FreeGuesses && now.Before(g.next) {
		return g.next.Sub(now), false
	}
	g.inflight++
	if k := taken + 1 - FreeGuesses; k > 0 {
		if g.next.Before(now) {
			g.next = now
		}
		g.next = g.next.Add(backoff(k))
	}
	return 0, false
}

// settle ends a guess taken at some earlier take. A failure keeps the wait
// its guess charged; a success gives its guess back, and with it the wait
// charged by the latest guess taken, so the schedule is again that of the
// guesses still counted. (Which guess settles is not known here: when others
// were taken after the successful one, the schedule may come out one wait
// shorter, once per successful join, which an attacker cannot cause.)
func (g *guard) settle(_ time.Time, ok bool) (failures int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	taken := g.failures + g.inflight
	g.inflight--
	if !ok {
		g.failures++
		return g.failures
	}
	if k := taken - FreeGuesses; k > 0 {
		g.next = g.next.Add(-backoff(k))
	}
	return g.failures
}

// wait says how long the next guess must wait from now.
func (g *guard) wait(now time.Time) time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.failures < FreeGuesses || !now.Before(g.next) {
		return 0
	}
	return g.next.Sub(now)
}

// reset starts a fresh budget, as a new passphrase makes old guesses moot.
// Guesses in flight stay counted as in flight.
func (g *guard) reset() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.failures = 0
	g.next = time.Time{}
}
