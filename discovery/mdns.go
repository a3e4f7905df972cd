package discovery

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/mdns"
)

// ServiceType is the DNS-SD service type sessions are announced as.
const ServiceType = "_ssc._tcp"

const (
	// queryWindow is how long one mDNS query waits for answers. The library
	// sends a query once, so Browse repeats it until its timeout.
	queryWindow = 500 * time.Millisecond
	// maxInstanceLabel bounds the part of an instance name taken from the title.
	maxInstanceLabel = 24
)

// ErrNoInterface is returned by Announce and Browse when no network
// interface is fit to use.
var ErrNoInterface = errors.New("discovery: no network interface to use")

// InterfaceError is a failure to announce or query on one interface.
type InterfaceError struct {
	Iface string // its name
	Err   error
}

func (e *InterfaceError) Error() string {
	return fmt.Sprintf("discovery: on %s: %v", e.Iface, e.Err)
}

func (e *InterfaceError) Unwrap() error { return e.Err }

// quiet is the library's logger: it logs malformed packets from the
// network, which are not the user's business and would garble the console.
var quiet = log.New(io.Discard, "", 0)

// Announcement is a session to announce on the local network.
type Announcement struct {
	Info
	// Port is the TCP port the session listens on.
	Port int
	// IP, unless nil or unspecified, is the one address the session listens
	// on; only the interfaces that have it announce it.
	IP net.IP
	// Interfaces to announce on; nil means the interfaces that have IP, or,
	// without IP, every interface that is up, multicast-capable and has an
	// IPv4 address, or, when there is none but loopback, the loopback
	// interface.
	Interfaces []net.Interface
}

// Announcer answers mDNS queries for one session until closed.
type Announcer struct {
	names   []string // of the interfaces it answers on
	mu      sync.Mutex
	servers []*mdns.Server // nil once closed
}

// Announce answers the mDNS queries of ssc join for a session, on each
// interface with that interface's IPv4 addresses, until Close. Each
// interface gets its own instance name, so that a browser sees every
// address; all share the title and fingerprint in the TXT record.
func Announce(a Announcement) (*Announcer, error) {
	txt, err := a.MarshalTXT()
	if err != nil {
		return nil, err
	}
	for i := range txt {
		txt[i] = escapeTXT(txt[i])
	}
	if a.Port < 1 || a.Port > 65535 {
		return nil, fmt.Errorf("discovery: announcing port %d", a.Port)
	}
	listenAll := a.IP == nil || a.IP.IsUnspecified()
	ifaces := a.Interfaces
	switch {
	case ifaces != nil:
	case listenAll:
		ifaces, err = multicastInterfaces()
	default:
		ifaces, err = interfacesWith(a.IP)
	}
	if err != nil {
		return nil, err
	}
	type zone struct {
		iface net.Interface
		ips   []net.IP
	}
	var zones []zone
	for _, ifi := range ifaces {
		ips := ipv4Addrs(ifi)
		if !listenAll {
			if !containsIP(ips, a.IP) {
				continue
			}
			ips = []net.IP{a.IP}
		}
		if len(ips) > 0 {
			zones = append(zones, zone{ifi, ips})
		}
	}
	if len(zones) == 0 && listenAll {
		return nil, fmt.Errorf("%w: none has an IPv4 address", ErrNoInterface)
	}
	if len(zones) == 0 {
		return nil, fmt.Errorf("%w: none has the address %s", ErrNoInterface, a.IP)
	}
	host := hostName()
	label := instanceLabel(a.Title, a.Fingerprint)
	an := &Announcer{}
	for _, z := range zones {
		instance := label
		if len(zones) > 1 {
			instance += "-" + strconv.Itoa(z.iface.Index)
		}
		svc, err := mdns.NewMDNSService(instance, ServiceType, "local.", host, a.Port, z.ips, txt)
		if err != nil {
			an.Close()
			return nil, &InterfaceError{Iface: z.iface.Name, Err: err}
		}
		srv, err := mdns.NewServer(&mdns.Config{Zone: svc, Iface: &z.iface, Logger: quiet})
		if err != nil {
			an.Close()
			return nil, &InterfaceError{Iface: z.iface.Name, Err: err}
		}
		an.servers = append(an.servers, srv)
		an.names = append(an.names, z.iface.Name)
	}
	return an, nil
}

