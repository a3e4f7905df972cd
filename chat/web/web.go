package web

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/ssc-chat/ssc/chat"
	"github.com/ssc-chat/ssc/keys"
	"github.com/ssc-chat/ssc/peer"
	"github.com/ssc-chat/ssc/sanitize"
)

const (
	// maxFrame bounds one frame from the page: a few pasted lines, each at
	// most a message long, with room to spare.
	maxFrame = 64 << 10
	// defaultGrace is how long the seat waits for the page to come back
	// (a reload) before the member leaves.
	defaultGrace = 10 * time.Second
	// writeTimeout bounds one frame to the page.
	writeTimeout = 10 * time.Second
	// endFlush bounds the wait for the page to be told the session is over.
	endFlush = 2 * time.Second
	// refreshEvery spaces the member list's refreshes, so that a crowd
	// joining costs the page one list a tick rather than one a join.
	refreshEvery = 100 * time.Millisecond
)

//go:embed static
var static embed.FS

// ErrGone is returned by Form and Run when the page was closed and not
// opened again within the grace period.
var ErrGone = errors.New("web: the page was closed")

// Options tunes a Server.
type Options struct {
	// Grace is how long a closed page has to come back before the member
	// leaves; 0 means 10 seconds.
	Grace time.Duration
	// Opened is called once, when the page is first opened.
	Opened func()
}

// Server serves the page on 127.0.0.1 and holds one seat: the socket of
// the one page that shows the chat. New starts it; Close stops it.
type Server struct {
	ln    net.Listener
	http  *http.Server
	g     *guard
	grace time.Duration
	hub   hub
	forms chan Answer // to Form, from the page's join form
	gone  chan struct{}
	once  sync.Once // closes gone
	wg    sync.WaitGroup

	refreshing sync.Mutex    // one refresh at a time, so that an older roster never replaces a newer one
	dirty      chan struct{} // capacity 1: the members or the panel may have changed
	out        *outbox       // lines typed in the page, waiting for their turn

	mu     sync.Mutex
	st     state // what the page shows; encoded into the hub on change
	ch     *chat.Chat
	hc     chat.HostControl
	timer  *time.Timer // the grace period, while no page is open
	conns  map[*websocket.Conn]struct{}
	closed bool
	// rotated says the passphrase may have changed since the panel last
	// read it.
	rotated bool
}

// New listens on 127.0.0.1 on a port of the system's choosing and serves
// the page until Close.
func New(opts Options) (*Server, error) {
	token, err := newSecret()
	if err != nil {
		return nil, err
	}
	code, err := newSecret()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{
		ln:    ln,
		g:     &guard{port: portOf(ln.Addr()), token: token, code: code, opened: opts.Opened},
		grace: opts.Grace,
		forms: make(chan Answer),
		dirty: make(chan struct{}, 1),
		out:   newOutbox(),
		gone:  make(chan struct{}),
		conns: map[*websocket.Conn]struct{}{},
		st:    state{Type: "state", Phase: "wait"},
	}
	if s.grace <= 0 {
		s.grace = defaultGrace
	}
	s.publishState()
	mux := http.NewServeMux()
	mux.HandleFunc("/{$}", s.file("static/index.html", "text/html; charset=utf-8"))
	mux.HandleFunc("/app.js", s.file("static/app.js", "text/javascript; charset=utf-8"))
	mux.HandleFunc("/style.css", s.file("static/style.css", "text/css; charset=utf-8"))
	mux.HandleFunc("/icon.svg", s.file("static/icon.svg", "image/svg+xml"))
	mux.HandleFunc("/ws", s.socket)
	s.http = &http.Server{
		Handler:           s.g.wrap(mux),
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          log.New(io.Discard, "", 0), // nothing about requests is logged anywhere
	}
	s.wg.Go(func() { s.http.Serve(ownersOnly{ln}) })
	return s, nil
}

