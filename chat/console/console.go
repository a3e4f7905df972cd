package console

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"golang.org/x/term"

	"github.com/ssc-chat/ssc/chat"
	"github.com/ssc-chat/ssc/peer"
	"github.com/ssc-chat/ssc/wire"
)

// Options are the choices the command line makes for the console.
type Options struct {
	Color bool // false when NO_COLOR is set or stdout is not a terminal (the command line decides)
}

// stopReadTimeout bounds the wait for the line reader once the session has
// ended and its read has been interrupted.
const stopReadTimeout = time.Second

// Run drives ch from the terminal until the session ends or the user leaves
// (/quit, Ctrl-D on an empty line, Ctrl-C, or ctx cancelled). It puts the
// terminal in raw mode and always restores it. Once the session is over it
// returns the final event (KindEnd), whose Reason lets the command line
// choose the exit code, and a nil error. An error means the console could
// not start; the client is then left as it was.
func Run(ctx context.Context, ch *chat.Chat, in *os.File, out *os.File, opts Options) (peer.Event, error) {
	c := ch.Client()
	fd, err := fdOf(in)
	if err != nil {
		return peer.Event{}, fmt.Errorf("console: %w", err)
	}
	saved, err := term.MakeRaw(fd)
	if err != nil {
		return peer.Event{}, fmt.Errorf("console: raw mode: %w", err)
	}
	defer term.Restore(fd, saved)

	r := renderer{color: opts.Color, self: c.Name(), host: ch.IsHost(), describe: ch.Describe, fromHost: ch.FromHost}
	s := &screen{ch: ch, r: r}
	s.out = &trackingWriter{w: out, showing: &s.showing}
	s.t = term.NewTerminal(struct {
		io.Reader
		io.Writer
	}{in, s.out}, r.prompt())
	s.t.AutoCompleteCallback = s.complete
	s.resize(fd)

	var wg sync.WaitGroup
	stop := make(chan struct{})
	winch := make(chan os.Signal, 1)
	if len(resizeSignals) > 0 {
		signal.Notify(winch, resizeSignals...)
	}
	wg.Go(func() {
		for {
			select {
			case <-winch:
				s.resize(fd)
			case <-ctx.Done():
				c.Close()
				return
			case <-stop:
				return
			}
		}
	})

	// Run owns the reader too, but cannot always wait for it: see below.
	reading := make(chan struct{})
	go func() {
		defer close(reading)
		s.readLines(ctx)
	}()

	var end peer.Event
	for ev := range c.Events() {
		if ev.Kind == peer.KindEnd {
			end = ev
		}
		s.show(r.event(ev))
	}
	signal.Stop(winch)
	close(stop)
	wg.Wait()

	// When the session ends first (the host ended it, the connection broke)
	// the reader is still blocked reading in. A file the runtime polls,
	// such as a pty opened by path, takes a deadline that wakes it. The
	// usual os.Stdin is in blocking mode and does not: Run then returns
	// without the reader, which is safe because ssc exits right after Run
	// returns, and until then the reader can only echo keystrokes or hand a
	// line to a client that has left (Do returns peer.ErrClosed).
	if in.SetReadDeadline(time.Now()) == nil {
		select {
		case <-reading:
		case <-time.After(stopReadTimeout):
		}
		in.SetReadDeadline(time.Time{})
	}
	// The Terminal redraws the prompt after every line it prints; erase the
	// last one so the shell's prompt starts on a clean line.
	io.WriteString(out, "\r\x1b[J")
	return end, nil
}

// fdOf returns f's descriptor without calling f.Fd, which would switch f
// to blocking mode and so make a pending Read impossible to interrupt.
func fdOf(f *os.File) (int, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return 0, err
	}
	fd := -1
	if err := rc.Control(func(u uintptr) { fd = int(u) }); err != nil {
		return 0, err
	}
	return fd, nil
}

// screen is one console: the line editor and the chat it drives.
type screen struct {
	ch    *chat.Chat
	t     *term.Terminal
	r     renderer
	out   *trackingWriter
	width atomic.Int64 // terminal columns, 0 when unknown

	mu      sync.Mutex  // held while printing, so erasing a sent line cannot interleave
	showing atomic.Bool // set while show writes, read by out
}

