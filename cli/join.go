package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/ssc-chat/ssc/chat"
	"github.com/ssc-chat/ssc/chat/jsonlines"
	"github.com/ssc-chat/ssc/discovery"
	"github.com/ssc-chat/ssc/keys"
	"github.com/ssc-chat/ssc/peer"
	"github.com/ssc-chat/ssc/sanitize"
)

const (
	// defaultBrowseTimeout is how long join looks for sessions on the LAN.
	defaultBrowseTimeout = 3 * time.Second
	// maxBrowseTimeout bounds --timeout: a session that has not answered
	// in a minute is not going to.
	maxBrowseTimeout = time.Minute
	// dialAttempt bounds one address when a session has several.
	dialAttempt = 5 * time.Second
)

// linkHint is what to do when the local network does not help.
const linkHint = "ask the host for the link 'ssc start' printed and run 'ssc join LINK'; a session started with --no-mdns, or on another network, is found only that way"

func joinCommand(io *stdio) *cli.Command {
	return &cli.Command{
		Name:      "join",
		Usage:     "join a session",
		UsageText: "ssc join [--name NAME] [--passphrase-file FILE] [--json | --ui] [--session NAME] [--timeout DURATION] [LINK]  (flags may also follow LINK)",
		Description: "LINK is what 'ssc start' printed: ssc://HOST:PORT/FINGERPRINT pins the host's\n" +
			"certificate; tcp://HOST:PORT (as ngrok prints it) and HOST:PORT do not, and ssc then\n" +
			"shows the fingerprint for you to compare with the host's screen.\n" +
			"Without LINK, ssc looks for sessions on the local network (mDNS) for --timeout: it joins\n" +
			"the only one it finds, or asks which when there are several (--session picks one without\n" +
			"asking). The host's certificate must have the fingerprint the session was announced\n" +
			"with; but anyone on the network can announce a session: compare the fingerprint with the\n" +
			"host's screen, and know that only the right passphrase gets you in.\n" +
			"The passphrase is asked for without echo unless --passphrase-file or " + passphraseEnv + " gives it.",
		OnUsageError: usageError,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "name", Usage: "your name in the session (asked for when missing)"},
			&cli.StringFlag{Name: "passphrase-file", Usage: "read the passphrase from `FILE` (or set " + passphraseEnv + ")"},
			&cli.StringFlag{Name: "session", Usage: "without LINK: join the session found on the local network with this `NAME` (or number, or start of fingerprint) without asking"},
			&cli.DurationFlag{Name: "timeout", Value: defaultBrowseTimeout, Usage: "without LINK: look for sessions on the local network for `DURATION`"},
			&cli.BoolFlag{Name: "json", Usage: "machine mode: JSON events on stdout, stdin lines are messages"},
			uiFlag,
		},
		Action: func(c *cli.Context) error { return join(c, io) },
	}
}

func join(c *cli.Context, io *stdio) error {
	if c.Bool("ui") {
		if c.Bool("json") {
			return &userError{code: exitUsage, msg: "--ui and --json are two front-ends: choose one", hint: "--ui chats in the browser, --json on stdin and stdout"}
		}
		return joinUI(c, io)
	}
	j := &joiner{io: io, c: c, jsonMode: c.Bool("json")}
	defer j.Close()
	if err := j.prepare(); err != nil {
		return err
	}
	return j.run(c.Context)
}

// joiner is one run of 'ssc join'. It owns the passphrase until admission
// and then the member; Close releases them.
type joiner struct {
	io       *stdio
	c        *cli.Context // the flags
	jsonMode bool
	link     discovery.Link // empty when the session is found on the local network
	found    session        // the session found there
	pin      *keys.Fingerprint
	name     string
	pass     []byte // wiped by peer.Join once admission is done, or by Close

	member     *peer.Client
	stopMember func() bool // stops closing the member when the context ends
}

