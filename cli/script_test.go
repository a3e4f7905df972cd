package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// waitTimeout bounds every wait of the commands below.
const waitTimeout = 10 * time.Second

// scriptCmds are the commands scripts have beyond testscript's own.
//
//	exits STATUS PROG [ARGS...]
//		runs PROG as exec does and fails unless it exits with STATUS;
//		stdout and stderr then check its output.
//	host start [ARGS...]
//		starts 'ssc start --json --listen 127.0.0.1:0 ARGS...' with its
//		stdin kept open, waits for its ready event and sets $LINK, $ADDR,
//		$FP (the fingerprint), $FPSHORT (the fingerprint as people compare
//		it), $PASSPHRASE (the generated passphrase, or empty) and $PUBLIC
//		(the link through the tunnel, or empty).
//	member start [ARGS...]
//		starts 'ssc join --json ARGS...' with its stdin kept open and waits
//		for its welcome event (after the found event, when it looked for
//		the session on the local network).
//	host|member say TEXT...
//		writes TEXT as one line to the process's stdin.
//	host|member wait REGEXP
//		waits until a line the process wrote to stdout matches REGEXP.
//	host|member stop [STATUS]
//		closes the process's stdin and waits for it to exit; fails unless
//		it exits with STATUS (default 0). stdout and stderr then check
//		what it wrote.
//	host|member kill
//		kills the process, as a crash or a pulled plug would end it.
//	announce NAME ADDR FINGERPRINT
//		announces a session "NAME" at ADDR with FINGERPRINT on the
//		stood-in local network, as anyone there could.
//
// A script has at most one host and one member running at a time. A
// process still running when its script ends is killed.
//
// ssc finds sessions in $WORK/mdns and its tunnel logs to
// $WORK/tunnel.log: see netdouble_test.go.
var scriptCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"exits":    cmdExits,
	"announce": cmdAnnounce,
	"host":     procCmd("host"),
	"member":   procCmd("member"),
}

// roles says how the background processes are started and which event
// says they are up.
var roles = map[string]struct {
	args  []string // before the script's arguments
	first string   // the type of the first event
}{
	"host":   {[]string{"start", "--json", "--listen", "127.0.0.1:0"}, "ready"},
	"member": {[]string{"join", "--json"}, "welcome"},
}

type scriptKey struct{}

// script is what the commands keep for one running script.
type script struct {
	envNames []string         // variables passed on to background processes
	procs    map[string]*proc // by role
}

func setupScript(env *testscript.Env) error {
	// A race-enabled ssc otherwise sleeps a second at every exit.
	if race := os.Getenv("GORACE"); !strings.Contains(race, "atexit_sleep_ms") {
		env.Setenv("GORACE", strings.TrimSpace(race+" atexit_sleep_ms=0"))
	}
	// The doubles for mDNS and ngrok (netdouble_test.go).
	mdns := filepath.Join(env.WorkDir, "mdns")
	if err := os.MkdirAll(mdns, 0o755); err != nil {
		return err
	}
	env.Setenv("SSCTEST_MDNS", mdns)
	env.Setenv("SSCTEST_TUNNEL_LOG", filepath.Join(env.WorkDir, "tunnel.log"))
	s := &script{procs: make(map[string]*proc)}
	for _, kv := range env.Vars {
		name, _, _ := strings.Cut(kv, "=")
		s.envNames = append(s.envNames, name)
	}
	// Variables ssc reads that scripts set with env.
	s.envNames = append(s.envNames, "SSC_PASSPHRASE", "NO_COLOR", "NGROK_AUTHTOKEN", "SSCTEST_TUNNEL")
	slices.Sort(s.envNames)
	s.envNames = slices.Compact(s.envNames)
	env.Values[scriptKey{}] = s
	return nil
}

// environ is the script's environment as it is now, for a process started
// outside exec. Variables set to the empty string are left out.
func (s *script) environ(ts *testscript.TestScript) []string {
	var env []string
	for _, name := range s.envNames {
		if v := ts.Getenv(name); v != "" {
			env = append(env, name+"="+v)
		}
	}
	return append(env, "PWD="+ts.MkAbs("."))
}

func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! exits")
	}
	if len(args) < 2 {
		ts.Fatalf("usage: exits STATUS PROG [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: status %q is not a number", args[0])
	}
	got, err := exitStatus(ts.Exec(args[1], args[2:]...))
	ts.Check(err)
	if got != want {
		ts.Fatalf("%s exited with status %d, want %d", args[1], got, want)
	}
}

