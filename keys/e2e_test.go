package keys

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/hpke"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ssc-chat/ssc/internal/fuzzseed"
)

var regenerateDirectSeeds = flag.Bool("regenerate-direct-seeds", false,
	"rewrite the seeds of FuzzOpenDirect under testdata/fuzz/FuzzOpenDirect")

func testIdentity(t testing.TB) *Identity {
	t.Helper()
	id, err := GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(id.Wipe)
	return id
}

// deterministicIdentity derives an identity from label, for seeds that must
// stay valid across runs.
func deterministicIdentity(t testing.TB, label string) *Identity {
	t.Helper()
	seed := sha256.Sum256([]byte("sign " + label))
	kemKey, err := kem.DeriveKeyPair([]byte("kem " + label))
	if err != nil {
		t.Fatal(err)
	}
	return newIdentity(ed25519.NewKeyFromSeed(seed[:]), kemKey)
}

// flipBits calls f with a copy of b for each single-bit flip of b.
func flipBits(b []byte, f func(bit int, flipped []byte)) {
	for i := range 8 * len(b) {
		c := bytes.Clone(b)
		c[i/8] ^= 1 << (i % 8)
		f(i, c)
	}
}

func TestKEMKeySize(t *testing.T) {
	id := testIdentity(t)
	if n := len(id.kemKey.PublicKey().Bytes()); n != KEMKeySize {
		t.Errorf("MLKEM768X25519 public key is %d bytes, KEMKeySize is %d", n, KEMKeySize)
	}
	if n := len(id.KEMKey); n != KEMKeySize {
		t.Errorf("KEMKey is %d bytes, want %d", n, KEMKeySize)
	}
	if n := len(id.Public.KEMHash); n != KEMHashSize {
		t.Errorf("Public.KEMHash is %d bytes, want %d", n, KEMHashSize)
	}
	if n := len(id.Public.SignKey); n != SignKeySize {
		t.Errorf("Public.SignKey is %d bytes, want %d", n, SignKeySize)
	}
	if n := len(id.SignMessage(nil, 0, nil)); n != SignatureSize {
		t.Errorf("signature is %d bytes, want %d", n, SignatureSize)
	}
}

func TestGenerateIdentity(t *testing.T) {
	a, b := testIdentity(t), testIdentity(t)
	for _, id := range []*Identity{a, b} {
		if err := id.Public.Check(); err != nil {
			t.Errorf("generated identity fails Check: %v", err)
		}
	}
	if bytes.Equal(a.Public.SignKey, b.Public.SignKey) || bytes.Equal(a.KEMKey, b.KEMKey) || bytes.Equal(a.Public.KEMHash, b.Public.KEMHash) {
		t.Error("two generated identities share a key")
	}
	if !a.Public.Equal(a.Public) || a.Public.Equal(b.Public) {
		t.Error("Equal is wrong")
	}
	mixed := PublicIdentity{SignKey: a.Public.SignKey, KEMHash: b.Public.KEMHash}
	if a.Public.Equal(mixed) || mixed.Equal(b.Public) {
		t.Error("Equal ignores a key")
	}
}

