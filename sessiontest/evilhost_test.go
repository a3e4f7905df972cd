package sessiontest

import (
	"bytes"
	"context"
	"crypto/rand"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssc-chat/ssc/keys"
	"github.com/ssc-chat/ssc/peer"
	"github.com/ssc-chat/ssc/peer/peertest"
	"github.com/ssc-chat/ssc/wire"
)

// evilHost speaks the protocol's frames but alters what it relays, as a
// host built to cheat would. Members attach over in-memory pipes without a
// HostControl, so admission is skipped: what is under test is the
// end-to-end level, which must hold whatever the host does.
type evilHost struct {
	t         *testing.T
	sessionID keys.Fingerprint

	mu      sync.Mutex
	members []*evilMember
	// relay decides what recipient to gets for a message the host would
	// honestly deliver as m; nil means deliver m unchanged.
	relay func(to *evilMember, m wire.Message) []wire.Message
	// entry decides how member is shown to viewer; nil means honestly.
	entry func(viewer *evilMember, member wire.Member) wire.Member
	// kem decides which HPKE key viewer gets for member; nil means its own.
	kem func(viewer, member *evilMember) []byte
	wg  sync.WaitGroup
}

type evilMember struct {
	name   string
	conn   net.Conn
	id     wire.Identity
	kemKey []byte // from its Hello, for whoever asks
	client *peer.Client
	events *peertest.Recorder
	wmu    sync.Mutex
}

func newEvilHost(t *testing.T) *evilHost {
	h := &evilHost{t: t}
	rand.Read(h.sessionID[:])
	t.Cleanup(func() {
		h.mu.Lock()
		for _, m := range h.members {
			m.conn.Close()
			m.client.Close()
		}
		h.mu.Unlock()
		h.wg.Wait()
	})
	return h
}

func (h *evilHost) send(to *evilMember, m wire.Message) {
	to.wmu.Lock()
	defer to.wmu.Unlock()
	to.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	wire.Write(to.conn, m)
}

// deliver hands m to one member, through the relay hook.
func (h *evilHost) deliver(to *evilMember, m wire.Message) {
	out := []wire.Message{m}
	if h.relay != nil {
		out = h.relay(to, m)
	}
	for _, m := range out {
		h.send(to, m)
	}
}

// key is the HPKE key the host hands viewer for m: through the kem hook,
// or honestly.
func (h *evilHost) key(viewer, m *evilMember) []byte {
	if h.kem != nil {
		return h.kem(viewer, m)
	}
	return m.kemKey
}

func (h *evilHost) show(viewer *evilMember, m wire.Member) wire.Member {
	if h.entry != nil {
		return h.entry(viewer, m)
	}
	return m
}

// join attaches a real peer.Client named name and seats it.
func (h *evilHost) join(name string) *evilMember {
	h.t.Helper()
	ours, theirs := net.Pipe()
	type result struct {
		c   *peer.Client
		err error
	}
	attached := make(chan result, 1)
	go func() {
		c, err := peer.Attach(context.Background(), theirs, name, h.sessionID)
		attached <- result{c, err}
	}()
	r := wire.NewReader(ours, wire.MaxHelloFrame)
	msg, err := r.Next()
	if err != nil {
		h.t.Fatal(err)
	}
	hello := msg.(*wire.Hello)
	m := &evilMember{name: name, conn: ours, id: hello.Identity, kemKey: hello.KEMKey}

	h.mu.Lock()
	h.members = append(h.members, m)
	var roster []wire.Member
	for _, o := range h.members {
		roster = append(roster, h.show(m, wire.Member{Name: o.name, Since: time.Now().UnixMilli(), Identity: o.id}))
	}
	others := append([]*evilMember(nil), h.members[:len(h.members)-1]...)
	h.mu.Unlock()

	h.send(m, &wire.Welcome{Name: name, Session: "evil", Members: roster, SessionID: h.sessionID[:]})
	res := <-attached
	if res.err != nil {
		h.t.Fatalf("attach %s: %v", name, res.err)
	}
	m.client, m.events = res.c, peertest.Record(res.c)
	m.events.Wait(h.t, name+"'s welcome", peertest.Kind(peer.KindWelcome))
	for _, o := range others {
		h.send(o, &wire.Joined{Member: h.show(o, wire.Member{Name: name, Since: time.Now().UnixMilli(), Identity: m.id})})
		o.events.Wait(h.t, o.name+" seeing "+name+" join", peertest.Kind(peer.KindJoin))
	}
	r.SetLimit(wire.MaxFrame)
	h.wg.Go(func() { h.serve(m, r) })
	return m
}

