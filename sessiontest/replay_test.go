package sessiontest

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ssc-chat/ssc/keys"
	"github.com/ssc-chat/ssc/peer"
	"github.com/ssc-chat/ssc/peer/peertest"
	"github.com/ssc-chat/ssc/wire"
)

// warning matches a warning about name.
func warning(problem peer.Problem, name string) func(peer.Event) bool {
	return func(ev peer.Event) bool {
		return ev.Kind == peer.KindWarning && ev.Problem == problem && ev.Name == name
	}
}

// shown counts the times text was shown as a message.
func shown(e *peertest.Recorder, text string) int {
	n := 0
	for _, ev := range e.Seen() {
		if ev.Kind == peer.KindMessage && ev.Text == text {
			n++
		}
	}
	return n
}

// A host that announces a member again with that member's own signed entry,
// whether she is still here or has left, cannot make her old messages count
// again: the entry is refused with a warning, and the replays with it.
func TestReannouncedEntryCannotBringMessagesBack(t *testing.T) {
	for _, leftFirst := range []bool{false, true} {
		name := "while present"
		if leftFirst {
			name = "after leaving"
		}
		t.Run(name, func(t *testing.T) {
			h := newEvilHost(t)
			alice, bob := h.join("alice"), h.join("bob")
			var said []wire.Message
			h.relay = func(to *evilMember, m wire.Message) []wire.Message {
				if to == bob {
					said = append(said, m)
				}
				return []wire.Message{m}
			}
			alice.client.Say(context.Background(), "one")
			bob.events.Wait(t, "the message", peertest.Message("alice", "one"))
			h.relay = nil
			if leftFirst {
				h.send(bob, &wire.Left{Name: "alice", Reason: wire.LeaveQuit})
				bob.events.Wait(t, "alice leaving", peertest.Left("alice", peer.ReasonQuit))
			}
			h.send(bob, &wire.Joined{Member: wire.Member{Name: "alice", Since: time.Now().UnixMilli(), Identity: alice.id}})
			bob.events.Wait(t, "the entry refused", warning(peer.ProblemKeyReused, "alice"))
			for _, m := range said {
				h.send(bob, m)
			}
			want := peer.ProblemReplay
			if leftFirst {
				want = peer.ProblemNotMember
			}
			bob.events.Wait(t, "the replay refused", peertest.WarningFrom(want, "alice"))
			if n := shown(bob.events, "one"); n != 1 {
				t.Fatalf("the message was shown %d times", n)
			}
			if leftFirst {
				if err := bob.client.Direct(context.Background(), "alice", "secret"); !errors.Is(err, peer.ErrNoMember) {
					t.Fatalf("a direct message to the refused entry: %v, want %v", err, peer.ErrNoMember)
				}
			}
		})
	}
}

// A name that is in the room and comes again with other keys is announced
// to everyone, not only to whoever verified it.
func TestReplacedKeysAreAnnouncedToEveryone(t *testing.T) {
	h := newEvilHost(t)
	h.join("alice")
	bob, carol := h.join("bob"), h.join("carol")
	fake, err := keys.GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	entry := peer.NewHello(fake, h.sessionID, "alice").Identity
	for _, m := range []*evilMember{bob, carol} {
		h.send(m, &wire.Joined{Member: wire.Member{Name: "alice", Since: time.Now().UnixMilli(), Identity: entry}})
		m.events.Wait(t, m.name+" warned", warning(peer.ProblemReplaced, "alice"))
	}
}