func TestPublicIdentityCheck(t *testing.T) {
	id := testIdentity(t).Public
	// Encodings of points of small order, some non-canonical, some with the
	// sign bit set: no private key stands behind them, and Go's Ed25519
	// verification accepts forged signatures under some of them.
	smallOrder := func(hexKey string) PublicIdentity {
		k, err := hex.DecodeString(hexKey)
		if err != nil {
			t.Fatal(err)
		}
		return PublicIdentity{k, id.KEMHash}
	}
	tests := []struct {
		name string
		pub  PublicIdentity
		ok   bool
	}{
		{"valid", id, true},
		{"empty", PublicIdentity{}, false},
		{"short sign key", PublicIdentity{id.SignKey[:31], id.KEMHash}, false},
		{"long sign key", PublicIdentity{append(bytes.Clone(id.SignKey), 0), id.KEMHash}, false},
		{"short kem hash", PublicIdentity{id.SignKey, id.KEMHash[:KEMHashSize-1]}, false},
		{"long kem hash", PublicIdentity{id.SignKey, append(bytes.Clone(id.KEMHash), 0)}, false},
		{"identity point", smallOrder("0100000000000000000000000000000000000000000000000000000000000000"), false},
		{"order 4, all zero", smallOrder("0000000000000000000000000000000000000000000000000000000000000000"), false},
		{"order 4, sign bit", smallOrder("0000000000000000000000000000000000000000000000000000000000000080"), false},
		{"order 2", smallOrder("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"), false},
		{"order 8", smallOrder("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"), false},
		{"order 8, sign bit", smallOrder("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa"), false},
		{"identity, non-canonical", smallOrder("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"), false},
		{"zero, non-canonical with sign bit", smallOrder("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.pub.Check()
			if tt.ok && err != nil {
				t.Fatalf("Check() = %v", err)
			}
			if !tt.ok && !errors.Is(err, ErrBadIdentity) {
				t.Fatalf("Check() = %v, want %v", err, ErrBadIdentity)
			}
		})
	}
}

// The HPKE key fetched for sealing must be the one the entry signs.
func TestCheckKEMKey(t *testing.T) {
	a, b := testIdentity(t), testIdentity(t)
	if err := CheckKEMKey(a.Public, a.KEMKey); err != nil {
		t.Fatalf("CheckKEMKey of a's own key: %v", err)
	}
	unreduced := bytes.Repeat([]byte{0xff}, KEMKeySize)
	for name, tt := range map[string]struct {
		pub PublicIdentity
		key []byte
	}{
		"someone else's key":   {a.Public, b.KEMKey},
		"short key":            {a.Public, a.KEMKey[:KEMKeySize-1]},
		"long key":             {a.Public, append(bytes.Clone(a.KEMKey), 0)},
		"no key":               {a.Public, nil},
		"unparsable, but hash": {PublicIdentity{a.Public.SignKey, KEMHash(unreduced)}, unreduced},
	} {
		if err := CheckKEMKey(tt.pub, tt.key); !errors.Is(err, ErrBadIdentity) {
			t.Errorf("%s: CheckKEMKey = %v, want %v", name, err, ErrBadIdentity)
		}
	}
}

func TestEntry(t *testing.T) {
	a, c := testIdentity(t), testIdentity(t)
	const name, created = "alice", int64(1767225600)
	sid, otherSession := []byte("session one"), []byte("session two")
	sig := a.SignEntry(sid, name, created)
	if err := VerifyEntry(sid, a.Public, name, created, sig); err != nil {
		t.Fatalf("VerifyEntry of a genuine entry: %v", err)
	}
	tests := []struct {
		name    string
		sid     []byte
		pub     PublicIdentity
		entry   string
		created int64
		sig     []byte
		want    error
	}{
		{"other name", sid, a.Public, "mallory", created, sig, ErrBadSignature},
		{"name with a suffix", sid, a.Public, name + "\x00", created, sig, ErrBadSignature},
		{"other time", sid, a.Public, name, created + 1, sig, ErrBadSignature},
		{"negative time", sid, a.Public, name, -created, sig, ErrBadSignature},
		{"other session", otherSession, a.Public, name, created, sig, ErrBadSignature},
		{"no session", nil, a.Public, name, created, sig, ErrBadSignature},
		{"host's kem key", sid, PublicIdentity{a.Public.SignKey, c.Public.KEMHash}, name, created, sig, ErrBadSignature},
		{"other sign key", sid, PublicIdentity{c.Public.SignKey, a.Public.KEMHash}, name, created, sig, ErrBadSignature},
		{"someone else's entry", sid, c.Public, name, created, sig, ErrBadSignature},
		{"no signature", sid, a.Public, name, created, nil, ErrBadSignature},
		{"short signature", sid, a.Public, name, created, sig[:SignatureSize-1], ErrBadSignature},
		{"long signature", sid, a.Public, name, created, append(bytes.Clone(sig), 0), ErrBadSignature},
		{"chat signature", sid, a.Public, name, created, a.SignMessage(nil, uint64(created), []byte(name)), ErrBadSignature},
		{"short sign key", sid, PublicIdentity{a.Public.SignKey[:31], a.Public.KEMHash}, name, created, sig, ErrBadIdentity},
		{"short kem hash", sid, PublicIdentity{a.Public.SignKey, make([]byte, 3)}, name, created, sig, ErrBadIdentity},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := VerifyEntry(tt.sid, tt.pub, tt.entry, tt.created, tt.sig); !errors.Is(err, tt.want) {
				t.Fatalf("VerifyEntry = %v, want %v", err, tt.want)
			}
		})
	}
	t.Run("signature bit flips", func(t *testing.T) {
		flipBits(sig, func(bit int, s []byte) {
			if err := VerifyEntry(sid, a.Public, name, created, s); !errors.Is(err, ErrBadSignature) {
				t.Errorf("bit %d: VerifyEntry = %v, want %v", bit, err, ErrBadSignature)
			}
		})
	})
}

