package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/peterh/liner"
	"golang.org/x/term"

	"github.com/ssc-chat/ssc/chat"
	"github.com/ssc-chat/ssc/chat/console"
	"github.com/ssc-chat/ssc/discovery"
	"github.com/ssc-chat/ssc/keys"
	"github.com/ssc-chat/ssc/peer"
	"github.com/ssc-chat/ssc/sanitize"
)

// interactive reports whether ssc may ask questions and run the console.
func interactive(io *stdio) bool {
	return io.in != nil && term.IsTerminal(int(io.in.Fd())) && io.outFile != nil && term.IsTerminal(int(io.outFile.Fd()))
}

// askName returns the member name from --name, or asks for it.
func askName(ctx context.Context, io *stdio, given string, jsonMode bool, fallback string) (string, error) {
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
	var name string
	err := withLiner(ctx, io, func(l *liner.State) error {
		for {
			raw, err := l.Prompt("your name: ")
			if err != nil {
				return aborted(err)
			}
			if name, err = sanitize.Name(raw); err == nil {
				return nil
			}
			fmt.Fprintf(io.err, "ssc: %s\n", nameProblem(err))
		}
	})
	return name, err
}

// askPassphrase asks for the passphrase without echo.
func askPassphrase(ctx context.Context, io *stdio, jsonMode bool) ([]byte, error) {
	if jsonMode || !interactive(io) {
		return nil, &userError{code: exitUsage, msg: "no passphrase given", hint: "use --passphrase-file FILE or set " + passphraseEnv + " (ssc asks for it only on a terminal)"}
	}
	var pass []byte
	err := withLiner(ctx, io, func(l *liner.State) error {
		for {
			// liner returns a string, which cannot be wiped: raw is copied
			// into bytes at once and not kept.
			raw, err := l.PasswordPrompt("session passphrase: ")
			if err != nil {
				return aborted(err)
			}
			if pass = keys.NormalizePassphrase(raw); len(pass) > 0 {
				return nil
			}
		}
	})
	return pass, err
}

// askSession lists the sessions found on the local network, whose titles
// and hosts are sanitised, and asks which to join: by number or by title,
// which Tab completes.
func askSession(ctx context.Context, io *stdio, sessions []discovery.Session) (discovery.Session, error) {
	fmt.Fprintf(io.out, "ssc: %d sessions on the local network:\n", len(sessions))
	for i, s := range sessions {
		fmt.Fprintf(io.out, "  %d) %s\n", i+1, describe(s))
	}
	var s discovery.Session
	err := withLiner(ctx, io, func(l *liner.State) error {
		l.SetCompleter(func(line string) []string { return completeSession(sessions, line) })
		for {
			raw, err := l.Prompt(fmt.Sprintf("which one (1-%d, or its name)? ", len(sessions)))
			if err != nil {
				return aborted(err)
			}
			s, err = discovery.Pick(sessions, raw)
			switch {
			case err == nil:
				return nil
			case errors.Is(err, discovery.ErrAmbiguous):
				fmt.Fprintf(io.err, "ssc: several sessions are called that: type its number\n")
			default:
				fmt.Fprintf(io.err, "ssc: type a number from 1 to %d, or the name of a session\n", len(sessions))
			}
		}
	})
	return s, err
}

// completeSession offers the titles that start with what was typed,
// ignoring case, and the numbers that do.
func completeSession(sessions []discovery.Session, line string) []string {
	var out []string
	for i, s := range sessions {
		if n := strconv.Itoa(i + 1); strings.HasPrefix(n, line) && line != "" {
			out = append(out, n)
		}
		if len(line) <= len(s.Title) && strings.EqualFold(s.Title[:len(line)], line) {
			out = append(out, s.Title)
		}
	}
	return out
}

// withLiner runs ask with a line editor on the terminal until it returns or
// ctx ends (SIGINT, SIGTERM, SIGHUP). Ctrl-C and Ctrl-D at the prompt abort
// it (see aborted). A liner prompt cannot be interrupted: when ctx ends, the
// terminal is put back as it was and ask is abandoned, blocked on a read
// that ends with the process, which is on its way out; what ask writes then
// is never read.
func withLiner(ctx context.Context, io *stdio, ask func(l *liner.State) error) error {
	fd := int(io.in.Fd())
	saved, err := term.GetState(fd)
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() {
		l := liner.NewLiner()
		l.SetCtrlCAborts(true)
		err := ask(l)
		l.Close()
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		term.Restore(fd, saved)
		return errLeft
	}
}

// aborted turns Ctrl-C or Ctrl-D at a prompt into leaving: not an error,
// so it exits 0 (as leaving a session does) and prints nothing.
func aborted(err error) error {
	if errors.Is(err, liner.ErrPromptAborted) || errors.Is(err, io.EOF) {
		return errLeft
	}
	return err
}

// runConsole runs the interactive console, or, when stdin or stdout is not
// a terminal, says how to use ssc from a script.
func runConsole(ctx context.Context, ch *chat.Chat, io *stdio) (peer.Event, error) {
	if !interactive(io) {
		ch.Client().Close()
		return peer.Event{}, &userError{code: exitUsage, msg: "not a terminal", hint: "use --json to drive ssc from a script or a pipe"}
	}
	_, noColor := os.LookupEnv("NO_COLOR")
	return console.Run(ctx, ch, io.in, io.outFile, console.Options{Color: !noColor})
}

// nameProblem says what is wrong with a name, in sanitize's words, which
// are written for people ("name must not start with '/' or '@'").
func nameProblem(err error) string {
	var ne *sanitize.NameError
	if errors.As(err, &ne) {
		return ne.Problem()
	}
	return "the name is not allowed"
}

// rootCause is the words of the error at the end of err's chain: for an
// error no type of ssc's describes, what the system or a library said.
func rootCause(err error) string {
	for {
		var next error
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			next = u.Unwrap()
		case interface{ Unwrap() []error }:
			if errs := u.Unwrap(); len(errs) > 0 {
				next = errs[0]
			}
		}
		if next == nil {
			return err.Error()
		}
		err = next
	}
}
