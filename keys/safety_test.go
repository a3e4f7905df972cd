package keys

import (
	"bytes"
	"crypto/sha512"
	"encoding/binary"
	"fmt"
	"regexp"
	"slices"
	"testing"
)

var (
	safetyFormat = regexp.MustCompile(`^\d{5}( \d{5}){5}$`)
	groupFormat  = regexp.MustCompile(`^\d{5}( \d{5}){3}$`)
)

// fixedPublic returns a public identity of well-sized constant keys: the
// safety constructions only hash keys, so they need not be real ones.
func fixedPublic(c byte) PublicIdentity {
	return PublicIdentity{
		SignKey: bytes.Repeat([]byte{c}, SignKeySize),
		KEMKey:  bytes.Repeat([]byte{c + 1}, KEMKeySize),
	}
}

// lv is lv_cat spelled out independently of lvCat: LEB128 is uvarint.
func lv(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = binary.AppendUvarint(out, uint64(len(p)))
		out = append(out, p...)
	}
	return out
}

func digitsOf(h []byte, groups int) string {
	s := ""
	for i := range groups {
		var chunk [8]byte
		copy(chunk[3:], h[5*i:5*i+5])
		if i > 0 {
			s += " "
		}
		s += fmt.Sprintf("%05d", binary.BigEndian.Uint64(chunk[:])%100000)
	}
	return s
}

func TestSafetyNumberConstruction(t *testing.T) {
	sid := []byte("session")
	a, b := fixedPublic(1), fixedPublic(0x80)
	f := func(p PublicIdentity) []byte {
		h := sha512.Sum512(lv([]byte("ssc safety v1"), sid, p.SignKey, p.KEMKey))
		return h[:]
	}
	lo, hi := f(a), f(b)
	if bytes.Compare(lo, hi) > 0 {
		lo, hi = hi, lo
	}
	h := sha512.Sum512(append(bytes.Clone(lo), hi...))
	want := digitsOf(h[:], 6)
	if got := SafetyNumber(sid, a, b); got != want {
		t.Fatalf("SafetyNumber = %q, want %q", got, want)
	}
	// Pinned, so that a change of construction cannot go unnoticed: people
	// on different versions would see different numbers.
	if got, pinned := SafetyNumber(sid, a, b), "62063 44073 87101 29581 79997 37491"; got != pinned {
		t.Fatalf("SafetyNumber = %q, pinned %q", got, pinned)
	}
}

func TestSafetyNumber(t *testing.T) {
	sid := []byte("0123456789abcdef")
	a, b := testIdentity(t).Public, testIdentity(t).Public
	base := SafetyNumber(sid, a, b)
	if !safetyFormat.MatchString(base) {
		t.Fatalf("SafetyNumber = %q, not six groups of five digits", base)
	}
	if got := SafetyNumber(sid, b, a); got != base {
		t.Fatalf("SafetyNumber depends on order: %q and %q", base, got)
	}
	if got := SafetyNumber(sid, a, a); !safetyFormat.MatchString(got) || got == base {
		t.Errorf("SafetyNumber with oneself = %q", got)
	}
	flip := func(k []byte, bit int) []byte {
		k = bytes.Clone(k)
		k[bit/8] ^= 1 << (bit % 8)
		return k
	}
	tests := []struct {
		name string
		sid  []byte
		a, b PublicIdentity
	}{
		{"a's sign key", sid, PublicIdentity{flip(a.SignKey, 0), a.KEMKey}, b},
		{"a's kem key", sid, PublicIdentity{a.SignKey, flip(a.KEMKey, 8*KEMKeySize-1)}, b},
		{"b's sign key", sid, a, PublicIdentity{flip(b.SignKey, 255), b.KEMKey}},
		{"b's kem key", sid, a, PublicIdentity{b.SignKey, flip(b.KEMKey, 4000)}},
		{"b replaced", sid, a, testIdentity(t).Public},
		{"keys moved between a and b", sid, PublicIdentity{a.SignKey, b.KEMKey}, PublicIdentity{b.SignKey, a.KEMKey}},
		{"session", flip(sid, 3), a, b},
		{"no session", nil, a, b},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SafetyNumber(tt.sid, tt.a, tt.b)
			if got == base {
				t.Fatalf("SafetyNumber unchanged: %q", got)
			}
			if !safetyFormat.MatchString(got) {
				t.Fatalf("SafetyNumber = %q, not six groups of five digits", got)
			}
			if rev := SafetyNumber(tt.sid, tt.b, tt.a); rev != got {
				t.Fatalf("SafetyNumber depends on order: %q and %q", got, rev)
			}
		})
	}
}

