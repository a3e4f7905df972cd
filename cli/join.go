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
		UsageText: "ssc join [--name NAME] [--passphrase-file FILE] [--json] [--session NAME] [--timeout DURATION] [LINK]  (flags may also follow LINK)",
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
		},
		Action: func(c *cli.Context) error { return join(c, io) },
	}
}

func join(c *cli.Context, io *stdio) error {
	jsonMode := c.Bool("json")
	if c.NArg() > 1 {
		return &userError{code: exitUsage, msg: "join takes one link", hint: "run 'ssc join LINK', or 'ssc join' to look for sessions on the local network"}
	}
	var link discovery.Link
	var pin *keys.Fingerprint
	if c.NArg() == 1 {
		if c.IsSet("session") {
			return &userError{code: exitUsage, msg: "--session picks among the sessions found on the local network, and a link names one already", hint: "leave out either the link or --session"}
		}
		var err error
		if link, pin, err = parseLink(c.Args().First()); err != nil {
			return err
		}
	} else if t := c.Duration("timeout"); t <= 0 || t > maxBrowseTimeout {
		return &userError{code: exitUsage, msg: fmt.Sprintf("--timeout must be more than 0 and at most %s", maxBrowseTimeout), hint: "the default is " + defaultBrowseTimeout.String()}
	}

	// On a terminal, the session is chosen before the questions; without
	// one, nothing is looked for until the command line is known to be
	// complete.
	asking := !jsonMode && interactive(io)
	var found session
	if link.Addr == "" && asking {
		if given := c.String("name"); given != "" {
			if _, err := sanitize.Name(given); err != nil {
				return nameError(err)
			}
		}
		var err error
		if found, err = discover(c, io, jsonMode); err != nil {
			return err
		}
	}
	name, err := askName(io, c.String("name"), jsonMode, "")
	if err != nil {
		return err
	}
	pass, err := passphraseFrom(c.String("passphrase-file"))
	if err != nil {
		return err
	}
	if pass == nil {
		if pass, err = askPassphrase(io, jsonMode); err != nil {
			return err
		}
	}
	if !jsonMode && !interactive(io) {
		// Checked before dialling: joining only to leave would show up in the room.
		keys.Wipe(pass)
		return &userError{code: exitUsage, msg: "not a terminal", hint: "use --json to drive ssc from a script or a pipe"}
	}
	if link.Addr == "" && !asking {
		if found, err = discover(c, io, jsonMode); err != nil {
			keys.Wipe(pass)
			return err
		}
	}

	addr := link.Addr
	if link.Addr == "" {
		// The announcement is pinned, so that a certificate other than the
		// one announced stops the join before admission. Anyone can announce
		// a session: the pin proves nothing about who; the passphrase does.
		pin = &found.fp
	}
	cfg := peer.Config{Name: name, Passphrase: pass, Pin: pin}
	if link.Addr == "" {
		addr = found.Addrs[0]
		cfg.Dial = dialInOrder(found.Addrs, &addr)
		if jsonMode {
			// Title and host were sanitised when found; the rest discovery checked.
			ev := jsonlines.Event{Type: "found", Session: found.Title, Host: found.Host, Addr: found.Addrs[0], Addrs: found.Addrs, Fingerprint: found.Fingerprint}
			if err := jsonlines.NewWriter(io.out).Write(ev); err != nil {
				keys.Wipe(pass)
				return err
			}
		} else {
			fmt.Fprintf(io.out, "ssc: joining %s\n", describe(found.Session))
		}
	}
	// Join wipes the passphrase once admission is done.
	member, err := peer.Join(c.Context, addr, cfg)
	if err != nil {
		return joinError(addr, link.Addr == "", err)
	}
	stop := context.AfterFunc(c.Context, func() { member.Close() })
	defer stop()
	ch := chat.New(member, nil)
	if jsonMode {
		last, err := jsonlines.Run(c.Context, ch, io.in, jsonlines.NewWriter(io.out))
		if err != nil {
			return err
		}
		return endError(ch, last)
	}
	fp := member.HostFingerprint()
	switch {
	case link.Pinned():
		fmt.Fprintf(io.out, "ssc: connected to %s; the host's certificate matches the link.\n", addr)
	case link.Addr == "":
		fmt.Fprintf(io.out, "ssc: connected to %s; the host's certificate is the one announced. Anyone on the network can\n     announce a session: check that the host's screen shows fingerprint %s\n", addr, fp.Short())
	default:
		fmt.Fprintf(io.out, "ssc: connected to %s. This link pins nothing: check that the host's screen shows\n     fingerprint %s\n", addr, fp.Short())
	}
	last, err := runConsole(c.Context, ch, io)
	if err != nil {
		return err
	}
	return endError(ch, last)
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

// discover looks for sessions on the local network and returns the one to
// join: the only one found, the one --session names, or the one the user
// picks.
func discover(c *cli.Context, io *stdio, jsonMode bool) (session, error) {
	s, err := choose(c, io, jsonMode)
	if err != nil {
		return session{}, err
	}
	// checkSessions parsed it already.
	fp, err := keys.ParseFingerprint(s.Fingerprint)
	return session{Session: s, fp: fp}, err
}

// choose is discover's work: it returns the session to join, its
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
	return askSession(io, found)
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