func cmdAnnounce(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: announce NAME ADDR FINGERPRINT")
	}
	record := fmt.Sprintf("host forger.ssc.local.\naddr %s\ntxt %q\ntxt %q\ntxt %q\n", args[1], "v=2", "name="+args[0], "fp="+args[2])
	ts.Check(os.WriteFile(filepath.Join(ts.Getenv("SSCTEST_MDNS"), "forged-"+args[0]), []byte(record), 0o644))
}

// exitStatus returns the status a process exited with, from the error
// its Wait returned.
func exitStatus(err error) (int, error) {
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &ee):
		return ee.ExitCode(), nil
	}
	return 0, err
}

func procCmd(role string) func(ts *testscript.TestScript, neg bool, args []string) {
	usage := fmt.Sprintf("usage: %s start|say|wait|stop|kill ...", role)
	return func(ts *testscript.TestScript, neg bool, args []string) {
		if neg {
			ts.Fatalf("unsupported: ! %s", role)
		}
		if len(args) == 0 {
			ts.Fatalf("%s", usage)
		}
		s := ts.Value(scriptKey{}).(*script)
		p := s.procs[role]
		if args[0] == "start" {
			if p != nil && !p.exited() {
				ts.Fatalf("%s start: the %s started before is still running", role, role)
			}
			s.procs[role] = startProc(ts, s, role, args[1:])
			return
		}
		if p == nil {
			ts.Fatalf("%s %s: no %s was started", role, args[0], role)
		}
		switch args[0] {
		case "say":
			if len(args) < 2 {
				ts.Fatalf("usage: %s say TEXT...", role)
			}
			if _, err := io.WriteString(p.stdin, strings.Join(args[1:], " ")+"\n"); err != nil {
				ts.Fatalf("%s say: %v", role, err)
			}
		case "wait":
			if len(args) != 2 {
				ts.Fatalf("usage: %s wait REGEXP", role)
			}
			re, err := regexp.Compile(args[1])
			ts.Check(err)
			line, err := p.waitLine(re)
			if err != nil {
				ts.Fatalf("%s wait: %v\n[stdout]\n%s[stderr]\n%s", role, err, p.stdout, p.stderr)
			}
			ts.Logf("[%s] %s", role, line)
		case "stop":
			want := 0
			switch len(args) {
			case 1:
			case 2:
				var err error
				if want, err = strconv.Atoi(args[1]); err != nil {
					ts.Fatalf("%s stop: status %q is not a number", role, args[1])
				}
			default:
				ts.Fatalf("usage: %s stop [STATUS]", role)
			}
			p.stop(ts, want)
		case "kill":
			if len(args) != 1 {
				ts.Fatalf("usage: %s kill", role)
			}
			p.kill()
		default:
			ts.Fatalf("%s", usage)
		}
	}
}

// proc is ssc running in the background for a script.
type proc struct {
	role           string
	cmd            *exec.Cmd
	stdin          io.WriteCloser
	stdout, stderr *output
	done           chan struct{} // closed once it has exited and its output is in
	err            error         // from Wait, once done is closed
}