// Interfaces names the interfaces the session is announced on.
func (a *Announcer) Interfaces() []string { return a.names }

// Close stops answering. It is idempotent.
func (a *Announcer) Close() error {
	a.mu.Lock()
	servers := a.servers
	a.servers = nil
	a.mu.Unlock()
	for _, s := range servers {
		s.Shutdown()
	}
	return nil
}

// BrowseConfig says where and how long Browse looks.
type BrowseConfig struct {
	// Timeout is how long to look; zero means 3 seconds.
	Timeout time.Duration
	// Interfaces to query on; nil means the same choice as Announce.
	Interfaces []net.Interface
}

// Browse queries the local network for sessions until cfg.Timeout has
// passed or ctx is done, and returns what it found (see Sessions). It
// queries every interface at once, again and again, since a single query
// may be lost.
func Browse(ctx context.Context, cfg BrowseConfig) ([]Session, error) {
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = 3 * time.Second
	}
	ifaces := cfg.Interfaces
	if ifaces == nil {
		var err error
		if ifaces, err = multicastInterfaces(); err != nil {
			return nil, err
		}
	}
	var local []netip.Prefix
	for _, ifi := range ifaces {
		local = append(local, prefixes(ifi)...)
	}
	deadline := time.Now().Add(timeout)
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		records []Record
		errs    []error
	)
	for _, ifi := range ifaces {
		wg.Go(func() {
			for ctx.Err() == nil {
				left := time.Until(deadline)
				if left < 10*time.Millisecond {
					return
				}
				found, err := query(ctx, ifi, min(left, queryWindow))
				mu.Lock()
				if err != nil {
					errs = append(errs, &InterfaceError{Iface: ifi.Name, Err: err})
				}
				if len(records) < maxRecords {
					records = append(records, found...)
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	if len(records) == 0 && len(errs) == len(ifaces) {
		return nil, errors.Join(errs...)
	}
	return Sessions(records, local), nil
}

// query sends one query on ifi and returns the answers received within window.
func query(ctx context.Context, ifi net.Interface, window time.Duration) ([]Record, error) {
	// The library drops an answer rather than wait for the channel: buffer
	// it and drain it while the query runs.
	entries := make(chan *mdns.ServiceEntry, 32)
	var got []*mdns.ServiceEntry
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		for e := range entries {
			if len(got) < maxRecords {
				got = append(got, e)
			}
		}
	}()
	err := mdns.QueryContext(ctx, &mdns.QueryParam{
		Service:     ServiceType,
		Domain:      "local",
		Timeout:     window,
		Interface:   &ifi,
		Entries:     entries,
		DisableIPv6: true, // answers over v4 and v6 race inside the library
		Logger:      quiet,
	})
	close(entries)
	<-drained
	// Only now, with the query over, does the library no longer write to
	// the entries it sent.
	var out []Record
	for _, e := range got {
		ip, ok := netip.AddrFromSlice(e.AddrV4)
		if !ok || e.Port < 1 || e.Port > 65535 {
			continue
		}
		txt := make([]string, 0, len(e.InfoFields))
		for _, s := range e.InfoFields {
			txt = append(txt, unescapeTXT(s))
		}
		out = append(out, Record{
			Instance: e.Name,
			Host:     e.Host,
			Addr:     netip.AddrPortFrom(ip.Unmap(), uint16(e.Port)),
			TXT:      txt,
		})
	}
	return out, err
}

// The DNS library takes and gives TXT strings in the presentation format
// of zone files (RFC 1035 §5.1): a backslash escapes the next byte, and
// \DDD is the byte of decimal value DDD. Unpacking escapes '"', '\\' and
// every byte outside printable ASCII, UTF-8 included.

// escapeTXT makes a TXT string of the presentation format whose packed
// bytes are s.
func escapeTXT(s string) string {
	return strings.ReplaceAll(s, `\`, `\\`)
}

// unescapeTXT returns the bytes of a TXT string in presentation format, as
// the library packs them.
func unescapeTXT(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			i++
			c = s[i]
			if d, ok := ddd(s[i:]); ok {
				c = d
				i += 2
			}
		}
		b = append(b, c)
	}
	return string(b)
}

// ddd decodes the three decimal digits at the start of s, up to 255.
func ddd(s string) (byte, bool) {
	if len(s) < 3 {
		return 0, false
	}
	n := 0
	for _, c := range []byte(s[:3]) {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	if n > 255 {
		return 0, false
	}
	return byte(n), true
}

// multicastInterfaces returns the interfaces that are up, multicast-capable
// and have an IPv4 address; when there is none, those of the loopback
// interfaces that are up (which carry multicast only where a route sends
// it there, as in a network namespace of its own).
func multicastInterfaces() ([]net.Interface, error) {
	all, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("discovery: listing network interfaces: %w", err)
	}
	var lan, loop []net.Interface
	for _, ifi := range all {
		if ifi.Flags&net.FlagUp == 0 || len(ipv4Addrs(ifi)) == 0 {
			continue
		}
		switch {
		case ifi.Flags&net.FlagLoopback != 0:
			loop = append(loop, ifi)
		case ifi.Flags&net.FlagMulticast != 0:
			lan = append(lan, ifi)
		}
	}
	if len(lan) > 0 {
		return lan, nil
	}
	if len(loop) > 0 {
		return loop, nil
	}
	return nil, fmt.Errorf("%w: none is up with an IPv4 address", ErrNoInterface)
}

// interfacesWith returns the interfaces that are up and have ip.
func interfacesWith(ip net.IP) ([]net.Interface, error) {
	all, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("discovery: listing network interfaces: %w", err)
	}
	var out []net.Interface
	for _, ifi := range all {
		if ifi.Flags&net.FlagUp != 0 && containsIP(ipv4Addrs(ifi), ip) {
			out = append(out, ifi)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: none has the address %s", ErrNoInterface, ip)
	}
	return out, nil
}

func ipv4Addrs(ifi net.Interface) []net.IP {
	var ips []net.IP
	for _, p := range prefixes(ifi) {
		if p.Addr().Is4() {
			ips = append(ips, net.IP(p.Addr().AsSlice()))
		}
	}
	return ips
}

func prefixes(ifi net.Interface) []netip.Prefix {
	addrs, err := ifi.Addrs()
	if err != nil {
		return nil
	}
	var out []netip.Prefix
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		ip, ok := netip.AddrFromSlice(ipn.IP)
		if !ok {
			continue
		}
		ones, bits := ipn.Mask.Size()
		if bits == 0 {
			continue
		}
		if ip.Is4In6() {
			ip = ip.Unmap()
			if bits == 128 {
				ones -= 96
			}
		}
		out = append(out, netip.PrefixFrom(ip, ones))
	}
	return out
}

func containsIP(ips []net.IP, ip net.IP) bool {
	for _, x := range ips {
		if x.Equal(ip) {
			return true
		}
	}
	return false
}

// hostName is the SRV target of announcements: this machine's name under
// "ssc.local.", which is nobody else's to answer for (the machine's own
// NAME.local belongs to its mDNS responder, if it runs one).
func hostName() string {
	name, _ := os.Hostname()
	name, _, _ = strings.Cut(name, ".")
	label := dnsLabel(name, 63)
	if label == "" {
		label = "host"
	}
	return label + ".ssc.local."
}

// instanceLabel makes the instance name of an announcement: the title in
// lowercase ASCII letters, digits and dashes, then the fingerprint's first
// eight characters, which keep two sessions of the same title apart.
func instanceLabel(title, fp string) string {
	label := dnsLabel(title, maxInstanceLabel)
	if label == "" {
		label = "session"
	}
	if fp := dnsLabel(fp, 8); fp != "" {
		label += "-" + fp
	}
	return label
}

// dnsLabel keeps the ASCII letters and digits of s, in lowercase, with one
// dash for each run of anything else, and at most max bytes.
func dnsLabel(s string, max int) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if b.Len() >= max {
			break
		}
		if 'a' <= r && r <= 'z' || '0' <= r && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
				if b.Len() >= max {
					break
				}
			}
			b.WriteRune(r)
			dash = false
			continue
		}
		dash = true
	}
	return strings.Trim(b.String(), "-")
}
