package discovery

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

const fp2 = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

func record(title, host, addr, fingerprint string) Record {
	return Record{
		Instance: "x._ssc._tcp.local.",
		Host:     host,
		Addr:     netip.MustParseAddrPort(addr),
		TXT:      []string{"v=2", "name=" + title, "fp=" + fingerprint},
	}
}

func TestSessions(t *testing.T) {
	local := []netip.Prefix{netip.MustParsePrefix("192.168.1.7/24")}
	tests := []struct {
		name    string
		records []Record
		want    []Session
	}{
		{
			name:    "one",
			records: []Record{record("alice's session", "laptop.ssc.local.", "192.168.1.20:7654", fp)},
			want:    []Session{{Info: Info{Title: "alice's session", Fingerprint: fp}, Host: "laptop", Addrs: []string{"192.168.1.20:7654"}}},
		},
		{
			name: "one host on two networks, the local one first",
			records: []Record{
				record("s", "laptop.ssc.local.", "10.9.0.1:7654", fp),
				record("s", "laptop.ssc.local.", "192.168.1.20:7654", fp),
				record("s", "laptop.ssc.local.", "192.168.1.20:7654", fp), // asked twice
			},
			want: []Session{{Info: Info{Title: "s", Fingerprint: fp}, Host: "laptop", Addrs: []string{"192.168.1.20:7654", "10.9.0.1:7654"}}},
		},
		{
			name: "sorted by title",
			records: []Record{
				record("zed", "b.local.", "192.168.1.2:1", fp2),
				record("amy", "a", "192.168.1.3:1", fp),
			},
			want: []Session{
				{Info: Info{Title: "amy", Fingerprint: fp}, Host: "a", Addrs: []string{"192.168.1.3:1"}},
				{Info: Info{Title: "zed", Fingerprint: fp2}, Host: "b", Addrs: []string{"192.168.1.2:1"}},
			},
		},
		{
			// A spoofer repeating a fingerprint under another name is shown
			// apart, not merged into the real session.
			name: "same fingerprint, other title",
			records: []Record{
				record("alice's session", "laptop.ssc.local.", "192.168.1.20:7654", fp),
				record("alice's session!", "laptop.ssc.local.", "192.168.1.66:7654", fp),
			},
			want: []Session{
				{Info: Info{Title: "alice's session", Fingerprint: fp}, Host: "laptop", Addrs: []string{"192.168.1.20:7654"}},
				{Info: Info{Title: "alice's session!", Fingerprint: fp}, Host: "laptop", Addrs: []string{"192.168.1.66:7654"}},
			},
		},
		{
			name: "malformed records left out",
			records: []Record{
				{Host: "h", Addr: netip.MustParseAddrPort("192.168.1.2:1"), TXT: []string{"v=3", "fp=" + fp}},
				{Host: "h", Addr: netip.MustParseAddrPort("192.168.1.2:1"), TXT: []string{"v=2"}},
				{Host: "h", Addr: netip.MustParseAddrPort("192.168.1.2:1"), TXT: []string{"v=2", "fp=" + fp, "name=\xff"}},
				record("no port", "h", "192.168.1.2:0", fp),
				record("unspecified", "h", "0.0.0.0:1", fp),
				record("multicast", "h", "224.0.0.251:1", fp),
				record("broadcast", "h", "255.255.255.255:1", fp),
				{Host: "h", TXT: []string{"v=2", "fp=" + fp}},
				record("long host", strings.Repeat("h", 256), "192.168.1.2:1", fp),
				record("ok", "h", "192.168.1.2:1", fp),
			},
			want: []Session{{Info: Info{Title: "ok", Fingerprint: fp}, Host: "h", Addrs: []string{"192.168.1.2:1"}}},
		},
		{name: "none", records: nil, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Sessions(tt.records, local)
			if !slices.EqualFunc(got, tt.want, equalSession) {
				t.Fatalf("Sessions =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func equalSession(a, b Session) bool {
	return a.Info == b.Info && a.Host == b.Host && slices.Equal(a.Addrs, b.Addrs)
}

// A flood of answers costs bounded memory and screen.
func TestSessionsBounded(t *testing.T) {
	var records []Record
	for i := range 3 * MaxSessions {
		records = append(records, record(fmt.Sprintf("s%03d", i), "h", "192.168.1.2:1", fp))
	}
	for i := range 3 * maxAddrs {
		records = append(records, record("s000", "h", fmt.Sprintf("192.168.1.%d:1", 10+i), fp))
	}
	got := Sessions(records, nil)
	if len(got) != MaxSessions {
		t.Fatalf("%d sessions, want %d", len(got), MaxSessions)
	}
	if n := len(got[0].Addrs); n != maxAddrs {
		t.Fatalf("%d addresses, want %d", n, maxAddrs)
	}
}

func TestPick(t *testing.T) {
	sessions := []Session{
		{Info: Info{Title: "alice's session", Fingerprint: fp}},
		{Info: Info{Title: "Bob", Fingerprint: fp2}},
		{Info: Info{Title: "bob", Fingerprint: "abcd" + fp2[4:]}},
		{Info: Info{Title: "7", Fingerprint: "wlnp" + fp2[4:]}},
	}
	tests := []struct {
		name   string
		answer string
		want   string // the fingerprint picked
		wrong  error
	}{
		{name: "number", answer: "1", want: fp},
		{name: "number with spaces", answer: " 2\n", want: fp2},
		{name: "last number", answer: "4", want: sessions[3].Fingerprint},
		{name: "number zero", answer: "0", wrong: ErrNoMatch},
		{name: "number too large", answer: "5", wrong: ErrNoMatch},
		{name: "a title that is a number is picked by its number only", answer: "7", wrong: ErrNoMatch},
		{name: "negative", answer: "-1", wrong: ErrNoMatch},
		{name: "title", answer: "alice's session", want: fp},
		{name: "title ignoring case", answer: "ALICE'S SESSION", want: fp},
		{name: "two titles alike", answer: "bob", wrong: ErrAmbiguous},
		{name: "fingerprint start", answer: "abcd", want: "abcd" + fp2[4:]},
		{name: "short fingerprint", answer: "AAAA-AAAA", want: fp2},
		{name: "fingerprint start shared", answer: "wlnp", wrong: ErrAmbiguous},
		{name: "fingerprint too short", answer: "abc", wrong: ErrNoMatch},
		{name: "part of a title", answer: "alice", wrong: ErrNoMatch},
		{name: "empty", answer: "  ", wrong: ErrNoMatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Pick(sessions, tt.answer)
			if tt.wrong != nil {
				if !errors.Is(err, tt.wrong) {
					t.Fatalf("Pick(%q) = %+v, %v; want %v", tt.answer, got, err, tt.wrong)
				}
				return
			}
			if err != nil || got.Fingerprint != tt.want {
				t.Fatalf("Pick(%q) = %+v, %v; want the session with fingerprint %s", tt.answer, got, err, tt.want)
			}
		})
	}
	if _, err := Pick(nil, "1"); !errors.Is(err, ErrNoMatch) {
		t.Errorf("Pick from no sessions: %v", err)
	}
}

func TestInstanceLabel(t *testing.T) {
	tests := []struct{ title, want string }{
		{"alice's session", "alice-s-session-wlnpznda"},
		{"  Ünïcode ☃ only  ", "n-code-only-wlnpznda"},
		{"☃☃", "session-wlnpznda"},
		{"", "session-wlnpznda"},
		{"a.b.c", "a-b-c-wlnpznda"},
		{strings.Repeat("x", 100), strings.Repeat("x", maxInstanceLabel) + "-wlnpznda"},
		{"\x1b[31mred", "31mred-wlnpznda"},
	}
	for _, tt := range tests {
		if got := instanceLabel(tt.title, fp); got != tt.want {
			t.Errorf("instanceLabel(%q) = %q, want %q", tt.title, got, tt.want)
		}
	}
}
