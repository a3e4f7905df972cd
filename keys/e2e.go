package keys

import (
	"bytes"
	"crypto/ed25519"
	"crypto/hpke"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
)

// This file implements the end-to-end layer: every member holds per-session
// keys, signs its chat messages with Ed25519 (RFC 8032, Section 5.1) and seals
// direct messages with HPKE (RFC 9180, base mode, single-shot API of Section
// 6.1) before signing them, so the host relays what it can neither read nor
// forge. The HPKE suite is MLKEM768-X25519 (X-Wing, draft-ietf-hpke-pq),
// HKDF-SHA256 and ChaCha20-Poly1305.
//
// Every signed or HPKE info string is an lvCat of a versioned label and its
// fields, so no two different inputs of any construction encode alike and no
// signature of one kind verifies as another.

const (
	// SignKeySize is the length of an Ed25519 public key.
	SignKeySize = ed25519.PublicKeySize
	// KEMKeySize is the length of a serialized MLKEM768-X25519 public key: the
	// 1184-byte ML-KEM-768 encapsulation key followed by the 32-byte X25519
	// share.
	KEMKeySize = 1184 + 32
	// KEMHashSize is the length of a KEM key's hash, as roster entries carry it.
	KEMHashSize = sha256.Size
	// SignatureSize is the length of an Ed25519 signature.
	SignatureSize = ed25519.SignatureSize
	// SealOverhead is how much longer a sealed direct message is than its
	// plaintext: the encapsulated key (a 1088-byte ML-KEM-768 ciphertext and a
	// 32-byte X25519 share) and the 16-byte ChaCha20-Poly1305 tag.
	SealOverhead = 1088 + 32 + 16
)

const (
	labelEntry      = "ssc entry v2"
	labelChat       = "ssc chat v1"
	labelDirect     = "ssc direct v1"
	labelDirectSeal = "ssc direct seal v2"
)

var (
	// ErrBadIdentity is returned by PublicIdentity.Check, VerifyEntry and
	// SealDirect for public keys of the wrong size or that do not parse.
	ErrBadIdentity = errors.New("keys: malformed identity")

	// ErrBadSignature is returned by VerifyEntry, VerifyMessage and OpenDirect
	// when a signature does not verify under the claimed author's key, which
	// is what tampering by the host looks like.
	ErrBadSignature = errors.New("keys: bad signature")

	// ErrOpen is returned by OpenDirect when a correctly signed direct message
	// cannot be decrypted with this identity's key.
	ErrOpen = errors.New("keys: cannot open direct message")

	// errWiped is returned by SealDirect and OpenDirect on a wiped identity.
	errWiped = errors.New("keys: identity used after wipe")
)

// kem, kdf and aead are the HPKE suite of direct messages.
var (
	kem  = hpke.MLKEM768X25519()
	kdf  = hpke.HKDFSHA256()
	aead = hpke.ChaCha20Poly1305()
)

// PublicIdentity is a member's public keys as the roster carries them: the
// signing key, and the HPKE key by its SHA-256. The entry signature covers
// both, so the hash pins the HPKE key that whoever seals to the member
// fetches (CheckKEMKey) without every roster carrying 1.2 KB per member.
type PublicIdentity struct {
	SignKey []byte // Ed25519 public key, SignKeySize bytes
	KEMHash []byte // SHA-256 of the HPKE MLKEM768-X25519 public key, KEMHashSize bytes
}

// Check reports whether p has keys of the right sizes and a signing key
// that is not of small order; the error wraps ErrBadIdentity. A small-order
// key would let anyone "sign" as it: Ed25519 verification as Go does it
// accepts a signature made without any private key.
func (p PublicIdentity) Check() error {
	switch {
	case len(p.SignKey) != SignKeySize:
		return fmt.Errorf("%w: sign key is %d bytes, want %d", ErrBadIdentity, len(p.SignKey), SignKeySize)
	case len(p.KEMHash) != KEMHashSize:
		return fmt.Errorf("%w: kem key hash is %d bytes, want %d", ErrBadIdentity, len(p.KEMHash), KEMHashSize)
	case smallOrder(p.SignKey):
		return fmt.Errorf("%w: sign key of small order", ErrBadIdentity)
	}
	return nil
}

// Equal reports whether p and q hold the same keys.
func (p PublicIdentity) Equal(q PublicIdentity) bool {
	return bytes.Equal(p.SignKey, q.SignKey) && bytes.Equal(p.KEMHash, q.KEMHash)
}

// KEMHash is the hash of an HPKE public key that roster entries carry.
func KEMHash(kemKey []byte) []byte {
	h := sha256.Sum256(kemKey)
	return h[:]
}

