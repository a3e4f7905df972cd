package keys

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// fixedPublic returns a public identity of well-sized constant keys: the
// safety constructions only hash keys, so they need not be real ones.
func fixedPublic(c byte) PublicIdentity {
	return PublicIdentity{
		SignKey: bytes.Repeat([]byte{c}, SignKeySize),
		KEMHash: KEMHash(bytes.Repeat([]byte{c + 1}, KEMKeySize)),
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

// flipBit returns a copy of k with one bit flipped.
func flipBit(k []byte, bit int) []byte {
	k = bytes.Clone(k)
	k[bit/8] ^= 1 << (bit % 8)
	return k
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

var (
	memberFormat = regexp.MustCompile(`^\d{30}$`)
	pairFormat   = regexp.MustCompile(`^\d{60}$`)
)

// kemKeyOf maps the KEM hashes of the vectors back to their keys, so that
// memberFingerprintSpelledOut can hash the key itself.
var kemKeyOf = map[string][]byte{}

// memberFingerprintSpelledOut is MemberFingerprint written out from
// docs/protocol.md §5.6 independently of the code under test.
func memberFingerprintSpelledOut(pub PublicIdentity, name string) string {
	kemHash := sha256.Sum256(kemKeyOf[string(pub.KEMHash)])
	d := sha512.Sum512(lv([]byte("ssc member fingerprint v2"), []byte(name), pub.SignKey, kemHash[:]))
	h := d
	for range 5200 {
		h = sha512.Sum512(append(bytes.Clone(h[:]), d[:]...))
	}
	return strings.ReplaceAll(digitsOf(h[:], 6), " ", "")
}

// safetyVectors are the known answers in testdata/safety-vectors.json,
// computed once: a change of construction would make people on different
// versions see different numbers, so it must not go unnoticed.
type safetyVectors struct {
	Members []struct {
		Name        string `json:"name"`
		SignKey     string `json:"sign_key"`
		KEMKey      string `json:"kem_key"`
		Fingerprint string `json:"fingerprint"`
	} `json:"members"`
	Pairs []struct {
		A            int    `json:"a"`
		B            int    `json:"b"`
		SafetyNumber string `json:"safety_number"`
	} `json:"pairs"`
}

func TestMemberFingerprintKnownAnswers(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "safety-vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v safetyVectors
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Members) < 2 || len(v.Pairs) == 0 {
		t.Fatalf("%d members and %d pairs in the vectors", len(v.Members), len(v.Pairs))
	}
	fps := make([]string, len(v.Members))
	for i, m := range v.Members {
		sign, err1 := hex.DecodeString(m.SignKey)
		kemKey, err2 := hex.DecodeString(m.KEMKey)
		if err := errors.Join(err1, err2); err != nil {
			t.Fatalf("member %d: %v", i, err)
		}
		pub := PublicIdentity{SignKey: sign, KEMHash: KEMHash(kemKey)}
		kemKeyOf[string(pub.KEMHash)] = kemKey
		if err := pub.Check(); err != nil {
			t.Fatalf("member %d: %v", i, err)
		}
		fps[i] = MemberFingerprint(pub, m.Name)
		if fps[i] != m.Fingerprint {
			t.Errorf("MemberFingerprint of member %d (%q) = %s, want %s", i, m.Name, fps[i], m.Fingerprint)
		}
		if got := memberFingerprintSpelledOut(pub, m.Name); got != m.Fingerprint {
			t.Errorf("member %d (%q): the construction gives %s, the vectors say %s", i, m.Name, got, m.Fingerprint)
		}
	}
	for i, p := range v.Pairs {
		if got := PairSafetyNumber(fps[p.A], fps[p.B]); got != p.SafetyNumber {
			t.Errorf("pair %d: PairSafetyNumber = %s, want %s", i, got, p.SafetyNumber)
		}
	}
}

func TestMemberFingerprintOwnKeysOnly(t *testing.T) {
	alice, bob, carol := testIdentity(t).Public, testIdentity(t).Public, testIdentity(t).Public
	before := MemberFingerprint(alice, "alice")
	if !memberFormat.MatchString(before) {
		t.Fatalf("MemberFingerprint = %q, not 30 digits", before)
	}
	ab := PairSafetyNumber(before, MemberFingerprint(bob, "bob"))
	// The host hands out other keys for bob and carol: what alice shows of
	// herself, and so what others compare with, stays as it was; her number
	// with bob changes.
	mallory := testIdentity(t).Public
	if got := MemberFingerprint(alice, "alice"); got != before {
		t.Fatalf("alice's fingerprint changed from %s to %s", before, got)
	}
	if got := PairSafetyNumber(before, MemberFingerprint(mallory, "bob")); got == ab {
		t.Fatalf("safety number with bob unchanged when his keys were replaced: %s", got)
	}
	if MemberFingerprint(carol, "carol") == MemberFingerprint(mallory, "carol") {
		t.Fatal("carol's fingerprint unchanged when her keys were replaced")
	}
}

func TestPairSafetyNumber(t *testing.T) {
	a, b := testIdentity(t).Public, testIdentity(t).Public
	fa, fb := MemberFingerprint(a, "alice"), MemberFingerprint(b, "bob")
	base := PairSafetyNumber(fa, fb)
	if !pairFormat.MatchString(base) {
		t.Fatalf("PairSafetyNumber = %q, not 60 digits", base)
	}
	if got := PairSafetyNumber(fb, fa); got != base {
		t.Fatalf("PairSafetyNumber depends on order: %s and %s", base, got)
	}
	if !strings.Contains(base, fa) || !strings.Contains(base, fb) {
		t.Fatalf("PairSafetyNumber %s does not show both fingerprints %s and %s", base, fa, fb)
	}
	tests := []struct {
		name         string
		a, b         PublicIdentity
		aName, bName string
	}{
		{"a's sign key", PublicIdentity{flipBit(a.SignKey, 0), a.KEMHash}, b, "alice", "bob"},
		{"a's kem key", PublicIdentity{a.SignKey, flipBit(a.KEMHash, 8*KEMHashSize-1)}, b, "alice", "bob"},
		{"b's sign key", a, PublicIdentity{flipBit(b.SignKey, 255), b.KEMHash}, "alice", "bob"},
		{"b's kem key", a, PublicIdentity{b.SignKey, flipBit(b.KEMHash, 100)}, "alice", "bob"},
		{"b replaced", a, testIdentity(t).Public, "alice", "bob"},
		{"keys moved between a and b", PublicIdentity{a.SignKey, b.KEMHash}, PublicIdentity{b.SignKey, a.KEMHash}, "alice", "bob"},
		{"a renamed", a, b, "alicia", "bob"},
		{"names swapped", a, b, "bob", "alice"},
		{"b renamed", a, b, "alice", "bo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fa, fb := MemberFingerprint(tt.a, tt.aName), MemberFingerprint(tt.b, tt.bName)
			got := PairSafetyNumber(fa, fb)
			if got == base {
				t.Fatalf("PairSafetyNumber unchanged: %s", got)
			}
			if !pairFormat.MatchString(got) {
				t.Fatalf("PairSafetyNumber = %q, not 60 digits", got)
			}
			if rev := PairSafetyNumber(fb, fa); rev != got {
				t.Fatalf("PairSafetyNumber depends on order: %s and %s", got, rev)
			}
		})
	}
}

func TestFormatDigits(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", "", ""},
		{"one group", "12345", "12345"},
		{"fingerprint", "093991382526812297824588219355", "09399 13825 26812 29782 45882 19355"},
		{"short tail", "1234567", "12345 67"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FormatDigits(tt.in); got != tt.want {
				t.Errorf("FormatDigits(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	if got := FormatDigits(strings.Repeat("0123456789", 6)); !regexp.MustCompile(`^\d{5}( \d{5}){11}$`).MatchString(got) {
		t.Errorf("FormatDigits of 60 digits = %q, not twelve groups of five", got)
	}
}

func BenchmarkMemberFingerprint(b *testing.B) {
	pub := fixedPublic(1)
	for b.Loop() {
		MemberFingerprint(pub, "alice")
	}
}
