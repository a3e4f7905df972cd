package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/peterh/liner"
	"golang.org/x/term"

	"github.com/ssc-chat/ssc/keys"
	"github.com/ssc-chat/ssc/peer"
	"github.com/ssc-chat/ssc/peer/console"
	"github.com/ssc-chat/ssc/sanitize"

	"context"
)

// interactive reports whether ssc may ask questions and run the console.
func interactive(io *stdio) bool {
	return io.in != nil && term.IsTerminal(int(io.in.Fd())) && io.outFile != nil && term.IsTerminal(int(io.outFile.Fd()))
}

// askName returns the member name from --name, or asks for it.
func askName(io *stdio, given string, jsonMode bool, fallback string) (string, error) {
	if given != "" {
		name, err := sanitize.Name(given)
		if err != nil {
			return "", nameError(err)
		}
		return name, nil
	}
	if jsonMode || !interactive(io) {
		if fallback != "" {
			return fallback, nil
		}
		return "", &userError{code: exitUsage, msg: "no name given", hint: "pass --name NAME (ssc asks for it only on a terminal)"}
	}
	l := liner.NewLiner()
	defer l.Close()
	l.SetCtrlCAborts(true)
	for {
		raw, err := l.Prompt("your name: ")
		if err != nil {
			return "", aborted(err)
		}
		name, err := sanitize.Name(raw)
		if err == nil {
			return name, nil
		}
		fmt.Fprintf(io.err, "ssc: %s\n", trimPrefix(err))
	}
}

// askPassphrase asks for the passphrase without echo.
func askPassphrase(io *stdio, jsonMode bool) ([]byte, error) {
	if jsonMode || !interactive(io) {
		return nil, &userError{code: exitUsage, msg: "no passphrase given", hint: "use --passphrase-file FILE or set " + passphraseEnv + " (ssc asks for it only on a terminal)"}
	}
	l := liner.NewLiner()
	defer l.Close()
	l.SetCtrlCAborts(true)
	for {
		raw, err := l.PasswordPrompt("session passphrase: ")
		if err != nil {
			return nil, aborted(err)
		}
		if p := keys.NormalizePassphrase(raw); len(p) > 0 {
			return p, nil
		}
	}
}

func aborted(err error) error {
	if errors.Is(err, liner.ErrPromptAborted) || err.Error() == "EOF" {
		return &userError{code: exitOK, msg: "cancelled"}
	}
	return err
}

// runConsole runs the interactive console, or, when stdin or stdout is not
// a terminal, says how to use ssc from a script.
func runConsole(ctx context.Context, member *peer.Client, io *stdio) (peer.Event, error) {
	if !interactive(io) {
		member.Leave()
		return peer.Event{}, &userError{code: exitUsage, msg: "not a terminal", hint: "use --json to drive ssc from a script or a pipe"}
	}
	_, noColor := os.LookupEnv("NO_COLOR")
	return console.Run(ctx, member, io.in, io.outFile, console.Options{Color: !noColor})
}

// trimPrefix drops the package prefix of an error for people to read.
func trimPrefix(err error) string {
	msg := err.Error()
	for _, p := range []string{"peer: ", "sanitize: ", "keys: ", "discovery: ", "host: "} {
		msg = strings.TrimPrefix(msg, p)
	}
	return msg
}
