package web

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/ssc-chat/ssc/chat"
	"github.com/ssc-chat/ssc/chat/web/webtest"
	"github.com/ssc-chat/ssc/host"
	"github.com/ssc-chat/ssc/host/hosttest"
	"github.com/ssc-chat/ssc/peer"
	"github.com/ssc-chat/ssc/wire"
)

func newServer(t *testing.T, opts Options) *Server {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// noRedirect is a client that shows redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func TestTokens(t *testing.T) {
	a, b := newServer(t, Options{}), newServer(t, Options{})
	for _, s := range []*Server{a, b} {
		raw, err := base64.RawURLEncoding.DecodeString(s.g.token)
		if err != nil || len(raw) != 32 {
			t.Fatalf("token %q is not 32 bytes of base64url", s.g.token)
		}
		if !strings.HasPrefix(s.URL(), "http://127.0.0.1:") || strings.Contains(s.URL(), s.g.token) {
			t.Fatalf("URL %q: want 127.0.0.1 and the one-time code, never the token", s.URL())
		}
	}
	if a.g.token == b.g.token || a.g.code == b.g.code || a.g.token == a.g.code {
		t.Fatal("tokens and codes repeat")
	}
}

// Every request is checked for Host, Origin and the token, and every
// response, refusals included, carries the headers.
func TestGuard(t *testing.T) {
	s := newServer(t, Options{})
	base := "http://127.0.0.1:" + s.g.port
	tok := "/" + s.g.token
	other := "/" + strings.Repeat("A", len(s.g.token))
	tests := []struct {
		name   string
		method string
		path   string
		host   string // "" for the address dialled
		origin string
		want   int
		ctype  string
	}{
		{"page", "GET", tok + "/", "", "", 200, "text/html"},
		{"page by localhost", "GET", tok + "/", "localhost:" + s.g.port, "", 200, "text/html"},
		{"script", "GET", tok + "/app.js", "", "", 200, "text/javascript"},
		{"style", "GET", tok + "/style.css", "", "", 200, "text/css"},
		{"same origin", "GET", tok + "/app.js", "", base, 200, "text/javascript"},
		{"no token", "GET", "/", "", "", 404, ""},
		{"no token, asset", "GET", "/app.js", "", "", 404, ""},
		{"wrong token", "GET", other + "/", "", "", 404, ""},
		{"token without slash", "GET", tok, "", "", 404, ""},
		{"unknown file", "GET", tok + "/secret", "", "", 404, ""},
		{"foreign host (DNS rebinding)", "GET", tok + "/", "evil.example:" + s.g.port, "", 403, ""},
		{"foreign host, no port", "GET", tok + "/", "127.0.0.1", "", 403, ""},
		{"other port", "GET", tok + "/", "127.0.0.1:1", "", 403, ""},
		{"foreign origin", "GET", tok + "/", "", "http://evil.example", 403, ""},
		{"null origin", "GET", tok + "/", "", "null", 403, ""},
		{"https origin", "GET", tok + "/", "", "https://127.0.0.1:" + s.g.port, 403, ""},
		{"other port origin", "GET", tok + "/", "", "http://127.0.0.1:1", 403, ""},
		{"post", "POST", tok + "/", "", base, 405, ""},
		{"wrong code", "GET", "/open/" + strings.Repeat("A", 43), "", "", 410, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, base+tt.path, nil)
			if tt.host != "" {
				req.Host = tt.host
			}
			if tt.origin != "" {
				req.Header.Set("Origin", tt.origin)
			}
			resp, err := noRedirect.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.want)
			}
			checkHeaders(t, resp.Header)
			if tt.ctype != "" && !strings.HasPrefix(resp.Header.Get("Content-Type"), tt.ctype) {
				t.Errorf("Content-Type %q, want %s", resp.Header.Get("Content-Type"), tt.ctype)
			}
			if tt.want != 200 && strings.Contains(string(body), "<script") {
				t.Errorf("a refusal serves the page: %s", body)
			}
		})
	}
}

