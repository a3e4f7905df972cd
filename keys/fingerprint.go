package keys

import (
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"strings"
)

// Fingerprint is the SHA-256 of the host certificate's DER encoding; links pin it.
type Fingerprint [32]byte

// FingerprintLen is the length of Fingerprint.String: 256 bits in 5-bit characters.
const FingerprintLen = 52

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

// FingerprintProblem says what is wrong with a string that is not a fingerprint.
type FingerprintProblem int

const (
	// FingerprintLength: not FingerprintLen characters long.
	FingerprintLength FingerprintProblem = iota + 1
	// FingerprintCharacter: a character outside base32's alphabet.
	FingerprintCharacter
	// FingerprintNonCanonical: the last character sets bits a fingerprint
	// leaves at zero, so this is not the one spelling String gives.
	FingerprintNonCanonical
)

// FingerprintError is ParseFingerprint's refusal, for the caller to put into
// words. It wraps ErrBadFingerprint.
type FingerprintError struct {
	Problem FingerprintProblem
	Len     int // the length of the string, in bytes
	Pos     int // for FingerprintCharacter: the byte offset of the first bad character
}

func (e *FingerprintError) Error() string {
	switch e.Problem {
	case FingerprintLength:
		return fmt.Sprintf("%v: %d characters, want %d", ErrBadFingerprint, e.Len, FingerprintLen)
	case FingerprintCharacter:
		return fmt.Sprintf("%v: invalid character at position %d", ErrBadFingerprint, e.Pos)
	case FingerprintNonCanonical:
		return fmt.Sprintf("%v: non-canonical encoding", ErrBadFingerprint)
	}
	return ErrBadFingerprint.Error()
}

func (e *FingerprintError) Unwrap() error { return ErrBadFingerprint }

// ParseFingerprint parses the 52-character form produced by String, in either
// case. Anything else, including the Short form and non-canonical trailing
// bits, is rejected with a *FingerprintError.
func ParseFingerprint(s string) (Fingerprint, error) {
	var f Fingerprint
	if len(s) != FingerprintLen {
		return f, &FingerprintError{Problem: FingerprintLength, Len: len(s)}
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
			return f, &FingerprintError{Problem: FingerprintCharacter, Len: len(s), Pos: i}
		}
		upper[i] = c
	}
	n, err := fingerprintEncoding.Decode(f[:], upper)
	if err != nil || n != len(f) {
		// Unreachable: 52 characters of the alphabet decode to 32 bytes.
		return Fingerprint{}, &FingerprintError{Problem: FingerprintCharacter, Len: len(s)}
	}
	// The last character carries one bit and four unused ones; a single
	// fingerprint must have a single spelling.
	if f.String() != strings.ToLower(s) {
		return Fingerprint{}, &FingerprintError{Problem: FingerprintNonCanonical, Len: len(s)}
	}
	return f, nil
}
