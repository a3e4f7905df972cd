package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/ssc-chat/ssc/discovery"
	"github.com/ssc-chat/ssc/host"
	"github.com/ssc-chat/ssc/keys"
	"github.com/ssc-chat/ssc/peer"
	"github.com/ssc-chat/ssc/peer/jsonlines"
)

const defaultListen = ":7654"

func startCommand(io *stdio) *cli.Command {
	return &cli.Command{
		Name:      "start",
		Usage:     "host a new session and chat in it",
		UsageText: "ssc start [--name NAME] [--listen ADDR] [--passphrase-file FILE] [--json]",
		Description: "Prints the passphrase (four fresh diceware words unless you give one), the addresses\n" +
			"it listens on and the link to give to others. Ending it (/end, /quit, Ctrl-C, Ctrl-D)\n" +
			"ends the session for everyone and wipes its keys.",
		OnUsageError: usageError,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "name", Usage: "your name in the session (asked for when missing)"},
			&cli.StringFlag{Name: "listen", Value: defaultListen, Usage: "address to listen on; when the default port is taken, a free one is used"},
			&cli.StringFlag{Name: "passphrase-file", Usage: "read the passphrase from `FILE` (or set " + passphraseEnv + "); default: a generated one"},
			&cli.BoolFlag{Name: "no-mdns", Usage: "do not announce the session on the local network"},
			&cli.BoolFlag{Name: "ngrok", Usage: "also open a public ngrok TCP tunnel (needs NGROK_AUTHTOKEN)"},
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
	if c.Bool("ngrok") {
		return &userError{code: exitUsage, msg: "--ngrok is not available in this version of ssc", hint: "people on your network can join with the printed link; others need a route to this machine"}
	}
	if !jsonMode && !interactive(io) {
		// Checked before anything listens or a passphrase is printed into a log.
		return &userError{code: exitUsage, msg: "not a terminal", hint: "use --json to drive ssc from a script or a pipe"}
	}
	name, err := askName(io, c.String("name"), jsonMode, "host")
	if err != nil {
		return err
	}
	pass, err := passphraseFrom(c.String("passphrase-file"))
	if err != nil {
		return err
	}
	generated := pass == nil
	if generated {
		p, err := keys.GeneratePassphrase()
		if err != nil {
			return err
		}
		pass = []byte(p)
	}
	defer keys.Wipe(pass)

	id, err := keys.GenerateHostIdentity()
	if err != nil {
		return err
	}
	session, err := host.New(host.Config{SessionName: name + "'s session", Passphrase: pass, Identity: id})
	if err != nil {
		return err
	}
	defer session.Close()
	ln, err := listen(c.String("listen"), c.IsSet("listen"))
	if err != nil {
		return err
	}
	served := make(chan error, 1)
	go func() { served <- session.Serve(ln) }()
	defer func() { session.Close(); <-served }()

	conn, err := session.ConnectLocal()
	if err != nil {
		return err
	}
	member, err := peer.Attach(conn, name, session)
	if err != nil {
		return nameError(err)
	}
	stop := context.AfterFunc(c.Context, func() { member.Leave() })
	defer stop()

	addrs := joinAddrs(ln.Addr())
	link := discovery.Link{Addr: addrs[0], Fingerprint: session.Fingerprint().String()}
	if jsonMode {
		w := jsonlines.NewWriter(io.out)
		ready := jsonlines.Event{Type: "ready", Addr: addrs[0], Addrs: addrs, Link: link.String(), Fingerprint: session.Fingerprint().String(), Session: member.Session()}
		if generated {
			ready.Passphrase = string(pass)
		}
		w.Write(ready)
		_, err := jsonlines.Run(c.Context, member, io.in, w)
		return err
	}
	printBanner(io, member.Session(), string(pass), addrs, session.Fingerprint(), link)
	last, err := runConsole(c.Context, member, io)
	if err != nil {
		return err
	}
	return endError(last)
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

func printBanner(io *stdio, session, pass string, addrs []string, fp keys.Fingerprint, link discovery.Link) {
	p := func(format string, args ...any) { fmt.Fprintf(io.out, format+"\n", args...) }
	p("ssc: %q is open. Everything in it lives in memory and ends with it.", session)
	p("  passphrase:   %s", pass)
	for i, a := range addrs {
		label := "  listening:    "
		if i > 0 {
			label = "                "
		}
		p("%s%s", label, a)
	}
	p("  fingerprint:  %s", fp.Short())
	p("  link:         %s", link)
	p("Tell others to run:  ssc join %s", link)
	p("and give them the passphrase by another channel (say it, don't paste it next to the link).")
	p("")
}

// endError turns the final event of a session into the exit status.
func endError(last peer.Event) error {
	switch last.Reason {
	case peer.ReasonHostEnded, peer.ReasonLeft, "":
		return nil
	case peer.ReasonKicked:
		return &userError{code: exitRefused, msg: "you were removed from the session by the host"}
	default:
		return &userError{code: exitNetwork, msg: last.Text, hint: "ask the host whether the session is still running, then join again"}
	}
}