// URL is the address to open in the browser: it carries the one-time code,
// which the first request voids (see guard).
func (s *Server) URL() string {
	return "http://127.0.0.1:" + s.g.port + "/open/" + s.g.code
}

// Close stops serving, closes the page's socket and forgets what the page
// was shown. It is idempotent.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	if s.timer != nil {
		s.timer.Stop()
	}
	var conns []*websocket.Conn
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.CloseNow() // the page shows the end already, or learns of it by the socket closing
	}
	err := s.http.Close()
	s.wg.Wait()
	s.hub.wipe()
	s.out.close()
	return err
}

// Fail shows why ssc stopped before the chat began (the session could not
// open, say), and waits a little for the page to be told.
func (s *Server) Fail(why string) {
	s.mu.Lock()
	s.st.Phase, s.st.Form, s.st.End = "failed", nil, lines(why)
	s.mu.Unlock()
	s.publishState()
	s.hub.end()
	s.flush()
}

func (s *Server) file(name, ctype string) http.HandlerFunc {
	body, err := static.ReadFile(name)
	if err != nil {
		panic("web: " + name + " is not embedded") // the build is broken
	}
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ctype)
		w.Write(body)
	}
}

// JoinForm is what the form shows before the person fills it in.
type JoinForm struct {
	// Hosting makes it the form that starts a session: it asks for the
	// name and the session's title only.
	Hosting       bool
	Name          string
	Title         string
	Link          string
	AskPassphrase bool // false when the passphrase came from a file or the environment
	// Problem says why the last try failed, in words for the person.
	Problem string
}

// Found is a session found on the local network, offered in the join form.
// Its strings came from whoever announced it: the caller made them safe to
// show, and the page shows them as text.
type Found struct {
	Title       string `json:"title"`
	Host        string `json:"host"`
	Fingerprint string `json:"fingerprint"` // as people compare it
	Link        string `json:"link"`        // pins the fingerprint announced
}

// Answer is what the person filled in. The caller wipes Passphrase.
type Answer struct {
	Name       string
	Title      string
	Link       string
	Passphrase []byte
}

// Form shows the join form and waits for the person to fill it in. It
// returns ErrGone when the page is closed for good, or ctx's error.
func (s *Server) Form(ctx context.Context, f JoinForm) (Answer, error) {
	s.mu.Lock()
	s.st.Phase = "form"
	var found []Found
	searching := false
	if s.st.Form != nil {
		found, searching = s.st.Form.Sessions, s.st.Form.Searching
	}
	s.st.Form = &formState{Hosting: f.Hosting, Name: f.Name, Title: f.Title, Link: f.Link, AskPassphrase: f.AskPassphrase,
		Problem: lines(f.Problem), Sessions: found, Searching: searching}
	s.mu.Unlock()
	s.publishState()
	select {
	case a := <-s.forms:
		s.mu.Lock()
		s.st.Phase = "joining"
		s.mu.Unlock()
		s.publishState()
		return a, nil
	case <-s.gone:
		return Answer{}, ErrGone
	case <-ctx.Done():
		return Answer{}, ctx.Err()
	}
}

// Searching tells the join form that sessions are being looked for on the
// local network.
func (s *Server) Searching() {
	s.mu.Lock()
	if s.st.Form == nil {
		s.st.Form = &formState{}
	}
	s.st.Form.Searching = true
	s.mu.Unlock()
	s.publishState()
}

// Offer shows the sessions found on the local network in the join form,
// for the person to pick one instead of pasting a link.
func (s *Server) Offer(found []Found) {
	s.mu.Lock()
	if s.st.Form == nil {
		s.st.Form = &formState{}
	}
	s.st.Form.Sessions, s.st.Form.Searching = found, false
	if found == nil {
		s.st.Form.Sessions = []Found{}
	}
	s.mu.Unlock()
	s.publishState()
}

