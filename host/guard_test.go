package host

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func TestGuardBudget(t *testing.T) {
	var g guard
	now := time.Unix(1_700_000_000, 0)
	fail := func() {
		t.Helper()
		wait, stopped := g.take(now)
		if wait != 0 || stopped {
			t.Fatalf("guess refused (wait %v, stopped %v) after %d failures", wait, stopped, g.failures)
		}
		g.settle(now, false)
	}
	for range FreeGuesses {
		fail()
	}
	// The free failures set no wait.
	if wait, _ := g.take(now); wait != 0 {
		t.Fatalf("wait %v within the free guesses", wait)
	}
	g.settle(now, false) // the sixth failure starts the backoff
	wait, _ := g.take(now)
	if wait != time.Second {
		t.Fatalf("after %d failures: wait %v, want 1s", g.failures, wait)
	}
	// Waiting takes no guess; after the wait the backoff doubles.
	now = now.Add(wait)
	fail()
	if wait, _ := g.take(now); wait != 2*time.Second {
		t.Fatalf("wait %v, want 2s", wait)
	}
	// A success gives its guess back and adds no wait.
	now = now.Add(2 * time.Second)
	before := g.failures
	g.take(now)
	g.settle(now, true)
	if g.failures != before {
		t.Fatalf("success changed failures from %d to %d", before, g.failures)
	}
	// Up to the cap, then nothing until reset.
	for g.failures < MaxGuesses {
		now = now.Add(maxBackoff)
		fail()
	}
	now = now.Add(time.Hour)
	if _, stopped := g.take(now); !stopped {
		t.Fatal("guesses still taken after MaxGuesses failures")
	}
	g.reset()
	if wait, stopped := g.take(now); wait != 0 || stopped {
		t.Fatal("reset did not restore the budget")
	}
}

func TestGuardInFlightCountsTowardsCap(t *testing.T) {
	var g guard
	now := time.Unix(1_700_000_000, 0)
	for i := range MaxGuesses {
		if _, stopped := g.take(now); stopped {
			t.Fatalf("stopped after %d guesses in flight", i)
		}
	}
	if _, stopped := g.take(now); !stopped {
		t.Fatal("more guesses in flight than the cap allows")
	}
}

// guessesIn runs attackers that each try one wrong guess after another,
// holding each attempt open for hold before it fails, and returns how many
// guesses they took in all within window. It runs in a synctest bubble, so
// time is the fake clock of the bubble and the run is instant.
func guessesIn(t *testing.T, attackers int, hold, window time.Duration) int {
	t.Helper()
	var taken atomic.Int64
	synctest.Test(t, func(t *testing.T) {
		var g guard
		start := time.Now()
		var wg sync.WaitGroup
		for range attackers {
			wg.Go(func() {
				for time.Since(start) < window {
					wait, stopped := g.take(time.Now())
					if stopped {
						return
					}
					if wait > 0 {
						time.Sleep(wait)
						continue
					}
					taken.Add(1)
					time.Sleep(hold)
					g.settle(time.Now(), false)
				}
			})
		}
		wg.Wait()
	})
	return int(taken.Load())
}

func TestGuardParallelNoFasterThanSerial(t *testing.T) {
	const window = 2 * time.Hour
	serial := guessesIn(t, 1, 0, window)
	// A serial attacker gets the free guesses, the doublings up to the cap
	// (1+2+…+256 s = 511 s) and then one guess every five minutes.
	if want := FreeGuesses + 10 + int((window-511*time.Second)/maxBackoff); serial != want {
		t.Fatalf("a serial attacker took %d guesses in %v, want %d", serial, window, want)
	}
	for _, hold := range []time.Duration{0, 10 * time.Millisecond, 14 * time.Second} {
		t.Run(fmt.Sprintf("held %v", hold), func(t *testing.T) {
			if got := guessesIn(t, 32, hold, window); got > serial+1 {
				t.Errorf("32 parallel attackers took %d guesses in %v, a serial one %d", got, window, serial)
			}
		})
	}
	// Over a day the cap stops both.
	if got := guessesIn(t, 32, 0, 24*time.Hour); got != MaxGuesses {
		t.Errorf("32 parallel attackers took %d guesses in a day, want the cap of %d", got, MaxGuesses)
	}
}

// joinAtOnce runs n joiners that take a guess at the same instant and
// succeed a few milliseconds later, and fails the test if any is told to
// wait.
func joinAtOnce(t *testing.T, g *guard, n int) {
	t.Helper()
	var wg sync.WaitGroup
	var refused atomic.Int64
	for range n {
		wg.Go(func() {
			if wait, stopped := g.take(time.Now()); wait != 0 || stopped {
				refused.Add(1)
				return
			}
			time.Sleep(5 * time.Millisecond)
			g.settle(time.Now(), true)
		})
	}
	wg.Wait()
	if r := refused.Load(); r > 0 {
		t.Errorf("%d of %d honest joiners were told to wait", r, n)
	}
}

func TestGuardHonestCrowd(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var g guard
		joinAtOnce(t, &g, 20)
		// Four typos later, with only one free guess left, a second crowd
		// still gets in, and a third right after it.
		for range FreeGuesses - 1 {
			if wait, stopped := g.take(time.Now()); wait != 0 || stopped {
				t.Fatal("a typo was told to wait")
			}
			g.settle(time.Now(), false)
		}
		joinAtOnce(t, &g, 20)
		joinAtOnce(t, &g, 20)
		// The crowds gave back what they charged: the last free failure
		// and one more, and the guess after them waits 1 s.
		for range 2 {
			if wait, _ := g.take(time.Now()); wait != 0 {
				t.Fatalf("guess refused for %v", wait)
			}
			g.settle(time.Now(), false)
		}
		if wait, _ := g.take(time.Now()); wait != time.Second {
			t.Errorf("after the free guesses and three crowds: wait %v, want 1s", wait)
		}
	})
}

func TestGuardInFlightWaitsAsIfFailed(t *testing.T) {
	var g guard
	now := time.Unix(1_700_000_000, 0)
	for range FreeGuesses {
		g.take(now)
		g.settle(now, false)
	}
	// One guess held open past the free ones: the next waits as if it had
	// failed already.
	if wait, _ := g.take(now); wait != 0 {
		t.Fatalf("first guess past the free ones waits %v", wait)
	}
	if wait, _ := g.take(now); wait != time.Second {
		t.Fatalf("second guess while the first is in flight waits %v, want 1s", wait)
	}
	now = now.Add(time.Second)
	if wait, _ := g.take(now); wait != 0 {
		t.Fatalf("guess after the wait refused for %v", wait)
	}
	if wait, _ := g.take(now); wait != 2*time.Second {
		t.Fatalf("third guess waits %v, want 2s", wait)
	}
	// Both succeed: the schedule is back to where the failures left it.
	g.settle(now, true)
	g.settle(now, true)
	if wait, _ := g.take(now); wait != 0 {
		t.Fatalf("after two successes a guess waits %v", wait)
	}
}
