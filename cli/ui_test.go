package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssc-chat/ssc/chat/web/webtest"
	"github.com/ssc-chat/ssc/discovery"
	"github.com/ssc-chat/ssc/host"
	"github.com/ssc-chat/ssc/host/hosttest"
	"github.com/ssc-chat/ssc/peer"
)

// syncBuffer is output written by ssc and read by the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func formProblem(m map[string]any) string {
	f, _ := m["form"].(map[string]any)
	l, _ := f["problem"].([]any)
	if m["phase"] != "form" || len(l) == 0 {
		return ""
	}
	s, _ := l[0].(string)
	return s
}

// wantExit waits for ssc to exit, with status want. The status goes back
// on the channel, for runUIOn's cleanup.
func wantExit(t *testing.T, status chan int, want int, errOut *syncBuffer) {
	t.Helper()
	select {
	case code := <-status:
		status <- code
		if code != want {
			t.Fatalf("exit status %d, want %d; stderr:\n%s", code, want, errOut)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("ssc did not exit; stderr:\n%s", errOut)
	}
}

// runUI runs ssc with args in this process, the browser being the test.
func runUI(t *testing.T, args ...string) (url string, out, errOut *syncBuffer, status chan int) {
	t.Helper()
	return runUIOn(t, Network{}, args...)
}

// runUIOn is runUI with net's doubles for the local network.
func runUIOn(t *testing.T, net Network, args ...string) (url string, out, errOut *syncBuffer, status chan int) {
	t.Helper()
	urls := make(chan string, 1)
	net.Open = func(u string) error { urls <- u; return nil }
	out, errOut, status = &syncBuffer{}, &syncBuffer{}, make(chan int, 1)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() {
		cancel()
		select {
		case <-status:
		case <-time.After(5 * time.Second):
			t.Error("ssc did not stop")
		}
	})
	go func() { status <- Run(ctx, append([]string{"ssc"}, args...), &Stdio{Out: out, Err: errOut}, net) }()
	select {
	case url = <-urls:
	case <-time.After(5 * time.Second):
		t.Fatalf("no browser opened; stderr:\n%s", errOut)
	}
	if !strings.Contains(errOut.String(), url) {
		t.Errorf("the URL is not printed for when no browser opens:\n%s", errOut)
	}
	return url, out, errOut, status
}

// 'ssc join --ui': the page's form joins, a wrong passphrase is said in
// the form, lines reach the room, and /quit ends ssc with status 0.
func TestJoinUI(t *testing.T) {
	h := hosttest.Start(t, host.Config{SessionName: "web", Passphrase: []byte("right horse")})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	watcher, err := peer.Join(ctx, h.Addr, peer.Config{Name: "watcher", Passphrase: []byte("right horse")})
	if err != nil {
		t.Fatal(err)
	}
	defer watcher.Close()

	url, _, errOut, status := runUI(t, "join", "--ui", "--name", "bob", h.Addr)
	p := webtest.Open(t, url)
	st := p.Wait("the form", func(m map[string]any) bool { return m["phase"] == "form" })
	if f := st["form"].(map[string]any); f["name"] != "bob" || f["link"] != h.Addr || f["askPassphrase"] != true {
		t.Fatalf("the form is not filled in from the flags: %v", st)
	}
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	p.Send(map[string]string{"type": "join", "name": "bob", "link": h.Addr, "passphrase": b64("wrong horse")})
	if st := p.Wait("the refusal", func(m map[string]any) bool { return formProblem(m) != "" }); !strings.HasPrefix(formProblem(st), "wrong passphrase") {
		t.Fatalf("form problem %q", formProblem(st))
	}
	p.Send(map[string]string{"type": "join", "name": "bob", "link": h.Addr, "passphrase": b64(" right horse\n")})
	p.Wait("the chat", func(m map[string]any) bool { return m["phase"] == "chat" })
	p.Send(map[string]string{"type": "send", "text": "hello from the browser"})
	for {
		select {
		case ev := <-watcher.Events():
			if ev.Kind != peer.KindMessage {
				continue
			}
			if ev.From != "bob" || ev.Text != "hello from the browser" {
				t.Fatalf("the room got %q from %q", ev.Text, ev.From)
			}
		case <-ctx.Done():
			t.Fatal("the room got nothing")
		}
		break
	}
	p.Send(map[string]string{"type": "send", "text": "/quit"})
	p.Wait("the end", func(m map[string]any) bool { return m["phase"] == "ended" })
	wantExit(t, status, 0, errOut)
	if strings.Contains(errOut.String(), "horse") {
		t.Fatalf("the passphrase is in the output:\n%s", errOut)
	}
}