func TestMessage(t *testing.T) {
	a, c := testIdentity(t), testIdentity(t)
	sid := []byte("0123456789abcdef0123456789abcdef")
	const counter = 0x0102030405060708
	body, err := Pad([]byte("hello, room"))
	if err != nil {
		t.Fatal(err)
	}
	sig := a.SignMessage(sid, counter, body)
	if err := VerifyMessage(sid, a.Public, counter, body, sig); err != nil {
		t.Fatalf("VerifyMessage of a genuine message: %v", err)
	}
	mustFail := func(t *testing.T, what string, err error) {
		t.Helper()
		if !errors.Is(err, ErrBadSignature) {
			t.Errorf("%s: VerifyMessage = %v, want %v", what, err, ErrBadSignature)
		}
	}
	t.Run("body", func(t *testing.T) {
		flipBits(body, func(bit int, b []byte) {
			mustFail(t, fmt.Sprintf("bit %d", bit), VerifyMessage(sid, a.Public, counter, b, sig))
		})
	})
	t.Run("signature", func(t *testing.T) {
		flipBits(sig, func(bit int, s []byte) {
			mustFail(t, fmt.Sprintf("bit %d", bit), VerifyMessage(sid, a.Public, counter, body, s))
		})
	})
	t.Run("counter", func(t *testing.T) {
		for bit := range 64 {
			mustFail(t, fmt.Sprintf("bit %d", bit), VerifyMessage(sid, a.Public, counter^1<<bit, body, sig))
		}
	})
	t.Run("session", func(t *testing.T) {
		flipBits(sid, func(bit int, s []byte) {
			mustFail(t, fmt.Sprintf("bit %d", bit), VerifyMessage(s, a.Public, counter, body, sig))
		})
	})
	t.Run("sender key", func(t *testing.T) {
		flipBits(a.Public.SignKey, func(bit int, k []byte) {
			mustFail(t, fmt.Sprintf("bit %d", bit), VerifyMessage(sid, PublicIdentity{k, a.Public.KEMHash}, counter, body, sig))
		})
	})
	tests := []struct {
		name   string
		sid    []byte
		sender PublicIdentity
		body   []byte
		sig    []byte
	}{
		{"other sender", sid, c.Public, body, sig},
		{"truncated body", sid, a.Public, body[:len(body)-1], sig},
		{"extended body", sid, a.Public, append(bytes.Clone(body), 0), sig},
		{"no session", nil, a.Public, body, sig},
		{"no signature", sid, a.Public, body, nil},
		{"short signature", sid, a.Public, body, sig[:SignatureSize-1]},
		{"no sender key", sid, PublicIdentity{}, body, sig},
		{"short sender key", sid, PublicIdentity{SignKey: a.Public.SignKey[:31]}, body, sig},
		{"entry signature", sid, a.Public, body, a.SignEntry(sid, string(body), counter)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mustFail(t, tt.name, VerifyMessage(tt.sid, tt.sender, counter, tt.body, tt.sig))
		})
	}
}