// prepare checks the command line and gathers everything the join needs
// before dialling: the session, the name and the passphrase.
func (j *joiner) prepare() error {
	c, io := j.c, j.io
	if c.NArg() > 1 {
		return &userError{code: exitUsage, msg: "join takes one link", hint: "run 'ssc join LINK', or 'ssc join' to look for sessions on the local network"}
	}
	if c.NArg() == 1 {
		if c.IsSet("session") {
			return &userError{code: exitUsage, msg: "--session picks among the sessions found on the local network, and a link names one already", hint: "leave out either the link or --session"}
		}
		var err error
		if j.link, j.pin, err = parseLink(c.Args().First()); err != nil {
			return err
		}
	} else if t := c.Duration("timeout"); t <= 0 || t > maxBrowseTimeout {
		return &userError{code: exitUsage, msg: fmt.Sprintf("--timeout must be more than 0 and at most %s", maxBrowseTimeout), hint: "the default is " + defaultBrowseTimeout.String()}
	}

	// On a terminal, the session is chosen before the questions; without
	// one, nothing is looked for until the command line is known to be
	// complete.
	asking := !j.jsonMode && interactive(io)
	// A passphrase file is read first, as 'ssc start' does: a missing one
	// is said before anything is looked for or asked.
	var err error
	if j.pass, err = passphraseFrom(c.String("passphrase-file")); err != nil {
		return err
	}
	if j.link.Addr == "" && asking {
		if given := c.String("name"); given != "" {
			if _, err := sanitize.Name(given); err != nil {
				return nameError(err)
			}
		}
		if err := j.discover(); err != nil {
			return err
		}
	}
	if j.name, err = askName(c.Context, io, c.String("name"), j.jsonMode, ""); err != nil {
		return err
	}
	if j.pass == nil {
		if j.pass, err = askPassphrase(c.Context, io, j.jsonMode); err != nil {
			return err
		}
	}
	if !j.jsonMode && !interactive(io) {
		// Checked before dialling: joining only to leave would show up in the room.
		return &userError{code: exitUsage, msg: "not a terminal", hint: "use --json to drive ssc from a script or a pipe"}
	}
	if j.link.Addr == "" && !asking {
		return j.discover()
	}
	return nil
}

// discover finds the session to join on the local network, and pins the
// fingerprint it was announced with, so that a certificate other than the
// one announced stops the join before admission. Anyone can announce a
// session: the pin proves nothing about who; the passphrase does.
func (j *joiner) discover() error {
	var err error
	if j.found, err = findSession(j.c, j.io, j.jsonMode); err != nil {
		return err
	}
	j.pin = &j.found.fp
	return nil
}

// run dials the session, is admitted and runs the chat until it ends.
func (j *joiner) run(ctx context.Context) error {
	io := j.io
	addr := j.link.Addr
	cfg := peer.Config{Name: j.name, Passphrase: j.pass, Pin: j.pin}
	if j.link.Addr == "" {
		addr = j.found.Addrs[0]
		cfg.Dial = dialInOrder(j.found.Addrs, &addr)
		if j.jsonMode {
			// Title and host were sanitised when found, and the fingerprint parsed.
			ev := jsonlines.Event{Type: "found", Session: j.found.Title, Host: j.found.Host, Addr: j.found.Addrs[0], Addrs: j.found.Addrs, Fingerprint: j.found.Fingerprint}
			if err := jsonlines.NewWriter(io.out).Write(ev); err != nil {
				return err
			}
		} else {
			fmt.Fprintf(io.out, "ssc: joining %s\n", describe(j.found.Session))
		}
	}
	member, err := peer.Join(ctx, addr, cfg)
	if ctx.Err() != nil {
		// Interrupted while joining: leaving is not an error.
		if member != nil {
			member.Close()
		}
		return errLeft
	}
	if err != nil {
		return joinError(addr, j.link.Addr == "", err)
	}
	j.member = member
	j.stopMember = context.AfterFunc(ctx, func() { member.Close() })
	ch := chat.New(member, nil)
	if j.jsonMode {
		last, err := jsonlines.Run(ctx, ch, io.in, jsonlines.NewWriter(io.out))
		if err != nil {
			return err
		}
		return endError(ch, last)
	}
	fp := member.HostFingerprint()
	switch {
	case j.link.Pinned():
		fmt.Fprintf(io.out, "ssc: connected to %s; the host's certificate matches the link.\n", addr)
	case j.link.Addr == "":
		fmt.Fprintf(io.out, "ssc: connected to %s; the host's certificate is the one announced. Anyone on the network can\n     announce a session: check that the host's screen shows fingerprint %s\n", addr, fp.Short())
	default:
		fmt.Fprintf(io.out, "ssc: connected to %s. This link pins nothing: check that the host's screen shows\n     fingerprint %s\n", addr, fp.Short())
	}
	last, err := runConsole(ctx, ch, io)
	if err != nil {
		return err
	}
	return endError(ch, last)
}

