package sessiontest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/ssc-chat/ssc/chat"
	"github.com/ssc-chat/ssc/host"
	"github.com/ssc-chat/ssc/peer"
	"github.com/ssc-chat/ssc/peer/peertest"
	"github.com/ssc-chat/ssc/wire"
)

func TestHostAndThreeMembersChat(t *testing.T) {
	r := startRoom(t)
	alice, aliceEv := r.join("alice")
	bob, bobEv := r.join("bob")
	_, carolEv := r.join("carol")

	w := carolEv.Wait(t, "welcome", peertest.Kind(peer.KindWelcome))
	if got := len(w.Members); got != 4 {
		t.Fatalf("carol's welcome lists %d members, want 4", got)
	}
	if ev := aliceEv.Wait(t, "carol joining", func(ev peer.Event) bool { return ev.Kind == peer.KindJoin && ev.Name == "carol" }); ev.Addr != "" {
		t.Fatalf("a member learned carol's address %q", ev.Addr)
	}
	// Only the host's operator sees where joiners come from.
	if ev := r.opEvents.Wait(t, "carol joining", func(ev peer.Event) bool { return ev.Kind == peer.KindJoin && ev.Name == "carol" }); ev.Addr == "" {
		t.Fatal("the operator was not told carol's address")
	}

	member(t, alice, "hello from alice")
	for _, e := range []*peertest.Recorder{bobEv, carolEv, r.opEvents} {
		ev := e.Wait(t, "alice's message", peertest.Message("alice", "hello from alice"))
		if ev.Self {
			t.Fatal("message from alice marked as own on another member")
		}
	}
	if ev := aliceEv.Wait(t, "own message echoed", peertest.Message("alice", "hello from alice")); !ev.Self {
		t.Fatal("alice's own message not marked Self")
	}
	r.do("/me waves")
	if ev := bobEv.Wait(t, "host action", peertest.Message("host", "waves")); !ev.Action {
		t.Fatal("/me not delivered as an action")
	}
	chat.New(bob, nil).Do(context.Background(), "/quit")
	carolEv.Wait(t, "bob leaving", peertest.Left("bob", peer.ReasonQuit))
	// Gone with the connection: bob's keys, so nothing more can be signed.
	if err := bob.Say(context.Background(), "after leaving"); !errors.Is(err, peer.ErrClosed) {
		t.Fatalf("saying after leaving: %v", err)
	}
}

func TestWrongPassphraseIsRefused(t *testing.T) {
	r := startRoom(t)
	_, err := r.tryJoin("mallory", "wrong-horse")
	if !errors.Is(err, peer.ErrWrongPassphrase) {
		t.Fatalf("got %v, want ErrWrongPassphrase", err)
	}
	r.opEvents.Wait(t, "operator warned", peertest.NoticeContaining("failed admission"))
	// The room still works for people who know the passphrase.
	r.join("alice")
}

func TestGuessingIsSlowedDown(t *testing.T) {
	// The host's clock stands still, so the backoff cannot run out between
	// guesses however slow the machine is.
	frozen := time.Unix(1_800_000_000, 0)
	r := startRoomB(t, func(c *host.Config) { c.Now = func() time.Time { return frozen } })
	for i := range host.FreeGuesses + 1 {
		if _, err := r.tryJoin("mallory", "guess"); !errors.Is(err, peer.ErrWrongPassphrase) {
			t.Fatalf("guess %d: got %v, want ErrWrongPassphrase", i+1, err)
		}
	}
	// Right after, even the right passphrase has to wait: the host answers
	// busy without taking a guess.
	_, err := r.tryJoin("alice", passphrase)
	var refused *peer.RefusedError
	if !errors.As(err, &refused) || refused.Code != wire.RefuseBusy || refused.RetryAfter <= 0 {
		t.Fatalf("got %v, want busy with a retry time", err)
	}
	r.opEvents.Wait(t, "operator told", peertest.NoticeContaining("joiners now wait 1s before the next attempt (/passphrase new"))
}

// Once the guess budget is spent, a joiner, even with the right passphrase,
// is told that the host must set a new passphrase; after /passphrase new,
// the new one admits.
func TestSpentBudgetNeedsANewPassphrase(t *testing.T) {
	// Each reading of the host's clock is an hour later, so no backoff is
	// ever still running: only the budget stops guesses.
	var mu sync.Mutex
	now := time.Unix(1_800_000_000, 0)
	r := startRoomB(t, func(c *host.Config) {
		c.Now = func() time.Time {
			mu.Lock()
			defer mu.Unlock()
			now = now.Add(time.Hour)
			return now
		}
	})
	for i := range host.MaxGuesses {
		if _, err := r.tryJoin("mallory", "a wrong guess"); !errors.Is(err, peer.ErrWrongPassphrase) {
			t.Fatalf("guess %d: got %v, want ErrWrongPassphrase", i+1, err)
		}
	}
	_, err := r.tryJoin("alice", passphrase)
	if !errors.Is(err, peer.ErrSpent) {
		t.Fatalf("after %d failures: got %v, want ErrSpent", host.MaxGuesses, err)
	}
	fresh, err := r.session.RotatePassphrase()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.tryJoin("alice", fresh); err != nil {
		t.Fatalf("with the new passphrase: %v", err)
	}
}
