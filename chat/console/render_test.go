package console

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ssc-chat/ssc/chat"
	"github.com/ssc-chat/ssc/peer"
	"github.com/ssc-chat/ssc/sanitize"
)

// Hostile strings a peer might send: clear the screen, write the clipboard
// (OSC 52), an 8-bit CSI as a raw byte and as a rune, a carriage return to
// overwrite the line, and a right-to-left override to reorder it.
const (
	clearScreen = "\x1b[2J"
	osc52       = "\x1b]52;c;aGk=\x07"
	rawCSI      = "\x9b"
	runeCSI     = "\u009b"
	cr          = "\r"
	rlo         = "\u202e"
	hostile     = "a" + clearScreen + "b" + osc52 + "c" + rawCSI + "d" + runeCSI + "e" + cr + "f" + rlo + "g"
)

var at = time.Date(2024, 5, 6, 15, 4, 5, 0, time.Local)

// hostIs is a chat layer's FromHost for a room whose host is name.
func hostIs(name string) func(string) bool {
	return func(s string) bool { return s == name }
}

func TestRender(t *testing.T) {
	alice := nameColor("alice")
	tests := []struct {
		name      string
		r         renderer
		ev        peer.Event
		want      string // with Color false
		wantColor string // with Color true
	}{
		{
			name:      "message from self",
			r:         renderer{self: "alice"},
			ev:        peer.Event{Kind: peer.KindMessage, Time: at, From: "alice", Text: "hi all", Self: true},
			want:      "15:04 alice: hi all\n",
			wantColor: sgrDim + "15:04" + sgrReset + " " + alice + "alice" + sgrReset + ": " + sgrYellow + "hi all" + sgrReset + "\n",
		},
		{
			name:      "message from another",
			r:         renderer{self: "bob"},
			ev:        peer.Event{Kind: peer.KindMessage, Time: at, From: "alice", Text: "hi bob"},
			want:      "15:04 alice: hi bob\n",
			wantColor: sgrDim + "15:04" + sgrReset + " " + alice + "alice" + sgrReset + ": " + sgrMagenta + "hi bob" + sgrReset + "\n",
		},
		{
			name:      "action",
			r:         renderer{self: "bob"},
			ev:        peer.Event{Kind: peer.KindMessage, Time: at, From: "alice", Text: "waves", Action: true},
			want:      "15:04 * alice waves\n",
			wantColor: sgrDim + "15:04" + sgrReset + " * " + alice + "alice" + sgrReset + " " + sgrMagenta + "waves" + sgrReset + "\n",
		},
		{
			name:      "join",
			ev:        peer.Event{Kind: peer.KindJoin, Name: "bob"},
			want:      "-- bob joined\n",
			wantColor: sgrDim + "-- bob joined" + sgrReset + "\n",
		},
		{
			name: "leave",
			ev:   peer.Event{Kind: peer.KindLeave, Name: "bob", Reason: peer.ReasonQuit},
			want: "-- bob left\n",
		},
		{
			name: "kicked",
			ev:   peer.Event{Kind: peer.KindLeave, Name: "bob", Reason: peer.ReasonKicked},
			want: "-- bob left (kicked by the host)\n",
		},
		{
			name: "connection lost",
			ev:   peer.Event{Kind: peer.KindLeave, Name: "bob", Reason: peer.ReasonLost},
			want: "-- bob left (connection lost)\n",
		},
		{
			name: "too slow",
			ev:   peer.Event{Kind: peer.KindLeave, Name: "bob", Reason: peer.ReasonTooSlow},
			want: "-- bob left (too slow, dropped)\n",
		},
		{
			name:      "message from the host",
			r:         renderer{self: "bob", fromHost: hostIs("alice")},
			ev:        peer.Event{Kind: peer.KindMessage, Time: at, From: "alice", Text: "hi bob"},
			want:      "15:04 " + sanitize.HostMark + " alice: hi bob\n",
			wantColor: sgrDim + "15:04" + sgrReset + " " + alice + sanitize.HostMark + " alice" + sgrReset + ": " + sgrMagenta + "hi bob" + sgrReset + "\n",
		},
		{
			name: "action of the host",
			r:    renderer{self: "bob", fromHost: hostIs("alice")},
			ev:   peer.Event{Kind: peer.KindMessage, Time: at, From: "alice", Text: "waves", Action: true},
			want: "15:04 * " + sanitize.HostMark + " alice waves\n",
		},
		{
			name: "direct message to the host",
			r:    renderer{self: "bob", fromHost: hostIs("alice")},
			ev:   peer.Event{Kind: peer.KindMessage, Time: at, From: "bob", To: "alice", Text: "psst", Self: true},
			want: "15:04 bob → " + sanitize.HostMark + " alice (direct): psst\n",
		},
		{
			name: "a member's text cannot bring the mark before a name",
			r:    renderer{self: "bob", fromHost: hostIs("alice")},
			ev:   peer.Event{Kind: peer.KindMessage, Time: at, From: "mallory", Text: "\r" + sanitize.HostMark + " alice: send me the passphrase"},
			want: "15:04 mallory: \u240d" + sanitize.HostMark + " alice: send me the passphrase\n",
		},
		{
			name: "a member's action cannot either",
			r:    renderer{self: "bob", fromHost: hostIs("alice")},
			ev:   peer.Event{Kind: peer.KindMessage, Time: at, From: "mallory", Text: "\n" + sanitize.HostMark + " alice: hi", Action: true},
			want: "15:04 * mallory \u240a" + sanitize.HostMark + " alice: hi\n",
		},
		{
			name: "welcome",
			r:    renderer{self: "carol", fromHost: hostIs("alice")},
			ev: peer.Event{Kind: peer.KindWelcome, Session: "lunch", Members: []peer.Member{
				{Name: "alice", Host: true}, {Name: "bob"}, {Name: "carol"},
			}},
			want: "-- you joined \"lunch\" as carol; here: " + sanitize.HostMark + " alice (host), bob\n-- type /help for commands\n",
			wantColor: sgrDim + "-- you joined \"lunch\" as carol; here: " + sanitize.HostMark + " alice (host), bob" + sgrReset + "\n" +
				sgrDim + "-- type /help for commands" + sgrReset + "\n",
		},
		{
			name: "welcome of the host, alone",
			r:    renderer{self: "alice", host: true, fromHost: hostIs("alice")},
			ev:   peer.Event{Kind: peer.KindWelcome, Session: "lunch", Members: []peer.Member{{Name: "alice", Host: true}}},
			want: "-- you are hosting \"lunch\" as alice; nobody else is here yet\n-- type /help for commands\n",
		},
		{
			name:      "multi-line notice",
			ev:        peer.Event{Kind: peer.KindNotice, Text: "2 members here:\n  alice (host)\n  bob (you)"},
			want:      "-- 2 members here:\n--   alice (host)\n--   bob (you)\n",
			wantColor: sgrDim + "-- 2 members here:" + sgrReset + "\n" + sgrDim + "--   alice (host)" + sgrReset + "\n" + sgrDim + "--   bob (you)" + sgrReset + "\n",
		},
		{
			name: "end",
			ev:   peer.Event{Kind: peer.KindEnd, Reason: peer.ReasonHostEnded},
			want: "-- session ended by the host\n",
		},
		{
			name:      "warning",
			ev:        peer.Event{Kind: peer.KindWarning, Problem: peer.ProblemReplay, From: "bob"},
			want:      "-- warning: dropped a message from bob: it was already delivered (a replay)\n",
			wantColor: sgrBoldRed + "-- warning: dropped a message from bob: it was already delivered (a replay)" + sgrReset + "\n",
		},
		{
			name: "hostile message",
			r:    renderer{self: "bob"},
			ev:   peer.Event{Kind: peer.KindMessage, Time: at, From: hostile, Text: hostile},
			want: "15:04 " + sanitize.Text(hostile) + ": " + sanitize.Text(hostile) + "\n",
			wantColor: sgrDim + "15:04" + sgrReset + " " + nameColor(hostile) + sanitize.Text(hostile) + sgrReset + ": " +
				sgrMagenta + sanitize.Text(hostile) + sgrReset + "\n",
		},
		{
			name: "hostile message with a newline cannot fake a system line",
			r:    renderer{self: "bob"},
			ev:   peer.Event{Kind: peer.KindMessage, Time: at, From: "mallory", Text: "hi\n-- bob left"},
			want: "15:04 mallory: hi\u240a-- bob left\n",
		},
		{
			name: "hostile action",
			r:    renderer{self: "bob"},
			ev:   peer.Event{Kind: peer.KindMessage, Time: at, From: hostile, Text: hostile, Action: true},
			want: "15:04 * " + sanitize.Text(hostile) + " " + sanitize.Text(hostile) + "\n",
		},
		{
			name: "hostile message from the host",
			r:    renderer{self: "bob", fromHost: hostIs(hostile)},
			ev:   peer.Event{Kind: peer.KindMessage, Time: at, From: hostile, Text: hostile},
			want: "15:04 " + sanitize.HostMark + " " + sanitize.Text(hostile) + ": " + sanitize.Text(hostile) + "\n",
		},
		{
			name: "hostile join",
			ev:   peer.Event{Kind: peer.KindJoin, Name: hostile},
			want: "-- " + sanitize.Text(hostile) + " joined\n",
		},
		{
			name: "hostile leave",
			ev:   peer.Event{Kind: peer.KindLeave, Name: hostile, Reason: peer.Reason(hostile)},
			want: "-- " + sanitize.Text(hostile) + " left\n",
		},
		{
			name: "hostile notice",
			ev:   peer.Event{Kind: peer.KindNotice, Text: hostile + "\n" + hostile},
			want: "-- " + sanitize.Text(hostile) + "\n-- " + sanitize.Text(hostile) + "\n",
		},
		{
			name: "hostile welcome",
			r:    renderer{self: "bob", fromHost: hostIs(hostile)},
			ev:   peer.Event{Kind: peer.KindWelcome, Session: hostile, Members: []peer.Member{{Name: hostile, Host: true}, {Name: "bob"}}},
			want: "-- you joined \"" + sanitize.Text(hostile) + "\" as bob; here: " + sanitize.HostMark + " " + sanitize.Text(hostile) + " (host)\n-- type /help for commands\n",
		},
		{
			name: "hostile end",
			ev:   peer.Event{Kind: peer.KindEnd, Reason: peer.ReasonLost, Err: errors.New(hostile)},
			want: "-- connection to the host lost: " + sanitize.Text(hostile) + "\n",
		},
		{
			name: "hostile warning",
			ev:   peer.Event{Kind: peer.KindWarning, Problem: peer.ProblemNotMember, From: hostile},
			want: "-- warning: dropped a message from " + sanitize.Text(hostile) + ", who is not in the room\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.r.describe = chat.New(nil, nil).Describe
			plain := tt.r
			plain.color = false
			got := plain.event(tt.ev)
			if got != tt.want {
				t.Errorf("without colour:\n got %q\nwant %q", got, tt.want)
			}
			assertSafe(t, got)
			if strings.ContainsAny(got, "\x1b") {
				t.Errorf("without colour the output holds an escape sequence: %q", got)
			}

			colored := tt.r
			colored.color = true
			gotColor := colored.event(tt.ev)
			if tt.wantColor != "" && gotColor != tt.wantColor {
				t.Errorf("with colour:\n got %q\nwant %q", gotColor, tt.wantColor)
			}
			// The renderer's SGR codes are the only escapes: without
			// them, what remains is exactly the colourless output.
			if stripped := sgr.ReplaceAllString(gotColor, ""); stripped != got {
				t.Errorf("with colour, minus its SGR codes:\n got %q\nwant %q", stripped, got)
			}
		})
	}
}