// The HPKE key the host hands out for sealing must be the one its owner
// signed: another key is refused with a warning and nothing is sealed.
func TestSubstitutedSealingKeyIsRefused(t *testing.T) {
	h := newEvilHost(t)
	alice, bob := h.join("alice"), h.join("bob")
	h.kem = func(viewer, m *evilMember) []byte {
		if m == bob {
			return alice.kemKey // a key the host could read with, had it made it
		}
		return m.kemKey
	}
	var sent atomic.Int32
	h.relay = func(to *evilMember, m wire.Message) []wire.Message {
		if _, ok := m.(*wire.DirectMessage); ok {
			sent.Add(1)
		}
		return []wire.Message{m}
	}
	err := alice.client.Direct(context.Background(), "bob", "secret")
	if !errors.Is(err, peer.ErrNoKey) {
		t.Fatalf("Direct with a substituted key: %v, want %v", err, peer.ErrNoKey)
	}
	alice.events.Wait(t, "the key refused", warning(peer.ProblemBadKey, "bob"))
	if n := sent.Load(); n != 0 {
		t.Fatalf("%d direct messages went out", n)
	}
	// An honest host's key works.
	h.kem = nil
	if err := alice.client.Direct(context.Background(), "bob", "secret"); err != nil {
		t.Fatal(err)
	}
	bob.events.Wait(t, "the direct message", func(ev peer.Event) bool {
		return ev.Kind == peer.KindMessage && ev.From == "alice" && ev.To == "bob" && ev.Text == "secret"
	})
}

// A name the host itself would refuse, such as one with a line break or
// the host's mark, is no member's name, whatever the host announces.
func TestAnnouncedNamesMustBeValid(t *testing.T) {
	h := newEvilHost(t)
	bob := h.join("bob")
	for _, name := range []string{"eve\n-- alice joined", "◆ host", "аlice"} {
		fake, err := keys.GenerateIdentity()
		if err != nil {
			t.Fatal(err)
		}
		h.send(bob, &wire.Joined{Member: wire.Member{Name: name, Since: time.Now().UnixMilli(), Identity: peer.NewHello(fake, h.sessionID, name).Identity}})
		bob.events.Wait(t, "the entry refused", warning(peer.ProblemBadEntry, name))
		if _, ok := bob.client.Member(name); ok {
			t.Fatalf("%q was seated", name)
		}
	}
}

// Nobody takes a member's own place while it is here: an announcement of
// its name in any spelling is refused, and its own fingerprint, which it
// reads out to the others, stays the one of its own keys.
func TestNobodyIsAnnouncedInAMembersOwnPlace(t *testing.T) {
	h := newEvilHost(t)
	bob := h.join("bob")
	own, err := bob.client.Fingerprint("bob")
	if err != nil {
		t.Fatal(err)
	}
	fake, err := keys.GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"bob", "Bob"} {
		h.send(bob, &wire.Joined{Member: wire.Member{Name: name, Since: time.Now().UnixMilli(), Identity: peer.NewHello(fake, h.sessionID, name).Identity}})
		bob.events.Wait(t, "the announcement refused", warning(peer.ProblemNotYou, name))
	}
	// Nor by a whole name in another script that looks like its own in
	// capitals (Cyrillic "ВОВ").
	cyrillic := "\u0412\u041e\u0412"
	h.send(bob, &wire.Joined{Member: wire.Member{Name: cyrillic, Since: time.Now().UnixMilli(), Identity: peer.NewHello(fake, h.sessionID, cyrillic).Identity}})
	bob.events.Wait(t, "the look-alike refused", warning(peer.ProblemNotYou, cyrillic))
	h.send(bob, &wire.Left{Name: "bob", Reason: wire.LeaveQuit})
	bob.events.Wait(t, "the host saying bob left", peertest.Left("bob", peer.ReasonQuit))
	if fp, err := bob.client.Fingerprint("BOB"); err != nil || fp != own {
		t.Fatalf("bob's own fingerprint is now %s (%v), was %s", fp, err, own)
	}
	if m, ok := bob.client.Member("bob"); !ok || !m.Identity.Equal(keys.PublicIdentity{SignKey: bob.id.SignKey, KEMHash: bob.id.KEMHash}) {
		t.Fatalf("bob's own entry is now %+v (%v)", m, ok)
	}
}
