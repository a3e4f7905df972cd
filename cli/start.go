package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/urfave/cli/v2"

	"github.com/ssc-chat/ssc/chat"
	"github.com/ssc-chat/ssc/chat/jsonlines"
	"github.com/ssc-chat/ssc/chat/web"
	"github.com/ssc-chat/ssc/discovery"
	"github.com/ssc-chat/ssc/host"
	"github.com/ssc-chat/ssc/keys"
	"github.com/ssc-chat/ssc/peer"
	"github.com/ssc-chat/ssc/sanitize"
)

const (
	defaultListen = ":7654"
	// maxTitleRunes caps the session's display name (--title).
	maxTitleRunes = 48
	// defaultNgrokTimeout is how long start waits for the ngrok tunnel.
	defaultNgrokTimeout = 15 * time.Second
	// ngrokCardURL is where an ngrok account gets the card that TCP
	// endpoints need (ERR_NGROK_8013).
	ngrokCardURL = "https://dashboard.ngrok.com/settings#id-verification"
)

func startCommand(io *stdio) *cli.Command {
	return &cli.Command{
		Name:      "start",
		Usage:     "host a new session and chat in it",
		UsageText: "ssc start [--name NAME] [--title TEXT] [--listen ADDR] [--passphrase-file FILE [--allow-weak-passphrase]] [--no-mdns] [--ngrok] [--json | --ui]",
		Description: "Prints the passphrase (four fresh diceware words unless you give one), the addresses\n" +
			"it listens on and the link to give to others. A passphrase you give must be hard to guess\n" +
			"(several unrelated words), or ssc refuses it unless --" + weakFlag + " is given.\n" +
			"Ending it (/end, /quit, Ctrl-C, Ctrl-D)\n" +
			"ends the session for everyone and wipes its keys.\n" +
			"While it runs, 'ssc join' finds it on the local network (mDNS) unless --no-mdns is given.\n" +
			"With --ngrok it is also reachable from anywhere through an ngrok TCP tunnel; the\n" +
			"authtoken of your ngrok account is read from " + discovery.AuthTokenEnv + ".",
		OnUsageError: usageError,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "name", Usage: "your name in the session (asked for when missing)"},
			&cli.StringFlag{Name: "title", Usage: "show `TEXT` to joiners as the session's name (default: \"NAME's session\")"},
			&cli.StringFlag{Name: "listen", Value: defaultListen, Usage: "address to listen on; when the default port is taken, a free one is used"},
			&cli.StringFlag{Name: "passphrase-file", Usage: "read the passphrase from `FILE` (or set " + passphraseEnv + "); default: a generated one"},
			&cli.BoolFlag{Name: weakFlag, Usage: "use the passphrase given even if it is easy to guess"},
			&cli.BoolFlag{Name: "no-mdns", Usage: "do not announce the session on the local network"},
			&cli.BoolFlag{Name: "ngrok", Usage: "also open a public ngrok TCP tunnel (needs " + discovery.AuthTokenEnv + ")"},
			&cli.DurationFlag{Name: "ngrok-timeout", Value: defaultNgrokTimeout, Usage: "wait at most `DURATION` for the ngrok tunnel, then go on without it"},
			&cli.BoolFlag{Name: "json", Usage: "machine mode: JSON events on stdout, stdin lines are messages"},
			uiFlag,
		},
		Action: func(c *cli.Context) error { return start(c, io) },
	}
}

func start(c *cli.Context, io *stdio) error {
	s, err := newStarter(c, io)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.open(c.Context); err != nil {
		s.failed(err)
		return err
	}
	return s.run(c.Context)
}

// starter is one run of 'ssc start'. It owns the passphrase, the session
// with its listeners, the operator's member, the announcement on the local
// network and the tunnel; Close releases them all.
type starter struct {
	io        *stdio
	c         *cli.Context // the flags
	jsonMode  bool
	uiMode    bool   // --ui: the chat is in the browser
	authtoken string // for --ngrok
	name      string
	title     string
	pass      []byte // wiped by Close
	generated bool   // pass is ssc's own
	strength  float64
	warnings  []*userError // for the operator, once the session is open

	session    *host.Session
	op         *operator
	member     *peer.Client
	chat       *chat.Chat
	stopMember func() bool // stops closing the member when the context ends
	announcer  Announcer   // nil when not announced
	announced  []string    // the interfaces it is announced on
	addrs      []string    // where others can dial, best first
	fp         keys.Fingerprint
	public     discovery.Link // through the tunnel, when it is up
	srv        *web.Server    // --ui: the page, once served
}

