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
	"unicode/utf8"

	"github.com/ssc-chat/ssc/chat"
	"github.com/ssc-chat/ssc/keys"
	"github.com/ssc-chat/ssc/peer"
	"github.com/ssc-chat/ssc/sanitize"
	"github.com/ssc-chat/ssc/wire"
)

const (
	// maxLine bounds one stdin line: a message can be at most 4 KiB, and
	// anything longer is refused with an error event rather than buffered.
	maxLine = 64 << 10
	// stopReadTimeout bounds the wait for the line reader once the session
	// has ended and its read has been interrupted.
	stopReadTimeout = time.Second
)

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
	// FromHost is set on a message from the host's operator (chat.FromHost)
	// and written as "host": true; "from" stays the plain name.
	FromHost bool `json:"-"`
}

// MarshalJSON writes ev, with "host": true on a message from the host's
// operator. Only found events use "host" for a machine's name, and they
// never come from the host's operator.
func (ev Event) MarshalJSON() ([]byte, error) {
	type plain Event // without this method
	if !ev.FromHost {
		return json.Marshal(plain(ev))
	}
	// The outer field is shallower than plain's Host, so it is the one
	// encoding/json writes as "host".
	return json.Marshal(struct {
		plain
		FromHost bool `json:"host"`
	}{plain(ev), true})
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

// Convert turns a peer event into its JSON form, with the chat layer's
// words for notices, warnings and the end.
func Convert(ch *chat.Chat, ev peer.Event) Event {
	out := Event{Type: string(ev.Kind), Time: ev.Time.UTC().Format(time.RFC3339Nano)}
	switch ev.Kind {
	case peer.KindWelcome:
		out.Session = ev.Session
		if ev.Fingerprint != (keys.Fingerprint{}) {
			pinned := ev.Pinned
			out.Fingerprint, out.Pinned = ev.Fingerprint.String(), &pinned
		}
		out.Members = make([]Member, 0, len(ev.Members))
		for _, m := range ev.Members {
			out.Members = append(out.Members, Member{Name: m.Name, Since: m.Since.UTC(), Host: m.Host})
		}
	case peer.KindMessage:
		self := ev.Self
		out.From, out.To, out.Text, out.Self, out.Action = ev.From, ev.To, ev.Text, &self, ev.Action
		out.FromHost = ch.FromHost(ev.From)
	case peer.KindJoin:
		out.Name, out.Addr = ev.Name, ev.Addr
	case peer.KindLeave:
		out.Name, out.Reason = ev.Name, string(ev.Reason)
	case peer.KindEnd:
		out.Reason, out.Text = string(ev.Reason), ch.Describe(ev)
	default:
		out.Text = ch.Describe(ev)
	}
	return out
}

// Run relays ch's events to w and in's lines to ch until the session ends,
// and returns the final (end) event. At the end of in, every line read has
// been sent and the client leaves; for the host's operator that ends the
// session, after everything sent before it has been relayed. A line too
// long to be a message is refused with an error event, and the member stays.
func Run(ctx context.Context, ch *chat.Chat, in io.Reader, w *Writer) (peer.Event, error) {
	c := ch.Client()
	reading := make(chan struct{})
	go func() {
		defer close(reading)
		readLines(ctx, ch, in, w)
	}()
	var last peer.Event
	var err error
	for ev := range c.Events() {
		last = ev
		if werr := w.Write(Convert(ch, ev)); werr != nil && err == nil {
			err = fmt.Errorf("writing event: %w", werr)
			c.Close() // the events that follow are drained until the end
		}
	}
	stopReading(in, reading)
	return last, err
}

// stopReading waits for the reader once the session is over. A reader
// blocked on input that takes a deadline is woken; the usual os.Stdin does
// not take one, and then Run returns without it, which is safe because
// ssc exits right after, and until then the reader can only hand a line to
// a client that has left (Do returns peer.ErrClosed).
func stopReading(in io.Reader, reading <-chan struct{}) {
	d, ok := in.(interface{ SetReadDeadline(time.Time) error })
	if !ok || d.SetReadDeadline(time.Now()) != nil {
		select {
		case <-reading:
		default:
		}
		return
	}
	select {
	case <-reading:
	case <-time.After(stopReadTimeout):
	}
}

// readLines hands each line of in to ch, and what ch answers to w, until
// in ends or the client has left.
func readLines(ctx context.Context, ch *chat.Chat, in io.Reader, w *Writer) {
	defer ch.Client().Close()
	br := bufio.NewReaderSize(in, maxLine)
	for ctx.Err() == nil {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n') // the rest of the line goes unread
			}
			w.Write(Event{Type: "error", Text: fmt.Sprintf("line not sent: it is longer than %d bytes (a message can be at most %d)", maxLine, wire.MaxText)})
			line = nil
		}
		if len(line) > 0 {
			out, derr := ch.Do(ctx, string(line))
			switch {
			case errors.Is(derr, chat.ErrQuit), errors.Is(derr, peer.ErrClosed):
				return
			case derr != nil:
				w.Write(Event{Type: "error", Text: derr.Error()})
			case out != "":
				w.Write(Event{Type: string(peer.KindNotice), Time: time.Now().UTC().Format(time.RFC3339Nano), Text: out})
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				w.Write(Event{Type: "error", Text: "reading input: " + err.Error()})
			}
			return
		}
	}
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

// dangerous reports whether r must be escaped: DEL, C1 controls, and what
// sanitize calls invisible (encoding/json escapes C0 controls itself).
func dangerous(r rune) bool {
	return r == 0x7f || (r >= 0x80 && r <= 0x9f) || sanitize.Invisible(r)
}

func utf16Pair(r rune) (rune, rune) {
	r -= 0x10000
	return 0xd800 + (r>>10)&0x3ff, 0xdc00 + r&0x3ff
}