func TestDirectRoundTrip(t *testing.T) {
	a, b := testIdentity(t), testIdentity(t)
	sid := []byte("session")
	for _, n := range []int{0, 1, 126, 5000, MaxPadded} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			pt, err := Pad(bytes.Repeat([]byte{'x'}, n))
			if err != nil {
				t.Fatal(err)
			}
			sealed, sig, err := a.SealDirect(sid, b.Public, b.KEMKey, uint64(n), pt)
			if err != nil {
				t.Fatal(err)
			}
			if len(sealed) != len(pt)+SealOverhead {
				t.Errorf("sealed is %d bytes for %d of plaintext, want overhead %d", len(sealed), len(pt), SealOverhead)
			}
			if bytes.Contains(sealed, pt[:min(len(pt), 64)]) {
				t.Error("sealed bytes contain the plaintext")
			}
			got, err := b.OpenDirect(sid, a.Public, uint64(n), sealed, sig)
			if err != nil {
				t.Fatalf("OpenDirect: %v", err)
			}
			if !bytes.Equal(got, pt) {
				t.Fatal("OpenDirect returned other bytes than were sealed")
			}
		})
	}
	t.Run("fresh encapsulation", func(t *testing.T) {
		s1, _, err1 := a.SealDirect(sid, b.Public, b.KEMKey, 1, []byte("same"))
		s2, _, err2 := a.SealDirect(sid, b.Public, b.KEMKey, 1, []byte("same"))
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if bytes.Equal(s1, s2) {
			t.Error("sealing twice gave the same bytes")
		}
	})
	t.Run("to self", func(t *testing.T) {
		sealed, sig, err := a.SealDirect(sid, a.Public, a.KEMKey, 7, []byte("note"))
		if err != nil {
			t.Fatal(err)
		}
		if got, err := a.OpenDirect(sid, a.Public, 7, sealed, sig); err != nil || string(got) != "note" {
			t.Fatalf("OpenDirect = %q, %v", got, err)
		}
	})
}

func TestSealDirectBadRecipient(t *testing.T) {
	a, b := testIdentity(t), testIdentity(t)
	unreduced := bytes.Repeat([]byte{0xff}, KEMKeySize)
	tests := []struct {
		name string
		to   PublicIdentity
		key  []byte
	}{
		{"empty", PublicIdentity{}, nil},
		{"short kem key", b.Public, b.KEMKey[:100]},
		{"someone else's kem key", b.Public, a.KEMKey},
		{"unparsable kem key", PublicIdentity{b.Public.SignKey, KEMHash(unreduced)}, unreduced},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sealed, sig, err := a.SealDirect(nil, tt.to, tt.key, 0, []byte("hi"))
			if !errors.Is(err, ErrBadIdentity) || sealed != nil || sig != nil {
				t.Fatalf("SealDirect = %x, %x, %v; want %v", sealed, sig, err, ErrBadIdentity)
			}
		})
	}
}

