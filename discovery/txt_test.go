package discovery

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/ssc-chat/ssc/internal/fuzzseed"
)

func TestParseTXT(t *testing.T) {
	long := strings.Repeat("é", MaxTitleBytes/2) // exactly MaxTitleBytes bytes
	tests := []struct {
		name  string
		txt   []string
		want  Info
		wrong error // when the record must be refused
	}{
		{name: "as announced", txt: []string{"v=2", "name=alice's session", "fp=" + fp}, want: Info{Title: "alice's session", Fingerprint: fp}},
		{name: "any order", txt: []string{"fp=" + fp, "name=x", "v=2"}, want: Info{Title: "x", Fingerprint: fp}},
		{name: "keys ignore case", txt: []string{"V=2", "Name=x", "FP=" + fp}, want: Info{Title: "x", Fingerprint: fp}},
		// What a fingerprint is, is for the caller to check.
		{name: "fingerprint as written", txt: []string{"v=2", "fp=" + strings.ToUpper(fp[:51]) + "r"}, want: Info{Fingerprint: strings.ToUpper(fp[:51]) + "r"}},
		{name: "fingerprint of any form", txt: []string{"v=2", "fp=\u212a\n" + fp[:20]}, want: Info{Fingerprint: "\u212a\n" + fp[:20]}},
		{name: "no name", txt: []string{"v=2", "fp=" + fp}, want: Info{Fingerprint: fp}},
		{name: "name at the limit", txt: []string{"v=2", "name=" + long, "fp=" + fp}, want: Info{Title: long, Fingerprint: fp}},
		{name: "name with an equals sign", txt: []string{"v=2", "name=a=b", "fp=" + fp}, want: Info{Title: "a=b", Fingerprint: fp}},
		// Shown only after sanitising, but not refused: that is the display's job.
		{name: "control characters in the name", txt: []string{"v=2", "name=\x1b[2J\x1b]0;owned\x07\u202e", "fp=" + fp}, want: Info{Title: "\x1b[2J\x1b]0;owned\x07\u202e", Fingerprint: fp}},
		{name: "unknown keys ignored", txt: []string{"v=2", "fp=" + fp, "color=red", "flag", "=nokey", ""}, want: Info{Fingerprint: fp}},
		// RFC 6763 §6.4: only the first occurrence of a key counts.
		{name: "duplicate name", txt: []string{"v=2", "name=first", "name=second", "fp=" + fp}, want: Info{Title: "first", Fingerprint: fp}},
		{name: "duplicate fingerprint", txt: []string{"v=2", "fp=" + fp, "fp=" + strings.Repeat("a", 52)}, want: Info{Fingerprint: fp}},
		{name: "duplicate version", txt: []string{"v=2", "v=3", "fp=" + fp}, want: Info{Fingerprint: fp}},
		{name: "duplicate version, other first", txt: []string{"v=3", "v=2", "fp=" + fp}, wrong: ErrOtherVersion},

		{name: "empty", txt: nil, wrong: ErrBadTXT},
		{name: "no version", txt: []string{"name=x", "fp=" + fp}, wrong: ErrBadTXT},
		{name: "version without value", txt: []string{"v", "fp=" + fp}, wrong: ErrOtherVersion},
		{name: "other version", txt: []string{"v=3", "name=x", "fp=" + fp}, wrong: ErrOtherVersion},
		{name: "version with spaces", txt: []string{"v= 1", "fp=" + fp}, wrong: ErrOtherVersion},
		{name: "version with leading zero", txt: []string{"v=01", "fp=" + fp}, wrong: ErrOtherVersion},
		{name: "no fingerprint", txt: []string{"v=2", "name=x"}, wrong: ErrBadTXT},
		{name: "empty fingerprint", txt: []string{"v=2", "fp="}, wrong: ErrBadTXT},
		{name: "fingerprint too long", txt: []string{"v=2", "fp=" + strings.Repeat("a", MaxFingerprintBytes+1)}, wrong: ErrBadTXT},
		{name: "name too long", txt: []string{"v=2", "name=" + long + "x", "fp=" + fp}, wrong: ErrBadTXT},
		{name: "name not UTF-8", txt: []string{"v=2", "name=\xff\xfe", "fp=" + fp}, wrong: ErrBadTXT},
		{name: "string too long", txt: []string{"v=2", "fp=" + fp, "x=" + strings.Repeat("x", 254)}, wrong: ErrBadTXT},
		{name: "too many strings", txt: append([]string{"v=2", "fp=" + fp}, slices.Repeat([]string{"x=1"}, maxTXTStrings)...), wrong: ErrBadTXT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTXT(tt.txt)
			if tt.wrong != nil {
				if !errors.Is(err, tt.wrong) {
					t.Fatalf("ParseTXT(%q) = %+v, %v; want an error wrapping %v", tt.txt, got, err, tt.wrong)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseTXT(%q) = %+v, %v; want %+v", tt.txt, got, err, tt.want)
			}
		})
	}
}

func TestMarshalTXT(t *testing.T) {
	txt, err := Info{Title: "alice's session", Fingerprint: fp}.MarshalTXT()
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"v=2", "name=alice's session", "fp=" + fp}; !slices.Equal(txt, want) {
		t.Fatalf("MarshalTXT = %q, want %q", txt, want)
	}
	for _, s := range txt {
		if len(s) >= 255 {
			t.Errorf("TXT string of %d bytes", len(s))
		}
	}
	bad := []Info{
		{Title: "x"},
		{Title: "x", Fingerprint: strings.Repeat("a", MaxFingerprintBytes+1)},
		{Title: strings.Repeat("x", MaxTitleBytes+1), Fingerprint: fp},
		{Title: "\xff", Fingerprint: fp},
	}
	for _, info := range bad {
		if txt, err := info.MarshalTXT(); !errors.Is(err, ErrBadTXT) {
			t.Errorf("MarshalTXT of %+v = %q, %v; want an error wrapping ErrBadTXT", info, txt, err)
		}
	}
}

// splitTXT splits TXT record data as it comes off the wire (RFC 6763 §6.1:
// each string is a length byte and that many bytes), for the fuzzer.
func splitTXT(data []byte) ([]string, bool) {
	var txt []string
	for len(data) > 0 {
		n := int(data[0])
		if 1+n > len(data) {
			return nil, false
		}
		txt = append(txt, string(data[1:1+n]))
		data = data[1+n:]
	}
	return txt, true
}

func FuzzParseTXT(f *testing.F) {
	fuzzseed.Require(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		txt, ok := splitTXT(data)
		if !ok {
			return
		}
		info, err := ParseTXT(txt)
		if err != nil {
			if !errors.Is(err, ErrBadTXT) {
				t.Fatalf("ParseTXT(%q) = %v, which does not wrap ErrBadTXT", txt, err)
			}
			return
		}
		if len(info.Title) > MaxTitleBytes || len(info.Fingerprint) > MaxFingerprintBytes || info.Fingerprint == "" {
			t.Fatalf("ParseTXT(%q) accepted %+v", txt, info)
		}
		// What ssc accepts, ssc can announce, and reads back the same.
		again, err := info.MarshalTXT()
		if err != nil {
			t.Fatalf("ParseTXT(%q) accepted %+v, which MarshalTXT refuses: %v", txt, info, err)
		}
		if back, err := ParseTXT(again); err != nil || back != info {
			t.Fatalf("%+v announced as %q reads back as %+v, %v", info, again, back, err)
		}
	})
}
