package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/ssc-chat/ssc/discovery"
	"github.com/ssc-chat/ssc/keys"
	"github.com/ssc-chat/ssc/peer"
	"github.com/ssc-chat/ssc/peer/jsonlines"
	"github.com/ssc-chat/ssc/sanitize"
)

func joinCommand(io *stdio) *cli.Command {
	return &cli.Command{
		Name:      "join",
		Usage:     "join a session",
		UsageText: "ssc join [--name NAME] [--passphrase-file FILE] [--json] LINK  (flags may also follow LINK)",
		Description: "LINK is what 'ssc start' printed: ssc://HOST:PORT/FINGERPRINT pins the host's\n" +
			"certificate; tcp://HOST:PORT (as ngrok prints it) and HOST:PORT do not, and ssc then\n" +
			"shows the fingerprint for you to compare with the host's screen.\n" +
			"The passphrase is asked for without echo unless --passphrase-file or " + passphraseEnv + " gives it.",
		OnUsageError: usageError,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "name", Usage: "your name in the session (asked for when missing)"},
			&cli.StringFlag{Name: "passphrase-file", Usage: "read the passphrase from `FILE` (or set " + passphraseEnv + ")"},
			&cli.BoolFlag{Name: "json", Usage: "machine mode: JSON events on stdout, stdin lines are messages"},
		},
		Action: func(c *cli.Context) error { return join(c, io) },
	}
}

func join(c *cli.Context, io *stdio) error {
	jsonMode := c.Bool("json")
	switch c.NArg() {
	case 0:
		return &userError{code: exitUsage, msg: "no link given", hint: "run 'ssc join LINK' with the link the host's 'ssc start' printed, e.g. ssc join ssc://192.168.1.20:7654/..."}
	case 1:
	default:
		return &userError{code: exitUsage, msg: "join takes one link", hint: "run 'ssc join LINK'"}
	}
	link, err := discovery.ParseLink(c.Args().First())
	if err != nil {
		return &userError{code: exitUsage, msg: trimPrefix(err), hint: "copy the link exactly as 'ssc start' printed it: ssc://HOST:PORT/FINGERPRINT", err: err}
	}
	var pin *keys.Fingerprint
	if link.Pinned() {
		fp, err := keys.ParseFingerprint(link.Fingerprint)
		if err != nil {
			return &userError{code: exitUsage, msg: trimPrefix(err), hint: "copy the link exactly as 'ssc start' printed it", err: err}
		}
		pin = &fp
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
	// Join wipes the passphrase once admission is done.
	member, err := peer.Join(c.Context, link.Addr, peer.Config{Name: name, Passphrase: pass, Pin: pin})
	if err != nil {
		return joinError(link, err)
	}
	stop := context.AfterFunc(c.Context, func() { member.Leave() })
	defer stop()
	if jsonMode {
		last, err := jsonlines.Run(c.Context, member, io.in, jsonlines.NewWriter(io.out))
		if err != nil {
			return err
		}
		return endError(last)
	}
	fp := member.HostFingerprint()
	if link.Pinned() {
		fmt.Fprintf(io.out, "ssc: connected to %s; the host's certificate matches the link.\n", link.Addr)
	} else {
		fmt.Fprintf(io.out, "ssc: connected to %s. This link pins nothing: check that the host's screen shows\n     fingerprint %s\n", link.Addr, fp.Short())
	}
	last, err := runConsole(c.Context, member, io)
	if err != nil {
		return err
	}
	return endError(last)
}

// joinError says what went wrong joining, and what to do about it.
func joinError(link discovery.Link, err error) error {
	var refused *peer.RefusedError
	var dial *peer.DialError
	switch {
	case errors.Is(err, peer.ErrWrongPassphrase):
		return &userError{code: exitAdmit, err: err, msg: "wrong passphrase (or someone between you and the host is intercepting the connection)",
			hint: "ask the host for the passphrase shown by 'ssc start' (the host's /passphrase shows it again)"}
	case errors.Is(err, peer.ErrHostMismatch):
		return &userError{code: exitAdmit, err: err, msg: "the host's certificate does not match the fingerprint in the link: this is not the session the link names",
			hint: "ask the host for a fresh link; every 'ssc start' makes a new fingerprint"}
	case errors.As(err, &refused):
		hint := "ask the host"
		switch refused.Code {
		case 4: // name taken
			hint = "choose another name with --name"
		case 3: // busy
			hint = fmt.Sprintf("wait %s and try again", refused.RetryAfter)
		case 2: // locked
			hint = "ask the host to /unlock the session"
		}
		return &userError{code: exitRefused, err: err, msg: trimPrefix(err), hint: hint}
	case errors.As(err, &dial):
		return &userError{code: exitNetwork, err: err, msg: fmt.Sprintf("cannot reach %s: %v", link.Addr, dial.Err),
			hint: "check the link, and that 'ssc start' is still running and reachable from here"}
	case errors.Is(err, sanitize.ErrBadName):
		return nameError(err)
	}
	return &userError{code: exitNetwork, err: err, msg: trimPrefix(err), hint: "check that the link points at a running 'ssc start'"}
}

func nameError(err error) error {
	return &userError{code: exitUsage, err: err, msg: trimPrefix(err), hint: "names are 1 to 32 visible characters, single spaces allowed"}
}
