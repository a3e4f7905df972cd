package keys

import (
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"strings"
)

// Fingerprint is the SHA-256 of the host certificate's DER encoding; links pin it.
type Fingerprint [32]byte

// fingerprintLen is the length of Fingerprint.String: 256 bits in 5-bit characters.
const fingerprintLen = 52

var fingerprintEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// FingerprintOf returns the fingerprint of a DER-encoded certificate.
func FingerprintOf(der []byte) Fingerprint {
	return sha256.Sum256(der)
}

// String returns f in lowercase RFC 4648 base32 without padding, the form links carry.
func (f Fingerprint) String() string {
	return strings.ToLower(fingerprintEncoding.EncodeToString(f[:]))
}

// Short returns the first 16 characters of String in groups of four, such as
// "abcd-efgh-ijkl-mnop": 80 bits, enough for people to compare aloud.
func (f Fingerprint) Short() string {
	s := f.String()
	return s[0:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:16]
}

// ParseFingerprint parses the 52-character form produced by String, in either
// case. Anything else, including the Short form and non-canonical trailing
// bits, is rejected with an error wrapping ErrBadFingerprint.
func ParseFingerprint(s string) (Fingerprint, error) {
	var f Fingerprint
	if len(s) != fingerprintLen {
		return f, fmt.Errorf("%w: %d characters, want %d", ErrBadFingerprint, len(s), fingerprintLen)
	}
	// Fold case byte by byte: strings.ToUpper would map some non-ASCII
	// letters (such as U+017F) onto the alphabet, and the base32 decoder
	// silently skips newlines.
	upper := make([]byte, len(s))
	for i := range len(s) {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		case 'A' <= c && c <= 'Z', '2' <= c && c <= '7':
		default:
			return f, fmt.Errorf("%w: invalid character at position %d", ErrBadFingerprint, i)
		}
		upper[i] = c
	}
	n, err := fingerprintEncoding.Decode(f[:], upper)
	if err != nil || n != len(f) {
		return Fingerprint{}, fmt.Errorf("%w: not base32", ErrBadFingerprint)
	}
	// The last character carries one bit and four unused ones; a single
	// fingerprint must have a single spelling.
	if f.String() != strings.ToLower(s) {
		return Fingerprint{}, fmt.Errorf("%w: non-canonical encoding", ErrBadFingerprint)
	}
	return f, nil
}