func TestDirectRejections(t *testing.T) {
	a, b, c := testIdentity(t), testIdentity(t), testIdentity(t)
	sid := []byte("session one")
	const counter = 42
	pt := []byte("meet at noon")
	sealed, sig, err := a.SealDirect(sid, b.Public, b.KEMKey, counter, pt)
	if err != nil {
		t.Fatal(err)
	}
	otherSealed, otherSig, err := a.SealDirect(sid, b.Public, b.KEMKey, counter+1, []byte("another"))
	if err != nil {
		t.Fatal(err)
	}

	// The host re-seals other plaintext to b, as it can: everything in the
	// info is public.
	resealed, err := hpke.Seal(mustKEMKey(t, b), kdf, aead, directInfo(sid, a.Public.SignKey, b.Public), []byte("meet at midnight"))
	if err != nil {
		t.Fatal(err)
	}
	// a signs bytes sealed under another session's info: the signature holds
	// for sid2 but the HPKE info does not.
	sid2 := []byte("session two")
	crossSealed, err := hpke.Seal(mustKEMKey(t, b), kdf, aead, directInfo(sid, a.Public.SignKey, b.Public), pt)
	if err != nil {
		t.Fatal(err)
	}
	crossSig := a.sign(directMessage(sid2, a.Public.SignKey, b.Public.SignKey, counter, crossSealed))
	// An identity that claims b's signing key with a KEM key of its own.
	impostor := newIdentity(c.signKey, c.kemKey)
	impostor.Public.SignKey = b.Public.SignKey

	tests := []struct {
		name    string
		to      *Identity
		sid     []byte
		from    PublicIdentity
		counter uint64
		sealed  []byte
		sig     []byte
		want    error
	}{
		{"third identity", c, sid, a.Public, counter, sealed, sig, ErrBadSignature},
		{"third identity with the recipient's sign key", impostor, sid, a.Public, counter, sealed, sig, ErrOpen},
		{"re-sealed by the host", b, sid, a.Public, counter, resealed, sig, ErrBadSignature},
		{"other message's sealed bytes", b, sid, a.Public, counter, otherSealed, sig, ErrBadSignature},
		{"other message's signature", b, sid, a.Public, counter, sealed, otherSig, ErrBadSignature},
		{"other session", b, sid2, a.Public, counter, sealed, sig, ErrBadSignature},
		{"info of another session", b, sid2, a.Public, counter, crossSealed, crossSig, ErrOpen},
		{"other counter", b, sid, a.Public, counter + 1, sealed, sig, ErrBadSignature},
		{"other sender", b, sid, c.Public, counter, sealed, sig, ErrBadSignature},
		{"chat signature", b, sid, a.Public, counter, sealed, a.SignMessage(sid, counter, sealed), ErrBadSignature},
		{"truncated", b, sid, a.Public, counter, sealed[:len(sealed)-1], sig, ErrBadSignature},
		{"empty", b, sid, a.Public, counter, nil, sig, ErrBadSignature},
		{"no signature", b, sid, a.Public, counter, sealed, nil, ErrBadSignature},
		{"short signature", b, sid, a.Public, counter, sealed, sig[:SignatureSize-1], ErrBadSignature},
		{"no sender key", b, sid, PublicIdentity{}, counter, sealed, sig, ErrBadSignature},
		{"short sender key", b, sid, PublicIdentity{SignKey: a.Public.SignKey[:31]}, counter, sealed, sig, ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.to.OpenDirect(tt.sid, tt.from, tt.counter, tt.sealed, tt.sig)
			if !errors.Is(err, tt.want) || got != nil {
				t.Fatalf("OpenDirect = %q, %v; want %v", got, err, tt.want)
			}
		})
	}
	t.Run("sealed bit flips", func(t *testing.T) {
		flipBits(sealed, func(bit int, s []byte) {
			if _, err := b.OpenDirect(sid, a.Public, counter, s, sig); !errors.Is(err, ErrBadSignature) {
				t.Errorf("bit %d: OpenDirect = %v, want %v", bit, err, ErrBadSignature)
			}
		})
	})
	t.Run("signature bit flips", func(t *testing.T) {
		flipBits(sig, func(bit int, s []byte) {
			if _, err := b.OpenDirect(sid, a.Public, counter, sealed, s); !errors.Is(err, ErrBadSignature) {
				t.Errorf("bit %d: OpenDirect = %v, want %v", bit, err, ErrBadSignature)
			}
		})
	})
	t.Run("session bit flips", func(t *testing.T) {
		flipBits(sid, func(bit int, s []byte) {
			if _, err := b.OpenDirect(s, a.Public, counter, sealed, sig); !errors.Is(err, ErrBadSignature) {
				t.Errorf("bit %d: OpenDirect = %v, want %v", bit, err, ErrBadSignature)
			}
		})
	})
	t.Run("sender key bit flips", func(t *testing.T) {
		flipBits(a.Public.SignKey, func(bit int, k []byte) {
			if _, err := b.OpenDirect(sid, PublicIdentity{k, a.Public.KEMHash}, counter, sealed, sig); !errors.Is(err, ErrBadSignature) {
				t.Errorf("bit %d: OpenDirect = %v, want %v", bit, err, ErrBadSignature)
			}
		})
	})
	t.Run("counter bit flips", func(t *testing.T) {
		for bit := range 64 {
			if _, err := b.OpenDirect(sid, a.Public, counter^1<<bit, sealed, sig); !errors.Is(err, ErrBadSignature) {
				t.Errorf("bit %d: OpenDirect = %v, want %v", bit, err, ErrBadSignature)
			}
		}
	})
	// The genuine message still opens after all that.
	if got, err := b.OpenDirect(sid, a.Public, counter, sealed, sig); err != nil || !bytes.Equal(got, pt) {
		t.Fatalf("OpenDirect of the genuine message = %q, %v", got, err)
	}
}