// newStarter checks the command line and gathers what the session needs
// before anything listens: the name, the title and the passphrase.
func newStarter(c *cli.Context, io *stdio) (*starter, error) {
	if c.NArg() > 0 {
		return nil, &userError{code: exitUsage, msg: fmt.Sprintf("start takes no arguments, got %q", c.Args().First()), hint: "to join a session, run 'ssc join LINK'"}
	}
	s := &starter{io: io, c: c, jsonMode: c.Bool("json"), uiMode: c.Bool("ui")}
	if s.jsonMode && s.uiMode {
		return nil, &userError{code: exitUsage, msg: "--ui and --json are two front-ends: choose one", hint: "--ui chats in the browser, --json on stdin and stdout"}
	}
	if c.Bool("ngrok") {
		// Checked before anything else: without it ngrok retries until the timeout.
		s.authtoken = strings.TrimSpace(os.Getenv(discovery.AuthTokenEnv))
		if s.authtoken == "" {
			return nil, &userError{code: exitUsage, msg: "--ngrok needs your ngrok authtoken in " + discovery.AuthTokenEnv,
				hint: "copy it from " + discovery.AuthTokenURL + " and run: export " + discovery.AuthTokenEnv + "=..."}
		}
		if c.Duration("ngrok-timeout") <= 0 {
			return nil, &userError{code: exitUsage, msg: "--ngrok-timeout must be positive", hint: "the default is " + defaultNgrokTimeout.String()}
		}
	}
	if !s.jsonMode && !s.uiMode && !interactive(io) {
		// Checked before anything listens or a passphrase is printed into a log.
		return nil, &userError{code: exitUsage, msg: "not a terminal", hint: "use --json to drive ssc from a script or a pipe"}
	}
	var err error
	// Read before the page asks for a name, so that a missing file is
	// said at once, on the terminal that named it.
	if s.pass, err = passphraseFrom(c.String("passphrase-file")); err != nil {
		return nil, err
	}
	if err := s.gather(c); err != nil {
		s.failed(err)
		s.Close()
		return nil, err
	}
	return s, nil
}

// gather asks for the name and the title, and checks or makes the passphrase.
func (s *starter) gather(c *cli.Context) error {
	var err error
	if s.uiMode && c.String("name") == "" {
		// Someone who chats in the browser may never look at the terminal.
		if err := s.askInPage(c.Context); err != nil {
			return err
		}
	} else {
		if s.name, err = askName(c.Context, s.io, c.String("name"), s.jsonMode, "host"); err != nil {
			return err
		}
		if s.title, err = sessionTitle(c.String("title"), c.IsSet("title"), s.name); err != nil {
			return err
		}
	}
	if s.pass == nil {
		// keys returns a string, which cannot be wiped; p is not kept.
		p, err := keys.GeneratePassphrase()
		if err != nil {
			return err
		}
		s.pass, s.generated = []byte(p), true
		s.strength = generatedStrength(s.pass)
		return nil
	}
	g, warn, err := checkStrength(s.pass, c.Bool(weakFlag), s.name, s.title)
	if err != nil {
		return err
	}
	if warn != nil {
		s.warnings = append(s.warnings, warn)
	}
	s.strength = g
	return nil
}

// failed shows on the page, when there is one, why the session could not
// open: the person may be looking only at the browser.
func (s *starter) failed(err error) {
	if s.srv != nil && !errors.Is(err, errLeft) {
		s.srv.Fail(words(err))
	}
}

// askInPage serves the page and has its form ask for the host's name and
// the session's title.
func (s *starter) askInPage(ctx context.Context) error {
	srv, err := serveUI(s.io)
	if err != nil {
		return err
	}
	s.srv = srv
	f := web.JoinForm{Hosting: true, Title: s.c.String("title")}
	for {
		a, err := srv.Form(ctx, f)
		if errors.Is(err, web.ErrGone) {
			fmt.Fprintln(s.io.err, "ssc: the page was closed")
		}
		if err != nil {
			return errLeft // the page was closed, or ssc interrupted
		}
		keys.Wipe(a.Passphrase) // the form asks for none
		f.Name, f.Title, f.Problem = a.Name, a.Title, ""
		name, err := sanitize.Name(a.Name)
		if err != nil {
			f.Problem = words(nameError(err))
			continue
		}
		title, err := sessionTitle(a.Title, strings.TrimSpace(a.Title) != "", name)
		if err != nil {
			f.Problem = words(err)
			continue
		}
		s.name, s.title = name, title
		return nil
	}
}

