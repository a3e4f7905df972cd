package jsonlines

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ssc-chat/ssc/chat"
	"github.com/ssc-chat/ssc/peer"
)

func TestWriteIsTerminalSafeAndLossless(t *testing.T) {
	tests := []struct {
		name string
		text string
	}{
		{"clear screen", "\x1b[2J"},
		{"OSC 52 clipboard write", "\x1b]52;c;aGVsbG8=\x07"},
		{"C1 CSI", "a\u009b31mb"},
		{"carriage return", "ok\rEVIL"},
		{"right-to-left override", "abc\u202edef"},
		{"zero width space", "a\u200bb"},
		{"DEL", "a\x7fb"},
		{"line separator", "a\u2028b"},
		{"tag character", "flag\U000E0067"},
		{"Hangul filler", "a\u3164b"},
		{"Hangul choseong filler", "a\u115fb"},
		{"combining grapheme joiner", "a\u034fb"},
		{"plain", "hello, wörld 👋"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			w := NewWriter(&out)
			self := true
			if err := w.Write(Event{Type: "message", From: "x", Text: tt.text, Self: &self}); err != nil {
				t.Fatal(err)
			}
			line := out.String()
			if !strings.HasSuffix(line, "}\n") || strings.Count(line, "\n") != 1 {
				t.Fatalf("not one line: %q", line)
			}
			for _, r := range strings.TrimSuffix(line, "\n") {
				if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == 0x202e || r == 0x200b || r == 0x2028 || r >= 0xe0000 && r <= 0xe007f || r == 0x3164 || r == 0x115f || r == 0x034f {
					t.Fatalf("raw %U in output %q", r, line)
				}
			}
			var back Event
			if err := json.Unmarshal(out.Bytes(), &back); err != nil {
				t.Fatal(err)
			}
			if back.Text != tt.text {
				t.Fatalf("text came back as %q, want %q", back.Text, tt.text)
			}
		})
	}
}

func TestConvert(t *testing.T) {
	at := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		ev   peer.Event
		want string
	}{
		{"own message", peer.Event{Kind: peer.KindMessage, Time: at, From: "bob", Text: "hi", Self: true},
			`{"type":"message","time":"2026-11-25T12:00:00Z","from":"bob","text":"hi","self":true}`},
		{"other's action", peer.Event{Kind: peer.KindMessage, Time: at, From: "al", Text: "waves", Action: true},
			`{"type":"message","time":"2026-11-25T12:00:00Z","from":"al","text":"waves","self":false,"action":true}`},
		{"leave", peer.Event{Kind: peer.KindLeave, Time: at, Name: "al", Reason: peer.ReasonKicked},
			`{"type":"leave","time":"2026-11-25T12:00:00Z","name":"al","reason":"kicked"}`},
		{"end", peer.Event{Kind: peer.KindEnd, Time: at, Reason: peer.ReasonHostEnded},
			`{"type":"end","time":"2026-11-25T12:00:00Z","text":"session ended by the host","reason":"host-ended"}`},
		{"welcome", peer.Event{Kind: peer.KindWelcome, Time: at, Session: "s", Members: []peer.Member{{Name: "al", Since: at, Host: true}}},
			`{"type":"welcome","time":"2026-11-25T12:00:00Z","session":"s","members":[{"name":"al","since":"2026-11-25T12:00:00Z","host":true}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			NewWriter(&out).Write(Convert(chat.New(nil, nil), tt.ev))
			if got := strings.TrimSpace(out.String()); got != tt.want {
				t.Fatalf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

// "host" is a flag on a message from the host's operator and the machine's
// name on a found event; each event writes only its own.
func TestWriteHost(t *testing.T) {
	tests := []struct {
		name string
		ev   Event
		want string
	}{
		{"message from the host", Event{Type: "message", From: "al", Text: "hi", FromHost: true},
			`{"type":"message","from":"al","text":"hi","host":true}`},
		{"message from a member", Event{Type: "message", From: "bo", Text: "hi"},
			`{"type":"message","from":"bo","text":"hi"}`},
		{"found", Event{Type: "found", Session: "s", Host: "box.local."},
			`{"type":"found","session":"s","host":"box.local."}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := NewWriter(&out).Write(tt.ev); err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimSpace(out.String()); got != tt.want {
				t.Fatalf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestEscapeKeepsValidUTF8(t *testing.T) {
	in := []byte(`{"text":"` + "\u009b\U000E0001x" + `"}`)
	out := escapeTerminal(in)
	if !utf8.Valid(out) || !bytes.Contains(out, []byte(`\u009b\udb40\udc01x`)) {
		t.Fatalf("escaped to %s", out)
	}
}