// Close stops watching the context for the member and wipes the
// passphrase, if admission did not already. It is idempotent.
func (j *joiner) Close() {
	if j.stopMember != nil {
		j.stopMember()
	}
	keys.Wipe(j.pass)
}

// session is a session found on the local network, with its fingerprint
// parsed. Its Title and Host are sanitised, and its Fingerprint is in the
// one spelling of keys.Fingerprint.String.
type session struct {
	discovery.Session
	fp keys.Fingerprint
}

// checkSessions sanitises what announcements say for display, and leaves
// out the sessions announced with something that is not a fingerprint.
func checkSessions(found []discovery.Session) []discovery.Session {
	var ok []discovery.Session
	for _, s := range found {
		fp, err := keys.ParseFingerprint(s.Fingerprint)
		if err != nil {
			continue
		}
		s.Fingerprint = fp.String()
		s.Title = sanitize.Text(s.Title)
		s.Host = sanitize.Text(s.Host)
		ok = append(ok, s)
	}
	return ok
}

// findSession looks for sessions on the local network and returns the one to
// join: the only one found, the one --session names, or the one the user
// picks.
func findSession(c *cli.Context, io *stdio, jsonMode bool) (session, error) {
	s, err := choose(c, io, jsonMode)
	if err != nil {
		return session{}, err
	}
	// checkSessions parsed it already.
	fp, err := keys.ParseFingerprint(s.Fingerprint)
	return session{Session: s, fp: fp}, err
}

// choose is findSession's work: it returns the session to join, its
// fingerprint checked and the rest safe to show.
func choose(c *cli.Context, io *stdio, jsonMode bool) (discovery.Session, error) {
	timeout := c.Duration("timeout")
	asking := !jsonMode && interactive(io)
	if asking {
		fmt.Fprintf(io.out, "ssc: looking for sessions on the local network (%s)...\n", timeout)
	}
	found, err := io.net.Browse(c.Context, discovery.BrowseConfig{Timeout: timeout})
	if c.Context.Err() != nil {
		return discovery.Session{}, errLeft
	}
	if err != nil {
		return discovery.Session{}, &userError{code: exitNetwork, err: err, msg: "cannot look for sessions on the local network: " + mdnsProblem(err, nil), hint: linkHint}
	}
	// Everything in an announcement came from whoever sent it.
	found = checkSessions(found)
	if c.IsSet("session") {
		want := c.String("session")
		s, err := discovery.Pick(found, want)
		switch {
		case errors.Is(err, discovery.ErrAmbiguous):
			return s, &userError{code: exitUsage, err: err, msg: fmt.Sprintf("several sessions on the local network match %q", sanitize.Text(want)),
				hint: "pass the start of the fingerprint instead; found: " + list(found)}
		case err != nil && len(found) == 0:
			return s, &userError{code: exitNetwork, err: err, msg: fmt.Sprintf("no session found on the local network within %s", timeout), hint: linkHint}
		case err != nil:
			return s, &userError{code: exitNetwork, err: err, msg: fmt.Sprintf("no session %q on the local network", sanitize.Text(want)),
				hint: "found: " + list(found)}
		}
		return s, nil
	}
	switch {
	case len(found) == 0:
		return discovery.Session{}, &userError{code: exitNetwork, msg: fmt.Sprintf("no session found on the local network within %s", timeout), hint: linkHint}
	case len(found) == 1:
		return found[0], nil
	case !asking:
		return discovery.Session{}, &userError{code: exitUsage, msg: fmt.Sprintf("%d sessions found on the local network: say which with --session", len(found)),
			hint: "found: " + list(found)}
	}
	return askSession(c.Context, io, found)
}