func checkHeaders(t *testing.T, h http.Header) {
	t.Helper()
	want := map[string]string{
		"Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
		"Cache-Control":           "no-store",
	}
	for k, v := range want {
		if got := h.Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	if h.Get("Set-Cookie") != "" {
		t.Error("a cookie is set")
	}
}

// The code in the URL opened works once, and leads to the page under the token.
func TestOneTimeCode(t *testing.T) {
	opened := 0
	s := newServer(t, Options{Opened: func() { opened++ }})
	resp, err := noRedirect.Get(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	checkHeaders(t, resp.Header)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/"+s.g.token+"/" {
		t.Fatalf("first use: %d to %q, want 303 to the page", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, err = noRedirect.Get(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusGone || opened != 1 {
		t.Fatalf("second use: %d, opened %d times; want 410 and once", resp.StatusCode, opened)
	}
}

// The page the tests talk to: a socket with the token and the right Origin.
func dial(t *testing.T, s *Server, path, origin string) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h := http.Header{}
	if origin != "" {
		h.Set("Origin", origin)
	}
	return websocket.Dial(ctx, "ws://127.0.0.1:"+s.g.port+path, &websocket.DialOptions{HTTPHeader: h})
}

func TestSocketRefused(t *testing.T) {
	s := newServer(t, Options{})
	own := "http://127.0.0.1:" + s.g.port
	tests := []struct {
		name   string
		path   string
		origin string
		want   int
	}{
		{"no token", "/ws", own, 404},
		{"wrong token", "/" + strings.Repeat("A", 43) + "/ws", own, 404},
		{"the code instead of the token", "/" + s.g.code + "/ws", own, 404},
		{"foreign origin", "/" + s.g.token + "/ws", "http://evil.example", 403},
		{"look-alike origin", "/" + s.g.token + "/ws", "http://127.0.0.1:" + s.g.port + ".evil.example", 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, resp, err := dial(t, s, tt.path, tt.origin)
			if err == nil {
				c.CloseNow()
				t.Fatal("upgraded")
			}
			if resp == nil || resp.StatusCode != tt.want {
				t.Fatalf("response %v, want %d", resp, tt.want)
			}
			checkHeaders(t, resp.Header)
		})
	}
	// And the right one is upgraded.
	c, _, err := dial(t, s, "/"+s.g.token+"/ws", own)
	if err != nil {
		t.Fatal(err)
	}
	c.CloseNow()
}

func openPage(t *testing.T, s *Server) *webtest.Page {
	t.Helper()
	c, _, err := dial(t, s, "/"+s.g.token+"/ws", "http://127.0.0.1:"+s.g.port)
	if err != nil {
		t.Fatal(err)
	}
	return webtest.Attach(t, c)
}

func is(k, v string) func(map[string]any) bool {
	return func(m map[string]any) bool { return m[k] == v }
}

// The join form's answer reaches Form, the passphrase as bytes.
func TestForm(t *testing.T) {
	s := newServer(t, Options{})
	p := openPage(t, s)
	defer p.Conn.CloseNow()
	got := make(chan Answer, 1)
	go func() {
		a, err := s.Form(context.Background(), JoinForm{Name: "bob", AskPassphrase: true, Problem: "wrong passphrase"})
		if err != nil {
			t.Error(err)
		}
		got <- a
	}()
	st := p.Wait("the form", is("phase", "form"))
	form := st["form"].(map[string]any)
	if form["name"] != "bob" || form["askPassphrase"] != true || form["problem"].([]any)[0] != "wrong passphrase" {
		t.Fatalf("form state %v", st)
	}
	p.Send(map[string]string{"type": "join", "name": "bob", "link": "127.0.0.1:1", "passphrase": base64.StdEncoding.EncodeToString([]byte("pässphrase"))})
	a := <-got
	if a.Name != "bob" || a.Link != "127.0.0.1:1" || string(a.Passphrase) != "pässphrase" {
		t.Fatalf("answer %+v", a)
	}
	p.Wait("joining", is("phase", "joining"))
}

// A frame that is too large or not a request closes the socket.
func TestBadFrames(t *testing.T) {
	s := newServer(t, Options{})
	for _, frame := range []string{
		`{"type":"send","extra":1}`, `not json`, `{"type":"send","text":"` + strings.Repeat("x", maxFrame) + `"}`,
		`{"TYPE":"send","text":"x"}`, `{"type":"send","text":"x"} {"type":"send"}`, `["type"]`,
	} {
		p := openPage(t, s)
		p.Conn.Write(context.Background(), websocket.MessageText, []byte(frame))
		timeout := time.After(5 * time.Second)
	drain:
		for {
			select {
			case _, open := <-p.Msgs():
				if !open {
					break drain
				}
			case <-timeout:
				t.Fatalf("the socket stayed open after %.40s", frame)
			}
		}
	}
}

// Lines from the page go through chat.Do: messages reach the room, one per
// line, and commands answer on the page. Closing the page and not coming
// back within the grace period leaves the session.
func TestChat(t *testing.T) {
	h := hosttest.Start(t, host.Config{SessionName: "web", Passphrase: []byte("pass")})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	watcher, err := peer.Join(ctx, h.Addr, peer.Config{Name: "watcher", Passphrase: []byte("pass")})
	if err != nil {
		t.Fatal(err)
	}
	defer watcher.Close()
	member, err := peer.Join(ctx, h.Addr, peer.Config{Name: "<img src=x onerror=alert(1)>", Passphrase: []byte("pass")})
	if err != nil {
		t.Fatal(err)
	}
	defer member.Close()

	s := newServer(t, Options{Grace: 200 * time.Millisecond})
	type result struct {
		end peer.Event
		err error
	}
	done := make(chan result, 1)
	go func() {
		end, err := s.Run(ctx, chat.New(member, nil), nil)
		done <- result{end, err}
	}()
	p := openPage(t, s)
	chatShown, membersShown := false, false
	p.Wait("the chat and its members", func(m map[string]any) bool {
		chatShown = chatShown || m["phase"] == "chat"
		membersShown = membersShown || m["type"] == "members" && len(m["members"].([]any)) == 2
		return chatShown && membersShown
	})
	p.Send(map[string]string{"type": "send", "text": "hello from the page\nsecond line\n/count"})
	for _, want := range []string{"hello from the page", "second line"} {
		select {
		case ev := <-watcher.Events():
			for ev.Kind != peer.KindMessage {
				ev = <-watcher.Events()
			}
			if ev.Text != want || ev.From != "<img src=x onerror=alert(1)>" {
				t.Fatalf("the room got %q from %q, want %q", ev.Text, ev.From, want)
			}
		case <-ctx.Done():
			t.Fatal("the room got nothing")
		}
	}
	// The answer to /count may come before the room echoes the lines.
	own, count := false, false
	p.Wait("own message and /count's answer", func(m map[string]any) bool {
		l, _ := m["lines"].([]any)
		own = own || m["type"] == "message" && m["text"] == "second line" && m["self"] == true
		count = count || m["type"] == "output" && len(l) == 1 && l[0] == "2 members here"
		return own && count
	})
	p.Send(map[string]string{"type": "verify", "name": "watcher"})
	v := p.Wait("the safety number", is("type", "verify"))
	if n := v["number"].([]any); len(n) != 2 || len(n[0].(string)) < 30 {
		t.Fatalf("verify: %v", v)
	}

	// A direct message goes to the member chosen, by its exact name, even
	// when another's name starts with it and the text goes on like it.
	other, err := peer.Join(ctx, h.Addr, peer.Config{Name: "watcher the", Passphrase: []byte("pass")})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	p.Wait("the member list with watcher the", func(m map[string]any) bool {
		return m["type"] == "members" && len(m["members"].([]any)) == 3
	})
	p.Send(map[string]string{"type": "direct", "name": "watcher", "text": "the plan is at nine"})
	for {
		select {
		case ev := <-watcher.Events():
			if ev.Kind != peer.KindMessage || ev.To == "" {
				continue
			}
			if ev.To != "watcher" || ev.Text != "the plan is at nine" {
				t.Fatalf("watcher got a direct message to %q: %q", ev.To, ev.Text)
			}
		case <-ctx.Done():
			t.Fatal("the direct message never reached watcher")
		}
		break
	}

	// Writing to one member, "//" starts a sealed line with "/", and a
	// command is refused rather than sent to the room.
	p.Send(map[string]string{"type": "direct", "name": "watcher", "text": "//slash for watcher\n/me to the room?\nlast"})
	p.Wait("the refusal", func(m map[string]any) bool {
		return m["type"] == "error" && strings.Contains(fmt.Sprint(m["lines"]), "commands work when writing to everyone")
	})
	for _, want := range []string{"/slash for watcher", "last"} {
		ev := <-watcher.Events()
		for ev.Kind != peer.KindMessage {
			ev = <-watcher.Events()
		}
		if ev.To != "watcher" || ev.Text != want || ev.Action {
			t.Fatalf("watcher got %+v, want the direct message %q", ev, want)
		}
	}
	for {
		select {
		case ev := <-other.Events():
			if ev.Kind == peer.KindMessage {
				t.Fatalf("a line written to watcher alone reached another member: %+v", ev)
			}
			continue
		case <-time.After(200 * time.Millisecond):
		}
		break
	}

	p.Conn.Close(websocket.StatusNormalClosure, "")
	select {
	case r := <-done:
		if r.err != nil || r.end.Reason != peer.ReasonLeft {
			t.Fatalf("Run = %+v, %v; want the member to have left", r.end, r.err)
		}
	case <-ctx.Done():
		t.Fatal("Run did not return after the page was closed")
	}
}

// A reload within the grace period keeps the seat, and the new page is
// shown the chat so far.
func TestReloadKeepsSeat(t *testing.T) {
	r := startPageRoom(t, Options{Grace: 2 * time.Second})
	s, p, done := r.s, r.p, r.done
	p.Send(map[string]string{"type": "send", "text": "before the reload"})
	p.Wait("own message", is("text", "before the reload"))
	p.Conn.Close(websocket.StatusNormalClosure, "")

	p2 := openPage(t, s)
	p2.Wait("the chat again", is("phase", "chat"))
	p2.Wait("the message again", is("text", "before the reload"))
	time.Sleep(2500 * time.Millisecond) // past the grace period
	p2.Send(map[string]string{"type": "send", "text": "after"})
	p2.Wait("a message after the grace period", is("text", "after"))
	p2.Send(map[string]string{"type": "send", "text": "/quit"})
	p2.Wait("the end", is("phase", "ended"))
	<-done
}

// A page closed at the form and not opened again within the grace period
// ends the wait for it.
func TestFormGone(t *testing.T) {
	s := newServer(t, Options{Grace: 100 * time.Millisecond})
	p := openPage(t, s)
	p.Wait("the wait", is("phase", "wait"))
	p.Conn.Close(websocket.StatusNormalClosure, "")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := s.Form(ctx, JoinForm{}); !errors.Is(err, ErrGone) || !s.PageClosed() {
		t.Fatalf("Form = %v, want ErrGone", err)
	}
}

// A second tab takes the seat and the first says so; closing the second
// gives the seat back to the first instead of leaving the session, and a
// page on standby can take the seat back, but cannot talk.
func TestSecondTab(t *testing.T) {
	const grace = 300 * time.Millisecond
	r := startPageRoom(t, Options{Grace: grace})
	s, first, done := r.s, r.p, r.done
	first.Send(map[string]string{"type": "send", "text": "from the first tab"})
	first.Wait("own message", is("text", "from the first tab"))

	second := openPage(t, s)
	second.Wait("the chat so far", is("text", "from the first tab"))
	first.Wait("word of the second tab", is("type", "replaced"))
	first.Send(map[string]string{"type": "send", "text": "from a tab on standby"})
	second.Send(map[string]string{"type": "send", "text": "from the second tab"})
	second.Wait("the second tab's message", is("text", "from the second tab"))

	second.Conn.Close(websocket.StatusNormalClosure, "")
	first.Wait("the seat back", is("type", "reset"))
	first.Wait("the chat so far, again", is("text", "from the second tab"))
	time.Sleep(2 * grace) // the session outlives the grace period
	if s.PageClosed() {
		t.Fatal("closing the second tab left the session while the first was open")
	}

	third := openPage(t, s)
	third.Wait("the chat", is("phase", "chat"))
	first.Wait("word of the third tab", is("type", "replaced"))
	first.Send(map[string]string{"type": "take"})
	first.Wait("the seat back", is("type", "reset"))
	third.Wait("word that the first took it back", is("type", "replaced"))
	// Taking the seat back replays the whole chat, which would hold what
	// the tab on standby sent.
	first.Send(map[string]string{"type": "send", "text": "/quit"})
	first.Wait("the end", func(m map[string]any) bool {
		if m["text"] == "from a tab on standby" {
			t.Fatal("a tab on standby sent a message")
		}
		return m["phase"] == "ended"
	})
	third.Wait("the end on the tab on standby", is("phase", "ended"))
	<-done
}

// A pasted block goes out whole, in order, at the rate the session takes;
// the page is told the lines wait, and a button's command does not wait
// behind them.
func TestPasteGoesOutWhole(t *testing.T) {
	r := startPageRoom(t, Options{})
	p := r.p

	const n = wire.MessageBurst + 5 // past the client's burst, and the host's
	p.Send(map[string]string{"type": "send", "text": numbered(n)})
	st := p.Wait("word that lines wait", func(m map[string]any) bool {
		l, _ := m["lines"].([]any)
		return m["type"] == "notice" && len(l) == 1 && strings.Contains(l[0].(string), "wait their turn")
	})
	// Past the client's burst of 32, up to 13 lines wait (fewer if the
	// first took long enough to earn turns back), 5 a second.
	var waiting, secs, rate int
	notice := st["lines"].([]any)[0].(string)
	if _, err := fmt.Sscanf(notice, "%d lines wait their turn: the session takes %d a second, so the last goes out in about %d s", &waiting, &rate, &secs); err != nil ||
		waiting < 1 || waiting > 13 || rate != wire.MessageRate || secs < (waiting-1+rate-1)/rate || secs > (waiting+rate-1)/rate {
		t.Fatalf("the notice says %q", notice)
	}
	p.Send(map[string]string{"type": "command", "text": "/count"})
	last := fmt.Sprintf("line %d", n-1)
	p.Wait("/count's answer", func(m map[string]any) bool {
		if m["text"] == last {
			t.Fatal("the command waited behind the pasted lines")
		}
		l, _ := m["lines"].([]any)
		return m["type"] == "output" && len(l) == 1 && l[0] == "2 members here"
	})
	r.wantLines(t, n)
	// Leaving with lines still waiting says they were not sent.
	p.Send(map[string]string{"type": "send", "text": numbered(n)})
	p.Send(map[string]string{"type": "command", "text": "/quit"})
	st = p.Wait("the end", is("phase", "ended"))
	if end := fmt.Sprint(st["end"]); !strings.Contains(end, "were still waiting their turn, and were not sent") {
		t.Fatalf("the end says %q; want the lines left unsent", end)
	}
	<-r.done
}

// A pasted block still waiting when the page reloads goes out whole, and
// a page that was on standby comes back on standby.
func TestPasteSurvivesReload(t *testing.T) {
	r := startPageRoom(t, Options{})
	s, p := r.s, r.p
	const n = wire.MessageBurst + 5
	p.Send(map[string]string{"type": "send", "text": numbered(n)})
	p.Wait("word that lines wait", is("type", "notice"))
	p.Conn.Close(websocket.StatusNormalClosure, "")

	p = openPage(t, s)
	p.Wait("the chat again", is("phase", "chat"))
	r.wantLines(t, n)

	// A page on standby whose socket comes back asks to stay on standby.
	c, _, err := dial(t, s, "/"+s.g.token+"/ws?standby", "http://127.0.0.1:"+s.g.port)
	if err != nil {
		t.Fatal(err)
	}
	back := webtest.Attach(t, c)
	back.Wait("word that another page holds the seat", is("type", "replaced"))
	p.Send(map[string]string{"type": "send", "text": "still seated"})
	p.Wait("the seated page's message", is("text", "still seated"))
	p.Send(map[string]string{"type": "command", "text": "/quit"})
	p.Wait("the end", is("phase", "ended"))
	<-r.done
}

// The outbox holds at most maxWaiting lines, says from which line on the
// rest were not taken, refuses a line longer than a message, and takes
// nothing once closed.
func TestOutboxBounds(t *testing.T) {
	o := newOutbox()
	block := numbered(maxWaiting+200) + "\n" + strings.Repeat("x", wire.MaxText+1)
	if dropped, long, first := o.add("", block); dropped != 200 || long != 1 || first != fmt.Sprintf("line %d", maxWaiting) {
		t.Fatalf("add = %d dropped from %q, %d long; want 200 from line %d and 1 long", dropped, first, long, maxWaiting)
	}
	o = newOutbox()
	if _, long, _ := o.add("", "fine\n"+strings.Repeat("x", wire.MaxText+1)); long != 1 {
		t.Fatalf("%d lines refused as too long, want 1", long)
	}
	if n := o.close(); n != 1 {
		t.Fatalf("close says %d lines unsent, want 1", n)
	}
	o.add("", "after")
	if _, _, ok := o.next(); ok {
		t.Fatal("the outbox took a line after it closed")
	}
}

// pageRoom is a page's member, bob, in a session with a watcher who
// receives what bob sends; the page is open on the chat.
type pageRoom struct {
	ctx     context.Context
	watcher *peer.Client
	s       *Server
	p       *webtest.Page
	done    chan struct{} // closed when Run returns
}

func startPageRoom(t *testing.T, opts Options) *pageRoom {
	t.Helper()
	h := hosttest.Start(t, host.Config{SessionName: "web", Passphrase: []byte("pass")})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	r := &pageRoom{ctx: ctx, s: newServer(t, opts), done: make(chan struct{})}
	var err error
	if r.watcher, err = peer.Join(ctx, h.Addr, peer.Config{Name: "watcher", Passphrase: []byte("pass")}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.watcher.Close() })
	member, err := peer.Join(ctx, h.Addr, peer.Config{Name: "bob", Passphrase: []byte("pass")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { member.Close() })
	go func() {
		defer close(r.done)
		r.s.Run(ctx, chat.New(member, nil), nil)
	}()
	r.p = openPage(t, r.s)
	r.p.Wait("the chat", is("phase", "chat"))
	return r
}

// numbered is n lines, "line 0" on, as one pasted block.
func numbered(n int) string {
	var block []string
	for i := range n {
		block = append(block, fmt.Sprintf("line %d", i))
	}
	return strings.Join(block, "\n")
}

// wantLines waits for the watcher to get the n lines of numbered(n), in order.
func (r *pageRoom) wantLines(t *testing.T, n int) {
	t.Helper()
	for i := 0; i < n; {
		select {
		case ev := <-r.watcher.Events():
			if ev.Kind != peer.KindMessage {
				continue
			}
			if want := fmt.Sprintf("line %d", i); ev.Text != want {
				t.Fatalf("the room got %q, want %q", ev.Text, want)
			}
			i++
		case <-r.ctx.Done():
			t.Fatalf("the room got %d of %d lines", i, n)
		}
	}
}
