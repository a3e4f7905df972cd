package sessiontest

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/ssc-chat/ssc/chat"
	"github.com/ssc-chat/ssc/peer"
	"github.com/ssc-chat/ssc/peer/peertest"
	"github.com/ssc-chat/ssc/wire"
)

func TestNameCollisionIsRefused(t *testing.T) {
	r := startRoom(t)
	r.join("alice")
	for _, name := range []string{"alice", "ALICE", "al\u200bice"} {
		_, err := r.tryJoin(name, passphrase)
		var refused *peer.RefusedError
		if !errors.As(err, &refused) || refused.Code != wire.RefuseNameTaken {
			// "al\u200bice" is refused earlier, by the joiner's own name check.
			if name == "al\u200bice" && err != nil {
				continue
			}
			t.Fatalf("joining as %q: got %v, want name taken", name, err)
		}
	}
	// The refusal cost nothing: bob still gets in.
	r.join("bob")

	// A whole name in another script that looks like one here only in
	// capitals is taken too, and its owner may leave and come back.
	home, _ := r.join("HOME")
	cyrillic := "\u041d\u041e\u041c\u0415"
	var refused *peer.RefusedError
	if _, err := r.tryJoin(cyrillic, passphrase); !errors.As(err, &refused) || refused.Code != wire.RefuseNameTaken {
		t.Fatalf("joining as Cyrillic %q beside HOME: got %v, want name taken", cyrillic, err)
	}
	home.Close()
	r.opEvents.Wait(t, "HOME leaving", peertest.Left("HOME", peer.ReasonQuit))
	r.join(cyrillic)
}

func TestKick(t *testing.T) {
	r := startRoom(t)
	bob, bobEv := r.join("bob")
	_, carolEv := r.join("carol")
	carolEv.Wait(t, "welcome", peertest.Kind(peer.KindWelcome))

	r.do("/kick Bob")
	end := bobEv.Wait(t, "bob's end", peertest.Kind(peer.KindEnd))
	if end.Reason != peer.ReasonKicked {
		t.Fatalf("bob's session ended with %q, want kicked", end.Reason)
	}
	carolEv.Wait(t, "bob kicked", peertest.Left("bob", peer.ReasonKicked))
	// A kicked member is disconnected, its keys gone: it cannot say more.
	select {
	case <-bob.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("a kicked member's connection stayed open")
	}
	if err := bob.Say(context.Background(), "still here?"); !errors.Is(err, peer.ErrClosed) {
		t.Fatalf("saying after being kicked: %v", err)
	}
	wantOutput(t, "/kick nobody", r.do("/kick nobody"), "no member by that name")
}

func TestMemberCannotRunHostCommands(t *testing.T) {
	r := startRoom(t)
	bob, _ := r.join("bob")
	_, carolEv := r.join("carol")
	for _, cmd := range []string{"/kick carol", "/lock", "/passphrase", "/passphrase new", "/end"} {
		wantOutput(t, cmd, member(t, bob, cmd), "only the host can")
	}
	member(t, bob, "still together")
	carolEv.Wait(t, "bob's line", peertest.Message("bob", "still together"))
	// Events come in order: any removal the commands caused came before this line.
	r.opEvents.Wait(t, "bob's line", peertest.Message("bob", "still together"))
	for _, ev := range r.opEvents.Seen() {
		if ev.Kind == peer.KindLeave {
			t.Fatalf("a member's host command removed someone: %+v", ev)
		}
	}
}

func TestLockAndUnlock(t *testing.T) {
	r := startRoom(t)
	_, bobEv := r.join("bob")
	wantOutput(t, "/lock", r.do("/lock"), "session locked")
	if !r.session.Locked() {
		t.Fatal("Locked says the session is open after /lock")
	}
	_, err := r.tryJoin("carol", passphrase)
	var refused *peer.RefusedError
	if !errors.As(err, &refused) || refused.Code != wire.RefuseLocked {
		t.Fatalf("joining a locked session: got %v, want locked", err)
	}
	wantOutput(t, "/unlock", r.do("/unlock"), "session unlocked")
	if r.session.Locked() {
		t.Fatal("Locked says the session is locked after /unlock")
	}
	r.join("carol")
	bobEv.Wait(t, "carol joining", func(ev peer.Event) bool { return ev.Kind == peer.KindJoin && ev.Name == "carol" })
}

func TestRotatePassphrase(t *testing.T) {
	r := startRoom(t)
	bob, _ := r.join("bob")
	out := r.do("/passphrase new")
	wantOutput(t, "/passphrase new", out, "new passphrase: ")
	fresh := out[len("new passphrase: "):]
	fresh = fresh[:len(fresh)-len(" (members stay; only new joiners need it)")]
	if _, err := r.tryJoin("carol", passphrase); !errors.Is(err, peer.ErrWrongPassphrase) {
		t.Fatalf("old passphrase after rotation: got %v, want ErrWrongPassphrase", err)
	}
	if _, err := r.tryJoin("carol", fresh); err != nil {
		t.Fatalf("new passphrase: %v", err)
	}
	// Admitted members stay.
	if err := bob.Say(context.Background(), "still here"); err != nil {
		t.Fatal(err)
	}
	r.opEvents.Wait(t, "bob still talking", peertest.Message("bob", "still here"))
}

func TestHostEndsSession(t *testing.T) {
	for _, how := range []string{"/end", "/quit"} {
		t.Run(how, func(t *testing.T) {
			r := startRoom(t)
			_, bobEv := r.join("bob")
			_, carolEv := r.join("carol")
			carolEv.Wait(t, "welcome", peertest.Kind(peer.KindWelcome))
			r.do("last words")
			if _, err := r.opChat.Do(context.Background(), how); !errors.Is(err, chat.ErrQuit) {
				t.Fatalf("%s: got %v, want ErrQuit", how, err)
			}
			for _, e := range []*peertest.Recorder{bobEv, carolEv} {
				// Everything the host said before ending arrives first.
				e.Wait(t, "last words", peertest.Message("host", "last words"))
				end := e.Wait(t, "end", peertest.Kind(peer.KindEnd))
				if end.Reason != peer.ReasonHostEnded || chat.New(nil, nil).Describe(end) != "session ended by the host" {
					t.Fatalf("end event %+v", end)
				}
			}
			if _, err := r.tryJoin("dave", passphrase); err == nil {
				t.Fatal("joined a session that had ended")
			}
		})
	}
}

func TestMemberKilledAbruptly(t *testing.T) {
	r := startRoom(t)
	var raw net.Conn
	dial := func(ctx contextT, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		raw = c
		return c, err
	}
	ctx, cancel := testContext()
	defer cancel()
	_, err := peer.Join(ctx, r.addr, peer.Config{Name: "doomed", Passphrase: []byte(passphrase), Dial: dial})
	if err != nil {
		t.Fatal(err)
	}
	_, bobEv := r.join("bob")
	bobEv.Wait(t, "welcome", peertest.Kind(peer.KindWelcome))
	raw.(*net.TCPConn).SetLinger(0) // a reset, as when a laptop dies
	raw.Close()
	bobEv.Wait(t, "doomed lost", peertest.Left("doomed", peer.ReasonLost))
	r.opEvents.Wait(t, "doomed lost (operator)", peertest.Left("doomed", peer.ReasonLost))
	r.do("carry on")
	bobEv.Wait(t, "room still works", peertest.Message("host", "carry on"))
}
