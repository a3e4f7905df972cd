package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ssc-chat/ssc/discovery"
	"github.com/ssc-chat/ssc/wire"
)

// Sessions announce the protocol they speak; discovery, which imports no
// ssc package, keeps its own copy of the number.
func TestProtocolVersionAnnounced(t *testing.T) {
	if discovery.ProtocolVersion != wire.Version {
		t.Fatalf("discovery announces protocol %d, wire speaks %d", discovery.ProtocolVersion, wire.Version)
	}
}

func TestSessionTitle(t *testing.T) {
	long := strings.Repeat("é", 60)
	tests := []struct {
		name  string
		raw   string
		given bool
		want  string
		wrong string
	}{
		{name: "default", want: "alice's session"},
		{name: "given", raw: "Friday sync", given: true, want: "Friday sync"},
		{name: "spaces folded", raw: "  Friday \t\n sync ", given: true, want: "Friday sync"},
		{name: "escapes shown", raw: "\x1b[31mred\u202e", given: true, want: "␛[31mred<U+202E>"},
		{name: "capped", raw: long, given: true, want: long[:2*maxTitleRunes]},
		{name: "empty", raw: " \t ", given: true, wrong: "the title is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := sessionTitle(tt.raw, tt.given, "alice")
			if tt.wrong != "" {
				var ue *userError
				if !errors.As(err, &ue) || ue.code != exitUsage || ue.msg != tt.wrong {
					t.Fatalf("sessionTitle(%q) = %q, %v; want the usage error %q", tt.raw, got, err, tt.wrong)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("sessionTitle(%q) = %q, %v; want %q", tt.raw, got, err, tt.want)
			}
			if utf8.RuneCountInString(got) > maxTitleRunes || len(got) > discovery.MaxTitleBytes {
				t.Fatalf("title %q is longer than an announcement can carry", got)
			}
		})
	}
}

func TestTunnelWarning(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		msg      string // all of it
		hintHas  string
		hintLack string
	}{
		{
			name:    "card",
			err:     &discovery.TunnelError{Err: cardError{}},
			msg:     "the ngrok tunnel is not open: ngrok: You must add a credit or debit card before you can use TCP endpoints on a free account. ERR_NGROK_8013",
			hintHas: ngrokCardURL,
		},
		{
			name:    "timeout",
			err:     &discovery.TunnelError{Err: fmt.Errorf("failed to connect: %w", context.DeadlineExceeded)},
			msg:     "the ngrok tunnel was not open within 15s: ngrok: failed to connect: context deadline exceeded",
			hintHas: "--ngrok-timeout",
		},
		{
			name:     "other, with escapes from the network",
			err:      &discovery.TunnelError{Err: errors.New("authentication failed: \x1b[2Jbad\ntoken")},
			msg:      "the ngrok tunnel is not open: ngrok: authentication failed: ␛[2Jbad token",
			hintHas:  "NGROK_AUTHTOKEN",
			hintLack: ngrokCardURL,
		},
		{
			name:     "an endpoint that is not TCP",
			err:      fmt.Errorf("%w: %q", discovery.ErrBadEndpoint, "https://x.ngrok.app"),
			msg:      "the ngrok tunnel is not open: ngrok opened an endpoint that is not a TCP address",
			hintHas:  "NGROK_AUTHTOKEN",
			hintLack: ngrokCardURL,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := tunnelWarning(tt.err, 15*time.Second)
			if w.msg != tt.msg {
				t.Errorf("message %q, want %q", w.msg, tt.msg)
			}
			if !strings.Contains(w.hint, tt.hintHas) || !strings.Contains(w.hint, "local network only") {
				t.Errorf("hint %q lacks %q or that the session goes on", w.hint, tt.hintHas)
			}
			if tt.hintLack != "" && strings.Contains(w.hint, tt.hintLack) {
				t.Errorf("hint %q has %q", w.hint, tt.hintLack)
			}
		})
	}
}

func TestCompleteSession(t *testing.T) {
	sessions := []discovery.Session{
		{Info: discovery.Info{Title: "alice's session"}},
		{Info: discovery.Info{Title: "Alpha team"}},
		{Info: discovery.Info{Title: "bob"}},
	}
	tests := []struct {
		line string
		want []string
	}{
		{"al", []string{"alice's session", "Alpha team"}},
		{"ALI", []string{"alice's session"}},
		{"b", []string{"bob"}},
		{"2", []string{"2"}},
		{"x", nil},
		{"", []string{"alice's session", "Alpha team", "bob"}},
	}
	for _, tt := range tests {
		if got := completeSession(sessions, tt.line); !slices.Equal(got, tt.want) {
			t.Errorf("completeSession(%q) = %q, want %q", tt.line, got, tt.want)
		}
	}
}

func TestMDNSProblem(t *testing.T) {
	tests := []struct {
		name string
		err  error
		ip   net.IP
		want string
	}{
		{"no interface", fmt.Errorf("%w: none is up with an IPv4 address", discovery.ErrNoInterface), nil,
			"no network interface is up with an IPv4 address"},
		{"no interface with the address", fmt.Errorf("%w: none has the address 192.0.2.1", discovery.ErrNoInterface), net.IPv4(192, 0, 2, 1),
			"no network interface that is up has the address 192.0.2.1"},
		{"one interface", errors.Join(&discovery.InterfaceError{Iface: "eth0", Err: fmt.Errorf("listen: %w", errors.New("bind: permission denied"))}), nil,
			"on eth0: bind: permission denied"},
		{"the system", fmt.Errorf("discovery: listing network interfaces: %w", errors.New("netlink: operation not permitted")), nil,
			"netlink: operation not permitted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mdnsProblem(tt.err, tt.ip); got != tt.want {
				t.Errorf("mdnsProblem = %q, want %q", got, tt.want)
			}
		})
	}
}