func startProc(ts *testscript.TestScript, s *script, role string, args []string) *proc {
	r := roles[role]
	path, err := lookPath(ts, "ssc")
	ts.Check(err)
	cmd := exec.Command(path, append(slices.Clone(r.args), args...)...)
	cmd.Dir = ts.MkAbs(".")
	cmd.Env = s.environ(ts)
	cmd.WaitDelay = waitTimeout
	p := &proc{role: role, cmd: cmd, stdout: newOutput(), stderr: newOutput(), done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	p.stdin, err = cmd.StdinPipe()
	ts.Check(err)
	ts.Check(cmd.Start())
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	ts.Defer(p.kill)

	line, err := p.waitLine(regexp.MustCompile(``))
	if err != nil {
		ts.Fatalf("%s start: %v\n[stderr]\n%s", role, err, p.stderr)
	}
	ts.Logf("[%s] %s", role, line)
	if role == "member" && strings.HasPrefix(line, `{"type":"found",`) {
		// It looked for the session on the local network: the welcome is next.
		if line, err = p.waitLine(regexp.MustCompile(`^\{"type":"(?:[^f]|f[^o])`)); err != nil {
			ts.Fatalf("%s start: %v\n[stderr]\n%s", role, err, p.stderr)
		}
		ts.Logf("[%s] %s", role, line)
	}
	var ev struct {
		Type        string `json:"type"`
		Link        string `json:"link"`
		Addr        string `json:"addr"`
		Fingerprint string `json:"fingerprint"`
		Passphrase  string `json:"passphrase"`
		Public      string `json:"public"`
	}
	if err := json.Unmarshal([]byte(line), &ev); err != nil || ev.Type != r.first {
		ts.Fatalf("%s start: the first line is not a %s event", role, r.first)
	}
	if role == "host" {
		if len(ev.Fingerprint) < 16 || ev.Link == "" || ev.Addr == "" {
			ts.Fatalf("host start: the ready event lacks a link, an address or a fingerprint")
		}
		fp := ev.Fingerprint
		ts.Setenv("LINK", ev.Link)
		ts.Setenv("ADDR", ev.Addr)
		ts.Setenv("FP", fp)
		ts.Setenv("FPSHORT", fp[0:4]+"-"+fp[4:8]+"-"+fp[8:12]+"-"+fp[12:16])
		ts.Setenv("PASSPHRASE", ev.Passphrase)
		ts.Setenv("PUBLIC", ev.Public)
	}
	return p
}

// lookPath finds prog on the script's $PATH, where testscript put the test
// binary under that name.
func lookPath(ts *testscript.TestScript, prog string) (string, error) {
	prog += ts.Getenv("exe")
	for _, dir := range filepath.SplitList(ts.Getenv("PATH")) {
		path := filepath.Join(dir, prog)
		if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return path, nil
		}
	}
	return "", fmt.Errorf("%s is not in $PATH", prog)
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// waitLine returns the first complete line of stdout matching re, waiting
// for it at most waitTimeout.
func (p *proc) waitLine(re *regexp.Regexp) (string, error) {
	timer := time.NewTimer(waitTimeout)
	defer timer.Stop()
	for {
		line, ok, changed := p.stdout.find(re)
		if ok {
			return line, nil
		}
		select {
		case <-changed:
		case <-p.done:
			// All its output is in: look once more.
			if line, ok, _ := p.stdout.find(re); ok {
				return line, nil
			}
			return "", fmt.Errorf("ssc exited (%v) with no line matching %q", p.err, re)
		case <-timer.C:
			return "", fmt.Errorf("no line matching %q within %v", re, waitTimeout)
		}
	}
}

// stop closes stdin, waits for the exit and hands the output to the script.
func (p *proc) stop(ts *testscript.TestScript, want int) {
	p.stdin.Close()
	timer := time.NewTimer(waitTimeout)
	defer timer.Stop()
	select {
	case <-p.done:
	case <-timer.C:
		p.kill()
		ts.Fatalf("%s stop: still running %v after its stdin was closed; killed it\n[stdout]\n%s[stderr]\n%s", p.role, waitTimeout, p.stdout, p.stderr)
	}
	fmt.Fprint(ts.Stdout(), p.stdout)
	fmt.Fprint(ts.Stderr(), p.stderr)
	got, err := exitStatus(p.err)
	ts.Check(err)
	if got != want {
		ts.Fatalf("%s exited with status %d, want %d", p.role, got, want)
	}
}

// kill ends the process at once if it still runs.
func (p *proc) kill() {
	if !p.exited() {
		p.cmd.Process.Kill()
		<-p.done
	}
	p.stdin.Close()
}

// output collects what a process writes and lets a script wait for a line.
type output struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{} // closed and replaced at every write
}

func newOutput() *output { return &output{changed: make(chan struct{})} }

func (o *output) Write(b []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.buf.Write(b)
	close(o.changed)
	o.changed = make(chan struct{})
	return len(b), nil
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// find returns the first complete line matching re, and a channel closed
// at the next write.
func (o *output) find(re *regexp.Regexp) (line string, ok bool, changed <-chan struct{}) {
	o.mu.Lock()
	defer o.mu.Unlock()
	text := o.buf.String()
	if i := strings.LastIndexByte(text, '\n'); i >= 0 {
		for line := range strings.SplitSeq(text[:i], "\n") {
			if re.MatchString(line) {
				return line, true, o.changed
			}
		}
	}
	return "", false, o.changed
}