// Run shows ch's session on the page until it ends, and returns the final
// (end) event. Lines typed in the page wait their turn in an outbox, then
// go through ch.Do (or ch.Direct); buttons' commands run at once. hc, non-nil only for
// the host's operator, fills the host's panel: the ways to join and the
// passphrase. When the page is closed and not opened again within the
// grace period, the member leaves (which, for the host's operator, ends
// the session).
func (s *Server) Run(ctx context.Context, ch *chat.Chat, hc chat.HostControl) (peer.Event, error) {
	c := ch.Client()
	s.mu.Lock()
	s.ch, s.hc = ch, hc
	s.st.Phase, s.st.Form = "chat", nil
	s.st.Self, s.st.Session, s.st.IsHost = sanitize.Text(c.Name()), sanitize.Text(c.Session()), ch.IsHost()
	if fp := c.HostFingerprint(); fp != (keys.Fingerprint{}) {
		s.st.Fingerprint = fp.Short()
	}
	s.mu.Unlock()
	s.refresh()
	stop := make(chan struct{})
	var workers sync.WaitGroup
	workers.Go(func() { s.refresher(stop) })
	workers.Go(func() { s.sender(ctx, ch, stop) })
	var last peer.Event
	gone := s.gone
	events := c.Events()
	for events != nil {
		select {
		case ev, ok := <-events:
			if !ok {
				events = nil
				break
			}
			last = ev
			s.show(ch, ev)
			s.touch()
		case <-gone:
			gone = nil
			c.Close()
		}
	}
	close(stop)
	workers.Wait()
	unsent := s.out.close()
	s.refresh()
	s.mu.Lock()
	s.st.Phase, s.st.End = "ended", lines(ch.Describe(last))
	if unsent > 0 {
		s.st.End = append(s.st.End, fmt.Sprintf("%d lines you typed were still waiting their turn, and were not sent", unsent))
	}
	s.st.Panel = nil
	s.mu.Unlock()
	s.publishState()
	s.hub.end()
	s.flush()
	return last, nil
}

// flush waits a little for the page to be told everything, the end included.
func (s *Server) flush() {
	s.hub.mu.Lock()
	cur := s.hub.cur
	s.hub.mu.Unlock()
	if cur == nil {
		return
	}
	select {
	case <-cur.done:
	case <-time.After(endFlush):
	}
}

// touch asks for a refresh soon: after every event and every line, since
// either may change the members or the panel.
func (s *Server) touch() {
	select {
	case s.dirty <- struct{}{}:
	default:
	}
}

// refresher refreshes when touched, at most once every refreshEvery, until
// stop closes.
func (s *Server) refresher(stop <-chan struct{}) {
	for {
		select {
		case <-s.dirty:
		case <-stop:
			return
		}
		s.refresh()
		select {
		case <-time.After(refreshEvery):
		case <-stop:
			return
		}
	}
}

// refresh sends the page the members and, for the host, the panel, as they
// are now.
func (s *Server) refresh() {
	s.refreshing.Lock()
	defer s.refreshing.Unlock()
	s.mu.Lock()
	ch, hc := s.ch, s.hc
	s.mu.Unlock()
	if ch == nil {
		return
	}
	c := ch.Client()
	self := c.Name()
	var list []member
	for _, m := range c.Members() {
		e := member{Name: sanitize.Text(m.Name), Host: ch.FromHost(m.Name), Self: m.Name == self, Verified: m.Verified,
			Since: m.Since.Local().Format("15:04")}
		if fp, err := c.Fingerprint(m.Name); err == nil {
			e.Fingerprint = keys.FormatDigits(fp)
		}
		list = append(list, e)
	}
	b, _ := json.Marshal(struct {
		Type    string   `json:"type"`
		Members []member `json:"members"`
	}{"members", list})
	s.hub.setMembers(b)
	if hc != nil {
		s.mu.Lock()
		if s.st.Phase == "chat" {
			// The passphrase is read again only when it may have changed:
			// each reading is a string that cannot be wiped.
			pass := ""
			if s.st.Panel != nil && !s.rotated {
				pass = s.st.Panel.Passphrase
			} else {
				pass, s.rotated = hc.Passphrase(), false
			}
			s.st.Panel = &panel{Links: hc.Links(), Passphrase: pass, Locked: hc.Locked()}
		}
		s.mu.Unlock()
	}
	s.publishState()
}

