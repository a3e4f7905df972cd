package keys

import (
	"bytes"
	"crypto/ed25519"
	"crypto/hpke"
	"crypto/rand"
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
	// SignatureSize is the length of an Ed25519 signature.
	SignatureSize = ed25519.SignatureSize
	// SealOverhead is how much longer a sealed direct message is than its
	// plaintext: the encapsulated key (a 1088-byte ML-KEM-768 ciphertext and a
	// 32-byte X25519 share) and the 16-byte ChaCha20-Poly1305 tag.
	SealOverhead = 1088 + 32 + 16
)

const (
	labelEntry      = "ssc entry v1"
	labelChat       = "ssc chat v1"
	labelDirect     = "ssc direct v1"
	labelDirectSeal = "ssc direct seal v1"
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

// PublicIdentity is a member's public keys as the roster carries them.
type PublicIdentity struct {
	SignKey []byte // Ed25519 public key, SignKeySize bytes
	KEMKey  []byte // HPKE MLKEM768-X25519 public key as KEM.NewPublicKey takes it, KEMKeySize bytes
}

// Check reports whether p has keys of the right sizes and a KEMKey that
// parses; the error wraps ErrBadIdentity.
func (p PublicIdentity) Check() error {
	_, err := p.kemPublicKey()
	return err
}

// kemPublicKey checks p as Check does and returns its parsed HPKE key.
func (p PublicIdentity) kemPublicKey() (hpke.PublicKey, error) {
	if len(p.SignKey) != SignKeySize {
		return nil, fmt.Errorf("%w: sign key is %d bytes, want %d", ErrBadIdentity, len(p.SignKey), SignKeySize)
	}
	if len(p.KEMKey) != KEMKeySize {
		return nil, fmt.Errorf("%w: kem key is %d bytes, want %d", ErrBadIdentity, len(p.KEMKey), KEMKeySize)
	}
	pk, err := kem.NewPublicKey(p.KEMKey)
	if err != nil {
		return nil, fmt.Errorf("%w: kem key: %v", ErrBadIdentity, err)
	}
	return pk, nil
}

// Equal reports whether p and q hold the same keys.
func (p PublicIdentity) Equal(q PublicIdentity) bool {
	return bytes.Equal(p.SignKey, q.SignKey) && bytes.Equal(p.KEMKey, q.KEMKey)
}

// Identity is a member's private keys for one session. Its methods may be
// called concurrently, except Wipe.
type Identity struct {
	signKey ed25519.PrivateKey // nil once wiped
	kemKey  hpke.PrivateKey    // nil once wiped

	Public PublicIdentity
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
	return &Identity{
		signKey: signKey,
		kemKey:  kemKey,
		Public: PublicIdentity{
			SignKey: bytes.Clone(signKey.Public().(ed25519.PublicKey)),
			KEMKey:  kemKey.PublicKey().Bytes(),
		},
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
// with its signing key, so a host cannot pair someone's signing key with a
// KEM key of its own. created is the entry's creation time as the roster
// carries it.
func (id *Identity) SignEntry(name string, created int64) []byte {
	return id.sign(entryMessage(name, id.Public, created))
}

// VerifyEntry checks pub with Check, then sig as pub's signature of the roster
// entry (name, pub, created). A malformed pub gives an error wrapping
// ErrBadIdentity, a signature that does not verify one wrapping
// ErrBadSignature; an entry it accepts is safe to seal to.
func VerifyEntry(pub PublicIdentity, name string, created int64, sig []byte) error {
	if err := pub.Check(); err != nil {
		return err
	}
	return verify(pub.SignKey, entryMessage(name, pub, created), sig)
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

// SealDirect encrypts plaintext to to and signs the result as direct message
// counter. Callers pad plaintext first. The HPKE info binds the session, both
// signing keys and the recipient's KEM key; the signature binds the session,
// both signing keys, the counter and the sealed bytes, so the host can neither
// read, re-seal nor redirect the message.
func (id *Identity) SealDirect(sessionID []byte, to PublicIdentity, counter uint64, plaintext []byte) (sealed, sig []byte, err error) {
	if id.signKey == nil {
		return nil, nil, errWiped
	}
	pk, err := to.kemPublicKey()
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
func entryMessage(name string, pub PublicIdentity, created int64) []byte {
	return lvCat([]byte(labelEntry), []byte(name), pub.SignKey, pub.KEMKey, be64(uint64(created)))
}

// chatMessage is what SignMessage signs.
func chatMessage(sessionID, senderSignKey []byte, counter uint64, body []byte) []byte {
	return lvCat([]byte(labelChat), sessionID, senderSignKey, be64(counter), body)
}

// directInfo is the HPKE info of a direct message (RFC 9180, Section 5.1).
func directInfo(sessionID, senderSignKey []byte, to PublicIdentity) []byte {
	return lvCat([]byte(labelDirectSeal), sessionID, senderSignKey, to.SignKey, to.KEMKey)
}

// directMessage is what SealDirect signs.
func directMessage(sessionID, senderSignKey, recipientSignKey []byte, counter uint64, sealed []byte) []byte {
	return lvCat([]byte(labelDirect), sessionID, senderSignKey, recipientSignKey, be64(counter), sealed)
}

func be64(v uint64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), v)
}
