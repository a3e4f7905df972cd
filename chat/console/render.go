package console

import (
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/ssc-chat/ssc/peer"
	"github.com/ssc-chat/ssc/sanitize"
)

// SGR sequences. They are the only escape sequences the renderer emits, and
// only around text that has already been through sanitize.Text.
const (
	sgrReset   = "\x1b[0m"
	sgrDim     = "\x1b[2m"
	sgrRed     = "\x1b[31m"
	sgrYellow  = "\x1b[33m" // own messages, as in the 2022 client
	sgrMagenta = "\x1b[35m" // everyone else's
	sgrCyan    = "\x1b[36m" // direct messages, sealed end to end
	sgrBoldRed = "\x1b[1;31m"
)

// namePalette colours member names. Basic and bright ANSI colours follow
// the user's terminal theme, so they stay readable on dark and light
// backgrounds; yellow and magenta are left to message bodies and red to errors.
var namePalette = [...]string{
	"\x1b[32m", "\x1b[34m", "\x1b[36m",
	"\x1b[92m", "\x1b[94m", "\x1b[96m",
}

// nameColor gives a member the same colour on every screen and for every
// spelling that names the same member.
func nameColor(name string) string {
	h := fnv.New32a()
	h.Write([]byte(sanitize.NameKey(name)))
	return namePalette[h.Sum32()%uint32(len(namePalette))]
}

// renderer turns events into lines for the screen. Every string it takes
// from an event goes through sanitize.Text before colour is put around it.
type renderer struct {
	color    bool
	self     string                  // this member's name
	host     bool                    // this member is the host's operator
	describe func(peer.Event) string // the chat layer's words for notices, warnings and the end
	fromHost func(string) bool       // the chat layer's: whether a name is the host operator's
}

// paint wraps s, which must already be sanitised, in an SGR code.
func (r renderer) paint(sgr, s string) string {
	if !r.color || s == "" {
		return s
	}
	return sgr + s + sgrReset
}

func (r renderer) name(raw string) string {
	if !r.color {
		return r.plainName(raw) // nameColor costs a NameKey
	}
	return r.paint(nameColor(raw), r.plainName(raw))
}

// plainName is raw made safe, with the host's mark before it when it is the
// name of the host's operator. The mark comes from the roster's flag, through
// the chat layer, never from the name itself: no name can hold it.
func (r renderer) plainName(raw string) string {
	if r.fromHost != nil && r.fromHost(raw) {
		return sanitize.HostMark + " " + sanitize.Text(raw)
	}
	return sanitize.Text(raw)
}

// prompt is the member's own name in its colour.
func (r renderer) prompt() string {
	return r.paint(nameColor(r.self), sanitize.Text(r.self)) + "> "
}

// system renders lines of the session's own voice: "-- text", dimmed.
// Each line of text is sanitised on its own, so that a multi-line notice
// prints as lines rather than showing its newlines as symbols.
func (r renderer) system(sgr, text string) string {
	var b strings.Builder
	for line := range strings.SplitSeq(text, "\n") {
		b.WriteString(r.paint(sgr, "-- "+sanitize.Text(strings.TrimSuffix(line, "\r"))))
		b.WriteByte('\n')
	}
	return b.String()
}

// event renders ev as zero or more lines, each ending in "\n".
func (r renderer) event(ev peer.Event) string {
	switch ev.Kind {
	case peer.KindMessage:
		return r.message(ev)
	case peer.KindWelcome:
		return r.welcome(ev)
	case peer.KindJoin:
		text := r.plainName(ev.Name) + " joined"
		if ev.Addr != "" {
			text += " from " + sanitize.Text(ev.Addr)
		}
		return r.system(sgrDim, text)
	case peer.KindLeave:
		return r.system(sgrDim, r.plainName(ev.Name)+" left"+leaveWhy[ev.Reason])
	case peer.KindNotice, peer.KindEnd:
		return r.system(sgrDim, r.words(ev))
	case peer.KindWarning:
		return r.system(sgrBoldRed, "warning: "+r.words(ev))
	}
	return ""
}

// words is what the chat layer says about ev.
func (r renderer) words(ev peer.Event) string {
	if r.describe == nil {
		return ev.Text
	}
	return r.describe(ev)
}

// output renders what a command answered, as the session's own voice.
func (r renderer) output(text string) string {
	if text == "" {
		return ""
	}
	return r.system(sgrDim, text)
}

var leaveWhy = map[peer.Reason]string{
	peer.ReasonKicked:  " (kicked by the host)",
	peer.ReasonLost:    " (connection lost)",
	peer.ReasonTooSlow: " (too slow, dropped)",
}

func (r renderer) message(ev peer.Event) string {
	body := sgrMagenta
	if ev.Self {
		body = sgrYellow
	}
	if ev.To != "" {
		body = sgrCyan
	}
	return r.prefix(ev) + r.paint(body, sanitize.Text(ev.Text)) + "\n"
}

// prefix is what comes before a message's text: the time and who wrote it
// (to whom, for a direct message, marked so it is never mistaken for
// something the room saw).
func (r renderer) prefix(ev peer.Event) string {
	clock := r.paint(sgrDim, ev.Time.Local().Format("15:04"))
	from := r.name(ev.From)
	if ev.To != "" {
		from += r.paint(sgrCyan, " → ") + r.name(ev.To) + r.paint(sgrCyan, " (direct)")
	}
	if ev.Action {
		return clock + " * " + from + " "
	}
	return clock + " " + from + ": "
}

func (r renderer) welcome(ev peer.Event) string {
	verb := "joined"
	if r.host {
		verb = "are hosting"
	}
	line := fmt.Sprintf("you %s \"%s\" as %s; ", verb, sanitize.Text(ev.Session), sanitize.Text(r.self))
	var others []string
	for _, m := range ev.Members {
		if sanitize.NameKey(m.Name) == sanitize.NameKey(r.self) {
			continue
		}
		name := r.plainName(m.Name)
		if r.fromHost != nil && r.fromHost(m.Name) {
			name += " (host)"
		}
		others = append(others, name)
	}
	if len(others) == 0 {
		line += "nobody else is here yet"
	} else {
		line += "here: " + strings.Join(others, ", ")
	}
	return r.system(sgrDim, line+"\ntype /help for commands")
}

// candidates lists completions, dimmed, when Tab finds several.
func (r renderer) candidates(names []string) string {
	shown := make([]string, len(names))
	for i, n := range names {
		shown[i] = sanitize.Text(n)
	}
	return r.paint(sgrDim, "   "+strings.Join(shown, "  ")) + "\n"
}

// failure renders a line that could not be carried out; the chat layer
// put the error into words.
func (r renderer) failure(err error) string {
	return r.system(sgrRed, err.Error())
}