func (s *Server) publishState() {
	s.mu.Lock()
	b, _ := json.Marshal(s.st)
	s.mu.Unlock()
	s.hub.setState(b)
}

// show logs an event as an entry for the page.
func (s *Server) show(ch *chat.Chat, ev peer.Event) {
	e := entry{Type: string(ev.Kind), Time: ev.Time.Local().Format("15:04")}
	switch ev.Kind {
	case peer.KindWelcome:
		s.mu.Lock()
		s.st.Pinned = ev.Pinned
		s.mu.Unlock()
		e.Session = sanitize.Text(ev.Session)
		for _, m := range ev.Members {
			if m.Name != ch.Client().Name() {
				e.Names = append(e.Names, who{Name: sanitize.Text(m.Name), Host: ch.FromHost(m.Name)})
			}
		}
	case peer.KindMessage:
		e.From, e.FromHost = sanitize.Text(ev.From), ch.FromHost(ev.From)
		e.To, e.ToHost = sanitize.Text(ev.To), ch.FromHost(ev.To)
		e.Text, e.Self, e.Action = sanitize.Text(ev.Text), ev.Self, ev.Action
	case peer.KindJoin:
		e.Name, e.NameHost, e.Addr = sanitize.Text(ev.Name), ch.FromHost(ev.Name), sanitize.Text(ev.Addr)
	case peer.KindLeave:
		e.Name, e.NameHost, e.Reason = sanitize.Text(ev.Name), ch.FromHost(ev.Name), string(ev.Reason)
	default: // notice, warning, end
		e.Lines = lines(ch.Describe(ev))
	}
	s.log(e)
}

func (s *Server) log(e entry) {
	b, _ := json.Marshal(e)
	s.hub.add(b)
}

// lines splits words into lines, each made safe to show.
func lines(text string) []string {
	if text == "" {
		return nil
	}
	var out []string
	for line := range strings.SplitSeq(text, "\n") {
		out = append(out, sanitize.Text(strings.TrimSuffix(line, "\r")))
	}
	return out
}

// socket serves the page's WebSocket: it takes the seat, sends what the
// page must show, and carries out what the page asks.
func (s *Server) socket(w http.ResponseWriter, r *http.Request) {
	// The guard checked Host and Origin already; Accept checks Origin
	// against Host again.
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		conn.Close(websocket.StatusGoingAway, "ssc has stopped")
		return
	}
	s.conns[conn] = struct{}{}
	s.wg.Add(1)
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	s.mu.Unlock()
	defer s.wg.Done()
	conn.SetReadLimit(maxFrame)

	ctx, cancel := context.WithCancel(context.Background())
	sk := newSock()
	if r.URL.Query().Has("standby") {
		// A page on standby that lost its socket comes back on standby:
		// it does not take the seat from the one holding it.
		s.hub.standBy(sk)
	} else {
		s.hub.seat(sk)
	}
	writer := make(chan struct{})
	go func() {
		defer close(writer)
		defer close(sk.done)
		s.write(ctx, conn, sk)
	}()
	s.read(ctx, conn, sk)
	cancel()
	<-writer
	conn.CloseNow()

	s.mu.Lock()
	delete(s.conns, conn)
	if s.hub.unseat(sk) && !s.closed {
		s.timer = time.AfterFunc(s.grace, s.leave)
	}
	s.mu.Unlock()
}

// PageClosed reports whether the page was closed and not opened again
// within the grace period, which made the member leave.
func (s *Server) PageClosed() bool {
	select {
	case <-s.gone:
		return true
	default:
		return false
	}
}