// open opens the session: it listens, attaches the operator as a member,
// announces the session and opens the tunnel. What fails to announce or
// tunnel becomes a warning; the session goes on without it.
func (s *starter) open(ctx context.Context) error {
	id, err := keys.GenerateHostIdentity()
	if err != nil {
		return err
	}
	if s.session, err = host.New(host.Config{SessionName: s.title, Passphrase: s.pass, Identity: id}); err != nil {
		return err
	}
	ln, err := listen(s.c.String("listen"), s.c.IsSet("listen"))
	if err != nil {
		return err
	}
	s.session.Listen(ln)
	s.fp = s.session.Fingerprint()
	s.addrs = joinAddrs(ln.Addr())

	conn, err := s.session.ConnectLocal()
	if err != nil {
		return err
	}
	s.op = &operator{Session: s.session}
	member, err := peer.Attach(ctx, conn, s.name, s.fp)
	if err != nil {
		return nameError(err)
	}
	s.member, s.chat = member, chat.New(member, s.op)
	s.stopMember = context.AfterFunc(ctx, func() { member.Close() })

	if !s.c.Bool("no-mdns") {
		tcp := ln.Addr().(*net.TCPAddr)
		an, err := s.io.net.Announce(discovery.Announcement{Info: discovery.Info{Title: s.title, Fingerprint: s.fp.String()}, Port: tcp.Port, IP: tcp.IP})
		if err != nil {
			s.warnings = append(s.warnings, &userError{msg: "the session is not announced on the local network: " + mdnsProblem(err, tcp.IP),
				hint: "others can still join with the link"})
		} else {
			s.announcer, s.announced = an, an.Interfaces()
		}
	}
	if s.authtoken != "" {
		if err := s.openTunnel(ctx); err != nil {
			return err
		}
	}
	s.op.setLinks(joinLines(s.addrs, s.fp, s.public, s.announced))
	return nil
}

// openTunnel opens the ngrok tunnel, or says why not in a warning. Being
// interrupted while waiting for it is leaving.
func (s *starter) openTunnel(ctx context.Context) error {
	timeout := s.c.Duration("ngrok-timeout")
	if !s.jsonMode {
		fmt.Fprintf(s.io.out, "ssc: opening the ngrok tunnel (waiting up to %s)...\n", timeout)
	}
	tctx, cancel := context.WithTimeout(ctx, timeout)
	tunnel, addr, err := s.io.net.Tunnel(s.authtoken).Listen(tctx)
	cancel()
	switch {
	case ctx.Err() != nil:
		if tunnel != nil {
			tunnel.Close()
		}
		return errLeft
	case err != nil:
		s.warnings = append(s.warnings, tunnelWarning(err, timeout))
	default:
		s.public = discovery.Link{Addr: addr, Fingerprint: s.fp.String()}
		s.session.Listen(tunnel)
	}
	return nil
}

// run tells the operator how to invite others, then runs the chat until
// the session ends.
func (s *starter) run(ctx context.Context) error {
	link := discovery.Link{Addr: s.addrs[0], Fingerprint: s.fp.String()}
	if s.jsonMode {
		w := jsonlines.NewWriter(s.io.out)
		ready := jsonlines.Event{Type: "ready", Addr: s.addrs[0], Addrs: s.addrs, Link: link.String(), Fingerprint: s.fp.String(), Session: s.member.Session()}
		if s.generated {
			ready.Passphrase = string(s.pass) // the event is a string; it is written and dropped
		}
		if s.public.Addr != "" {
			ready.Public = s.public.String()
		}
		if err := w.Write(ready); err != nil {
			return err
		}
		for _, warn := range s.warnings {
			w.Write(jsonlines.Event{Type: "error", Text: warn.msg + " (" + warn.hint + ")"})
		}
		_, err := jsonlines.Run(ctx, s.chat, s.io.in, w)
		return err
	}
	for _, warn := range s.warnings {
		fmt.Fprintf(s.io.err, "ssc: warning: %s\nssc: hint: %s\n", warn.msg, warn.hint)
	}
	if s.uiMode {
		return s.runUI(ctx, link)
	}
	printBanner(s.io, s.member.Session(), s.pass, s.strength, s.addrs, s.fp, link, s.public, s.announced)
	last, err := runConsole(ctx, s.chat, s.io)
	if err != nil {
		return err
	}
	return endError(s.chat, last)
}