// CheckKEMKey reports whether kemKey is the HPKE key p's entry commits to,
// and parses; the error wraps ErrBadIdentity.
func CheckKEMKey(p PublicIdentity, kemKey []byte) error {
	_, err := kemPublicKey(p, kemKey)
	return err
}

func kemPublicKey(p PublicIdentity, kemKey []byte) (hpke.PublicKey, error) {
	if len(kemKey) != KEMKeySize {
		return nil, fmt.Errorf("%w: kem key is %d bytes, want %d", ErrBadIdentity, len(kemKey), KEMKeySize)
	}
	if subtle.ConstantTimeCompare(KEMHash(kemKey), p.KEMHash) != 1 {
		return nil, fmt.Errorf("%w: kem key is not the one the entry signs", ErrBadIdentity)
	}
	pk, err := kem.NewPublicKey(kemKey)
	if err != nil {
		return nil, fmt.Errorf("%w: kem key: %v", ErrBadIdentity, err)
	}
	return pk, nil
}

// smallOrderKeys are the encodings of the points of small order on
// edwards25519, with the sign bit cleared, non-canonical ones included
// (as libsodium lists them): 0 and 1 and their non-canonical forms p and
// p+1, p-1, and the two points of order 8.
var smallOrderKeys = [][SignKeySize]byte{
	{},
	{0x01},
	{0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05},
	{0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a},
	{0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
	{0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
	{0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
}

func smallOrder(key []byte) bool {
	var k [SignKeySize]byte
	copy(k[:], key)
	k[SignKeySize-1] &= 0x7f
	for _, bad := range smallOrderKeys {
		if k == bad {
			return true
		}
	}
	return false
}

// Identity is a member's private keys for one session. Its methods may be
// called concurrently, except Wipe.
type Identity struct {
	signKey ed25519.PrivateKey // nil once wiped
	kemKey  hpke.PrivateKey    // nil once wiped

	Public PublicIdentity
	// KEMKey is the HPKE public key that Public.KEMHash commits to: sent in
	// the member's Hello, and by the host to whoever seals to the member.
	KEMKey []byte
}

// GenerateIdentity creates fresh keys for one session.
func GenerateIdentity() (*Identity, error) {
	_, signKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("keys: generating signing key: %w", err)
	}
	kemKey, err := kem.GenerateKey()
	if err != nil {
		clear(signKey)
		return nil, fmt.Errorf("keys: generating kem key: %w", err)
	}
	return newIdentity(signKey, kemKey), nil
}

func newIdentity(signKey ed25519.PrivateKey, kemKey hpke.PrivateKey) *Identity {
	kemPublic := kemKey.PublicKey().Bytes()
	return &Identity{
		signKey: signKey,
		kemKey:  kemKey,
		Public: PublicIdentity{
			SignKey: bytes.Clone(signKey.Public().(ed25519.PublicKey)),
			KEMHash: KEMHash(kemPublic),
		},
		KEMKey: kemPublic,
	}
}

// Wipe zeroes the Ed25519 private key and drops the HPKE private key.
// crypto/hpke keeps its own copy of the decapsulation key inside an opaque
// value that cannot be zeroed from outside; once dropped it is left to the
// garbage collector. After Wipe the Sign methods return nil and SealDirect and
// OpenDirect fail. Wipe is idempotent.
func (id *Identity) Wipe() {
	if id == nil {
		return
	}
	clear(id.signKey)
	id.signKey = nil
	id.kemKey = nil
}

// String keeps the private keys out of logs and panics.
func (id Identity) String() string { return "keys.Identity(redacted)" }

// GoString keeps the private keys out of %#v.
func (id Identity) GoString() string { return id.String() }

// sign signs msg, or returns nil on a wiped identity.
func (id *Identity) sign(msg []byte) []byte {
	if id.signKey == nil {
		return nil
	}
	return ed25519.Sign(id.signKey, msg)
}

// SignEntry signs the roster entry that pairs name and this identity's KEM key
// with its signing key in one session, so a host can neither pair someone's
// signing key with a KEM key of its own nor bring an entry from another
// session. created is the entry's creation time as the roster carries it.
func (id *Identity) SignEntry(sessionID []byte, name string, created int64) []byte {
	return id.sign(entryMessage(sessionID, name, id.Public, created))
}

// VerifyEntry checks pub with Check, then sig as pub's signature of the roster
// entry (session, name, pub, created). A malformed pub gives an error wrapping
// ErrBadIdentity, a signature that does not verify one wrapping
// ErrBadSignature.
func VerifyEntry(sessionID []byte, pub PublicIdentity, name string, created int64, sig []byte) error {
	if err := pub.Check(); err != nil {
		return err
	}
	return verify(pub.SignKey, entryMessage(sessionID, name, pub, created), sig)
}

// SignMessage signs chat message number counter of this sender in the session.
func (id *Identity) SignMessage(sessionID []byte, counter uint64, body []byte) []byte {
	return id.sign(chatMessage(sessionID, id.Public.SignKey, counter, body))
}

// VerifyMessage checks sig as sender's signature of chat message counter with
// body; the error wraps ErrBadSignature.
func VerifyMessage(sessionID []byte, sender PublicIdentity, counter uint64, body, sig []byte) error {
	return verify(sender.SignKey, chatMessage(sessionID, sender.SignKey, counter, body), sig)
}

// SealDirect encrypts plaintext to to, whose HPKE key is toKEM (checked
// against the hash to's entry signs), and signs the result as direct message
// counter. Callers pad plaintext first. The HPKE info binds the session, both
// signing keys and the recipient's KEM key; the signature binds the session,
// both signing keys, the counter and the sealed bytes, so the host can neither
// read, re-seal nor redirect the message.
func (id *Identity) SealDirect(sessionID []byte, to PublicIdentity, toKEM []byte, counter uint64, plaintext []byte) (sealed, sig []byte, err error) {
	if id.signKey == nil {
		return nil, nil, errWiped
	}
	pk, err := kemPublicKey(to, toKEM)
	if err != nil {
		return nil, nil, fmt.Errorf("keys: sealing direct message: %w", err)
	}
	sealed, err = hpke.Seal(pk, kdf, aead, directInfo(sessionID, id.Public.SignKey, to), plaintext)
	if err != nil {
		return nil, nil, fmt.Errorf("keys: sealing direct message: %w", err)
	}
	sig = id.sign(directMessage(sessionID, id.Public.SignKey, to.SignKey, counter, sealed))
	return sealed, sig, nil
}

// OpenDirect checks sig as from's signature of direct message counter to this
// identity (an error wrapping ErrBadSignature), then decrypts sealed (an error
// wrapping ErrOpen). Nothing from HPKE is touched before the signature holds.
func (id *Identity) OpenDirect(sessionID []byte, from PublicIdentity, counter uint64, sealed, sig []byte) ([]byte, error) {
	if id.kemKey == nil {
		return nil, errWiped
	}
	if err := verify(from.SignKey, directMessage(sessionID, from.SignKey, id.Public.SignKey, counter, sealed), sig); err != nil {
		return nil, err
	}
	return id.open(sessionID, from.SignKey, sealed)
}

// open is the decryption half of OpenDirect.
func (id *Identity) open(sessionID, fromSignKey, sealed []byte) ([]byte, error) {
	pt, err := hpke.Open(id.kemKey, kdf, aead, directInfo(sessionID, fromSignKey, id.Public), sealed)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrOpen, err)
	}
	return pt, nil
}

