package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/ssc-chat/ssc/discovery"
)

// The test program stands in for the network beyond loopback, so that no
// test multicasts on the machine's network or dials ngrok's cloud. The
// doubles are chosen by variables of the script's environment, which only
// the test program reads:
//
//	SSCTEST_MDNS=DIR
//		announcements are files in DIR, one per session, and browsing
//		reads them all back through discovery.Sessions, the path real
//		mDNS answers take. A file holds the lines
//			host laptop.ssc.local.
//			addr 127.0.0.1:7654
//			txt "v=2"
//		and more txt lines, each a Go string literal (as the host may be),
//		so that scripts can announce hostile sessions of their own. Without SSCTEST_MDNS
//		nothing is announced and nothing found.
//	SSCTEST_TUNNEL=loopback|stall|card
//		what the ngrok tunnel does: listen on 127.0.0.1:0 and give that
//		as the public address (the default); never open, until the
//		deadline; or fail at once as ngrok does for an account without a
//		card on file (ERR_NGROK_8013).
//	SSCTEST_TUNNEL_LOG=FILE
//		the tunnel appends "open ADDR" and "closed ADDR" to FILE.
func testNetwork() Network {
	return Network{
		Announce: fileAnnounce,
		Browse:   fileBrowse,
		Tunnel: func(string) discovery.Tunnel {
			return testTunnel{mode: os.Getenv("SSCTEST_TUNNEL"), log: os.Getenv("SSCTEST_TUNNEL_LOG")}
		},
	}
}

type fileAnnouncer struct {
	path string
	once sync.Once
}

func (a *fileAnnouncer) Interfaces() []string { return []string{"test"} }

func (a *fileAnnouncer) Close() error {
	a.once.Do(func() {
		if a.path != "" {
			os.Remove(a.path)
		}
	})
	return nil
}

func fileAnnounce(an discovery.Announcement) (Announcer, error) {
	txt, err := an.MarshalTXT()
	if err != nil {
		return nil, err
	}
	dir := os.Getenv("SSCTEST_MDNS")
	if dir == "" {
		return &fileAnnouncer{}, nil
	}
	ip := an.IP
	if ip == nil || ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "host test.ssc.local.\naddr %s\n", net.JoinHostPort(ip.String(), strconv.Itoa(an.Port)))
	for _, s := range txt {
		fmt.Fprintf(&b, "txt %q\n", s)
	}
	path := filepath.Join(dir, fmt.Sprintf("ssc-%d-%d", os.Getpid(), an.Port))
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return nil, err
	}
	return &fileAnnouncer{path: path}, nil
}

func fileBrowse(ctx context.Context, cfg discovery.BrowseConfig) ([]discovery.Session, error) {
	dir := os.Getenv("SSCTEST_MDNS")
	if dir == "" {
		return nil, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var records []discovery.Record
	for _, e := range entries {
		if r, err := readRecord(filepath.Join(dir, e.Name())); err == nil {
			records = append(records, r)
		}
	}
	return discovery.Sessions(records, nil), nil
}

func readRecord(path string) (discovery.Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return discovery.Record{}, err
	}
	defer f.Close()
	r := discovery.Record{Instance: filepath.Base(path)}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, value, _ := strings.Cut(sc.Text(), " ")
		switch key {
		case "host":
			r.Host = value
			if strings.HasPrefix(value, `"`) {
				if r.Host, err = strconv.Unquote(value); err != nil {
					return r, err
				}
			}
		case "addr":
			if r.Addr, err = netip.ParseAddrPort(value); err != nil {
				return r, err
			}
		case "txt":
			s, err := strconv.Unquote(value)
			if err != nil {
				return r, err
			}
			r.TXT = append(r.TXT, s)
		}
	}
	return r, sc.Err()
}

type testTunnel struct{ mode, log string }

func (t testTunnel) Listen(ctx context.Context) (net.Listener, string, error) {
	if _, ok := ctx.Deadline(); !ok {
		return nil, "", discovery.ErrNoDeadline
	}
	switch t.mode {
	case "stall":
		<-ctx.Done()
		return nil, "", &discovery.TunnelError{Err: fmt.Errorf("failed to connect: dial tcp: lookup connect.ngrok-agent.com: no such host: %w", ctx.Err())}
	case "card":
		return nil, "", &discovery.TunnelError{Err: cardError{}}
	case "", "loopback":
	default:
		return nil, "", errors.New("SSCTEST_TUNNEL: unknown mode " + t.mode)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	t.write("open " + ln.Addr().String())
	return &loggedListener{Listener: ln, t: t}, ln.Addr().String(), nil
}

func (t testTunnel) write(line string) {
	if t.log == "" {
		return
	}
	f, err := os.OpenFile(t.log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	fmt.Fprintln(f, line)
}

type loggedListener struct {
	net.Listener
	t    testTunnel
	once sync.Once
}

func (l *loggedListener) Close() error {
	err := l.Listener.Close()
	l.once.Do(func() { l.t.write("closed " + l.Addr().String()) })
	return err
}

// cardError is shaped like ngrok's error for a free account without a card.
type cardError struct{}

func (cardError) Error() string {
	return "You must add a credit or debit card before you can use TCP endpoints on a free account.\r\n\r\nERR_NGROK_8013"
}
func (cardError) Code() string { return "ERR_NGROK_8013" }
