package host

import (
	"testing"
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
