package discovery

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// Scheme is the scheme of links that pin the host's certificate.
const Scheme = "ssc"

// maxLink bounds the links ParseLink reads: longer than any ssc prints.
const maxLink = 300

// ErrBadLink is wrapped by the *LinkError that ParseLink returns.
var ErrBadLink = errors.New("discovery: bad link")

// LinkProblem says what is wrong with a link.
type LinkProblem int

const (
	LinkTooLong        LinkProblem = iota + 1 // longer than any link ssc prints
	LinkNoFingerprint                         // an ssc:// link without /FINGERPRINT
	LinkBadFingerprint                        // the part after the address is not letters and digits
	LinkUnknownScheme                         // a scheme other than ssc:// and tcp:// (LinkError.Scheme)
	LinkNotHostPort                           // not HOST:PORT
	LinkNoHost                                // HOST:PORT without HOST
	LinkBadHost                               // a host name with characters no host name has
	LinkBadPort                               // a port that is not a number from 1 to 65535
)

// LinkError is ParseLink's refusal, for the caller to put into words. It
// wraps ErrBadLink.
type LinkError struct {
	Problem LinkProblem
	Scheme  string // for LinkUnknownScheme: the scheme given
}

func (e *LinkError) Error() string {
	if e.Problem == LinkUnknownScheme {
		return fmt.Sprintf("%v: unknown scheme %q", ErrBadLink, e.Scheme)
	}
	return fmt.Sprintf("%v (problem %d)", ErrBadLink, e.Problem)
}

func (e *LinkError) Unwrap() error { return ErrBadLink }

// Link is where to find a session and, when it came from an ssc:// link,
// the fingerprint the host's certificate must have.
type Link struct {
	Addr string // host:port
	// Fingerprint is the host certificate's fingerprint as the link spells
	// it, ASCII letters and digits, unchecked: the caller parses it. It is
	// empty when the link pins nothing.
	Fingerprint string
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
// tcp://HOST:PORT as ngrok prints it, and HOST:PORT. Of the fingerprint it
// checks only that it is a path segment of ASCII letters and digits; what a
// fingerprint is, is the caller's business. A refusal is a *LinkError.
func ParseLink(s string) (Link, error) {
	s = strings.TrimSpace(s)
	if len(s) > maxLink {
		return Link{}, &LinkError{Problem: LinkTooLong}
	}
	scheme, rest, hasScheme := strings.Cut(s, "://")
	if !hasScheme {
		scheme, rest = "", s
	}
	var fp string
	switch strings.ToLower(scheme) {
	case Scheme:
		addr, path, ok := strings.Cut(rest, "/")
		fp = strings.TrimSuffix(path, "/")
		if !ok || fp == "" {
			return Link{}, &LinkError{Problem: LinkNoFingerprint}
		}
		if !alphanumeric(fp) {
			return Link{}, &LinkError{Problem: LinkBadFingerprint}
		}
		rest = addr
	case "tcp", "":
		rest = strings.TrimSuffix(rest, "/")
	default:
		return Link{}, &LinkError{Problem: LinkUnknownScheme, Scheme: scheme}
	}
	addr, err := checkAddr(rest)
	if err != nil {
		return Link{}, err
	}
	return Link{Addr: addr, Fingerprint: fp}, nil
}

func alphanumeric(s string) bool {
	for i := range len(s) {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

func checkAddr(s string) (string, error) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return "", &LinkError{Problem: LinkNotHostPort}
	}
	if host == "" {
		return "", &LinkError{Problem: LinkNoHost}
	}
	if strings.ContainsAny(host, "/@?#% \t") {
		return "", &LinkError{Problem: LinkBadHost}
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 1 || p > 65535 {
		return "", &LinkError{Problem: LinkBadPort}
	}
	return net.JoinHostPort(host, strconv.Itoa(p)), nil
}