// show prints text above the line being typed; the Terminal redraws the
// prompt and that line after it. A failed write means the terminal is
// gone, which the reader notices and turns into leaving.
func (s *screen) show(text string) {
	if text == "" {
		return
	}
	// Wrapped by ssc, so that no line a peer's text begins can pass for
	// a message or a notice of the session's.
	text = fit(text, int(s.width.Load()))
	s.mu.Lock()
	defer s.mu.Unlock()
	s.showing.Store(true)
	io.WriteString(s.t, text)
	s.showing.Store(false)
}

// eraseSent removes a chat line the user just sent from the screen: it
// comes back from the host as a message with time and colour, and showing
// it twice would make every line of one's own look doubled. It only erases
// when the last thing written was the Terminal finishing that line, so an
// incoming message printed in between is never wiped instead; in that rare
// case the typed line simply stays.
func (s *screen) eraseSent(line string) {
	width := int(s.width.Load())
	if width <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.out.lastFromShow.Load() {
		return
	}
	cols := utf8.RuneCountInString(s.ch.Client().Name()) + len("> ") + utf8.RuneCountInString(line)
	rows := 1
	if cols > 0 {
		rows = (cols-1)/width + 1
	}
	// The Terminal sits at column 0 below the line, so this is written as is.
	fmt.Fprintf(s.t, "\x1b[%dA\r\x1b[J", rows)
}

// sendsChat reports whether Do will send line as a chat message.
func sendsChat(line string) bool {
	if strings.TrimSpace(line) == "" {
		return false
	}
	return !strings.HasPrefix(line, "/") || strings.HasPrefix(line, "//") || strings.HasPrefix(line, "/me ") || strings.HasPrefix(line, "/msg ")
}

// trackingWriter notes whether the latest write came from show or from the
// Terminal itself. A show that is waiting for the Terminal's lock already
// counts as show, which errs towards not erasing.
type trackingWriter struct {
	w            io.Writer
	showing      *atomic.Bool
	lastFromShow atomic.Bool
}

func (w *trackingWriter) Write(p []byte) (int, error) {
	w.lastFromShow.Store(w.showing.Load())
	return w.w.Write(p)
}

func (s *screen) resize(fd int) {
	if w, h, err := term.GetSize(fd); err == nil {
		s.width.Store(int64(w))
		s.t.SetSize(w, h)
	}
}

// readLines hands typed lines to the chat until the user leaves, and shows
// what commands answer.
func (s *screen) readLines(ctx context.Context) {
	told := false // that lines wait their turn, since the last went at once
	for {
		line, err := s.t.ReadLine()
		if err != nil {
			// io.EOF is Ctrl-D on an empty line or Ctrl-C. Any other
			// error means the terminal is gone or Run stopped the read
			// after the session ended. Either way this member leaves.
			s.ch.Client().Close()
			return
		}
		if sendsChat(line) {
			s.eraseSent(line)
			switch wait := s.ch.Client().SendDelay(); {
			case wait == 0:
				told = false
			case !told:
				// A pasted block: the client paces it to what the session takes.
				told = true
				s.show(s.r.output(fmt.Sprintf("your lines wait their turn: the session takes %d a second; the rest follow", wire.MessageRate)))
			}
		}
		out, err := s.ch.Do(ctx, line)
		switch {
		case err == nil:
			s.show(s.r.output(out))
		case errors.Is(err, chat.ErrQuit), errors.Is(err, peer.ErrClosed):
			return
		default:
			s.show(s.r.failure(err))
		}
	}
}

// complete is the Terminal's AutoCompleteCallback: Tab completes the word
// before the cursor; every other key is left to the Terminal.
func (s *screen) complete(line string, pos int, key rune) (string, int, bool) {
	if key != '\t' {
		return "", 0, false
	}
	head, tail := line[:pos], line[pos:]
	prefix, candidates := s.ch.Complete(head)
	newHead, list := completeWord(head, tail, prefix, candidates)
	if len(list) > 0 {
		// The Terminal releases its lock around this callback, so
		// printing here is safe; it redraws the line as it was, and
		// the Terminal then replaces it with the one returned.
		s.show(s.r.candidates(list))
	}
	if newHead == head {
		return "", 0, false
	}
	return newHead + tail, len(newHead), true
}