func TestGroupFingerprintConstruction(t *testing.T) {
	sid := []byte("session")
	// Listed out of order; sorted by SignKey they are b, a.
	a, b := RosterEntry{"alice", fixedPublic(0x80)}, RosterEntry{"bob", fixedPublic(1)}
	h := sha512.Sum512(lv([]byte("ssc group v1"), sid,
		[]byte(b.Name), b.Identity.SignKey, b.Identity.KEMKey,
		[]byte(a.Name), a.Identity.SignKey, a.Identity.KEMKey))
	want := digitsOf(h[:], 4)
	if got := GroupFingerprint(sid, []RosterEntry{a, b}); got != want {
		t.Fatalf("GroupFingerprint = %q, want %q", got, want)
	}
	if got, pinned := GroupFingerprint(sid, []RosterEntry{a, b}), "61608 03242 72093 39813"; got != pinned {
		t.Fatalf("GroupFingerprint = %q, pinned %q", got, pinned)
	}
}

// permutations returns every ordering of s.
func permutations[T any](s []T) [][]T {
	if len(s) <= 1 {
		return [][]T{slices.Clone(s)}
	}
	var out [][]T
	for i := range s {
		rest := slices.Concat(s[:i], s[i+1:])
		for _, p := range permutations(rest) {
			out = append(out, append([]T{s[i]}, p...))
		}
	}
	return out
}

func TestGroupFingerprint(t *testing.T) {
	sid := []byte("0123456789abcdef")
	roster := []RosterEntry{
		{"host", testIdentity(t).Public},
		{"alice", testIdentity(t).Public},
		{"bob", testIdentity(t).Public},
		{"carol", testIdentity(t).Public},
	}
	base := GroupFingerprint(sid, roster)
	if !groupFormat.MatchString(base) {
		t.Fatalf("GroupFingerprint = %q, not four groups of five digits", base)
	}
	perms := permutations(roster)
	if len(perms) != 24 {
		t.Fatalf("%d permutations", len(perms))
	}
	for _, p := range perms {
		if got := GroupFingerprint(sid, p); got != base {
			t.Fatalf("GroupFingerprint depends on order: %q and %q", base, got)
		}
	}
	if got := GroupFingerprint(sid, roster); got != base || roster[0].Name != "host" || roster[3].Name != "carol" {
		t.Fatal("GroupFingerprint reordered its argument")
	}

	host := testIdentity(t).Public
	replace := func(i int, e RosterEntry) []RosterEntry {
		r := slices.Clone(roster)
		r[i] = e
		return r
	}
	swapNames := func(i, j int) []RosterEntry {
		r := slices.Clone(roster)
		r[i].Name, r[j].Name = r[j].Name, r[i].Name
		return r
	}
	tests := []struct {
		name   string
		sid    []byte
		roster []RosterEntry
	}{
		{"kem key substituted", sid, replace(1, RosterEntry{"alice", PublicIdentity{roster[1].Identity.SignKey, host.KEMKey}})},
		{"sign key substituted", sid, replace(1, RosterEntry{"alice", PublicIdentity{host.SignKey, roster[1].Identity.KEMKey}})},
		{"member substituted", sid, replace(2, RosterEntry{"bob", host})},
		{"renamed", sid, replace(2, RosterEntry{"bobby", roster[2].Identity})},
		{"names swapped", sid, swapNames(2, 3)},
		{"member dropped", sid, roster[:3]},
		{"member added", sid, append(slices.Clone(roster), RosterEntry{"mallory", host})},
		{"empty", sid, nil},
		{"other session", []byte("0123456789abcdeF"), roster},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := GroupFingerprint(tt.sid, tt.roster)
			if got == base {
				t.Fatalf("GroupFingerprint unchanged: %q", got)
			}
			if !groupFormat.MatchString(got) {
				t.Fatalf("GroupFingerprint = %q, not four groups of five digits", got)
			}
		})
	}
}

func TestGroupFingerprintSharedSignKey(t *testing.T) {
	// A host might list one signing key twice; the order it picks must not
	// change what people compare.
	a, b := testIdentity(t).Public, testIdentity(t).Public
	x := RosterEntry{"alice", a}
	y := RosterEntry{"alice2", PublicIdentity{a.SignKey, b.KEMKey}}
	z := RosterEntry{"alice3", a}
	for _, p := range permutations([]RosterEntry{x, y, z}) {
		if got, want := GroupFingerprint(nil, p), GroupFingerprint(nil, []RosterEntry{x, y, z}); got != want {
			t.Fatalf("GroupFingerprint depends on order: %q and %q", got, want)
		}
	}
}