// leave is the end of the grace period: unless a page took the seat again,
// the member leaves.
func (s *Server) leave() {
	if s.hub.seated() {
		return
	}
	s.once.Do(func() { close(s.gone) })
}

// write sends the page what it has yet to see until the socket closes,
// another page takes the seat, or the session is over and the page knows.
func (s *Server) write(ctx context.Context, conn *websocket.Conn, sk *sock) {
	for {
		out, stop := s.hub.pending(sk)
		for _, b := range out {
			wctx, cancel := context.WithTimeout(ctx, writeTimeout)
			err := conn.Write(wctx, websocket.MessageText, b)
			cancel()
			if err != nil {
				conn.CloseNow()
				return
			}
		}
		if stop {
			conn.Close(websocket.StatusNormalClosure, "the session is over")
			return
		}
		select {
		case <-sk.wake:
		case <-ctx.Done():
			return
		}
	}
}

// request is a frame from the page.
type request struct {
	Type  string `json:"type"` // "join", "send", "direct", "command", "verify", "take"
	Text  string `json:"text,omitempty"`
	Name  string `json:"name,omitempty"`
	Link  string `json:"link,omitempty"`
	Title string `json:"title,omitempty"`
	// Passphrase travels in base64, which encoding/json decodes into bytes
	// that can be wiped: it never becomes a Go string.
	Passphrase []byte `json:"passphrase,omitempty"`
}

// read carries out the page's requests until the socket closes.
func (s *Server) read(ctx context.Context, conn *websocket.Conn, sk *sock) {
	for {
		typ, data, err := conn.Read(ctx)
		if err != nil {
			return
		}
		var req request
		err = decodeRequest(data, &req)
		keys.Wipe(data)
		if typ != websocket.MessageText || err != nil {
			keys.Wipe(req.Passphrase)
			conn.Close(websocket.StatusPolicyViolation, "not a request")
			return
		}
		s.handle(ctx, conn, sk, req)
	}
}

// requestFields are a request's fields, spelt exactly.
var requestFields = map[string]bool{"type": true, "text": true, "name": true, "link": true, "title": true, "passphrase": true}

// ignored is a JSON value skipped unread, so that no copy of it (a
// passphrase) is made.
type ignored struct{}

func (*ignored) UnmarshalJSON([]byte) error { return nil }

// decodeRequest decodes one request, strictly: one JSON object, with no
// field that a request does not have, in any spelling (encoding/json
// would match "TYPE" to "type"), and nothing after it.
func decodeRequest(data []byte, req *request) error {
	var fields map[string]ignored
	if err := json.Unmarshal(data, &fields); err != nil {
		return err
	}
	if fields == nil {
		return errors.New("web: a request is a JSON object") // null
	}
	for name := range fields {
		if !requestFields[name] {
			return fmt.Errorf("web: unknown field %q", name)
		}
	}
	return json.Unmarshal(data, req)
}

func (s *Server) handle(ctx context.Context, conn *websocket.Conn, sk *sock, req request) {
	s.mu.Lock()
	ch := s.ch
	s.mu.Unlock()
	switch {
	case req.Type == "take":
		s.hub.seat(sk)
	case !s.hub.holds(sk):
		// A page on standby shows no chat: whatever it sends is stale.
	case req.Type == "join":
		a := Answer{Name: req.Name, Title: req.Title, Link: req.Link, Passphrase: req.Passphrase}
		select {
		case s.forms <- a:
		default:
			keys.Wipe(req.Passphrase)
		}
		return
	case ch == nil:
	case req.Type == "send":
		s.queue("", req.Text)
	case req.Type == "direct":
		if req.Name != "" && !strings.ContainsAny(req.Name, "\r\n") {
			s.queue(req.Name, req.Text)
		}
	case req.Type == "command":
		// A button's command, one line: it does not wait behind typed lines.
		if !strings.ContainsAny(req.Text, "\r\n") {
			s.do(ctx, ch, typed{text: req.Text})
		}
	case req.Type == "verify":
		s.verify(ctx, conn, ch, req.Name)
	}
	keys.Wipe(req.Passphrase)
}

