package discovery

import (
	"encoding/base32"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// Scheme is the scheme of links that pin the host's certificate.
const Scheme = "ssc"

// fingerprintLen is the length of a fingerprint in a link: SHA-256 in
// unpadded base32. discovery keeps its own check so it needs no other ssc package.
const fingerprintLen = 52

// ErrBadLink is returned by ParseLink.
var ErrBadLink = errors.New("discovery: bad link")

// Link is where to find a session and, when it came from an ssc:// link,
// the fingerprint the host's certificate must have.
type Link struct {
	Addr        string // host:port
	Fingerprint string // lowercase base32; empty when the link pins nothing
}

// Pinned reports whether the link pins the host certificate.
func (l Link) Pinned() bool { return l.Fingerprint != "" }

// String formats the link the way ssc start prints it.
func (l Link) String() string {
	if l.Fingerprint == "" {
		return l.Addr
	}
	return Scheme + "://" + l.Addr + "/" + l.Fingerprint
}

// ParseLink accepts the three forms people paste: ssc://HOST:PORT/FINGERPRINT,
// tcp://HOST:PORT as ngrok prints it, and HOST:PORT. The error says what is
// wrong with the link, without echoing more of it than needed.
func ParseLink(s string) (Link, error) {
	s = strings.TrimSpace(s)
	if len(s) > 300 {
		return Link{}, fmt.Errorf("%w: longer than any link ssc prints", ErrBadLink)
	}
	scheme, rest, hasScheme := strings.Cut(s, "://")
	if !hasScheme {
		scheme, rest = "", s
	}
	var fp string
	switch strings.ToLower(scheme) {
	case Scheme:
		addr, path, ok := strings.Cut(rest, "/")
		if !ok || path == "" {
			return Link{}, fmt.Errorf("%w: an ssc:// link ends with /FINGERPRINT", ErrBadLink)
		}
		fp = strings.ToLower(strings.TrimSuffix(path, "/"))
		if len(fp) != fingerprintLen {
			return Link{}, fmt.Errorf("%w: the fingerprint must be %d characters, not %d", ErrBadLink, fingerprintLen, len(fp))
		}
		if _, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(fp)); err != nil {
			return Link{}, fmt.Errorf("%w: the fingerprint is not base32", ErrBadLink)
		}
		rest = addr
	case "tcp", "":
		rest = strings.TrimSuffix(rest, "/")
	default:
		return Link{}, fmt.Errorf("%w: unknown scheme %q (use ssc://, tcp:// or HOST:PORT)", ErrBadLink, scheme)
	}
	addr, err := checkAddr(rest)
	if err != nil {
		return Link{}, err
	}
	return Link{Addr: addr, Fingerprint: fp}, nil
}

func checkAddr(s string) (string, error) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return "", fmt.Errorf("%w: want HOST:PORT", ErrBadLink)
	}
	if host == "" {
		return "", fmt.Errorf("%w: the host is missing", ErrBadLink)
	}
	if strings.ContainsAny(host, "/@?#% \t") {
		return "", fmt.Errorf("%w: the host name has characters no host name has", ErrBadLink)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 1 || p > 65535 {
		return "", fmt.Errorf("%w: the port must be a number from 1 to 65535", ErrBadLink)
	}
	return net.JoinHostPort(host, strconv.Itoa(p)), nil
}