// serve relays what m sends, as an honest host would, through the hooks.
func (h *evilHost) serve(from *evilMember, r *wire.Reader) {
	for {
		msg, err := r.Next()
		if err != nil {
			return
		}
		now := time.Now().UnixMilli()
		h.mu.Lock()
		members := append([]*evilMember(nil), h.members...)
		h.mu.Unlock()
		switch msg := msg.(type) {
		case *wire.Bye:
			from.conn.Close()
			return
		case *wire.Say:
			for _, to := range members {
				h.deliver(to, &wire.ChatMessage{From: from.name, Body: msg.Body, Counter: msg.Counter, Sig: msg.Sig, Time: now})
			}
		case *wire.KeyRequest:
			answer := &wire.Key{Name: msg.Name}
			for _, m := range members {
				if m.name == msg.Name {
					answer.KEMKey = h.key(from, m)
				}
			}
			h.send(from, answer)
		case *wire.Direct:
			dm := &wire.DirectMessage{From: from.name, To: msg.To, Sealed: msg.Sealed, Counter: msg.Counter, Sig: msg.Sig, Time: now}
			for _, to := range members {
				if to.name == msg.To || to == from {
					h.deliver(to, dm)
				}
			}
		}
	}
}

func noMessage(t *testing.T, e *peertest.Recorder, text string) {
	t.Helper()
	for _, ev := range e.Seen() {
		if ev.Kind == peer.KindMessage && strings.Contains(ev.Text, text) {
			t.Fatalf("%q was shown: %+v", text, ev)
		}
	}
}

func flip(b []byte, i int) []byte {
	b = bytes.Clone(b)
	b[i%len(b)] ^= 0x40
	return b
}

func TestMaliciousHostCannotForgeOrReplay(t *testing.T) {
	tests := []struct {
		name  string
		alter func(m *wire.ChatMessage) []wire.Message
		warn  peer.Problem
		from  string // whom the warning names
	}{
		{"flipped body bit", func(m *wire.ChatMessage) []wire.Message { m.Body = flip(m.Body, 3); return []wire.Message{m} }, peer.ProblemForged, "alice"},
		{"flipped padding bit", func(m *wire.ChatMessage) []wire.Message {
			m.Body = flip(m.Body, len(m.Body)-1)
			return []wire.Message{m}
		}, peer.ProblemForged, "alice"},
		{"flipped signature bit", func(m *wire.ChatMessage) []wire.Message { m.Sig = flip(m.Sig, 10); return []wire.Message{m} }, peer.ProblemForged, "alice"},
		{"changed counter", func(m *wire.ChatMessage) []wire.Message { m.Counter += 1; return []wire.Message{m} }, peer.ProblemForged, "alice"},
		{"swapped sender", func(m *wire.ChatMessage) []wire.Message { m.From = "carol"; return []wire.Message{m} }, peer.ProblemForged, "carol"},
		{"sender not in the room", func(m *wire.ChatMessage) []wire.Message { m.From = "mallory"; return []wire.Message{m} }, peer.ProblemNotMember, "mallory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newEvilHost(t)
			alice, bob, carol := h.join("alice"), h.join("bob"), h.join("carol")
			h.relay = func(to *evilMember, m wire.Message) []wire.Message {
				if cm, ok := m.(*wire.ChatMessage); ok && to == bob {
					c := *cm
					return tt.alter(&c)
				}
				return []wire.Message{m}
			}
			alice.client.Say(context.Background(), "meet at noon")
			carol.events.Wait(t, "the honest copy", peertest.Message("alice", "meet at noon"))
			bob.events.Wait(t, "a warning", peertest.WarningFrom(tt.warn, tt.from))
			noMessage(t, bob.events, "meet at noon")
		})
	}
}

func TestMaliciousHostReplayIsShownOnce(t *testing.T) {
	h := newEvilHost(t)
	alice, bob := h.join("alice"), h.join("bob")
	var first *wire.ChatMessage
	h.relay = func(to *evilMember, m wire.Message) []wire.Message {
		cm, ok := m.(*wire.ChatMessage)
		if !ok || to != bob {
			return []wire.Message{m}
		}
		if first == nil {
			first = cm
			return []wire.Message{m, m} // the same message twice
		}
		return []wire.Message{first, m} // and again, before the next one
	}
	alice.client.Say(context.Background(), "one")
	bob.events.Wait(t, "first message", peertest.Message("alice", "one"))
	bob.events.Wait(t, "replay warning", peertest.WarningFrom(peer.ProblemReplay, "alice"))
	alice.client.Say(context.Background(), "two")
	bob.events.Wait(t, "second message", peertest.Message("alice", "two"))
	shown := 0
	for _, ev := range bob.events.Seen() {
		if ev.Kind == peer.KindMessage && ev.Text == "one" {
			shown++
		}
	}
	if shown != 1 {
		t.Fatalf("the message was shown %d times", shown)
	}
}

