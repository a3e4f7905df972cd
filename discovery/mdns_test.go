package discovery

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/mdns"
)

// netnsEnv marks a test process that runs in a network namespace of its
// own, where multicast goes nowhere but loopback.
const netnsEnv = "SSC_TEST_PRIVATE_NETNS"

// inPrivateNetns runs the calling test again, alone, in a new network
// namespace whose loopback interface carries multicast, and reports
// whether the caller is that copy and should go on. Tests that send mDNS
// use it: they must never multicast on the machine's real interfaces.
// When no namespace can be made (not root, no unshare or ip), the test is
// skipped, saying why.
func inPrivateNetns(t *testing.T) bool {
	t.Helper()
	if os.Getenv(netnsEnv) == "1" {
		return true
	}
	for _, tool := range []string{"unshare", "ip"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("sends mDNS, so runs only in a network namespace of its own; %s is not installed", tool)
		}
	}
	unshare := []string{"unshare", "--net"}
	if os.Getuid() != 0 {
		unshare = append(unshare, "--map-root-user")
	}
	setup := `ip link set lo up && ip route add 224.0.0.0/4 dev lo src 127.0.0.1 && exec "$0" "$@"`
	args := append(unshare, "sh", "-c", setup, os.Args[0],
		"-test.run=^"+regexp.QuoteMeta(t.Name())+"$", "-test.v", "-test.count=1")
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), netnsEnv+"=1")
	start := time.Now()
	out, err := cmd.CombinedOutput()
	t.Logf("in a network namespace of its own (%v):\n%s", time.Since(start).Round(time.Millisecond), out)
	if err != nil && !strings.Contains(string(out), "=== RUN") {
		// unshare or ip failed: no namespace here (a container without
		// CAP_SYS_ADMIN, or user namespaces disabled).
		t.Skipf("sends mDNS, so runs only in a network namespace of its own, which could not be made: %v", err)
	}
	if err != nil {
		t.Fatalf("failed in its network namespace: %v", err)
	}
	if !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("did not pass in its network namespace")
	}
	return false
}

// TestAnnounceBrowse announces sessions and finds them with real mDNS on
// loopback, inside a network namespace of its own.
func TestAnnounceBrowse(t *testing.T) {
	if !inPrivateNetns(t) {
		return
	}
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		t.Fatal(err)
	}
	// Only loopback is up here: the default choice of interfaces is it.
	ifaces, err := multicastInterfaces()
	if err != nil || len(ifaces) != 1 || ifaces[0].Name != lo.Name {
		t.Fatalf("multicastInterfaces = %v, %v; want only %s", ifaces, err, lo.Name)
	}
	host := strings.TrimSuffix(hostName(), ".ssc.local.")
	alice, err := Announce(Announcement{Info: Info{Title: "alice's session", Fingerprint: fp}, Port: 7654})
	if err != nil {
		t.Fatal(err)
	}
	defer alice.Close()
	if got := alice.Interfaces(); !slices.Equal(got, []string{"lo"}) {
		t.Errorf("announced on %v, want [lo]", got)
	}
	bob, err := Announce(Announcement{Info: Info{Title: "bob's \"ßé\\n\" \x1b[31m\u202e", Fingerprint: fp2}, Port: 7655, IP: net.IPv4(127, 0, 0, 1), Interfaces: []net.Interface{*lo}})
	if err != nil {
		t.Fatal(err)
	}
	defer bob.Close()
	// An announcement with no address on the interfaces it names is refused.
	if _, err := Announce(Announcement{Info: Info{Title: "x", Fingerprint: fp}, Port: 1, IP: net.IPv4(192, 0, 2, 1)}); !errors.Is(err, ErrNoInterface) {
		t.Errorf("Announce on an address this machine lacks: %v", err)
	}

	// Hostile announcements, through the library's own responder: another
	// version, and no fingerprint. They must not show up.
	for i, txt := range [][]string{{"v=3", "name=future", "fp=" + fp}, {"v=2", "name=nofp"}} {
		svc, err := mdns.NewMDNSService("hostile"+string(rune('a'+i)), ServiceType, "local.", "evil.local.", 9000+i, []net.IP{net.IPv4(127, 0, 0, 1)}, txt)
		if err != nil {
			t.Fatal(err)
		}
		srv, err := mdns.NewServer(&mdns.Config{Zone: svc, Iface: lo, Logger: log.New(io.Discard, "", 0)})
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Shutdown()
	}

	start := time.Now()
	found, err := Browse(context.Background(), BrowseConfig{Timeout: 1500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 1400*time.Millisecond || d > 3*time.Second {
		t.Errorf("browsing for 1.5s took %v", d)
	}
	want := []Session{
		{Info: Info{Title: "alice's session", Fingerprint: fp}, Host: host, Addrs: []string{"127.0.0.1:7654"}},
		{Info: Info{Title: "bob's \"ßé\\n\" \x1b[31m\u202e", Fingerprint: fp2}, Host: host, Addrs: []string{"127.0.0.1:7655"}},
	}
	if !slices.EqualFunc(found, want, equalSession) {
		t.Fatalf("found\n%+v\nwant\n%+v", found, want)
	}

	// Once its session ends, an announcement stops.
	alice.Close()
	alice.Close()
	found, err = Browse(context.Background(), BrowseConfig{Timeout: time.Second, Interfaces: []net.Interface{*lo}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(found, want[1:], equalSession) {
		t.Fatalf("after alice's announcement ended, found\n%+v\nwant\n%+v", found, want[1:])
	}

	// Browsing ends with its context.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start = time.Now()
	if _, err := Browse(ctx, BrowseConfig{Timeout: time.Minute}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > queryWindow+time.Second {
		t.Errorf("browse cancelled after 200ms returned after %v", d)
	}
}

// The DNS library speaks TXT strings in zone file syntax; what it unpacks,
// unescapeTXT turns back into the bytes sent.
func TestUnescapeTXT(t *testing.T) {
	tests := []struct{ in, want string }{
		{"name=plain", "name=plain"},
		{`name=bob \027[31m`, "name=bob \x1b[31m"},
		{`name=\195\169t\195\169`, "name=été"},
		{`name=\"q\" \\n`, `name="q" \n`},
		{`name=\256`, "name=256"},
		{`name=\12`, "name=12"},
		{`trailing\`, `trailing\`},
	}
	for _, tt := range tests {
		if got := unescapeTXT(tt.in); got != tt.want {
			t.Errorf("unescapeTXT(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, s := range []string{"", `a\b`, `\\`, `\065`, "\x00\xff"} {
		if got := unescapeTXT(escapeTXT(s)); got != s {
			t.Errorf("escapeTXT(%q) = %q reads back as %q", s, escapeTXT(s), got)
		}
	}
}

// Announcing checks what it announces before opening any socket, so this
// runs anywhere.
func TestAnnounceRefuses(t *testing.T) {
	bad := []Announcement{
		{Info: Info{Title: "x", Fingerprint: ""}, Port: 1},
		{Info: Info{Title: "x", Fingerprint: strings.Repeat("a", MaxFingerprintBytes+1)}, Port: 1},
		{Info: Info{Title: strings.Repeat("x", MaxTitleBytes+1), Fingerprint: fp}, Port: 1},
		{Info: Info{Title: "x", Fingerprint: fp}, Port: 0},
		{Info: Info{Title: "x", Fingerprint: fp}, Port: 65536},
	}
	for _, a := range bad {
		if an, err := Announce(a); err == nil {
			an.Close()
			t.Errorf("Announce(%+v) succeeded", a)
		}
	}
}