func mustKEMKey(t testing.TB, id *Identity) hpke.PublicKey {
	t.Helper()
	pk, err := kemPublicKey(id.Public, id.KEMKey)
	if err != nil {
		t.Fatal(err)
	}
	return pk
}

func TestIdentityWipe(t *testing.T) {
	a, b := testIdentity(t), testIdentity(t)
	sealed, sig, err := a.SealDirect(nil, b.Public, b.KEMKey, 0, []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	priv := b.signKey
	b.Wipe()
	b.Wipe()
	if !bytes.Equal(priv, make([]byte, ed25519.PrivateKeySize)) {
		t.Error("signing key not zeroed")
	}
	if b.kemKey != nil {
		t.Error("kem key still referenced")
	}
	if s := b.SignMessage(nil, 0, nil); s != nil {
		t.Errorf("SignMessage after Wipe = %x", s)
	}
	if s := b.SignEntry(nil, "b", 0); s != nil {
		t.Errorf("SignEntry after Wipe = %x", s)
	}
	if _, _, err := b.SealDirect(nil, a.Public, a.KEMKey, 0, nil); err == nil {
		t.Error("SealDirect after Wipe succeeded")
	}
	if pt, err := b.OpenDirect(nil, a.Public, 0, sealed, sig); err == nil || pt != nil {
		t.Errorf("OpenDirect after Wipe = %q, %v", pt, err)
	}
	if err := b.Public.Check(); err != nil {
		t.Errorf("Wipe damaged the public keys: %v", err)
	}
	var nilID *Identity
	nilID.Wipe()
}

func TestIdentityRedacted(t *testing.T) {
	id := testIdentity(t)
	seed := fmt.Sprintf("%x", id.signKey.Seed())
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		for _, v := range []any{id, *id} {
			s := fmt.Sprintf(format, v)
			if !strings.Contains(s, "redacted") || strings.Contains(s, seed) || strings.Contains(s, seed[:8]) {
				t.Errorf("fmt %s of %T = %q", format, v, s)
			}
		}
	}
}

// The seeds of FuzzOpenDirect are direct messages between two deterministic
// identities, so that the genuine one stays valid.
var (
	fuzzDirectSession   = []byte("ssc fuzz session")
	fuzzDirectCounter   = uint64(7)
	fuzzDirectPlaintext = []byte("the genuine direct message")
)

func fuzzDirectIdentities(t testing.TB) (from, to *Identity) {
	return deterministicIdentity(t, "fuzz sender"), deterministicIdentity(t, "fuzz recipient")
}

