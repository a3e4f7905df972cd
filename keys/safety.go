package keys

import (
	"crypto/sha512"
	"strconv"
	"strings"
)

// Safety numbers let people compare, out of band, the keys the host handed
// them: a host that substitutes a member's keys to read direct messages shows
// the two ends different numbers. They are decimal digits in groups of five,
// as Signal's safety numbers are, because digits read aloud well in any
// language, and they are built the way Signal builds them (docs/protocol.md
// §5.6): every member has a fingerprint computed from its own name and keys
// alone, and the safety number of two members is their two fingerprints side
// by side. A host that wants two members to see matching numbers over keys of
// its own must find keys whose fingerprint equals that of one honest member's
// keys, a second preimage, rather than any two inputs that collide.

const (
	labelMember = "ssc member fingerprint v2"

	// memberIterations is how many times MemberFingerprint hashes, as many as
	// Signal does: each guess at a forged fingerprint costs that many SHA-512
	// computations, about 2^12.3.
	memberIterations = 5200

	// MemberFingerprintDigits is the length of a MemberFingerprint: six
	// groups of five digits, about 99.7 bits.
	MemberFingerprintDigits = 30

	// SafetyNumberDigits is the length of a PairSafetyNumber.
	SafetyNumberDigits = 2 * MemberFingerprintDigits
)

// MemberFingerprint returns the fingerprint of one member: 30 decimal digits,
// without separators, that depend on that member's name and public keys and
// on nothing else, neither the session nor anyone else's keys. The member
// reads its own from its own keys; everyone else computes it from the roster
// the host sent them, so the two agree only if the host passed the keys on
// unchanged. FormatDigits shows it in groups of five.
//
// It is SHA-512 over lv_cat(label, name, signing key, SHA-256 of the HPKE key), then 5200
// times SHA-512 of the previous output followed by that first digest; the
// first 30 bytes of the last output give six groups of five digits.
func MemberFingerprint(pub PublicIdentity, name string) string {
	d := sha512.Sum512(lvCat([]byte(labelMember), []byte(name), pub.SignKey, pub.KEMHash))
	var buf [2 * sha512.Size]byte
	copy(buf[sha512.Size:], d[:])
	h := d
	for range memberIterations {
		copy(buf[:sha512.Size], h[:])
		h = sha512.Sum512(buf[:])
	}
	return decimalChunks(h[:], MemberFingerprintDigits/5)
}

// PairSafetyNumber returns the number two members compare to check that each
// holds the other's real keys: their two MemberFingerprint values, the lesser
// first, 60 digits without separators. It does not depend on the order of a
// and b. FormatDigits shows it in twelve groups of five.
func PairSafetyNumber(a, b string) string {
	if a > b {
		a, b = b, a
	}
	return a + b
}

// FormatDigits returns digits in groups of five separated by spaces, the form
// people read and compare: "12345 67890 …". A trailing group may be shorter.
func FormatDigits(digits string) string {
	var b strings.Builder
	b.Grow(len(digits) + len(digits)/5)
	for i := 0; i < len(digits); i += 5 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(digits[i:min(i+5, len(digits))])
	}
	return b.String()
}

// decimalChunks renders groups 5-byte chunks of h, each as a 40-bit
// big-endian number modulo 100000, zero-padded to five digits. 2^40 is about
// 1.1e7 times 100000, so the modulo bias is negligible.
func decimalChunks(h []byte, groups int) string {
	out := make([]byte, 0, groups*5)
	for i := range groups {
		var v uint64
		for _, c := range h[5*i : 5*i+5] {
			v = v<<8 | uint64(c)
		}
		s := strconv.FormatUint(v%100000, 10)
		out = append(out, "00000"[len(s):]...)
		out = append(out, s...)
	}
	return string(out)
}