// runUI runs the host's chat in the browser, where the panel shows the
// ways to join and the passphrase; the terminal shows only the link.
func (s *starter) runUI(ctx context.Context, link discovery.Link) error {
	fmt.Fprintf(s.io.out, "ssc: %q is open. Everything in it lives in memory and ends with it.\n", s.member.Session())
	fmt.Fprintf(s.io.out, "  link:         %s\n  fingerprint:  %s\n", link, s.fp.Short())
	srv := s.srv
	if srv == nil {
		var err error
		if srv, err = serveUI(s.io); err != nil {
			return err
		}
		s.srv = srv
	}
	defer srv.Close()
	last, err := srv.Run(ctx, s.chat, s.op)
	if err != nil {
		return err
	}
	pageClosed(s.io, srv)
	return endError(s.chat, last)
}

// Close ends the session for everyone, stops announcing it and wipes the
// passphrase. It is idempotent.
func (s *starter) Close() {
	if s.stopMember != nil {
		s.stopMember()
	}
	if s.announcer != nil {
		s.announcer.Close()
	}
	if s.session != nil {
		s.session.Close()
	}
	if s.srv != nil {
		s.srv.Close()
	}
	keys.Wipe(s.pass)
}

// operator is what the host's operator may do beyond chatting: the
// session's commands, and the ways to join, known only once listening.
type operator struct {
	*host.Session
	mu    sync.Mutex
	links []string
}

func (o *operator) setLinks(links []string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.links = links
}

// Kick implements chat.HostControl, in the chat layer's errors.
func (o *operator) Kick(name string) error {
	err := o.Session.Kick(name)
	switch {
	case errors.Is(err, host.ErrNoMember):
		return chat.ErrNoMember
	case errors.Is(err, host.ErrKickSelf):
		return chat.ErrKickSelf
	}
	return err
}

// Links implements chat.HostControl for /link.
func (o *operator) Links() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.links...)
}

// joinLines says every way to join, for /link.
func joinLines(addrs []string, fp keys.Fingerprint, public discovery.Link, announced []string) []string {
	var lines []string
	for _, a := range addrs {
		lines = append(lines, "ssc join "+discovery.Link{Addr: a, Fingerprint: fp.String()}.String())
	}
	if public.Addr != "" {
		lines = append(lines, "ssc join "+public.String()+"   (public, through ngrok)")
	}
	if len(announced) > 0 {
		lines = append(lines, "ssc join   (on the local network: finds this session by mDNS)")
	}
	return append(lines, "fingerprint: "+fp.Short()+" (compare it when a link pins nothing)")
}

// sessionTitle returns the session's display name: --title made safe to
// show and cut to maxTitleRunes, or "NAME's session".
func sessionTitle(raw string, given bool, name string) (string, error) {
	if !given {
		return name + "'s session", nil
	}
	title := sanitize.Text(strings.Join(strings.Fields(raw), " "))
	if title == "" {
		return "", &userError{code: exitUsage, msg: "the title is empty", hint: "give --title some visible text, or leave it out for \"" + name + "'s session\""}
	}
	if utf8.RuneCountInString(title) > maxTitleRunes {
		title = strings.TrimSpace(string([]rune(title)[:maxTitleRunes]))
	}
	return title, nil
}

// mdnsProblem says why announcing or browsing on the local network
// failed; ip is the one address the session listens on, if any.
func mdnsProblem(err error, ip net.IP) string {
	var ie *discovery.InterfaceError
	switch {
	case errors.Is(err, discovery.ErrNoInterface) && ip != nil && !ip.IsUnspecified():
		return fmt.Sprintf("no network interface that is up has the address %s", ip)
	case errors.Is(err, discovery.ErrNoInterface):
		return "no network interface is up with an IPv4 address"
	case errors.As(err, &ie):
		return fmt.Sprintf("on %s: %s", ie.Iface, rootCause(ie.Err))
	}
	return rootCause(err)
}

