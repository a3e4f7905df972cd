package discovery

import (
	"errors"
	"strings"
	"testing"

	"github.com/ssc-chat/ssc/internal/fuzzseed"
)

const fp = "wlnpzndaktwcz3kuhbao4ib2z5tiooerop2bvtxqxvmevl4a266q"

func TestParseLink(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		want  Link
		wrong string // part of the error, when the link is bad
	}{
		{name: "pinned", in: "ssc://192.0.2.7:7654/" + fp, want: Link{Addr: "192.0.2.7:7654", Fingerprint: fp}},
		{name: "pinned upper case", in: "SSC://192.0.2.7:7654/" + strings.ToUpper(fp), want: Link{Addr: "192.0.2.7:7654", Fingerprint: fp}},
		{name: "pinned trailing slash", in: "ssc://h.example:1/" + fp + "/", want: Link{Addr: "h.example:1", Fingerprint: fp}},
		{name: "pinned IPv6", in: "ssc://[2001:db8::1]:7654/" + fp, want: Link{Addr: "[2001:db8::1]:7654", Fingerprint: fp}},
		{name: "ngrok", in: "tcp://4.tcp.eu.ngrok.io:13655", want: Link{Addr: "4.tcp.eu.ngrok.io:13655"}},
		{name: "plain", in: " 10.0.0.2:7654\n", want: Link{Addr: "10.0.0.2:7654"}},
		{name: "leading zero port", in: "h:07654", want: Link{Addr: "h:7654"}},
		{name: "no fingerprint", in: "ssc://h:1", wrong: "ends with /FINGERPRINT"},
		{name: "short fingerprint", in: "ssc://h:1/abc", wrong: "52 characters"},
		{name: "fingerprint not base32", in: "ssc://h:1/" + strings.Repeat("1", 52), wrong: "not base32"},
		{name: "unknown scheme", in: "ftp://h:1", wrong: "unknown scheme"},
		{name: "no port", in: "host", wrong: "HOST:PORT"},
		{name: "port too large", in: "host:99999", wrong: "1 to 65535"},
		{name: "port zero", in: "host:0", wrong: "1 to 65535"},
		{name: "named port", in: "host:http", wrong: "1 to 65535"},
		{name: "no host", in: ":7654", wrong: "host is missing"},
		{name: "userinfo", in: "tcp://user@h:1", wrong: "characters"},
		{name: "path on tcp", in: "tcp://h:1/x", wrong: "port must be a number"},
		{name: "huge", in: strings.Repeat("a", 1000), wrong: "longer"},
		{name: "empty", in: "", wrong: "HOST:PORT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseLink(tt.in)
			if tt.wrong != "" {
				if !errors.Is(err, ErrBadLink) || !strings.Contains(err.Error(), tt.wrong) {
					t.Fatalf("ParseLink(%q) = %v, %v; want an error about %q", tt.in, got, err, tt.wrong)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseLink(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
			// What ssc prints, ssc reads back.
			if again, err := ParseLink(got.String()); err != nil || again != got {
				t.Fatalf("round trip of %q: %+v, %v", got.String(), again, err)
			}
		})
	}
}

func FuzzParseLink(f *testing.F) {
	fuzzseed.Require(f)
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseLink(s)
		if err != nil {
			return
		}
		if l.Pinned() && len(l.Fingerprint) != fingerprintLen {
			t.Fatalf("accepted fingerprint %q", l.Fingerprint)
		}
		again, err := ParseLink(l.String())
		if err != nil || again != l {
			t.Fatalf("%q parsed to %+v, which reads back as %+v, %v", s, l, again, err)
		}
	})
}
