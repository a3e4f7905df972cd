package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/ssc-chat/ssc/chat"
	"github.com/ssc-chat/ssc/chat/web"
	"github.com/ssc-chat/ssc/discovery"
	"github.com/ssc-chat/ssc/keys"
	"github.com/ssc-chat/ssc/peer"
	"github.com/ssc-chat/ssc/sanitize"
)

// uiFlag runs the chat in the browser instead of the terminal.
var uiFlag = &cli.BoolFlag{Name: "ui", Usage: "chat in your web browser: ssc serves a page on 127.0.0.1 and opens it"}

// openBrowser asks the system to show url in the default browser. The
// helper is started and not waited for by anyone but a reaper: some start
// the browser in their place and only return when it closes. The URL
// carries a one-time code only (see chat/web), since the helper's argv is
// visible to other users.
func openBrowser(url string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", url)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	default:
		cmd = exec.Command("xdg-open", url)
	}
	// The browser lives on after ssc and inherits this environment: it
	// gets it without the passphrase, however ssc was given one.
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, passphraseEnv+"=") })
	if err := cmd.Start(); err != nil {
		return err
	}
	go cmd.Wait() // reaps the helper, whenever it ends
	return nil
}

// serveUI starts the page's server, tells the person where it is and
// opens the browser on it. The caller closes the server.
func serveUI(io *stdio) (*web.Server, error) {
	srv, err := web.New(web.Options{Opened: func() { fmt.Fprintln(io.err, "ssc: the page is open; keep this terminal running while you chat") }})
	if err != nil {
		return nil, fmt.Errorf("serving the page: %w", err)
	}
	fmt.Fprintf(io.err, "ssc: the chat is in your browser; if no page opens, open this address (it works once):\n  %s\n", srv.URL())
	if io.net.Open != nil {
		if err := io.net.Open(srv.URL()); err != nil {
			fmt.Fprintf(io.err, "ssc: no browser opened (%s): open the address above\n", rootCause(err))
		}
	}
	return srv, nil
}

// joinUI is 'ssc join --ui': the page asks for the name, the link and the
// passphrase (the flags fill in what they give), joins, and shows the chat
// until the session ends or the page is closed for good.
func joinUI(c *cli.Context, io *stdio) error {
	if c.NArg() > 1 {
		return &userError{code: exitUsage, msg: "join takes one link", hint: "run 'ssc join --ui LINK', or 'ssc join --ui' and paste the link in the page"}
	}
	if t := c.Duration("timeout"); t <= 0 || t > maxBrowseTimeout {
		return &userError{code: exitUsage, msg: fmt.Sprintf("--timeout must be more than 0 and at most %s", maxBrowseTimeout), hint: "the default is " + defaultBrowseTimeout.String()}
	}
	form := web.JoinForm{Name: c.String("name"), Link: c.Args().First()}
	given, err := passphraseFrom(c.String("passphrase-file"))
	if err != nil {
		return err
	}
	defer keys.Wipe(given)
	form.AskPassphrase = given == nil
	srv, err := serveUI(io)
	if err != nil {
		return err
	}
	defer srv.Close()
	ctx := c.Context
	if form.Link == "" && io.net.Browse != nil {
		var wg sync.WaitGroup
		defer wg.Wait() // bounded by --timeout, and by ctx
		srv.Searching()
		wg.Go(func() { srv.Offer(lookAround(ctx, io, c.Duration("timeout"))) })
	}
	for {
		a, err := srv.Form(ctx, form)
		if errors.Is(err, web.ErrGone) {
			fmt.Fprintln(io.err, "ssc: the page was closed")
		}
		if err != nil {
			return errLeft // the page was closed, or ssc interrupted
		}
		form.Name, form.Link = a.Name, strings.TrimSpace(a.Link)
		pass := a.Passphrase
		if given != nil {
			keys.Wipe(pass)
			pass = bytes.Clone(given)
		} else {
			pass = normalize(a.Passphrase)
			keys.Wipe(a.Passphrase)
		}
		member, err := joinFromPage(c, io, form.Name, form.Link, pass)
		if ctx.Err() != nil {
			if member != nil {
				member.Close()
			}
			return errLeft
		}
		if err != nil {
			form.Problem = words(err)
			continue
		}
		stop := context.AfterFunc(ctx, func() { member.Close() })
		defer stop()
		ch := chat.New(member, nil)
		last, err := srv.Run(ctx, ch, nil)
		if err != nil {
			return err
		}
		pageClosed(io, srv)
		return endError(ch, last)
	}
}

// lookAround finds the sessions on the local network for the join form.
// Nothing found, or browsing failing, offers none: the form says how to
// join by link.
func lookAround(ctx context.Context, io *stdio, timeout time.Duration) []web.Found {
	found, err := io.net.Browse(ctx, discovery.BrowseConfig{Timeout: timeout})
	if err != nil {
		return nil
	}
	var offer []web.Found
	for _, s := range checkSessions(found) {
		offer = append(offer, web.Found{Title: s.Title, Host: s.Host, Fingerprint: shortFingerprint(s),
			Link: discovery.Link{Addr: s.Addrs[0], Fingerprint: s.Fingerprint}.String()})
	}
	return offer
}

// joinFromPage joins with what the page's form gave; pass is wiped.
func joinFromPage(c *cli.Context, io *stdio, name, link string, pass []byte) (*peer.Client, error) {
	defer keys.Wipe(pass)
	name, err := sanitize.Name(name)
	if err != nil {
		return nil, nameError(err)
	}
	if len(pass) == 0 {
		return nil, &userError{code: exitUsage, msg: "the passphrase is empty", hint: "type the passphrase the host gave you"}
	}
	cfg := peer.Config{Name: name, Passphrase: pass}
	var addr string
	found := link == ""
	if found {
		s, err := findSession(c, io, true)
		if err != nil {
			return nil, err
		}
		cfg.Pin, addr = &s.fp, s.Addrs[0]
		cfg.Dial = dialInOrder(s.Addrs, &addr)
	} else {
		l, pin, err := parseLink(link)
		if err != nil {
			return nil, err
		}
		cfg.Pin, addr = pin, l.Addr
	}
	member, err := peer.Join(c.Context, addr, cfg)
	if err != nil {
		return nil, joinError(addr, found, err)
	}
	return member, nil
}

// pageClosed says on the terminal why the session ended, when it was
// because the page was closed.
func pageClosed(io *stdio, srv *web.Server) {
	if srv.PageClosed() {
		fmt.Fprintln(io.err, "ssc: the page was closed, or stopped answering, and did not come back, so you left the session")
	}
}

// words is what the page shows about err: what went wrong and what to do.
func words(err error) string {
	var ue *userError
	if errors.As(err, &ue) {
		if ue.hint != "" {
			return ue.msg + "\n" + ue.hint
		}
		return ue.msg
	}
	return err.Error()
}