// verify checks an Ed25519 signature, rejecting keys and signatures of the
// wrong length first: ed25519.Verify panics on a short key.
func verify(signKey, msg, sig []byte) error {
	if len(signKey) != SignKeySize {
		return fmt.Errorf("%w: sign key is %d bytes, want %d", ErrBadSignature, len(signKey), SignKeySize)
	}
	if len(sig) != SignatureSize {
		return fmt.Errorf("%w: %d bytes, want %d", ErrBadSignature, len(sig), SignatureSize)
	}
	if !ed25519.Verify(ed25519.PublicKey(signKey), msg, sig) {
		return ErrBadSignature
	}
	return nil
}

// entryMessage is what SignEntry signs.
func entryMessage(sessionID []byte, name string, pub PublicIdentity, created int64) []byte {
	return lvCat([]byte(labelEntry), sessionID, []byte(name), pub.SignKey, pub.KEMHash, be64(uint64(created)))
}

// chatMessage is what SignMessage signs.
func chatMessage(sessionID, senderSignKey []byte, counter uint64, body []byte) []byte {
	return lvCat([]byte(labelChat), sessionID, senderSignKey, be64(counter), body)
}

// directInfo is the HPKE info of a direct message (RFC 9180, Section 5.1).
func directInfo(sessionID, senderSignKey []byte, to PublicIdentity) []byte {
	return lvCat([]byte(labelDirectSeal), sessionID, senderSignKey, to.SignKey, to.KEMHash)
}

// directMessage is what SealDirect signs.
func directMessage(sessionID, senderSignKey, recipientSignKey []byte, counter uint64, sealed []byte) []byte {
	return lvCat([]byte(labelDirect), sessionID, senderSignKey, recipientSignKey, be64(counter), sealed)
}

func be64(v uint64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), v)
}
