package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// TestJoinAsksWhichSession runs 'ssc join' without a link on a terminal,
// as a person would: with two sessions on the (stood-in) local network it
// lists them, Tab completes a title, and it joins the one chosen. The
// announcements come from the doubles of netdouble_test.go.
func TestJoinAsksWhichSession(t *testing.T) {
	ssc, err := exec.LookPath("ssc") // the test program, as TestMain set it up
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	mdns := filepath.Join(dir, "mdns")
	pass := filepath.Join(dir, "pass")
	if err := os.Mkdir(mdns, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pass, []byte("correct horse battery staple\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A second session, whose title tries to take over the terminal.
	evil := "host \"\\x1b[31mbox.ssc.local.\"\naddr 127.0.0.1:1\ntxt \"v=2\"\ntxt \"name=zed \\x1b]0;owned\\a\"\ntxt \"fp=" + strings.Repeat("a", 52) + "\"\n"
	if err := os.WriteFile(filepath.Join(mdns, "evil"), []byte(evil), 0o644); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "SSCTEST_MDNS="+mdns, "GORACE=atexit_sleep_ms=0", "TERM=xterm", "NO_COLOR=1")

	events, ready := startHost(t, env, "--passphrase-file", pass)

	join := exec.Command(ssc, "join", "--name", "bob", "--passphrase-file", pass)
	join.Env = env
	term, err := pty.StartWithSize(join, &pty.Winsize{Rows: 30, Cols: 120})
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	screen := &screen{}
	copied := make(chan struct{})
	go func() { io.Copy(screen, term); close(copied) }()
	exited := make(chan error, 1)
	go func() { exited <- join.Wait() }()
	defer func() {
		if join.ProcessState == nil {
			join.Process.Kill()
		}
	}()

	screen.wait(t, `which one \(1-2, or its name\)\? `)
	out := screen.String()
	if !regexp.MustCompile(`2 sessions on the local network:\r?\n  1\) "alice's session" on test at ` + regexp.QuoteMeta(ready.Addr) + `, fingerprint ` + ready.Fingerprint[:4] + `-`).MatchString(out) {
		t.Fatalf("the list of sessions is not as expected:\n%s", out)
	}
	if !strings.Contains(out, `2) "zed ␛]0;owned␇" on ␛[31mbox at 127.0.0.1:1, fingerprint aaaa-aaaa-aaaa-aaaa`) {
		t.Fatalf("the hostile session is not shown sanitised:\n%q", out)
	}
	if strings.ContainsAny(out, "\x07") || strings.Contains(out, "\x1b]0") {
		t.Fatalf("a title reached the terminal unsanitised:\n%q", out)
	}

	// A wrong answer is asked again; Tab completes the title.
	fmt.Fprint(term, "9\r")
	screen.wait(t, `type a number from 1 to 2, or the name of a session`)
	fmt.Fprint(term, "ALI\t\r")
	screen.wait(t, `ssc: joining "alice's session" on test at `+regexp.QuoteMeta(ready.Addr))
	screen.wait(t, `the host's certificate is the one announced. Anyone on the network can\s+announce a session: check that the host's screen shows fingerprint `+ready.Fingerprint[:4])
	waitEvent(t, events, `"type":"join",.*"name":"bob"`)
	if strings.Contains(screen.String(), "warning") {
		t.Errorf("a warning for a fingerprint that matches:\n%s", screen)
	}

	fmt.Fprint(term, "/quit\r")
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("ssc join: %v\n%s", err, screen)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("ssc join did not leave after /quit:\n%s", screen)
	}
	waitEvent(t, events, `"type":"leave",.*"name":"bob"`)
}

// hostReady is what the tests use of a host's ready event.
type hostReady struct{ Addr, Link, Fingerprint string }

// startHost runs 'ssc start --json' as alice on 127.0.0.1 with args, until
// the test ends, and returns its events and its ready event.
func startHost(t *testing.T, env []string, args ...string) (<-chan string, hostReady) {
	t.Helper()
	ssc, err := exec.LookPath("ssc")
	if err != nil {
		t.Fatal(err)
	}
	host := exec.Command(ssc, append([]string{"start", "--json", "--name", "alice", "--listen", "127.0.0.1:0"}, args...)...)
	host.Env = env
	hostIn, err := host.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	hostOut, err := host.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := host.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hostIn.Close(); host.Wait() })
	events := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(hostOut)
		for sc.Scan() {
			events <- sc.Text()
		}
		close(events)
	}()
	var ready hostReady
	if err := json.Unmarshal([]byte(waitEvent(t, events, `"type":"ready"`)), &ready); err != nil {
		t.Fatal(err)
	}
	return events, ready
}

