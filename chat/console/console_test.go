//go:build unix

package console

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/ssc-chat/ssc/chat"
	"github.com/ssc-chat/ssc/host"
	"github.com/ssc-chat/ssc/host/hosttest"
	"github.com/ssc-chat/ssc/peer"
	"github.com/ssc-chat/ssc/peer/peertest"
	"github.com/ssc-chat/ssc/sanitize"
)

const (
	passphrase = "correct-horse-battery-staple"
	wait       = 5 * time.Second
)

// startRoom runs a session on 127.0.0.1 with its operator, "host", attached,
// and seats a remote member "alice" whose events nobody reads yet.
func startRoom(t *testing.T) (s *host.Session, operator *peer.Client, opEvents *peertest.Recorder, alice *peer.Client) {
	t.Helper()
	h := hosttest.Start(t, host.Config{SessionName: "pty test", Passphrase: []byte(passphrase)})
	s = h.Session
	conn, err := s.ConnectLocal()
	if err != nil {
		t.Fatal(err)
	}
	operator, err = peer.Attach(context.Background(), conn, "host", s.Fingerprint())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { operator.Close() })
	opEvents = peertest.Record(operator)

	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	alice, err = peer.Join(ctx, h.Addr, peer.Config{Name: "alice", Passphrase: []byte(passphrase)})
	if err != nil {
		t.Fatalf("join: %v", err)
	}
	t.Cleanup(func() { alice.Close() })
	opEvents.Wait(t, "alice joining", func(ev peer.Event) bool { return ev.Kind == peer.KindJoin && ev.Name == "alice" })
	return s, operator, opEvents, alice
}

// console is Run on the tty side of a pty, with the test at the keyboard.
type console struct {
	t    *testing.T
	ptmx *os.File
	tty  *os.File
	done chan result

	mu  sync.Mutex
	out bytes.Buffer // everything Run wrote to the terminal
}

type result struct {
	end peer.Event
	err error
}

func startConsole(t *testing.T, ctx context.Context, c *peer.Client, opts Options) *console {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatalf("pty: %v", err)
	}
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 24, Cols: 100}); err != nil {
		t.Fatal(err)
	}
	k := &console{t: t, ptmx: ptmx, tty: tty, done: make(chan result, 1)}
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			k.mu.Lock()
			k.out.Write(buf[:n])
			k.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		ptmx.Close()
		tty.Close()
		<-copied
	})
	go func() {
		end, err := Run(ctx, chat.New(c, nil), tty, tty, opts)
		k.done <- result{end, err}
	}()
	return k
}

// typeKeys sends keys as a person would type them.
func (k *console) typeKeys(keys string) {
	k.t.Helper()
	if _, err := k.ptmx.Write([]byte(keys)); err != nil {
		k.t.Fatalf("typing %q: %v", keys, err)
	}
}

