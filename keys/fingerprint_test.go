package keys

import (
	"crypto/rand"
	"errors"
	"regexp"
	"strings"
	"testing"
)

func TestFingerprintKnownAnswer(t *testing.T) {
	// SHA-256("abc") in base32, computed independently.
	const want = "xj4bnp4pahh6uqkbidpf3lrceoyagyndsylxvhfucd7wd4qacwwq"
	f := FingerprintOf([]byte("abc"))
	if got := f.String(); got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
	if got := f.Short(); got != "xj4b-np4p-ahh6-uqkb" {
		t.Errorf("Short = %q, want %q", got, "xj4b-np4p-ahh6-uqkb")
	}
}

func TestFingerprintRoundTrip(t *testing.T) {
	short := regexp.MustCompile(`^[a-z2-7]{4}(-[a-z2-7]{4}){3}$`)
	for i := range 100 {
		var f Fingerprint
		rand.Read(f[:])
		s := f.String()
		if len(s) != 52 || s != strings.ToLower(s) {
			t.Fatalf("String = %q, want 52 lowercase characters", s)
		}
		for _, in := range []string{s, strings.ToUpper(s)} {
			g, err := ParseFingerprint(in)
			if err != nil {
				t.Fatalf("ParseFingerprint(%q): %v", in, err)
			}
			if g != f {
				t.Fatalf("ParseFingerprint(%q) = %x, want %x", in, g, f)
			}
		}
		sh := f.Short()
		if !short.MatchString(sh) || strings.ReplaceAll(sh, "-", "") != s[:16] {
			t.Fatalf("Short = %q for %q", sh, s)
		}
		if i == 0 {
			// Two fingerprints differing in their first byte differ in Short.
			g := f
			g[0] ^= 0x80
			if g.Short() == f.Short() {
				t.Errorf("Short does not depend on the first byte")
			}
		}
	}
}

func TestParseFingerprintBad(t *testing.T) {
	good := FingerprintOf([]byte("abc")).String()
	tests := []struct {
		name string
		in   string
		want FingerprintError
	}{
		{"empty", "", FingerprintError{Problem: FingerprintLength}},
		{"one short", good[:51], FingerprintError{Problem: FingerprintLength, Len: 51}},
		{"one long", good + "a", FingerprintError{Problem: FingerprintLength, Len: 53}},
		{"padded", good + "====", FingerprintError{Problem: FingerprintLength, Len: 56}},
		{"short form", FingerprintOf([]byte("abc")).Short(), FingerprintError{Problem: FingerprintLength, Len: 19}},
		{"digit 1", "1" + good[1:], FingerprintError{Problem: FingerprintCharacter, Len: 52}},
		{"digit 0", good[:10] + "0" + good[11:], FingerprintError{Problem: FingerprintCharacter, Len: 52, Pos: 10}},
		{"digit 8", good[:10] + "8" + good[11:], FingerprintError{Problem: FingerprintCharacter, Len: 52, Pos: 10}},
		{"padding inside", good[:51] + "=", FingerprintError{Problem: FingerprintCharacter, Len: 52, Pos: 51}},
		{"newline inside", good[:20] + "\n" + good[21:], FingerprintError{Problem: FingerprintCharacter, Len: 52, Pos: 20}},
		{"space", " " + good[1:], FingerprintError{Problem: FingerprintCharacter, Len: 52}},
		{"non-ASCII folding to s", "\u017f" + good[2:], FingerprintError{Problem: FingerprintCharacter, Len: 52}},
		{"non-canonical last character", good[:51] + "r", FingerprintError{Problem: FingerprintNonCanonical, Len: 52}},
		{"hex", strings.Repeat("0123456789abcdef", 4)[:52], FingerprintError{Problem: FingerprintCharacter, Len: 52}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := ParseFingerprint(tt.in)
			var fe *FingerprintError
			if !errors.Is(err, ErrBadFingerprint) || !errors.As(err, &fe) || *fe != tt.want {
				t.Fatalf("ParseFingerprint(%q) = %v, %v; want %+v, wrapping %v", tt.in, f, err, tt.want, ErrBadFingerprint)
			}
			if f != (Fingerprint{}) {
				t.Errorf("ParseFingerprint returned %x with an error", f)
			}
		})
	}
}
