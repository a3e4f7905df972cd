package sessiontest

import (
	"bytes"
	"context"
	"testing"

	"github.com/ssc-chat/ssc/chat"
	"github.com/ssc-chat/ssc/keys"
	"github.com/ssc-chat/ssc/peer"
	"github.com/ssc-chat/ssc/peer/peertest"
)

func direct(from, to, text string) func(peer.Event) bool {
	return func(ev peer.Event) bool {
		return ev.Kind == peer.KindMessage && ev.From == from && ev.To == to && ev.Text == text
	}
}

// The operator's connection to its host carries plaintext frames, so it
// shows exactly what the host handles: a direct message must be in it only
// as ciphertext, while a group message is there in the clear.
func TestHostNeverSeesDirectMessagePlaintext(t *testing.T) {
	r := startRoom(t)
	alice, aliceEv := r.join("alice")
	r.opEvents.Wait(t, "alice joining", peertest.Kind(peer.KindJoin))

	const toHost = "the vault code is 7-4-1-9"
	member(t, alice, "/msg host "+toHost)
	if ev := r.opEvents.Wait(t, "the direct message", direct("alice", "host", toHost)); ev.Self {
		t.Fatal("a received direct message is marked as own")
	}
	aliceEv.Wait(t, "alice's acknowledgement", direct("alice", "host", toHost))

	const toAlice = "meet me at the north gate"
	r.do("/msg alice " + toAlice)
	aliceEv.Wait(t, "the host's direct message", direct("host", "alice", toAlice))
	r.opEvents.Wait(t, "the host's acknowledgement", direct("host", "alice", toAlice))

	const public = "a line for the whole room"
	r.do(public)
	aliceEv.Wait(t, "the group line", peertest.Message("host", public))

	seen := r.opWire.bytes()
	for _, secret := range []string{toHost, toAlice, "vault", "north gate"} {
		if bytes.Contains(seen, []byte(secret)) {
			t.Errorf("%q crossed the host in the clear", secret)
		}
	}
	// The recording is not vacuous: the group line, signed but not sealed, is in it.
	if !bytes.Contains(seen, []byte(public)) {
		t.Fatal("the recording misses the group line; it does not show what the host handles")
	}
}

func TestDirectMessageToAbsentMember(t *testing.T) {
	r := startRoom(t)
	alice, _ := r.join("alice")
	wantOutput(t, "/msg nobody hello", member(t, alice, "/msg nobody hello"), `nobody called "nobody" is here`)
}

func TestVerifyAndFingerprints(t *testing.T) {
	r := startRoom(t)
	alice, aliceEv := r.join("alice")
	bob, _ := r.join("bob")
	aliceEv.Wait(t, "bob joining", peertest.Kind(peer.KindJoin))
	r.opEvents.Wait(t, "bob joining", peertest.Kind(peer.KindJoin))

	ab, err := alice.SafetyNumber("bob")
	if err != nil {
		t.Fatal(err)
	}
	ba, err := bob.SafetyNumber("ALICE")
	if err != nil {
		t.Fatal(err)
	}
	if ab != ba {
		t.Fatalf("alice sees %s, bob sees %s", ab, ba)
	}
	// Everyone sees the same fingerprint for bob as bob reads out for himself.
	own, err := bob.Fingerprint("bob")
	if err != nil {
		t.Fatal(err)
	}
	for who, c := range map[string]*peer.Client{"alice": alice, "the host": r.operator} {
		if fp, err := c.Fingerprint("bob"); err != nil || fp != own {
			t.Fatalf("%s sees bob's fingerprint as %s (%v), bob reads out %s", who, fp, err, own)
		}
	}
	wantOutput(t, "/verify bob", member(t, alice, "/verify bob"), keys.FormatDigits(ab[keys.MemberFingerprintDigits:]))
	wantOutput(t, "/verified bob", member(t, alice, "/verified bob"), "bob is marked verified")
	who := member(t, alice, "/who")
	for _, want := range []string{"fingerprint " + keys.FormatDigits(own), "bob (verified, for ", "host (host, not verified"} {
		wantOutput(t, "/who", who, want)
	}
	// bob leaves and someone else takes the name: new keys, the mark goes, loudly.
	chat.New(bob, nil).Do(context.Background(), "/quit")
	aliceEv.Wait(t, "bob leaving", peertest.Left("bob", peer.ReasonQuit))
	r.join("bob")
	aliceEv.Wait(t, "key change warning", func(ev peer.Event) bool {
		return ev.Kind == peer.KindWarning && ev.Problem == peer.ProblemKeysChanged && ev.Name == "bob"
	})
	for _, m := range alice.Members() {
		if m.Name == "bob" && m.Verified {
			t.Fatal("the new bob inherited the old one's verified mark")
		}
	}
}

func TestLinkCommand(t *testing.T) {
	r := startRoom(t)
	wantOutput(t, "/link", r.do("/link"), "ssc join "+r.addr)
	bob, _ := r.join("bob")
	wantOutput(t, "/link", member(t, bob, "/link"), "only the host can show the links")
}

// A name with a space in it can be written to: the longest leading words
// that name someone in the room are the name, the rest is the text.
func TestDirectMessageToANameWithSpaces(t *testing.T) {
	r := startRoom(t)
	alice, aliceEv := r.join("alice")
	_, annEv := r.join("Ann Marie")
	r.join("Ann")
	aliceEv.Wait(t, "Ann joining", peertest.Joined("Ann"))
	if out := member(t, alice, "/msg Ann Marie see you at noon"); out != "" {
		t.Fatalf("/msg answered %q", out)
	}
	annEv.Wait(t, "the direct message", func(ev peer.Event) bool {
		return ev.Kind == peer.KindMessage && ev.From == "alice" && ev.To == "Ann Marie" && ev.Text == "see you at noon"
	})
}