// sgr matches exactly the codes the renderer adds.
var sgr = regexp.MustCompile(`\x1b\[[0-9;]+m`)

// assertSafe fails if s holds anything a terminal would act on: C0
// controls other than the line ends the renderer adds, DEL, C1 controls,
// invalid UTF-8, or bidi and other format characters. A 0x9b byte can
// remain only inside a valid multi-byte rune (the ␛ that shows an ESC is
// E2 90 9B), where a UTF-8 terminal never reads it as a CSI.
func assertSafe(t *testing.T, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Errorf("output is not valid UTF-8: %q", s)
	}
	if strings.ContainsAny(s, "\x1b\r"+rlo+runeCSI) {
		t.Errorf("output holds a raw control: %q", s)
	}
	for _, r := range s {
		if r != '\n' && (r < 0x20 || r >= 0x7f && r <= 0x9f || unicode.Is(unicode.Cf, r)) {
			t.Errorf("output holds %U: %q", r, s)
		}
	}
}

func TestRenderFailure(t *testing.T) {
	r := renderer{}
	got := r.failure(errors.New("message not sent: " + hostile))
	if want := "-- message not sent: " + sanitize.Text(hostile) + "\n"; got != want {
		t.Errorf("failure = %q, want %q", got, want)
	}
	assertSafe(t, got)
}

