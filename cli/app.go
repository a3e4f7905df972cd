// Package cli is ssc's command line: flags, prompts, wiring a host or a
// member to a front-end, signals, every user-facing text outside the chat
// itself, and exit codes. It never exits the process: Main returns the
// status for package main to exit with, so that every deferred wipe runs.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/ssc-chat/ssc/discovery"
	"github.com/ssc-chat/ssc/wire"
)

// Exit codes, documented in README.md.
const (
	exitOK      = 0 // the session ended normally: you left, or the host ended it
	exitError   = 1 // anything not listed below
	exitUsage   = 2 // the command line is wrong
	exitAdmit   = 3 // admission failed: wrong passphrase, or the host is not the one the link pins
	exitNetwork = 4 // the host could not be reached, or the connection was lost
	exitRefused = 5 // the host refused or removed you: locked, busy, full, name taken, kicked
)

// version is set at build time with -ldflags "-X github.com/ssc-chat/ssc/cli.version=...";
// without it, the module version from the build info is used.
var version = ""

// Network is how ssc reaches beyond its own sockets: announcing and
// finding sessions on the local network, and the ngrok tunnel. Tests pass
// doubles, so that no test multicasts on the machine's network or dials
// ngrok's cloud.
type Network struct {
	// Announce announces a session on the local network until closed.
	Announce func(discovery.Announcement) (Announcer, error)
	// Browse finds sessions on the local network.
	Browse func(context.Context, discovery.BrowseConfig) ([]discovery.Session, error)
	// Tunnel returns the tunnel for an ngrok account; it is called only
	// with a non-empty authtoken.
	Tunnel func(authtoken string) discovery.Tunnel
	// Open shows a URL (the --ui page's) in the person's browser; nil
	// opens nothing, and the URL printed is the way in.
	Open func(url string) error
}

// Announcer is a running announcement on the local network.
type Announcer interface {
	Interfaces() []string
	Close() error
}

// SystemNetwork is the real thing: mDNS on this machine's interfaces and
// ngrok's service.
func SystemNetwork() Network {
	return Network{
		Announce: func(a discovery.Announcement) (Announcer, error) { return discovery.Announce(a) },
		Browse:   discovery.Browse,
		Tunnel:   func(authtoken string) discovery.Tunnel { return discovery.Ngrok{AuthToken: authtoken} },
		Open:     openBrowser,
	}
}

// Main runs ssc with the process's arguments and standard streams, with a
// context that SIGINT, SIGTERM and SIGHUP cancel, and returns the exit status.
func Main(net Network) int {
	harden()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	return Run(ctx, os.Args, &Stdio{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}, net)
}

// Stdio are the streams ssc talks through.
type Stdio struct {
	In  *os.File // the console needs a file, to read keys from a terminal
	Out io.Writer
	Err io.Writer
}

// Run is Main without the process: args as os.Args has them, and streams
// and network given. It returns the exit status.
func Run(ctx context.Context, args []string, std *Stdio, net Network) int {
	stderr := std.Err
	if err := refuseSecretFlags(args); err != nil {
		return report(stderr, err)
	}
	app := newApp(std, net)
	var unknown string
	app.CommandNotFound = func(_ *cli.Context, name string) { unknown = name }
	err := app.RunContext(ctx, flagsFirst(args))
	if unknown != "" {
		err = &userError{code: exitUsage, msg: fmt.Sprintf("unknown command %q", unknown), hint: "the commands are start, join and version; run 'ssc --help'"}
	}
	return report(stderr, err)
}

// valueFlags are the flags that take a value, for flagsFirst.
var valueFlags = map[string]bool{
	"name": true, "listen": true, "passphrase-file": true, "title": true,
	"ngrok-timeout": true, "session": true, "timeout": true,
}