// describe shows a session found on the local network, whose title and
// host are already sanitised.
func describe(s discovery.Session) string {
	return fmt.Sprintf("%q on %s at %s, fingerprint %s", s.Title, s.Host, s.Addrs[0], shortFingerprint(s))
}

// shortFingerprint is a checked session's fingerprint as people compare it.
func shortFingerprint(s discovery.Session) string {
	fp, _ := keys.ParseFingerprint(s.Fingerprint)
	return fp.Short()
}

// list names sessions on one line, numbered as askSession shows them.
func list(sessions []discovery.Session) string {
	var b strings.Builder
	for i, s := range sessions {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%d) %q on %s (%s)", i+1, s.Title, s.Host, shortFingerprint(s))
	}
	return b.String()
}

// dialInOrder dials each of a session's addresses in turn, best first,
// until one answers, and records which did in *used.
func dialInOrder(addrs []string, used *string) func(ctx context.Context, network, _ string) (net.Conn, error) {
	return func(ctx context.Context, network, _ string) (net.Conn, error) {
		var first error
		for _, a := range addrs {
			ctx, cancel := context.WithTimeout(ctx, dialAttempt)
			conn, err := (&net.Dialer{}).DialContext(ctx, network, a)
			cancel()
			if err == nil {
				*used = a
				return conn, nil
			}
			if first == nil {
				first = err
			}
		}
		return nil, first
	}
}

// parseLink parses the link given to join, and the fingerprint it pins, if any.
func parseLink(s string) (discovery.Link, *keys.Fingerprint, error) {
	const hint = "copy the link exactly as 'ssc start' printed it"
	link, err := discovery.ParseLink(s)
	var le *discovery.LinkError
	if errors.As(err, &le) {
		return link, nil, &userError{code: exitUsage, msg: "bad link: " + linkProblem(le), hint: hint + ": ssc://HOST:PORT/FINGERPRINT", err: err}
	}
	if err != nil || !link.Pinned() {
		return link, nil, err
	}
	fp, err := keys.ParseFingerprint(link.Fingerprint)
	var fe *keys.FingerprintError
	if errors.As(err, &fe) {
		return link, nil, &userError{code: exitUsage, msg: "bad link: " + fingerprintProblem(fe), hint: hint, err: err}
	}
	if err != nil {
		return link, nil, err
	}
	link.Fingerprint = fp.String()
	return link, &fp, nil
}

// linkProblem says what is wrong with a link.
func linkProblem(e *discovery.LinkError) string {
	switch e.Problem {
	case discovery.LinkTooLong:
		return "longer than any link ssc prints"
	case discovery.LinkNoFingerprint:
		return "an ssc:// link ends with /FINGERPRINT"
	case discovery.LinkBadFingerprint:
		return "the fingerprint is not base32"
	case discovery.LinkUnknownScheme:
		return fmt.Sprintf("unknown scheme %q (use ssc://, tcp:// or HOST:PORT)", e.Scheme)
	case discovery.LinkNotHostPort:
		return "want HOST:PORT"
	case discovery.LinkNoHost:
		return "the host is missing"
	case discovery.LinkBadHost:
		return "the host name has characters no host name has"
	case discovery.LinkBadPort:
		return "the port must be a number from 1 to 65535"
	}
	return "not a link ssc prints"
}

// fingerprintProblem says what is wrong with a fingerprint in a link.
func fingerprintProblem(e *keys.FingerprintError) string {
	switch e.Problem {
	case keys.FingerprintLength:
		return fmt.Sprintf("the fingerprint must be %d characters, not %d", keys.FingerprintLen, e.Len)
	case keys.FingerprintNonCanonical:
		return "the fingerprint is not one ssc prints: its last character is wrong"
	}
	return "the fingerprint is not base32"
}