// 'ssc start --ui': the host's panel shows the link and the passphrase,
// joins appear, and ending the session from the page ends ssc.
func TestStartUI(t *testing.T) {
	pass := filepath.Join(t.TempDir(), "pass")
	if err := os.WriteFile(pass, []byte("correct horse battery staple\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	url, out, errOut, status := runUI(t, "start", "--ui", "--name", "alice", "--listen", "127.0.0.1:0", "--no-mdns", "--passphrase-file", pass)
	p := webtest.Open(t, url)
	st := p.Wait("the panel", func(m map[string]any) bool { return m["phase"] == "chat" && m["panel"] != nil })
	panel := st["panel"].(map[string]any)
	if panel["passphrase"] != "correct horse battery staple" || len(panel["links"].([]any)) == 0 || st["isHost"] != true {
		t.Fatalf("panel %v", st)
	}
	if strings.Contains(out.String()+errOut.String(), "correct horse") {
		t.Errorf("the passphrase is on the terminal:\n%s%s", out, errOut)
	}
	link := strings.TrimPrefix(panel["links"].([]any)[0].(string), "ssc join ")
	_, addr, _ := strings.Cut(link, "://")
	addr, _, _ = strings.Cut(addr, "/")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	bob, err := peer.Join(ctx, addr, peer.Config{Name: "bob", Passphrase: []byte("correct horse battery staple")})
	if err != nil {
		t.Fatal(err)
	}
	defer bob.Close()
	p.Wait("bob's join", func(m map[string]any) bool { return m["type"] == "join" && m["name"] == "bob" })
	p.Send(map[string]string{"type": "send", "text": "welcome bob"})
	for ev := range bob.Events() {
		if ev.Kind == peer.KindMessage {
			if ev.Text != "welcome bob" || ev.From != "alice" {
				t.Fatalf("bob got %q from %q", ev.Text, ev.From)
			}
			break
		}
	}
	// The panel says whether the session is locked.
	locked := func(want bool) func(map[string]any) bool {
		return func(m map[string]any) bool {
			panel, _ := m["panel"].(map[string]any)
			return panel != nil && panel["locked"] == want
		}
	}
	p.Send(map[string]string{"type": "command", "text": "/lock"})
	p.Wait("the panel saying locked", locked(true))
	var refused *peer.RefusedError
	if _, err := peer.Join(ctx, addr, peer.Config{Name: "carol", Passphrase: []byte("correct horse battery staple")}); !errors.As(err, &refused) {
		t.Fatalf("joining a locked session: %v", err)
	}
	p.Send(map[string]string{"type": "command", "text": "/unlock"})
	p.Wait("the panel saying open", locked(false))
	// A new passphrase shows in the panel.
	p.Send(map[string]string{"type": "send", "text": "/passphrase new"})
	p.Wait("the new passphrase in the panel", func(m map[string]any) bool {
		panel, _ := m["panel"].(map[string]any)
		pass, _ := panel["passphrase"].(string)
		return pass != "" && pass != "correct horse battery staple"
	})
	p.Send(map[string]string{"type": "send", "text": "/end"})
	p.Wait("the end", func(m map[string]any) bool { return m["phase"] == "ended" })
	wantExit(t, status, 0, errOut)
}

// Without a link, the form offers the sessions found on the local network,
// made safe to show, each with a link that pins the fingerprint announced;
// and a session announced with a fingerprint that is not one is left out.
func TestJoinUIOffersLANSessions(t *testing.T) {
	h := hosttest.Start(t, host.Config{SessionName: "web", Passphrase: []byte("right horse")})
	fp := h.Session.Fingerprint()
	browse := func(ctx context.Context, cfg discovery.BrowseConfig) ([]discovery.Session, error) {
		return []discovery.Session{
			{Info: discovery.Info{Title: "retro\x1b[2J", Fingerprint: fp.String()}, Host: "box", Addrs: []string{h.Addr}},
			{Info: discovery.Info{Title: "forged", Fingerprint: "not a fingerprint"}, Host: "evil", Addrs: []string{h.Addr}},
		}, nil
	}
	url, _, errOut, status := runUIOn(t, Network{Browse: browse}, "join", "--ui", "--name", "bob")
	p := webtest.Open(t, url)
	st := p.Wait("the sessions found", func(m map[string]any) bool {
		f, _ := m["form"].(map[string]any)
		return f != nil && f["sessions"] != nil
	})
	found := st["form"].(map[string]any)["sessions"].([]any)
	if len(found) != 1 {
		t.Fatalf("offered %v, want the one session with a fingerprint", found)
	}
	s := found[0].(map[string]any)
	link := "ssc://" + h.Addr + "/" + fp.String()
	if s["title"] != "retro␛[2J" || s["host"] != "box" || s["link"] != link || s["fingerprint"] != fp.Short() {
		t.Fatalf("offered %v, want it made safe, with the pinning link %s", s, link)
	}
	p.Send(map[string]string{"type": "join", "name": "bob", "link": link, "passphrase": base64.StdEncoding.EncodeToString([]byte("right horse"))})
	p.Wait("the chat", func(m map[string]any) bool { return m["phase"] == "chat" })
	p.Send(map[string]string{"type": "send", "text": "/quit"})
	p.Wait("the end", func(m map[string]any) bool { return m["phase"] == "ended" })
	wantExit(t, status, 0, errOut)
}

// 'ssc start --ui' without --name: the page asks for the host's name and
// the title, says in the form what is wrong with a name, and opens the
// session under the one given.
func TestStartUIAsksName(t *testing.T) {
	url, _, errOut, status := runUI(t, "start", "--ui", "--listen", "127.0.0.1:0", "--no-mdns")
	p := webtest.Open(t, url)
	st := p.Wait("the form", func(m map[string]any) bool { return m["phase"] == "form" })
	if f := st["form"].(map[string]any); f["hosting"] != true || f["askPassphrase"] == true {
		t.Fatalf("not the form that starts a session: %v", st)
	}
	p.Send(map[string]string{"type": "join", "name": "p\u0430ypal"}) // a Cyrillic а among Latin letters
	if st := p.Wait("the name refused", func(m map[string]any) bool { return formProblem(m) != "" }); !strings.Contains(formProblem(st), "script") {
		t.Fatalf("form problem %q", formProblem(st))
	}
	p.Send(map[string]string{"type": "join", "name": "ann", "title": "Friday retro"})
	st = p.Wait("the chat", func(m map[string]any) bool { return m["phase"] == "chat" && m["panel"] != nil })
	if st["self"] != "ann" || st["session"] != "Friday retro" || st["isHost"] != true {
		t.Fatalf("the session is not ann's Friday retro: %v", st)
	}
	p.Send(map[string]string{"type": "command", "text": "/end"})
	p.Wait("the end", func(m map[string]any) bool { return m["phase"] == "ended" })
	wantExit(t, status, 0, errOut)
}

// When the session cannot open after the page asked for the name, the
// page says why, not only the terminal.
func TestStartUIShowsWhyItStopped(t *testing.T) {
	pass := filepath.Join(t.TempDir(), "pass")
	if err := os.WriteFile(pass, []byte("password\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	url, _, errOut, status := runUI(t, "start", "--ui", "--listen", "127.0.0.1:0", "--no-mdns", "--passphrase-file", pass)
	p := webtest.Open(t, url)
	p.Wait("the form", func(m map[string]any) bool { return m["phase"] == "form" })
	p.Send(map[string]string{"type": "join", "name": "ann"})
	st := p.Wait("why it stopped", func(m map[string]any) bool { return m["phase"] == "failed" })
	if why := fmt.Sprint(st["end"]); !strings.Contains(why, "too easy to guess") || strings.Contains(why, "password") {
		t.Fatalf("the page says %q; want why, without the passphrase", why)
	}
	wantExit(t, status, exitUsage, errOut)
}