// A host that brings a member's signed entry from another session, to
// replay what she signed there, is refused at the entry: entries are
// signed over the session id, and so are messages.
func TestEntryAndMessageFromAnotherSessionAreRejected(t *testing.T) {
	h := newEvilHost(t)
	alice, bob := h.join("alice"), h.join("bob")
	other := newEvilHost(t)
	bob2 := other.join("bob")
	var captured *wire.ChatMessage
	h.relay = func(to *evilMember, m wire.Message) []wire.Message {
		if cm, ok := m.(*wire.ChatMessage); ok && to == bob {
			captured = cm
		}
		return []wire.Message{m}
	}
	alice.client.Say(context.Background(), "for session one")
	bob.events.Wait(t, "message in its own session", peertest.Message("alice", "for session one"))
	other.send(bob2, &wire.Joined{Member: wire.Member{Name: "alice", Since: 1, Identity: alice.id}})
	bob2.events.Wait(t, "the entry refused", func(ev peer.Event) bool {
		return ev.Kind == peer.KindWarning && ev.Problem == peer.ProblemBadEntry && ev.Name == "alice"
	})
	other.send(bob2, captured)
	bob2.events.Wait(t, "the message refused", peertest.WarningFrom(peer.ProblemNotMember, "alice"))
	noMessage(t, bob2.events, "for session one")
	for _, m := range bob2.client.Members() {
		if m.Name == "alice" {
			t.Fatal("alice's entry from another session was seated")
		}
	}
}

func TestMaliciousHostCannotResealDirectMessage(t *testing.T) {
	h := newEvilHost(t)
	alice, bob := h.join("alice"), h.join("bob")
	// The host seals a text of its own to bob's real key and keeps alice's signature.
	h.relay = func(to *evilMember, m wire.Message) []wire.Message {
		dm, ok := m.(*wire.DirectMessage)
		if !ok || to != bob {
			return []wire.Message{m}
		}
		fake := *dm
		body, _ := keys.Pad([]byte("\x00send the money to mallory"))
		hostID, _ := keys.GenerateIdentity()
		bobKeys := keys.PublicIdentity{SignKey: bob.id.SignKey, KEMHash: bob.id.KEMHash}
		sealed, _, err := hostID.SealDirect(h.sessionID[:], bobKeys, bob.kemKey, dm.Counter, body)
		if err != nil {
			t.Error(err)
		}
		fake.Sealed = sealed
		return []wire.Message{&fake}
	}
	if err := alice.client.Direct(context.Background(), "bob", "the real text"); err != nil {
		t.Fatal(err)
	}
	alice.events.Wait(t, "alice's acknowledgement", func(ev peer.Event) bool { return ev.Kind == peer.KindMessage && ev.To == "bob" && ev.Self })
	bob.events.Wait(t, "warning", func(ev peer.Event) bool {
		return ev.Kind == peer.KindWarning && ev.Problem == peer.ProblemForged && ev.Direct && ev.From == "alice"
	})
	noMessage(t, bob.events, "money")
	noMessage(t, bob.events, "the real text")
}

func TestSubstitutedKeyShowsInSafetyNumbers(t *testing.T) {
	h := newEvilHost(t)
	// The host shows bob its own keys under carol's name, so it could read
	// what bob seals to "carol" and sign as "carol" to bob.
	fake, err := keys.GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	created := time.Now().UnixMilli()
	fakeCarol := wire.Identity{SignKey: fake.Public.SignKey, KEMHash: fake.Public.KEMHash, Created: created, Sig: fake.SignEntry(h.sessionID[:], "carol", created)}
	var bobMember *evilMember
	h.entry = func(viewer *evilMember, m wire.Member) wire.Member {
		if m.Name == "carol" && viewer == bobMember {
			m.Identity = fakeCarol
		}
		return m
	}
	alice := h.join("alice")
	bobMember = h.join("bob")
	carol := h.join("carol")
	bob := bobMember

	// Carol reads out her own fingerprint: alice sees it, bob does not.
	own, err := carol.client.Fingerprint("carol")
	if err != nil {
		t.Fatal(err)
	}
	if fp, _ := alice.client.Fingerprint("carol"); fp != own {
		t.Fatalf("alice sees carol's fingerprint as %s without any swap; carol reads %s", fp, own)
	}
	if fp, _ := bob.client.Fingerprint("carol"); fp == own {
		t.Fatalf("bob sees carol's real fingerprint %s despite a swapped key", fp)
	}
	fromBob, err := bob.client.SafetyNumber("carol")
	if err != nil {
		t.Fatal(err)
	}
	fromCarol, err := carol.client.SafetyNumber("bob")
	if err != nil {
		t.Fatal(err)
	}
	if fromBob == fromCarol {
		t.Fatal("bob and carol computed the same safety number despite a swapped key")
	}
	// Without the swap the numbers agree: the check is not vacuous.
	ac, err := alice.client.SafetyNumber("carol")
	if err != nil {
		t.Fatal(err)
	}
	if ca, _ := carol.client.SafetyNumber("alice"); ac != ca {
		t.Fatalf("alice and carol disagree without any swap: %s vs %s", ac, ca)
	}
}
