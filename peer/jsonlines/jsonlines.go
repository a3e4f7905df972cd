package jsonlines

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ssc-chat/ssc/peer"
)

// maxLine bounds one stdin line: a message can be at most 4 KiB, and
// anything longer is refused with an error event rather than buffered.
const maxLine = 64 << 10

// Member is a roster entry as JSON shows it.
type Member struct {
	Name  string    `json:"name"`
	Since time.Time `json:"since"`
	Host  bool      `json:"host,omitempty"`
}

// Event is one line of output. Type is always set; the rest depends on it.
type Event struct {
	Type        string   `json:"type"`
	Time        string   `json:"time,omitempty"`
	From        string   `json:"from,omitempty"`
	To          string   `json:"to,omitempty"`
	Text        string   `json:"text,omitempty"`
	Self        *bool    `json:"self,omitempty"`
	Action      bool     `json:"action,omitempty"`
	Name        string   `json:"name,omitempty"`
	Reason      string   `json:"reason,omitempty"`
	Session     string   `json:"session,omitempty"`
	Members     []Member `json:"members,omitempty"`
	Addr        string   `json:"addr,omitempty"`
	Addrs       []string `json:"addrs,omitempty"`
	Link        string   `json:"link,omitempty"`
	Fingerprint string   `json:"fingerprint,omitempty"`
	Passphrase  string   `json:"passphrase,omitempty"`
	Pinned      *bool    `json:"pinned,omitempty"`
	Public      string   `json:"public,omitempty"` // ready: the link through the ngrok tunnel
	Host        string   `json:"host,omitempty"`   // found: the machine that announced the session
}

// Writer writes events, one line each, safely from several goroutines.
type Writer struct {
	mu  sync.Mutex
	out io.Writer
}

// NewWriter returns a Writer on out.
func NewWriter(out io.Writer) *Writer { return &Writer{out: out} }

// Write writes one event as a line.
func (w *Writer) Write(ev Event) error {
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	b = append(escapeTerminal(b), '\n')
	w.mu.Lock()
	defer w.mu.Unlock()
	_, err = w.out.Write(b)
	return err
}

// Convert turns a peer event into its JSON form.
func Convert(ev peer.Event) Event {
	out := Event{Type: string(ev.Kind), Time: ev.Time.UTC().Format(time.RFC3339Nano)}
	switch ev.Kind {
	case peer.KindWelcome:
		out.Session = ev.Session
		if ev.Fingerprint != "" {
			pinned := ev.Pinned
			out.Fingerprint, out.Pinned = ev.Fingerprint, &pinned
		}
		out.Members = make([]Member, 0, len(ev.Members))
		for _, m := range ev.Members {
			out.Members = append(out.Members, Member{Name: m.Name, Since: m.Since.UTC(), Host: m.Host})
		}
	case peer.KindMessage:
		self := ev.Self
		out.From, out.To, out.Text, out.Self, out.Action = ev.From, ev.To, ev.Text, &self, ev.Action
	case peer.KindJoin:
		out.Name, out.Addr = ev.Name, ev.Addr
	case peer.KindLeave:
		out.Name, out.Reason = ev.Name, ev.Reason
	case peer.KindEnd:
		out.Reason, out.Text = ev.Reason, ev.Text
	default:
		out.Text = ev.Text
	}
	return out
}

// Run relays c's events to w and in's lines to c until the session ends,
// and returns the final (end) event. At the end of in, every line read has
// been sent and the client leaves; for the host's operator that ends the
// session, after everything sent before it has been relayed.
func Run(ctx context.Context, c *peer.Client, in io.Reader, w *Writer) (peer.Event, error) {
	go readLines(ctx, c, in, w)
	var last peer.Event
	for ev := range c.Events() {
		last = ev
		if err := w.Write(Convert(ev)); err != nil {
			c.Leave()
			return last, fmt.Errorf("writing event: %w", err)
		}
	}
	return last, nil
}

func readLines(ctx context.Context, c *peer.Client, in io.Reader, w *Writer) {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 4096), maxLine)
	for sc.Scan() {
		if ctx.Err() != nil {
			break
		}
		if err := c.Do(sc.Text()); err != nil {
			if errors.Is(err, peer.ErrQuit) || errors.Is(err, peer.ErrClosed) {
				return
			}
			w.Write(Event{Type: "error", Text: err.Error()})
		}
	}
	if err := sc.Err(); err != nil {
		w.Write(Event{Type: "error", Text: "reading input: " + err.Error()})
	}
	c.Leave()
}

// escapeTerminal rewrites, inside JSON output, every rune that a terminal
// could act on as a \u escape. encoding/json already escapes C0 controls;
// DEL, C1 controls and invisible format characters it leaves raw.
func escapeTerminal(b []byte) []byte {
	if !needsEscape(b) {
		return b
	}
	var out bytes.Buffer
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if dangerous(r) {
			if r > 0xffff {
				r1, r2 := utf16Pair(r)
				fmt.Fprintf(&out, `\u%04x\u%04x`, r1, r2)
			} else {
				fmt.Fprintf(&out, `\u%04x`, r)
			}
		} else {
			out.Write(b[:size])
		}
		b = b[size:]
	}
	return out.Bytes()
}

func needsEscape(b []byte) bool {
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if dangerous(r) {
			return true
		}
		b = b[size:]
	}
	return false
}

func dangerous(r rune) bool {
	return r == 0x7f || (r >= 0x80 && r <= 0x9f) || unicode.Is(unicode.Cf, r) || r == 0x2028 || r == 0x2029
}

func utf16Pair(r rune) (rune, rune) {
	r -= 0x10000
	return 0xd800 + (r>>10)&0x3ff, 0xdc00 + r&0x3ff
}