// tunnelWarning says why the ngrok tunnel is not up, in ngrok's own words
// (they came from its service: made safe to show), and what to do.
func tunnelWarning(err error, timeout time.Duration) *userError {
	said := rootCause(err)
	var te *discovery.TunnelError
	switch {
	case errors.As(err, &te):
		said = "ngrok: " + te.Said()
	case errors.Is(err, discovery.ErrBadEndpoint):
		said = "ngrok opened an endpoint that is not a TCP address"
	}
	words := sanitize.Text(strings.Join(strings.Fields(said), " "))
	warn := &userError{msg: "the ngrok tunnel is not open: " + words,
		hint: "the session runs on the local network only; check " + discovery.AuthTokenEnv + " and this machine's internet connection"}
	switch {
	case discovery.NgrokErrorCode(err) == "ERR_NGROK_8013":
		warn.hint = "ngrok opens TCP endpoints only for accounts with a credit or debit card on file, even free ones (ERR_NGROK_8013): add one at " +
			ngrokCardURL + " and start again; meanwhile the session runs on the local network only"
	case errors.Is(err, context.DeadlineExceeded):
		warn.msg = fmt.Sprintf("the ngrok tunnel was not open within %s: %s", timeout, words)
		warn.hint = "the session runs on the local network only; check " + discovery.AuthTokenEnv +
			" and this machine's internet connection, or wait longer with --ngrok-timeout"
	}
	return warn
}

// listen listens on addr. When the default port is taken, another instance
// of ssc probably runs; a free port serves as well, since the link carries it.
func listen(addr string, explicit bool) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		return ln, nil
	}
	if !explicit && errors.Is(err, syscall.EADDRINUSE) {
		host, _, _ := net.SplitHostPort(addr)
		if ln, err2 := net.Listen("tcp", net.JoinHostPort(host, "0")); err2 == nil {
			return ln, nil
		}
	}
	return nil, &userError{code: exitUsage, msg: fmt.Sprintf("cannot listen on %s: %v", addr, errors.Unwrap(err)), hint: "choose another address with --listen HOST:PORT (port 0 picks a free one)", err: err}
}

// joinAddrs lists the addresses others can dial, best first: for a
// listener on every interface, each non-loopback address of this machine
// (IPv4 first), then loopback.
func joinAddrs(a net.Addr) []string {
	tcp := a.(*net.TCPAddr)
	port := strconv.Itoa(tcp.Port)
	if !tcp.IP.IsUnspecified() {
		return []string{net.JoinHostPort(tcp.IP.String(), port)}
	}
	var v4, v6, loop []string
	ifaddrs, _ := net.InterfaceAddrs()
	for _, ia := range ifaddrs {
		ipn, ok := ia.(*net.IPNet)
		if !ok || ipn.IP.IsLinkLocalUnicast() || ipn.IP.IsMulticast() {
			continue
		}
		hp := net.JoinHostPort(ipn.IP.String(), port)
		switch {
		case ipn.IP.IsLoopback():
			loop = append(loop, hp)
		case ipn.IP.To4() != nil:
			v4 = append(v4, hp)
		default:
			v6 = append(v6, hp)
		}
	}
	all := append(append(v4, v6...), loop...)
	if len(all) == 0 {
		all = []string{net.JoinHostPort("127.0.0.1", port)}
	}
	return all
}

func printBanner(io *stdio, session string, pass []byte, strength float64, addrs []string, fp keys.Fingerprint, link, public discovery.Link, announced []string) {
	p := func(format string, args ...any) { fmt.Fprintf(io.out, format+"\n", args...) }
	p("ssc: %q is open. Everything in it lives in memory and ends with it.", session)
	p("  passphrase:   %s", pass)
	p("  guessing it:  %s", guessOdds(strength))
	for i, a := range addrs {
		label := "  listening:    "
		if i > 0 {
			label = "                "
		}
		p("%s%s", label, a)
	}
	p("  fingerprint:  %s", fp.Short())
	p("  link:         %s", link)
	if public.Addr != "" {
		p("  public link:  %s  (through ngrok)", public)
	}
	if len(announced) > 0 {
		p("  announced:    on the local network (%s): 'ssc join' finds it there", strings.Join(announced, ", "))
	}
	p("Tell others to run:  ssc join %s", link)
	if public.Addr != "" {
		p("or, away from this network:  ssc join %s", public)
	}
	p("and give them the passphrase by another channel (say it, don't paste it next to the link).")
	p("")
}

// endError turns the final event of a session into the exit status.
func endError(ch *chat.Chat, last peer.Event) error {
	switch last.Reason {
	case peer.ReasonHostEnded, peer.ReasonLeft, "":
		return nil
	case peer.ReasonKicked:
		return &userError{code: exitRefused, msg: "you were removed from the session by the host"}
	default:
		return &userError{code: exitNetwork, msg: ch.Describe(last), hint: "ask the host whether the session is still running, then join again"}
	}
}
