package chat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/ssc-chat/ssc/keys"
	"github.com/ssc-chat/ssc/peer"
	"github.com/ssc-chat/ssc/peer/peertest"
	"github.com/ssc-chat/ssc/sanitize"
	"github.com/ssc-chat/ssc/wire"
)

// pipeHost seats a member called name over an in-memory pipe with a host
// that welcomes it alone and then sends it notices, one per line of them,
// before it reads anything the member sends.
func pipeHost(t *testing.T, name string, notices int) *peer.Client {
	t.Helper()
	then := make([]wire.Message, notices)
	for i := range then {
		then[i] = &wire.Notice{Text: fmt.Sprintf("notice %d", i)}
	}
	c, _ := pipeRoom(t, name, nil, then...)
	return c
}

// pipeRoom seats a member called name over an in-memory pipe with a host
// that welcomes it among others, then sends it then, before it reads
// anything the member sends. send sends more, once then is sent.
func pipeRoom(t *testing.T, name string, others []wire.Member, then ...wire.Message) (c *peer.Client, send func(wire.Message)) {
	t.Helper()
	ours, theirs := net.Pipe()
	go func() {
		defer ours.Close()
		r := wire.NewReader(ours, wire.MaxHelloFrame)
		msg, err := r.Next()
		if err != nil {
			return
		}
		h := msg.(*wire.Hello)
		members := append([]wire.Member{{Name: h.Name, Since: time.Now().UnixMilli(), Identity: h.Identity}}, others...)
		wire.Write(ours, &wire.Welcome{Name: h.Name, Session: "pipe", SessionID: make([]byte, 32), Members: members})
		for _, m := range then {
			if wire.Write(ours, m) != nil {
				return
			}
		}
		io.Copy(io.Discard, ours)
	}()
	c, err := peer.Attach(context.Background(), theirs, name, keys.Fingerprint{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { theirs.Close(); c.Close() })
	return c, func(m wire.Message) {
		if err := wire.Write(ours, m); err != nil {
			t.Fatal(err)
		}
	}
}

// A bot may use the chat language while it handles events, however many
// are waiting: command output never queues behind them.
func TestDoInsideEventsLoopDoesNotBlock(t *testing.T) {
	const notices = 1500 // more than a client buffers
	c := pipeHost(t, "bot", notices)
	ch := New(c, nil)
	done := make(chan int, 1)
	go func() {
		seen := 0
		for ev := range c.Events() {
			if ev.Kind != peer.KindNotice {
				continue
			}
			if out, err := ch.Do(context.Background(), "/count"); err != nil || out != "1 member here" {
				t.Errorf("/count = %q, %v", out, err)
			}
			if seen++; seen == notices {
				break
			}
		}
		done <- seen
	}()
	select {
	case seen := <-done:
		if seen != notices {
			t.Fatalf("the bot saw %d notices, want %d", seen, notices)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("a bot calling Do inside its Events loop is stuck")
	}
}

func TestDoOutput(t *testing.T) {
	c := pipeHost(t, "bot", 0)
	host := New(c, fakeControl{})
	member := New(c, nil)
	tests := []struct {
		name string
		ch   *Chat
		line string
		want string // a part of the output
	}{
		{"unknown", member, "/nope", "unknown command /nope; /help lists them"},
		{"host only", member, "/kick bob", "only the host can remove members"},
		{"usage", member, "/verify", "usage: /verify NAME"},
		{"usage of /msg", member, "/msg bob", "usage: /msg NAME TEXT"},
		{"direct to nobody", member, "/msg bob hello", `nobody called "bob" is here`},
		{"verify self", member, "/verify bot", "that is you; /verify someone else"},
		{"count", member, "/count", "1 member here"},
		{"who", member, "/who", "1 member here:\n  bot (you, for "},
		{"help hides host commands", member, "/help", "/quit"},
		{"kick nobody", host, "/kick bob", `cannot kick "bob": no member by that name`},
		{"kick self", host, "/kick bot", `cannot kick "bot": the host cannot kick itself`},
		{"lock", host, "/lock", "session locked"},
		{"passphrase", host, "/passphrase", "passphrase: four words"},
		{"link", host, "/link", "ways to join:\n  ssc join here"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := tt.ch.Do(context.Background(), tt.line)
			if err != nil || !strings.Contains(out, tt.want) {
				t.Fatalf("Do(%q) = %q, %v; want %q in it", tt.line, out, err, tt.want)
			}
		})
	}
	if out, _ := member.Do(context.Background(), "/help"); strings.Contains(out, "/kick") {
		t.Errorf("a member's /help lists /kick:\n%s", out)
	}
	_, err := member.Do(context.Background(), strings.Repeat("x", wire.MaxText+1))
	var long *peer.TooLongError
	if !errors.As(err, &long) || err.Error() != "message not sent: 4097 bytes, the limit is 4096" {
		t.Errorf("an over-long line gave %v", err)
	}
}

type fakeControl struct{}

func (fakeControl) Kick(name string) error {
	if name == "bot" {
		return ErrKickSelf
	}
	return ErrNoMember
}
func (fakeControl) Lock() bool                        { return true }
func (fakeControl) Unlock() bool                      { return true }
func (fakeControl) Passphrase() string                { return "four words" }
func (fakeControl) RotatePassphrase() (string, error) { return "new words", nil }
func (fakeControl) Locked() bool                      { return false }
func (fakeControl) Links() []string                   { return []string{"ssc join here"} }

func TestDescribe(t *testing.T) {
	many := make([]string, 12)
	for i := range many {
		many[i] = fmt.Sprintf("m%d", i)
	}
	tests := []struct {
		name string
		host bool
		ev   peer.Event
		want string
	}{
		{"forged", false, peer.Event{Kind: peer.KindWarning, Problem: peer.ProblemForged, From: "carol"}, "dropped a message claiming to be from carol: its signature does not verify"},
		{"forged direct", false, peer.Event{Kind: peer.KindWarning, Problem: peer.ProblemForged, From: "alice", Direct: true}, "dropped a direct message claiming to be from alice: it does not verify or open"},
		{"not in the room", false, peer.Event{Kind: peer.KindWarning, Problem: peer.ProblemNotMember, From: "mallory"}, "dropped a message from mallory, who is not in the room"},
		{"replay", false, peer.Event{Kind: peer.KindWarning, Problem: peer.ProblemReplay, From: "alice"}, "dropped a message from alice: it was already delivered (a replay)"},
		{"jump", false, peer.Event{Kind: peer.KindWarning, Problem: peer.ProblemCounterJump, From: "alice", Direct: true}, "dropped a direct message from alice: its counter jumps too far ahead"},
		{"keys changed", false, peer.Event{Kind: peer.KindWarning, Problem: peer.ProblemKeysChanged, Name: "bob"}, "bob has new keys since you verified them: compare /verify bob again before trusting them"},
		{"bad roster", false, peer.Event{Kind: peer.KindWarning, Problem: peer.ProblemBadRoster, Names: many}, "the host listed m0, m1, m2, m3, m4, m5, m6, m7, m8, m9 and 2 more with names or keys that do not check out, or twice; ignoring them"},
		{"bad entry", false, peer.Event{Kind: peer.KindWarning, Problem: peer.ProblemBadEntry, Name: "eve"}, "the host announced eve with a name or keys that do not check out; ignoring it"},
		{"kicked", false, peer.Event{Kind: peer.KindEnd, Reason: peer.ReasonKicked}, "you were removed from the session by the host"},
		{"too slow", false, peer.Event{Kind: peer.KindEnd, Reason: peer.ReasonTooSlow}, "the host removed you: your connection stopped taking messages for several seconds"},
		{"host ended", false, peer.Event{Kind: peer.KindEnd, Reason: peer.ReasonHostEnded}, "session ended by the host"},
		{"host ended, as the host", true, peer.Event{Kind: peer.KindEnd, Reason: peer.ReasonHostEnded}, "you ended the session"},
		{"left", false, peer.Event{Kind: peer.KindEnd, Reason: peer.ReasonLeft}, "you left the session"},
		{"hung up", false, peer.Event{Kind: peer.KindEnd, Reason: peer.ReasonLost, Err: fmt.Errorf("reading: %w", io.EOF)}, "connection to the host lost: the host hung up without ending the session (or removed you because this end stopped reading for too long)"},
		{"protocol", false, peer.Event{Kind: peer.KindEnd, Reason: peer.ReasonLost, Err: &peer.ProtocolError{Type: 5}}, "the host broke the protocol (sent message type 5); disconnected"},
		{"notice", false, peer.Event{Kind: peer.KindNotice, Text: "from the host"}, "from the host"},
		{"message", false, peer.Event{Kind: peer.KindMessage, Text: "hi"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h HostControl
			if tt.host {
				h = fakeControl{}
			}
			if got := New(nil, h).Describe(tt.ev); got != tt.want {
				t.Fatalf("Describe = %q, want %q", got, tt.want)
			}
		})
	}
}

// entry is a roster entry for name with fresh keys that verify.
func entry(t *testing.T, name string, host bool) wire.Member {
	t.Helper()
	id, err := keys.GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(id.Wipe)
	created := time.Now().UnixMilli()
	return wire.Member{Name: name, Since: created, Host: host, Identity: peer.NewHello(id, keys.Fingerprint{}, name).Identity}
}

// The host's mark goes to the one member the welcome flagged as the host,
// and to nobody else: not to a member announced later with the flag, nor to
// anyone when the welcome flagged several.
func TestFromHost(t *testing.T) {
	t.Run("one host", func(t *testing.T) {
		c, send := pipeRoom(t, "bot", []wire.Member{entry(t, "alice", true), entry(t, "bob", false)})
		ch := New(c, nil)
		send(&wire.Joined{Member: entry(t, "mallory", true)})
		peertest.Record(c).Wait(t, "mallory joining", peertest.Joined("mallory"))
		for name, want := range map[string]bool{"alice": true, "ALICE": false, "bob": false, "bot": false, "mallory": false, "": false} {
			if got := ch.FromHost(name); got != want {
				t.Errorf("FromHost(%q) = %v, want %v", name, got, want)
			}
		}
		who, err := ch.Do(context.Background(), "/who")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Count(who, sanitize.HostMark) != 1 || strings.Count(who, "(host") != 1 || !strings.Contains(who, "\n  "+sanitize.HostMark+" alice (host, not verified, for ") {
			t.Errorf("/who marks someone other than alice as the host:\n%s", who)
		}
	})
	t.Run("two hosts", func(t *testing.T) {
		c, _ := pipeRoom(t, "bot", []wire.Member{entry(t, "alice", true), entry(t, "bob", true)})
		ch := New(c, nil)
		if ch.FromHost("alice") || ch.FromHost("bob") {
			t.Error("a welcome that flags two hosts still marks one")
		}
	})
}

func TestWhoAndVerifyWords(t *testing.T) {
	c, _ := pipeRoom(t, "bot", []wire.Member{entry(t, "Alice", true)})
	ch := New(c, nil)
	own, err := c.Fingerprint("bot")
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := c.Fingerprint("Alice")
	if err != nil {
		t.Fatal(err)
	}
	who, _ := ch.Do(context.Background(), "/who")
	for _, want := range []string{
		"\n  bot (you, for 0s)\n    your fingerprint " + keys.FormatDigits(own) + "\n",
		"\n    fingerprint " + keys.FormatDigits(theirs) + "\n",
		"read your fingerprint out to the others, in person or by phone",
		"everyone should see the same digits next to your name",
		"/verify NAME",
	} {
		if !strings.Contains(who, want) {
			t.Errorf("/who lacks %q:\n%s", want, who)
		}
	}
	number, err := c.SafetyNumber("alice")
	if err != nil {
		t.Fatal(err)
	}
	verify, _ := ch.Do(context.Background(), "/verify alice")
	want := "safety number with Alice:\n  " + keys.FormatDigits(number[:30]) + "\n  " + keys.FormatDigits(number[30:]) + "\n" +
		"compare these 60 digits with Alice in person or by phone, not in this chat: Alice's /verify bot\n" +
		"shows the same two rows. If they match, type /verified Alice; if not, someone swapped keys between you"
	if verify != want {
		t.Errorf("/verify alice =\n%s\nwant\n%s", verify, want)
	}
}

// Names in warnings come from the host; none can break a warning into
// lines, which a front-end would show as lines of their own.
func TestDescribeKeepsNamesOnOneLine(t *testing.T) {
	for _, ev := range []peer.Event{
		{Kind: peer.KindWarning, Problem: peer.ProblemReplay, From: "eve\n-- bob left"},
		{Kind: peer.KindWarning, Problem: peer.ProblemMisdelivered, From: "a", To: "b\nc"},
		{Kind: peer.KindWarning, Problem: peer.ProblemKeysChanged, Name: "x\ry"},
		{Kind: peer.KindWarning, Problem: peer.ProblemBadRoster, Names: []string{"a\nb", "c\u202ed"}},
	} {
		if got := New(nil, nil).Describe(ev); got != sanitize.Text(got) {
			t.Errorf("Describe(%+v) = %q: not safe to show", ev, got)
		}
	}
}