// readCorpusFile reads the []byte values of a file in the fuzzing engine's
// corpus format ("go test fuzz v1", then one Go literal a line).
func readCorpusFile(path string) ([][]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	if !sc.Scan() || sc.Text() != "go test fuzz v1" {
		return nil, fmt.Errorf("%s: missing header", path)
	}
	var vals [][]byte
	for sc.Scan() {
		line := sc.Text()
		lit, ok := strings.CutPrefix(line, "[]byte(")
		lit, ok2 := strings.CutSuffix(lit, ")")
		s, err := strconv.Unquote(lit)
		if !ok || !ok2 || err != nil {
			return nil, fmt.Errorf("%s: cannot parse %.40q", path, line)
		}
		vals = append(vals, []byte(s))
	}
	return vals, sc.Err()
}

func writeCorpusFile(t *testing.T, path string, vals ...[]byte) {
	t.Helper()
	var b strings.Builder
	b.WriteString("go test fuzz v1\n")
	for _, v := range vals {
		fmt.Fprintf(&b, "[]byte(%q)\n", v)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The genuine seed is a direct message from the fuzz sender; the re-sealed one
// is other plaintext that the host sealed to the recipient itself.
const (
	genuineDirectSeed  = "genuine"
	resealedDirectSeed = "resealed_by_host"
	resealedPlaintext  = "a forged direct message"
)

// directSeed returns the sealed bytes and signature of a FuzzOpenDirect seed.
func directSeed(t testing.TB, name string) (sealed, sig []byte) {
	t.Helper()
	vals, err := readCorpusFile(filepath.Join("testdata", "fuzz", "FuzzOpenDirect", name))
	if err != nil {
		t.Fatal(err)
	}
	if len(vals) != 2 {
		t.Fatalf("seed %s holds %d values, want 2", name, len(vals))
	}
	return vals[0], vals[1]
}

// TestGenuineDirectSeed keeps FuzzOpenDirect honest: its genuine seed must
// open, or the fuzzer only ever explores rejections. With
// -regenerate-direct-seeds it rewrites the seeds first.
func TestGenuineDirectSeed(t *testing.T) {
	from, to := fuzzDirectIdentities(t)
	if *regenerateDirectSeeds {
		regenerateFuzzDirectSeeds(t, from, to)
	}
	sealed, sig := directSeed(t, genuineDirectSeed)
	got, err := to.OpenDirect(fuzzDirectSession, from.Public, fuzzDirectCounter, sealed, sig)
	if err != nil {
		t.Fatalf("genuine seed does not open (regenerate with -regenerate-direct-seeds): %v", err)
	}
	if !bytes.Equal(got, fuzzDirectPlaintext) {
		t.Fatalf("genuine seed opens to %q, want %q", got, fuzzDirectPlaintext)
	}
	resealed, _ := directSeed(t, resealedDirectSeed)
	if got, err := to.open(fuzzDirectSession, from.Public.SignKey, resealed); err != nil || string(got) != resealedPlaintext {
		t.Fatalf("re-sealed seed decrypts to %q, %v; want %q", got, err, resealedPlaintext)
	}
}

func regenerateFuzzDirectSeeds(t *testing.T, from, to *Identity) {
	dir := filepath.Join("testdata", "fuzz", "FuzzOpenDirect")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	sealed, sig, err := from.SealDirect(fuzzDirectSession, to.Public, to.KEMKey, fuzzDirectCounter, fuzzDirectPlaintext)
	if err != nil {
		t.Fatal(err)
	}
	resealed, err := hpke.Seal(mustKEMKey(t, to), kdf, aead, directInfo(fuzzDirectSession, from.Public.SignKey, to.Public), []byte(resealedPlaintext))
	if err != nil {
		t.Fatal(err)
	}
	flipped := bytes.Clone(sig)
	flipped[0] ^= 1
	seeds := []struct {
		name        string
		sealed, sig []byte
	}{
		{genuineDirectSeed, sealed, sig},
		{"empty", nil, nil},
		{"zeros", make([]byte, SealOverhead+len(fuzzDirectPlaintext)), make([]byte, SignatureSize)},
		{"one_short_of_overhead", bytes.Repeat([]byte{0xa5}, SealOverhead-1), sig},
		{"flipped_signature", sealed, flipped},
		{"truncated_sealed", sealed[:len(sealed)-1], sig},
		{resealedDirectSeed, resealed, sig},
		{"short_signature", sealed, sig[:SignatureSize-1]},
		{"long_signature", sealed, append(bytes.Clone(sig), 0)},
	}
	for _, s := range seeds {
		writeCorpusFile(t, filepath.Join(dir, s.name), s.sealed, s.sig)
	}
}

func FuzzOpenDirect(f *testing.F) {
	fuzzseed.Require(f)
	from, to := fuzzDirectIdentities(f)
	genuineSealed, genuineSig := directSeed(f, genuineDirectSeed)
	resealed, _ := directSeed(f, resealedDirectSeed)
	f.Fuzz(func(t *testing.T, sealed, sig []byte) {
		pt, err := to.OpenDirect(fuzzDirectSession, from.Public, fuzzDirectCounter, sealed, sig)
		if err != nil {
			if !errors.Is(err, ErrBadSignature) && !errors.Is(err, ErrOpen) {
				t.Fatalf("OpenDirect = %v, want %v or %v", err, ErrBadSignature, ErrOpen)
			}
			if pt != nil {
				t.Fatalf("OpenDirect returned %q with an error", pt)
			}
		} else if !bytes.Equal(sealed, genuineSealed) || !bytes.Equal(sig, genuineSig) || !bytes.Equal(pt, fuzzDirectPlaintext) {
			t.Fatalf("OpenDirect accepted sealed %x sig %x as %q", sealed, sig, pt)
		}
		// A random signature never verifies, so the fuzzer would never reach
		// HPKE through OpenDirect; give it the decryption step directly. It
		// decrypts whatever was really sealed to the recipient, the host's
		// re-sealing included (which is why OpenDirect checks the signature
		// first), and nothing else.
		pt, err = to.open(fuzzDirectSession, from.Public.SignKey, sealed)
		switch {
		case err != nil:
			if !errors.Is(err, ErrOpen) || pt != nil {
				t.Fatalf("open = %q, %v; want %v", pt, err, ErrOpen)
			}
		case bytes.Equal(sealed, genuineSealed) && bytes.Equal(pt, fuzzDirectPlaintext):
		case bytes.Equal(sealed, resealed) && string(pt) == resealedPlaintext:
		default:
			t.Fatalf("open accepted sealed %x as %q", sealed, pt)
		}
	})
}

func BenchmarkSignMessage(b *testing.B) {
	id := testIdentity(b)
	sid, body := make([]byte, 32), make([]byte, 512)
	for i := 0; b.Loop(); i++ {
		id.SignMessage(sid, uint64(i), body)
	}
}

func BenchmarkVerifyMessage(b *testing.B) {
	id := testIdentity(b)
	sid, body := make([]byte, 32), make([]byte, 512)
	sig := id.SignMessage(sid, 1, body)
	for b.Loop() {
		if err := VerifyMessage(sid, id.Public, 1, body, sig); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSealDirect(b *testing.B) {
	from, to := testIdentity(b), testIdentity(b)
	sid, pt := make([]byte, 32), make([]byte, 512)
	for i := 0; b.Loop(); i++ {
		if _, _, err := from.SealDirect(sid, to.Public, to.KEMKey, uint64(i), pt); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpenDirect(b *testing.B) {
	from, to := testIdentity(b), testIdentity(b)
	sid, pt := make([]byte, 32), make([]byte, 512)
	sealed, sig, err := from.SealDirect(sid, to.Public, to.KEMKey, 1, pt)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := to.OpenDirect(sid, from.Public, 1, sealed, sig); err != nil {
			b.Fatal(err)
		}
	}
}