// flagsFirst moves a command's flags before its arguments, so that
// "ssc join LINK --name bob" works as people type it: the flag parser
// stops at the first argument.
func flagsFirst(args []string) []string {
	if len(args) < 3 || (args[1] != "join" && args[1] != "start") {
		return args
	}
	out := append([]string{}, args[:2]...)
	var positional []string
	rest := args[2:]
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		if a == "--" {
			positional = append(positional, rest[i:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			positional = append(positional, a)
			continue
		}
		out = append(out, a)
		name := strings.TrimLeft(a, "-")
		if valueFlags[name] && i+1 < len(rest) {
			i++
			out = append(out, rest[i])
		}
	}
	return append(out, positional...)
}

func newApp(std *Stdio, net Network) *cli.App {
	io := &stdio{in: std.In, out: std.Out, err: std.Err, net: net}
	if f, ok := std.Out.(*os.File); ok {
		io.outFile = f
	}
	stdin, stdout, stderr := std.In, std.Out, std.Err
	return &cli.App{
		Name:  "ssc",
		Usage: "private, ephemeral group chat: no account, no server, nothing written to disk",
		Description: "One person runs 'ssc start' and becomes the host; the others run 'ssc join LINK'.\n" +
			"Admission is by the session passphrase, which never leaves anyone's machine (CPace over TLS 1.3).\n" +
			"Everything lives in memory and is gone when the host ends the session.",
		Version:         buildVersion(),
		HideHelpCommand: true,
		Reader:          stdin,
		Writer:          stdout,
		ErrWriter:       stderr,
		OnUsageError:    usageError,
		ExitErrHandler:  func(*cli.Context, error) {}, // run reports errors itself
		Commands: []*cli.Command{
			startCommand(io),
			joinCommand(io),
			{
				Name:  "version",
				Usage: "print the version of ssc and of its protocol",
				Action: func(c *cli.Context) error {
					fmt.Fprintf(io.out, "ssc %s (protocol %d)\n", buildVersion(), wire.Version)
					return nil
				},
			},
		},
	}
}

// stdio is what every command is given: the streams and the network.
type stdio struct {
	in      *os.File
	out     io.Writer
	outFile *os.File // out, when it is a file (the console needs one)
	err     io.Writer
	net     Network
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

// userError is an error with the words a person needs: what went wrong,
// what to do next, and the exit code that tells scripts which case it was.
type userError struct {
	code int
	msg  string
	hint string
	err  error
}

func (e *userError) Error() string { return e.msg }
func (e *userError) Unwrap() error { return e.err }

func usageError(c *cli.Context, err error, _ bool) error {
	return &userError{code: exitUsage, msg: err.Error(), hint: "run 'ssc --help' or 'ssc COMMAND --help'"}
}

// errLeft is the user leaving before joining (Ctrl-C or Ctrl-D at a
// prompt, or while looking for sessions). Leaving is not an error: ssc
// exits 0 and says nothing, as when leaving a session.
var errLeft = errors.New("left")

// report prints err in ssc's two-line form and returns the exit code.
func report(stderr io.Writer, err error) int {
	if err == nil || errors.Is(err, errLeft) {
		return exitOK
	}
	var ue *userError
	if !errors.As(err, &ue) {
		ue = &userError{code: exitError, msg: err.Error()}
		var ec cli.ExitCoder
		if errors.As(err, &ec) && ec.ExitCode() == exitUsage {
			ue.code = exitUsage
		}
	}
	fmt.Fprintf(stderr, "ssc: error: %s\n", ue.msg)
	if ue.hint != "" {
		fmt.Fprintf(stderr, "ssc: hint: %s\n", ue.hint)
	}
	return ue.code
}

// refuseSecretFlags stops a passphrase given on the command line before
// anything else runs: argv is visible to every user of the machine.
func refuseSecretFlags(args []string) error {
	for _, a := range args[1:] {
		if a == "--" {
			break
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && name == "passphrase" {
			return &userError{
				code: exitUsage,
				msg:  "there is no --passphrase flag: a passphrase on the command line is visible to every user of this machine",
				hint: "put it in a file and use --passphrase-file FILE, or set SSC_PASSPHRASE, or let ssc ask for it",
			}
		}
	}
	return nil
}