func TestPrompt(t *testing.T) {
	tests := []struct {
		name string
		r    renderer
		want string
	}{
		{"plain", renderer{self: "alice"}, "alice> "},
		{"coloured", renderer{self: "alice", color: true}, nameColor("alice") + "alice" + sgrReset + "> "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.r.prompt(); got != tt.want {
				t.Errorf("prompt = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCandidates(t *testing.T) {
	got := renderer{}.candidates([]string{"alice", hostile})
	if want := "   alice  " + sanitize.Text(hostile) + "\n"; got != want {
		t.Errorf("candidates = %q, want %q", got, want)
	}
	assertSafe(t, got)
	colored := renderer{color: true}.candidates([]string{"alice", "alan"})
	if want := sgrDim + "   alice  alan" + sgrReset + "\n"; colored != want {
		t.Errorf("coloured candidates = %q, want %q", colored, want)
	}
}

func TestNameColor(t *testing.T) {
	// One member, however the name is spelt, has one colour.
	for _, spelling := range []string{"Alice", "ALICE", "ａｌｉｃｅ", "al\u200bice"} {
		if nameColor(spelling) != nameColor("alice") {
			t.Errorf("nameColor(%q) differs from nameColor(\"alice\")", spelling)
		}
	}
	// And the palette is used, not one colour for all.
	seen := map[string]bool{}
	for _, name := range []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"} {
		seen[nameColor(name)] = true
	}
	if len(seen) < 3 {
		t.Errorf("eight names got only %d colours", len(seen))
	}
}

// A line wider than the terminal is wrapped by ssc, one column short of
// the width, with every further line indented: no text a member sends, in
// a message or in a name, can start a line that passes for a message of
// the host's or a notice of the session's.
func TestFit(t *testing.T) {
	spoof := "12:00 \u25c6 alice: everyone please send me the passphrase"
	wideName := strings.Repeat("漢", 17) + "13:17 bob"
	tests := []struct {
		name  string
		cols  int
		color bool
		ev    peer.Event
	}{
		{"spaces before a forged line", 40, false, peer.Event{Kind: peer.KindMessage, From: "mal", Text: "hi" + strings.Repeat(" ", 400) + spoof}},
		{"in colour", 40, true, peer.Event{Kind: peer.KindMessage, From: "mal", Text: "hi" + strings.Repeat(" ", 100) + spoof}},
		{"wide characters", 41, false, peer.Event{Kind: peer.KindMessage, From: "mal", Text: strings.Repeat("漢字", 40)}},
		{"hexagrams", 40, false, peer.Event{Kind: peer.KindMessage, From: "mal", Text: strings.Repeat("\u4dc0", 32) + " " + spoof}},
		{"combining marks", 30, false, peer.Event{Kind: peer.KindMessage, From: "mal", Text: "Z" + strings.Repeat("\u0489", 50) + strings.Repeat("x", 60)}},
		{"emoji presentation", 30, false, peer.Event{Kind: peer.KindMessage, From: "mal", Text: strings.Repeat("\u2764\ufe0f", 40)}},
		{"a name wider than the screen", 40, false, peer.Event{Kind: peer.KindMessage, From: wideName, Text: "hi"}},
		{"a join notice", 40, true, peer.Event{Kind: peer.KindJoin, Name: wideName, Addr: "127.0.0.1:5000"}},
		{"a wide character where one column is left", 11, false, peer.Event{Kind: peer.KindMessage, From: "m", Text: "漢字漢字漢字"}},
		{"an action", 40, false, peer.Event{Kind: peer.KindMessage, From: "mal", Text: strings.TrimSpace(strings.Repeat("waves ", 20)), Action: true}},
		{"a direct message", 40, true, peer.Event{Kind: peer.KindMessage, From: "mal", To: "bob", Text: "hi" + strings.Repeat(" ", 100) + spoof}},
	}
	sgr := regexp.MustCompile("\x1b\\[[0-9;]*m")
	// width counts columns as terminals draw the characters above: a
	// rule of the test's own, not the code's.
	width := func(s string) int {
		n := 0
		for _, r := range s {
			switch {
			case r == 0x489:
			case r == '\ufe0f', r == '\u2764', r == '\u2192', r == '\u25c6', r < 0x300:
				n++
			case r >= 0x4e00 && r <= 0x9fff, r >= 0x4dc0 && r <= 0x4dff:
				n += 2
			default:
				t.Fatalf("the test has no width for %U", r)
			}
		}
		return n
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := renderer{self: "bob", color: tt.color, fromHost: hostIs("alice")}
			tt.ev.Time = at
			whole := r.event(tt.ev)
			out := fit(whole, tt.cols)
			if tt.color && strings.Count(out, "\x1b[") != 2*strings.Count(out, sgrReset) {
				t.Errorf("colours are not closed on every line:\n%q", out)
			}
			plain := sgr.ReplaceAllString(out, "")
			lines := strings.Split(strings.TrimSuffix(plain, "\n"), "\n")
			if len(lines) < 2 {
				t.Fatalf("not wrapped:\n%s", plain)
			}
			var joined strings.Builder
			for i, line := range lines {
				if w := width(line); w >= tt.cols {
					t.Errorf("line %d takes %d columns of %d: %q", i, w, tt.cols, line)
				}
				if i == 0 {
					joined.WriteString(line)
					continue
				}
				rest, ok := strings.CutPrefix(line, wrapIndent)
				if !ok {
					t.Fatalf("line %d is not indented: %q", i, line)
				}
				joined.WriteString(rest)
			}
			if want := strings.TrimSuffix(sgr.ReplaceAllString(whole, ""), "\n"); joined.String() != want {
				t.Fatalf("wrapping changed the line:\n got %q\nwant %q", joined.String(), want)
			}
		})
	}
	if got := fit("short\n", 80); got != "short\n" {
		t.Errorf("fit changed a short line: %q", got)
	}
	for _, cols := range []int{0, minFit - 1} {
		if got := fit(strings.Repeat("x", 100)+"\n", cols); got != strings.Repeat("x", 100)+"\n" {
			t.Errorf("fit wrapped at a width of %d, where no indented line fits: %q", cols, got)
		}
	}
}
