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
		wrong LinkProblem // when the link is bad
	}{
		{name: "pinned", in: "ssc://192.0.2.7:7654/" + fp, want: Link{Addr: "192.0.2.7:7654", Fingerprint: fp}},
		{name: "pinned upper case", in: "SSC://192.0.2.7:7654/" + strings.ToUpper(fp), want: Link{Addr: "192.0.2.7:7654", Fingerprint: strings.ToUpper(fp)}},
		// What a fingerprint is, is not discovery's business.
		{name: "pinned, a short fingerprint", in: "ssc://h:1/abc", want: Link{Addr: "h:1", Fingerprint: "abc"}},
		{name: "pinned trailing slash", in: "ssc://h.example:1/" + fp + "/", want: Link{Addr: "h.example:1", Fingerprint: fp}},
		{name: "pinned IPv6", in: "ssc://[2001:db8::1]:7654/" + fp, want: Link{Addr: "[2001:db8::1]:7654", Fingerprint: fp}},
		{name: "ngrok", in: "tcp://4.tcp.eu.ngrok.io:13655", want: Link{Addr: "4.tcp.eu.ngrok.io:13655"}},
		{name: "plain", in: " 10.0.0.2:7654\n", want: Link{Addr: "10.0.0.2:7654"}},
		{name: "leading zero port", in: "h:07654", want: Link{Addr: "h:7654"}},
		{name: "no fingerprint", in: "ssc://h:1", wrong: LinkNoFingerprint},
		{name: "fingerprint with a slash", in: "ssc://h:1/" + fp + "//", wrong: LinkBadFingerprint},
		{name: "fingerprint with a space", in: "ssc://h:1/" + fp[:10] + " " + fp[10:], wrong: LinkBadFingerprint},
		{name: "fingerprint with a dash", in: "ssc://h:1/wlnp-znda-ktwc-z3ku", wrong: LinkBadFingerprint},
		{name: "no fingerprint after the slash", in: "ssc://h:1/", wrong: LinkNoFingerprint},
		{name: "unknown scheme", in: "ftp://h:1", wrong: LinkUnknownScheme},
		{name: "no port", in: "host", wrong: LinkNotHostPort},
		{name: "port too large", in: "host:99999", wrong: LinkBadPort},
		{name: "port zero", in: "host:0", wrong: LinkBadPort},
		{name: "named port", in: "host:http", wrong: LinkBadPort},
		{name: "no host", in: ":7654", wrong: LinkNoHost},
		{name: "userinfo", in: "tcp://user@h:1", wrong: LinkBadHost},
		{name: "path on tcp", in: "tcp://h:1/x", wrong: LinkBadPort},
		{name: "huge", in: strings.Repeat("a", 1000), wrong: LinkTooLong},
		{name: "empty", in: "", wrong: LinkNotHostPort},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseLink(tt.in)
			if tt.wrong != 0 {
				var le *LinkError
				if !errors.Is(err, ErrBadLink) || !errors.As(err, &le) || le.Problem != tt.wrong {
					t.Fatalf("ParseLink(%q) = %v, %v; want problem %d", tt.in, got, err, tt.wrong)
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
			if !errors.Is(err, ErrBadLink) {
				t.Fatalf("ParseLink(%q) = %v, which does not wrap ErrBadLink", s, err)
			}
			return
		}
		if l.Pinned() && !alphanumeric(l.Fingerprint) {
			t.Fatalf("accepted fingerprint %q", l.Fingerprint)
		}
		again, err := ParseLink(l.String())
		if err != nil || again != l {
			t.Fatalf("%q parsed to %+v, which reads back as %+v, %v", s, l, again, err)
		}
	})
}
