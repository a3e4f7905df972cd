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
		UsageText: "ssc start [--name NAME] [--title TEXT] [--listen ADDR] [--passphrase-file FILE [--allow-weak-passphrase]] [--no-mdns] [--ngrok] [--json]",
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
		},
		Action: func(c *cli.Context) error { return start(c, io) },
	}
}

func start(c *cli.Context, io *stdio) error {
	if c.NArg() > 0 {
		return &userError{code: exitUsage, msg: fmt.Sprintf("start takes no arguments, got %q", c.Args().First()), hint: "to join a session, run 'ssc join LINK'"}
	}
	jsonMode := c.Bool("json")
	var authtoken string
	if c.Bool("ngrok") {
		// Checked before anything else: without it ngrok retries until the timeout.
		authtoken = strings.TrimSpace(os.Getenv(discovery.AuthTokenEnv))
		if authtoken == "" {
			return &userError{code: exitUsage, msg: "--ngrok needs your ngrok authtoken in " + discovery.AuthTokenEnv,
				hint: "copy it from " + discovery.AuthTokenURL + " and run: export " + discovery.AuthTokenEnv + "=..."}
		}
		if c.Duration("ngrok-timeout") <= 0 {
			return &userError{code: exitUsage, msg: "--ngrok-timeout must be positive", hint: "the default is " + defaultNgrokTimeout.String()}
		}
	}
	if !jsonMode && !interactive(io) {
		// Checked before anything listens or a passphrase is printed into a log.
		return &userError{code: exitUsage, msg: "not a terminal", hint: "use --json to drive ssc from a script or a pipe"}
	}
	name, err := askName(io, c.String("name"), jsonMode, "host")
	if err != nil {
		return err
	}
	title, err := sessionTitle(c.String("title"), c.IsSet("title"), name)
	if err != nil {
		return err
	}
	pass, err := passphraseFrom(c.String("passphrase-file"))
	if err != nil {
		return err
	}
	generated := pass == nil
	var strength float64
	if generated {
		// keys returns a string, which cannot be wiped; p is not kept.
		p, err := keys.GeneratePassphrase()
		if err != nil {
			return err
		}
		pass = []byte(p)
		strength = generatedStrength(pass)
	}
	defer keys.Wipe(pass)
	var warnings []*userError
	if !generated {
		g, warn, err := checkStrength(pass, c.Bool(weakFlag), name, title)
		if err != nil {
			return err
		}
		if warn != nil {
			warnings = append(warnings, warn)
		}
		strength = g
	}

	id, err := keys.GenerateHostIdentity()
	if err != nil {
		return err
	}
	session, err := host.New(host.Config{SessionName: title, Passphrase: pass, Identity: id})
	if err != nil {
		return err
	}
	defer session.Close()
	ln, err := listen(c.String("listen"), c.IsSet("listen"))
	if err != nil {
		return err
	}
	session.Listen(ln)

	conn, err := session.ConnectLocal()
	if err != nil {
		return err
	}
	op := &operator{Session: session}
	member, err := peer.Attach(c.Context, conn, name)
	if err != nil {
		return nameError(err)
	}
	ch := chat.New(member, op)
	stop := context.AfterFunc(c.Context, func() { member.Close() })
	defer stop()

	fp := session.Fingerprint()
	addrs := joinAddrs(ln.Addr())
	link := discovery.Link{Addr: addrs[0], Fingerprint: fp.String()}

	// The announcement lives as long as the session.
	var announced []string
	if !c.Bool("no-mdns") {
		tcp := ln.Addr().(*net.TCPAddr)
		an, err := io.net.Announce(discovery.Announcement{Info: discovery.Info{Title: title, Fingerprint: fp.String()}, Port: tcp.Port, IP: tcp.IP})
		if err != nil {
			warnings = append(warnings, &userError{msg: "the session is not announced on the local network: " + mdnsProblem(err, tcp.IP),
				hint: "others can still join with the link"})
		} else {
			defer an.Close()
			announced = an.Interfaces()
		}
	}

	var public discovery.Link
	if authtoken != "" {
		timeout := c.Duration("ngrok-timeout")
		if !jsonMode {
			fmt.Fprintf(io.out, "ssc: opening the ngrok tunnel (waiting up to %s)...\n", timeout)
		}
		ctx, cancel := context.WithTimeout(c.Context, timeout)
		tunnel, addr, err := io.net.Tunnel(authtoken).Listen(ctx)
		cancel()
		switch {
		case c.Context.Err() != nil:
			// Interrupted while waiting: the session ends.
			if tunnel != nil {
				tunnel.Close()
			}
			return nil
		case err != nil:
			warnings = append(warnings, tunnelWarning(err, timeout))
		default:
			public = discovery.Link{Addr: addr, Fingerprint: fp.String()}
			session.Listen(tunnel)
		}
	}

	op.setLinks(joinLines(addrs, fp, public, announced))
	if jsonMode {
		w := jsonlines.NewWriter(io.out)
		ready := jsonlines.Event{Type: "ready", Addr: addrs[0], Addrs: addrs, Link: link.String(), Fingerprint: fp.String(), Session: member.Session()}
		if generated {
			ready.Passphrase = string(pass)
		}
		if public.Addr != "" {
			ready.Public = public.String()
		}
		if err := w.Write(ready); err != nil {
			return err
		}
		for _, warn := range warnings {
			w.Write(jsonlines.Event{Type: "error", Text: warn.msg + " (" + warn.hint + ")"})
		}
		_, err := jsonlines.Run(c.Context, ch, io.in, w)
		return err
	}
	for _, warn := range warnings {
		fmt.Fprintf(io.err, "ssc: warning: %s\nssc: hint: %s\n", warn.msg, warn.hint)
	}
	printBanner(io, member.Session(), pass, strength, addrs, fp, link, public, announced)
	last, err := runConsole(c.Context, ch, io)
	if err != nil {
		return err
	}
	return endError(ch, last)
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
