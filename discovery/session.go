package discovery

import (
	"cmp"
	"errors"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// Limits on what browsing keeps, whatever the network sends.
const (
	// MaxSessions bounds the sessions Sessions returns.
	MaxSessions = 64
	// maxAddrs bounds the addresses kept for one session.
	maxAddrs = 8
	// maxHostBytes bounds the host name of a record.
	maxHostBytes = 255
	// maxRecords bounds the records browsing reads in one go.
	maxRecords = 1024
)

// Errors returned by Pick.
var (
	ErrNoMatch   = errors.New("discovery: no session matches")          // Pick
	ErrAmbiguous = errors.New("discovery: several sessions match that") // Pick
)

// Record is one DNS-SD answer as browsing received it, before any of it is
// trusted.
type Record struct {
	Instance string         // the service instance name
	Host     string         // the SRV target, such as "laptop.ssc.local."
	Addr     netip.AddrPort // the address from the A record and the SRV port
	TXT      []string
}

// Session is a session found on the local network. Everything in it came
// from unauthenticated multicast: Title and Host must be sanitised before
// display, and Fingerprint must be parsed before it is shown or pinned.
// Pinned, it holds a joiner to the host announced, whoever announced it; the
// passphrase is what proves that a host is the one it claims to be.
type Session struct {
	Info
	// Host is the name of the machine that announced the session, without
	// ".local".
	Host string
	// Addrs are the addresses it was announced at, as HOST:PORT, best first:
	// those on a network this machine is on come before the others.
	Addrs []string
}

// Sessions turns the records browsing received into the sessions they
// announce. Records that are malformed, of another protocol version, or
// with an address no one can dial are left out. Records with the same
// title, host and fingerprint (a host answers on each of its interfaces)
// make one session with several addresses, ordered so that those inside
// one of the local prefixes come first. The result is sorted by title,
// host and fingerprint, and holds at most MaxSessions sessions.
func Sessions(records []Record, local []netip.Prefix) []Session {
	type key struct{ title, host, fp string }
	index := make(map[key]int)
	var out []Session
	for i, r := range records {
		if i == maxRecords {
			break
		}
		info, err := ParseTXT(r.TXT)
		if err != nil || !dialable(r.Addr) || len(r.Host) > maxHostBytes {
			continue
		}
		host := hostLabel(r.Host)
		k := key{info.Title, host, info.Fingerprint}
		n, ok := index[k]
		if !ok {
			if len(out) == MaxSessions {
				continue
			}
			n = len(out)
			index[k] = n
			out = append(out, Session{Info: info, Host: host})
		}
		addr := r.Addr.String()
		if s := &out[n]; len(s.Addrs) < maxAddrs && !slices.Contains(s.Addrs, addr) {
			s.Addrs = append(s.Addrs, addr)
		}
	}
	for i := range out {
		orderAddrs(out[i].Addrs, local)
	}
	slices.SortStableFunc(out, func(a, b Session) int {
		return cmp.Or(cmp.Compare(a.Title, b.Title), cmp.Compare(a.Host, b.Host), cmp.Compare(a.Fingerprint, b.Fingerprint))
	})
	return out
}

// dialable reports whether ap could be a host's address: not the
// unspecified, a multicast or a broadcast address, and with a port.
func dialable(ap netip.AddrPort) bool {
	a := ap.Addr().Unmap()
	return ap.IsValid() && ap.Port() != 0 && !a.IsUnspecified() && !a.IsMulticast() &&
		a != netip.AddrFrom4([4]byte{255, 255, 255, 255})
}

// hostLabel returns the host name of an SRV target as people know it:
// without the trailing dot and the ".ssc.local" or ".local" that Announce adds.
func hostLabel(target string) string {
	h := strings.TrimSuffix(target, ".")
	for _, suffix := range []string{".ssc.local", ".local"} {
		if t, ok := strings.CutSuffix(h, suffix); ok {
			return t
		}
	}
	return h
}

// orderAddrs moves the addresses inside a local prefix to the front,
// keeping the order of each group.
func orderAddrs(addrs []string, local []netip.Prefix) {
	onLink := func(s string) bool {
		ap, err := netip.ParseAddrPort(s)
		if err != nil {
			return false
		}
		return slices.ContainsFunc(local, func(p netip.Prefix) bool { return p.Contains(ap.Addr().Unmap()) })
	}
	slices.SortStableFunc(addrs, func(a, b string) int {
		switch la, lb := onLink(a), onLink(b); {
		case la && !lb:
			return -1
		case lb && !la:
			return 1
		}
		return 0
	})
}

// Pick chooses among sessions by what a person typed or passed to
// --session: the number of a session in the list (from 1), its title
// (ignoring case), or the start of its fingerprint (at least four
// characters, the dashes of the short form allowed). It returns
// ErrNoMatch or ErrAmbiguous when answer names no session or several.
func Pick(sessions []Session, answer string) (Session, error) {
	answer = strings.TrimSpace(answer)
	if answer == "" {
		return Session{}, ErrNoMatch
	}
	if n, err := strconv.Atoi(answer); err == nil && answer[0] != '+' && answer[0] != '-' {
		if n >= 1 && n <= len(sessions) {
			return sessions[n-1], nil
		}
		return Session{}, ErrNoMatch
	}
	pick := func(match func(Session) bool) (Session, error) {
		var found []Session
		for _, s := range sessions {
			if match(s) {
				found = append(found, s)
			}
		}
		switch len(found) {
		case 0:
			return Session{}, ErrNoMatch
		case 1:
			return found[0], nil
		}
		return Session{}, ErrAmbiguous
	}
	s, err := pick(func(s Session) bool { return strings.EqualFold(s.Title, answer) })
	if !errors.Is(err, ErrNoMatch) {
		return s, err
	}
	prefix := strings.ToLower(strings.ReplaceAll(answer, "-", ""))
	if len(prefix) < 4 {
		return Session{}, ErrNoMatch
	}
	return pick(func(s Session) bool { return strings.HasPrefix(s.Fingerprint, prefix) })
}