// joinError says what went wrong joining addr, and what to do about it;
// found says the session was found on the local network, not by a link.
func joinError(addr string, found bool, err error) error {
	var refused *peer.RefusedError
	var dial *peer.DialError
	switch {
	case errors.Is(err, peer.ErrWrongPassphrase):
		return &userError{code: exitAdmit, err: err, msg: "wrong passphrase (or someone between you and the host is intercepting the connection)",
			hint: "ask the host for the passphrase shown by 'ssc start' (the host's /passphrase shows it again)"}
	case errors.Is(err, peer.ErrHostMismatch) && found:
		return &userError{code: exitAdmit, err: err, msg: "the host's certificate is not the one announced on the network: someone there announced this session, or its address, falsely",
			hint: "ask the host for the link 'ssc start' printed and join with it"}
	case errors.Is(err, peer.ErrHostMismatch):
		return &userError{code: exitAdmit, err: err, msg: "the host's certificate does not match the fingerprint in the link: this is not the session the link names",
			hint: "ask the host for a fresh link; every 'ssc start' makes a new fingerprint"}
	case errors.As(err, &refused):
		return refusedError(refused)
	case errors.Is(err, peer.ErrHungUp):
		return &userError{code: exitNetwork, err: err, msg: fmt.Sprintf("the host at %s closed the connection before admission began: it may be turning connections away under load", addr),
			hint: "try again in a few seconds (it costs no guess); if it keeps happening, check that the link points at a running 'ssc start'"}
	case errors.As(err, &dial):
		return &userError{code: exitNetwork, err: err, msg: fmt.Sprintf("cannot reach %s: %v", addr, dial.Err),
			hint: "check the link, and that 'ssc start' is still running and reachable from here"}
	case errors.Is(err, sanitize.ErrBadName):
		return nameError(err)
	}
	var protocol *peer.ProtocolError
	msg := fmt.Sprintf("cannot join the session at %s: %s", addr, rootCause(err))
	if errors.As(err, &protocol) {
		msg = fmt.Sprintf("cannot join the session at %s: the host sent message type %d, which the protocol does not allow there", addr, protocol.Type)
	}
	return &userError{code: exitNetwork, err: err, msg: msg, hint: "check that the link points at a running 'ssc start'"}
}

// refusedError puts the host's refusal into words.
func refusedError(r *peer.RefusedError) error {
	ue := &userError{code: exitRefused, err: r, msg: "the host refused admission", hint: "ask the host"}
	switch {
	case errors.Is(r, peer.ErrLocked):
		ue.msg, ue.hint = "the session is not admitting anyone now", "ask the host to /unlock the session"
	case errors.Is(r, peer.ErrBusy):
		ue.msg = fmt.Sprintf("the host is slowing down admissions after failed attempts; try again in %s", r.RetryAfter)
		ue.hint = fmt.Sprintf("wait %s and try again", r.RetryAfter)
	case errors.Is(r, peer.ErrLoad):
		ue.msg = fmt.Sprintf("the host is busy with too many joiners at once; try again in %s", r.RetryAfter)
		ue.hint = fmt.Sprintf("wait %s and try again", r.RetryAfter)
	case errors.Is(r, peer.ErrSpent):
		ue.msg = "the host stopped admitting anyone after too many failed attempts"
		ue.hint = "the host must set a new passphrase with /passphrase new and give it to you"
	case errors.Is(r, peer.ErrNameTaken):
		ue.msg, ue.hint = "that name is taken in this session", "choose another name with --name"
	case errors.Is(r, peer.ErrBadName):
		ue.msg = "the host refused that name"
	case errors.Is(r, peer.ErrFull):
		ue.msg = "the session is full"
	}
	return ue
}

func nameError(err error) error {
	return &userError{code: exitUsage, err: err, msg: nameProblem(err), hint: "names are 1 to 32 visible characters, single spaces allowed"}
}
