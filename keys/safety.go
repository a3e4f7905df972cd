package keys

import (
	"bytes"
	"cmp"
	"crypto/sha512"
	"slices"
	"strconv"
	"strings"
)

// Safety numbers and group fingerprints let people compare, out of band, the
// keys the host handed them: a host that substitutes a member's keys to read
// direct messages shows the two ends different numbers. Both are decimal
// digits in groups of five, as Signal's safety numbers are, because digits
// read aloud well in any language.

const (
	labelSafety = "ssc safety v1"
	labelGroup  = "ssc group v1"
)

// RosterEntry is one member of a roster as GroupFingerprint covers it.
type RosterEntry struct {
	Name     string
	Identity PublicIdentity
}

// SafetyNumber returns the number a and b compare to check that each holds
// the other's real keys in this session: 30 digits in six groups of five. It
// does not depend on the order of a and b.
func SafetyNumber(sessionID []byte, a, b PublicIdentity) string {
	fa, fb := safetyHash(sessionID, a), safetyHash(sessionID, b)
	if bytes.Compare(fa[:], fb[:]) > 0 {
		fa, fb = fb, fa
	}
	h := sha512.Sum512(append(fa[:], fb[:]...))
	return digitGroups(h[:], 6)
}

func safetyHash(sessionID []byte, p PublicIdentity) [sha512.Size]byte {
	return sha512.Sum512(lvCat([]byte(labelSafety), sessionID, p.SignKey, p.KEMKey))
}

// GroupFingerprint returns a digest of the whole roster, names included, that
// every member can compare at once: 20 digits in four groups of five. It does
// not depend on the order of roster.
func GroupFingerprint(sessionID []byte, roster []RosterEntry) string {
	sorted := slices.Clone(roster)
	// Entries sharing a signing key (which an honest host never sends) are
	// ordered by the rest, so that no order of them changes the result.
	slices.SortFunc(sorted, func(x, y RosterEntry) int {
		return cmp.Or(
			bytes.Compare(x.Identity.SignKey, y.Identity.SignKey),
			bytes.Compare(x.Identity.KEMKey, y.Identity.KEMKey),
			strings.Compare(x.Name, y.Name),
		)
	})
	parts := make([][]byte, 0, 2+3*len(sorted))
	parts = append(parts, []byte(labelGroup), sessionID)
	for _, e := range sorted {
		parts = append(parts, []byte(e.Name), e.Identity.SignKey, e.Identity.KEMKey)
	}
	h := sha512.Sum512(lvCat(parts...))
	return digitGroups(h[:], 4)
}

// digitGroups renders groups 5-byte chunks of h, each as a 40-bit big-endian
// number modulo 100000, zero-padded to five digits and separated by spaces.
// 2^40 is about 1.1e7 times 100000, so the modulo bias is negligible.
func digitGroups(h []byte, groups int) string {
	out := make([]byte, 0, groups*6)
	for i := range groups {
		if i > 0 {
			out = append(out, ' ')
		}
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