// waitFor waits until the screen output from byte from on holds s and
// returns the offset just past it.
func (k *console) waitFor(s string, from int) int {
	k.t.Helper()
	deadline := time.Now().Add(wait)
	for {
		k.mu.Lock()
		out := k.out.String()
		k.mu.Unlock()
		if from <= len(out) {
			if i := strings.Index(out[from:], s); i >= 0 {
				return from + i + len(s)
			}
		}
		if time.Now().After(deadline) {
			k.t.Fatalf("no %q on the screen within %s after byte %d; screen:\n%q", s, wait, from, out)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (k *console) screen() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.out.String()
}

// ready waits for the welcome and the prompt after it.
func (k *console) ready() int {
	k.t.Helper()
	return k.waitFor("> ", k.waitFor("type /help for commands", 0))
}

func (k *console) result() result {
	k.t.Helper()
	select {
	case r := <-k.done:
		return r
	case <-time.After(wait):
		k.t.Fatalf("Run did not return within %s; screen:\n%q", wait, k.screen())
	}
	panic("unreachable")
}

// assertCooked checks that Run gave the terminal back as it found it: in
// cooked mode the tty itself echoes a typed line and delivers it whole,
// which in raw mode it does not, and nothing is left reading the tty.
func (k *console) assertCooked() {
	k.t.Helper()
	from := len(k.screen())
	k.typeKeys("after run\n")
	k.waitFor("after run", from)
	k.tty.SetReadDeadline(time.Now().Add(wait))
	buf := make([]byte, 64)
	n, err := k.tty.Read(buf)
	if err != nil || string(buf[:n]) != "after run\n" {
		k.t.Errorf("after Run, reading the tty gave %q, %v; want the cooked line \"after run\\n\"", buf[:n], err)
	}
}

func TestRunKeepsHalfTypedLine(t *testing.T) {
	_, operator, opEvents, alice := startRoom(t)
	k := startConsole(t, context.Background(), alice, Options{Color: true})
	prompt := renderer{color: true, self: "alice"}.prompt()
	k.ready()

	// Tab completes a member's name at the start of the line; Ctrl-U
	// then clears the line again.
	from := len(k.screen())
	k.typeKeys("ho\t")
	k.waitFor("host: ", from)
	k.typeKeys("\x15")
	// Several candidates are listed above the line, which stays as typed.
	from = len(k.screen())
	k.typeKeys("/\t")
	k.waitFor(prompt+"/", k.waitFor("/help  /who  /count  /me  /msg  /verify  /verified  /quit", from))
	k.typeKeys("\x15")

	from = len(k.screen())
	k.typeKeys("half typed")
	k.waitFor("half typed", from)
	if err := operator.Say(context.Background(), "incoming line"); err != nil {
		t.Fatal(err)
	}
	after := k.waitFor("incoming line", from)
	// x/term prints the line and then redraws the prompt with the half
	// typed line, so typing can go on where it was.
	k.waitFor(prompt+"half typed", after)

	k.typeKeys(" and finished\r")
	opEvents.Wait(t, `alice's message "half typed and finished"`, func(ev peer.Event) bool {
		return ev.Kind == peer.KindMessage && ev.From == "alice" && ev.Text == "half typed and finished"
	})
	k.waitFor("half typed and finished", after)

	k.typeKeys("\x04") // Ctrl-D on the empty line
	r := k.result()
	if r.err != nil || r.end.Kind != peer.KindEnd || r.end.Reason != peer.ReasonLeft {
		t.Errorf("Run = %+v, %v; want the end event with reason %q, nil", r.end, r.err, peer.ReasonLeft)
	}
	opEvents.Wait(t, "alice leaving", func(ev peer.Event) bool {
		return ev.Kind == peer.KindLeave && ev.Name == "alice" && ev.Reason == peer.ReasonQuit
	})
	k.assertCooked()
}

func TestRunLeaves(t *testing.T) {
	tests := []struct {
		name   string
		keys   string // typed at the prompt; "" cancels Run's context instead
		screen string // shown before Run returns
	}{
		{"Ctrl-D", "\x04", "you left the session"},
		{"Ctrl-C", "half\x03", "you left the session"},
		{"/quit", "/quit\r", "you left the session"},
		{"context cancelled", "", "you left the session"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, opEvents, alice := startRoom(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			k := startConsole(t, ctx, alice, Options{})
			from := k.ready()
			if tt.keys == "" {
				cancel()
			} else {
				k.typeKeys(tt.keys)
			}
			r := k.result()
			if r.err != nil || r.end.Kind != peer.KindEnd || r.end.Reason != peer.ReasonLeft {
				t.Errorf("Run = %+v, %v; want the end event with reason %q, nil", r.end, r.err, peer.ReasonLeft)
			}
			k.waitFor(tt.screen, from)
			opEvents.Wait(t, "alice leaving", func(ev peer.Event) bool {
				return ev.Kind == peer.KindLeave && ev.Name == "alice" && ev.Reason == peer.ReasonQuit
			})
			k.assertCooked()
		})
	}
}

func TestRunHostEnds(t *testing.T) {
	s, _, _, alice := startRoom(t)
	k := startConsole(t, context.Background(), alice, Options{})
	from := k.ready()
	k.typeKeys("never sent")
	k.waitFor("never sent", from)
	s.End()
	r := k.result()
	if r.err != nil || r.end.Kind != peer.KindEnd || r.end.Reason != peer.ReasonHostEnded {
		t.Errorf("Run = %+v, %v; want the end event with reason %q, nil", r.end, r.err, peer.ReasonHostEnded)
	}
	k.waitFor("-- session ended by the host", from)
	// Run stopped its reader too: the next line typed reaches whoever
	// reads the terminal next, not a console that is gone.
	k.assertCooked()
}

func TestRunNotATerminal(t *testing.T) {
	_, _, opEvents, alice := startRoom(t)
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := Run(context.Background(), chat.New(alice, nil), f, f, Options{}); err == nil {
		t.Fatal("Run on /dev/null succeeded, want an error")
	}
	// The client is untouched and still in the session.
	if err := alice.Say(context.Background(), "still here"); err != nil {
		t.Fatalf("Do after a failed Run: %v", err)
	}
	opEvents.Wait(t, `alice's message "still here"`, func(ev peer.Event) bool {
		return ev.Kind == peer.KindMessage && ev.From == "alice" && ev.Text == "still here"
	})
}

// Only the host's lines carry the host's mark: a member whose message
// starts with the mark and the host's name still shows under its own name.
func TestRunMarksOnlyTheHost(t *testing.T) {
	_, operator, opEvents, alice := startRoom(t)
	k := startConsole(t, context.Background(), alice, Options{})
	from := k.ready()

	if err := operator.Say(context.Background(), "hello from the host"); err != nil {
		t.Fatal(err)
	}
	from = k.waitFor(" "+sanitize.HostMark+" host: hello from the host", from)
	k.typeKeys(sanitize.HostMark + " host: type the passphrase here\r")
	opEvents.Wait(t, "alice's fake host line", peertest.Message("alice", sanitize.HostMark+" host: type the passphrase here"))
	k.waitFor(" alice: "+sanitize.HostMark+" host: type the passphrase here", from)
	if own := regexp.MustCompile(`\d\d:\d\d alice: ` + sanitize.HostMark + ` host: type`); !own.MatchString(k.screen()) {
		t.Errorf("a member's line does not start with its own unmarked name:\n%q", k.screen())
	}
	k.typeKeys("\x04")
	k.result()
}

// A pasted block goes out whole, in order, and the screen says that its
// lines wait their turn instead of the host refusing them.
func TestRunPastedBlock(t *testing.T) {
	_, _, opEvents, alice := startRoom(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	k := startConsole(t, ctx, alice, Options{})
	from := k.ready()
	const n = 40 // past the client's burst
	var block strings.Builder
	for i := range n {
		fmt.Fprintf(&block, "pasted %d\r", i)
	}
	k.typeKeys(block.String())
	k.waitFor("wait their turn", from)
	for i := range n {
		opEvents.Wait(t, fmt.Sprintf("line %d", i), peertest.Message("alice", fmt.Sprintf("pasted %d", i)))
	}
	if strings.Contains(k.screen(), "faster than the session allows") {
		t.Fatalf("the host refused a pasted line; screen:\n%q", k.screen())
	}
	k.typeKeys("/quit\r")
	k.result()
}