func waitEvent(t *testing.T, events <-chan string, re string) string {
	t.Helper()
	want := regexp.MustCompile(re)
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatalf("the host exited before an event matching %s", re)
			}
			if want.MatchString(ev) {
				return ev
			}
		case <-timeout:
			t.Fatalf("no event matching %s within 10s", re)
		}
	}
}

// screen collects what a terminal shows, to wait for text on it.
type screen struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *screen) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(b)
}

func (s *screen) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

func (s *screen) wait(t *testing.T, re string) {
	t.Helper()
	want := regexp.MustCompile(re)
	deadline := time.Now().Add(10 * time.Second)
	for !want.MatchString(s.String()) {
		if time.Now().After(deadline) {
			t.Fatalf("the terminal does not show %s within 10s:\n%s", re, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ptyRun starts ssc with args on a terminal of its own and returns the
// terminal's screen, the terminal, and a channel that gets its exit.
func ptyRun(t *testing.T, env []string, args ...string) (*screen, io.Writer, *exec.Cmd, <-chan error) {
	t.Helper()
	ssc, err := exec.LookPath("ssc")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(ssc, args...)
	cmd.Env = env
	term, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 30, Cols: 120})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { term.Close() })
	s := &screen{}
	go io.Copy(s, term)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-exited
		}
	})
	return s, term, cmd, exited
}

// leftQuietly fails unless ssc exits 0 without an error line: leaving is
// not an error.
func leftQuietly(t *testing.T, s *screen, exited <-chan error) {
	t.Helper()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("ssc exited with %v, want status 0:\n%s", err, s)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("ssc still runs 10s after Ctrl-C:\n%s", s)
	}
	time.Sleep(50 * time.Millisecond) // the last output
	if strings.Contains(s.String(), "ssc: error:") {
		t.Fatalf("leaving printed an error:\n%s", s)
	}
}

// Ctrl-C leaves, with status 0 and no error, wherever it is pressed: in a
// session, as a key or as SIGINT, and at a prompt.
func TestCtrlCLeaves(t *testing.T) {
	dir := t.TempDir()
	pass := filepath.Join(dir, "pass")
	if err := os.WriteFile(pass, []byte("correct horse battery staple\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "GORACE=atexit_sleep_ms=0", "TERM=xterm", "NO_COLOR=1")

	t.Run("host, the key", func(t *testing.T) {
		s, term, _, exited := ptyRun(t, env, "start", "--name", "alice", "--listen", "127.0.0.1:0", "--no-mdns")
		// The generated passphrase's odds, from the generator's strength.
		s.wait(t, `guessing it:  the 100 guesses anyone may make find it with a chance of about 1 in 4×10\^13`)
		s.wait(t, `alice> `)
		fmt.Fprint(term, "\x03")
		leftQuietly(t, s, exited)
	})
	t.Run("host, SIGINT", func(t *testing.T) {
		s, _, cmd, exited := ptyRun(t, env, "start", "--name", "alice", "--listen", "127.0.0.1:0", "--no-mdns", "--passphrase-file", pass)
		s.wait(t, `guessing it:  the 100 guesses anyone may make find it with a chance of about 1 in \d×10\^\d+`)
		s.wait(t, `alice> `)
		cmd.Process.Signal(os.Interrupt)
		leftQuietly(t, s, exited)
	})
	t.Run("member, at the passphrase prompt", func(t *testing.T) {
		s, term, _, exited := ptyRun(t, env, "join", "--name", "bob", "127.0.0.1:1")
		s.wait(t, `session passphrase: `)
		fmt.Fprint(term, "\x03")
		leftQuietly(t, s, exited)
	})
	t.Run("member, SIGINT at the passphrase prompt", func(t *testing.T) {
		s, _, cmd, exited := ptyRun(t, env, "join", "--name", "bob", "127.0.0.1:1")
		s.wait(t, `session passphrase: `)
		cmd.Process.Signal(os.Interrupt)
		leftQuietly(t, s, exited)
	})
	t.Run("member, at the name prompt", func(t *testing.T) {
		s, term, _, exited := ptyRun(t, env, "join", "127.0.0.1:1")
		s.wait(t, `your name: `)
		fmt.Fprint(term, "\x03")
		leftQuietly(t, s, exited)
	})
	t.Run("member, in a session", func(t *testing.T) {
		events, ready := startHost(t, env, "--no-mdns", "--passphrase-file", pass)
		s, _, cmd, exited := ptyRun(t, env, "join", "--name", "bob", "--passphrase-file", pass, ready.Link)
		s.wait(t, `bob> `)
		waitEvent(t, events, `"type":"join",.*"name":"bob"`)
		cmd.Process.Signal(os.Interrupt)
		leftQuietly(t, s, exited)
		waitEvent(t, events, `"type":"leave",.*"name":"bob"`)
	})
}