// verify answers the page's verify dialog with the safety number to
// compare with name, in the two rows both screens show. When there is
// none, /verify says why in the chat.
func (s *Server) verify(ctx context.Context, conn *websocket.Conn, ch *chat.Chat, name string) {
	if strings.ContainsAny(name, "\r\n") {
		return // no name holds a line break; a command must not ride on one
	}
	number, err := ch.Client().SafetyNumber(name)
	if err != nil || len(number) < keys.MemberFingerprintDigits {
		s.do(ctx, ch, typed{text: "/verify " + name})
		return
	}
	b, _ := json.Marshal(entry{Type: "verify", Name: sanitize.Text(name), Number: []string{
		keys.FormatDigits(number[:keys.MemberFingerprintDigits]), keys.FormatDigits(number[keys.MemberFingerprintDigits:]),
	}})
	wctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	conn.Write(wctx, websocket.MessageText, b)
}

// state is what the page shows around the chat; it is sent whole when it changes.
type state struct {
	Type        string     `json:"type"`  // "state"
	Phase       string     `json:"phase"` // "wait", "form", "joining", "chat", "ended", "failed"
	Form        *formState `json:"form,omitempty"`
	Self        string     `json:"self,omitempty"`
	Session     string     `json:"session,omitempty"`
	IsHost      bool       `json:"isHost,omitempty"`
	Fingerprint string     `json:"fingerprint,omitempty"` // the host's, for a member to compare
	Pinned      bool       `json:"pinned,omitempty"`      // the link pinned it: nothing to compare
	Panel       *panel     `json:"panel,omitempty"`
	End         []string   `json:"end,omitempty"`
}

type formState struct {
	Hosting       bool     `json:"hosting,omitempty"`
	Name          string   `json:"name"`
	Title         string   `json:"title,omitempty"`
	Link          string   `json:"link"`
	AskPassphrase bool     `json:"askPassphrase"`
	Problem       []string `json:"problem,omitempty"`
	Searching     bool     `json:"searching,omitempty"`
	Sessions      []Found  `json:"sessions"` // nil: not looked for; empty: none found
}

// panel is the host's: the ways to join and the passphrase to share.
type panel struct {
	Links      []string `json:"links"`
	Passphrase string   `json:"passphrase"`
	Locked     bool     `json:"locked"`
}

type member struct {
	Name        string `json:"name"`
	Host        bool   `json:"host,omitempty"`
	Self        bool   `json:"self,omitempty"`
	Verified    bool   `json:"verified,omitempty"`
	Fingerprint string `json:"fingerprint,omitempty"`
	Since       string `json:"since"`
}

type who struct {
	Name string `json:"name"`
	Host bool   `json:"host,omitempty"`
}

// entry is one line of the chat for the page. Every string in it that a
// peer chose has been through sanitize.Text, and the page puts it on the
// screen as text.
type entry struct {
	Type     string   `json:"type"` // a peer.Kind, or "output", "error", "verify"
	Time     string   `json:"time,omitempty"`
	From     string   `json:"from,omitempty"`
	FromHost bool     `json:"fromHost,omitempty"`
	To       string   `json:"to,omitempty"`
	ToHost   bool     `json:"toHost,omitempty"`
	Text     string   `json:"text,omitempty"`
	Self     bool     `json:"self,omitempty"`
	Action   bool     `json:"action,omitempty"`
	Name     string   `json:"name,omitempty"`
	NameHost bool     `json:"nameHost,omitempty"`
	Addr     string   `json:"addr,omitempty"`
	Reason   string   `json:"reason,omitempty"`
	Session  string   `json:"session,omitempty"`
	Names    []who    `json:"names,omitempty"`
	Lines    []string `json:"lines,omitempty"`
	Number   []string `json:"number,omitempty"`
}
