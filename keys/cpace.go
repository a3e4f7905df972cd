package keys

import (
	"bytes"
	"crypto/hmac"
	cryptorand "crypto/rand"
	"crypto/sha512"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"

	"github.com/gtank/ristretto255"
)

// This file implements CPace as specified in draft-irtf-cfrg-cpace-21 with the
// suite CPACE-RISTR255-SHA512, in the initiator-responder setting. Section
// numbers below refer to that draft.

// Role is a party's role in CPace. The joiner is the initiator (A), the host
// the responder (B); the roles fix the order of the transcript.
type Role int

const (
	Initiator Role = iota
	Responder
)

const (
	// ShareSize is the length of a CPace share: an encoded ristretto255 element.
	ShareSize = 32
	// TagSize is the length of a key confirmation tag: an HMAC-SHA-512 output.
	TagSize = 64
)

var (
	// dsi is G.DSI for ristretto255 (Section 8.3).
	dsi = []byte("CPaceRistretto255")
	// dsiISK is G.DSI || "_ISK", the ISK domain separator (Section 7.2).
	dsiISK = []byte("CPaceRistretto255_ISK")
	// identity is G.I, the encoding of the neutral element (Section 8.3).
	identity [ShareSize]byte
)

// sInBytes is H.s_in_bytes, SHA-512's input block size; the generator string
// is padded so that PRS fills the first block (Section 8.1).
const sInBytes = 128

type cpaceState int

const (
	stateStarted  cpaceState = iota // share computed, waiting for the peer's
	stateFinished                   // ISK and tags computed
	stateFailed                     // aborted: invalid share or failed confirmation
	stateWiped
)

// CPace is one party's run of the CPace PAKE with explicit key confirmation.
// It is not safe for concurrent use.
type CPace struct {
	role  Role
	sid   []byte
	ad    []byte
	y     *ristretto255.Scalar // secret; zeroed once K is computed
	share []byte               // Y = y*g, public

	state   cpaceState
	isk     []byte
	tag     []byte // this side's confirmation tag
	peerTag []byte // the tag the peer must send
}

// NewCPace starts a CPace run: it derives the generator from prs, ci and sid,
// samples the secret scalar from rand (crypto/rand if nil) and computes this
// side's share. ad is this side's associated data, sent in the clear beside the
// share. The inputs are copied; prs is not kept.
func NewCPace(role Role, prs, ci, sid, ad []byte, rand io.Reader) (*CPace, error) {
	if rand == nil {
		rand = cryptorand.Reader
	}
	y, err := sampleScalar(rand)
	if err != nil {
		return nil, err
	}
	return newCPace(role, prs, ci, sid, ad, y)
}

// newCPaceWithScalar is NewCPace with a fixed scalar, to reproduce the draft's
// test vectors.
func newCPaceWithScalar(role Role, prs, ci, sid, ad, scalar []byte) (*CPace, error) {
	y := ristretto255.NewScalar()
	if err := y.Decode(scalar); err != nil {
		return nil, fmt.Errorf("keys: cpace scalar: %w", err)
	}
	if y.Equal(ristretto255.NewScalar()) == 1 {
		return nil, errors.New("keys: cpace scalar is zero")
	}
	return newCPace(role, prs, ci, sid, ad, y)
}

func newCPace(role Role, prs, ci, sid, ad []byte, y *ristretto255.Scalar) (*CPace, error) {
	if role != Initiator && role != Responder {
		y.Zero()
		return nil, fmt.Errorf("keys: unknown cpace role %d", role)
	}
	g := calculateGenerator(prs, ci, sid)
	share := ristretto255.NewElement().ScalarMult(y, g).Encode(nil)
	// g depends on the passphrase alone; whoever learns it can test guesses.
	g.Zero()
	return &CPace{
		role:  role,
		sid:   bytes.Clone(sid),
		ad:    bytes.Clone(ad),
		y:     y,
		share: share,
	}, nil
}

// sampleScalar implements sample_scalar (Section 8.3) in its recommended form:
// 32 random bytes with the bits above bit 251 cleared, so the value is below
// the group order and every draw is canonical.
func sampleScalar(rand io.Reader) (*ristretto255.Scalar, error) {
	var b [32]byte
	defer clear(b[:])
	zero := ristretto255.NewScalar()
	// A zero scalar has probability 2^-252; seeing it repeatedly means the
	// random source is broken, which must not become an endless loop.
	for range 4 {
		if _, err := io.ReadFull(rand, b[:]); err != nil {
			return nil, fmt.Errorf("keys: sampling cpace scalar: %w", err)
		}
		b[31] &= 0x0f
		y := ristretto255.NewScalar()
		if err := y.Decode(b[:]); err != nil {
			panic("keys: scalar below 2^252 rejected as non-canonical")
		}
		if y.Equal(zero) == 0 {
			return y, nil
		}
	}
	return nil, errors.New("keys: sampling cpace scalar: random source returns zeros")
}

// Share returns this side's share Y, to send to the peer.
func (c *CPace) Share() []byte {
	return bytes.Clone(c.share)
}

// Finish takes the peer's share and associated data and derives the
// intermediate session key and both confirmation tags. A share that is not a
// canonical non-identity element makes Finish return an error wrapping
// ErrInvalidShare; the run is then dead, as the draft requires. Finish may be
// called only once.
func (c *CPace) Finish(peerShare, peerAD []byte) error {
	switch c.state {
	case stateStarted:
	case stateWiped:
		return errors.New("keys: cpace used after wipe")
	default:
		return errors.New("keys: cpace finished twice")
	}
	// Every early return below must leave the run aborted.
	c.state = stateFailed

	if len(peerShare) != ShareSize {
		c.wipeSecrets()
		return fmt.Errorf("%w: %d bytes, want %d", ErrInvalidShare, len(peerShare), ShareSize)
	}
	k := scalarMultVfy(c.y, peerShare)
	defer clear(k)
	c.y.Zero()
	if subtle.ConstantTimeCompare(k, identity[:]) == 1 {
		c.wipeSecrets()
		return ErrInvalidShare
	}

	ya, ada, yb, adb := c.share, c.ad, peerShare, peerAD
	if c.role == Responder {
		ya, ada, yb, adb = yb, adb, ya, ada
	}
	c.isk = deriveISK(c.sid, k, transcriptIR(ya, ada, yb, adb))
	ta, tb := confirmationTags(c.sid, c.isk, ya, ada, yb, adb)
	if c.role == Initiator {
		c.tag, c.peerTag = ta, tb
	} else {
		c.tag, c.peerTag = tb, ta
	}
	c.state = stateFinished
	return nil
}

// Tag returns this side's key confirmation tag (Ta for the initiator, Tb for
// the responder), or nil unless Finish has succeeded.
func (c *CPace) Tag() []byte {
	if c.state != stateFinished {
		return nil
	}
	return bytes.Clone(c.tag)
}

// VerifyTag checks the peer's key confirmation tag. On a mismatch, or if
// Finish has not succeeded, it returns an error wrapping ErrConfirmation; a
// mismatch also wipes the run's secrets, since its ISK must not be used.
func (c *CPace) VerifyTag(tag []byte) error {
	if c.state != stateFinished {
		return fmt.Errorf("%w: no key established", ErrConfirmation)
	}
	if !hmac.Equal(tag, c.peerTag) {
		c.state = stateFailed
		c.wipeSecrets()
		return ErrConfirmation
	}
	return nil
}

// ISK returns a copy of the intermediate session key, or nil unless Finish has
// succeeded. The caller wipes it. Only use it after VerifyTag has succeeded.
func (c *CPace) ISK() []byte {
	if c.state != stateFinished {
		return nil
	}
	return bytes.Clone(c.isk)
}

// Wipe zeroes every secret of the run and makes it unusable. It is idempotent.
func (c *CPace) Wipe() {
	c.wipeSecrets()
	c.state = stateWiped
}

func (c *CPace) wipeSecrets() {
	if c.y != nil {
		c.y.Zero()
	}
	clear(c.isk)
	clear(c.tag)
	clear(c.peerTag)
	c.isk, c.tag, c.peerTag = nil, nil, nil
}

// deriveISK computes ISK = H(lv_cat(DSI || "_ISK", sid, K) || transcript)
// (Section 7.2).
func deriveISK(sid, k, transcript []byte) []byte {
	in := iskInput(sid, k, transcript)
	defer clear(in)
	isk := sha512.Sum512(in)
	return isk[:]
}

// iskInput is the hash input of deriveISK. It contains K, so it is built in
// one allocation that the caller can wipe completely.
func iskInput(sid, k, transcript []byte) []byte {
	n := prependLenSize(dsiISK) + prependLenSize(sid) + prependLenSize(k) + len(transcript)
	in := make([]byte, 0, n)
	in = appendPrependLen(in, dsiISK)
	in = appendPrependLen(in, sid)
	in = appendPrependLen(in, k)
	return append(in, transcript...)
}

// confirmationTags computes the key confirmation tags recommended in Section
// 10.4: mac_key = H("CPaceMac" || sid || ISK), Ta = MAC(mac_key, lv_cat(Ya,
// ADa)), Tb = MAC(mac_key, lv_cat(Yb, ADb)), with HMAC-SHA-512 as MAC. Each
// tag covers its sender's own message, so neither side can reflect the other's.
func confirmationTags(sid, isk, ya, ada, yb, adb []byte) (ta, tb []byte) {
	in := make([]byte, 0, len("CPaceMac")+len(sid)+len(isk))
	in = append(append(append(in, "CPaceMac"...), sid...), isk...)
	macKey := sha512.Sum512(in)
	clear(in)
	defer clear(macKey[:])
	mac := func(msg []byte) []byte {
		h := hmac.New(sha512.New, macKey[:])
		h.Write(msg)
		return h.Sum(nil)
	}
	return mac(lvCat(ya, ada)), mac(lvCat(yb, adb))
}

// calculateGenerator implements calculate_generator (Section 8.3 with the
// generator string of Section 8.1): g is the one-way map of RFC 9496, Section
// 4.3.4, applied to SHA-512 of the generator string.
func calculateGenerator(prs, ci, sid []byte) *ristretto255.Element {
	s := generatorString(dsi, prs, ci, sid, sInBytes)
	h := sha512.Sum512(s)
	g := ristretto255.NewElement().FromUniformBytes(h[:])
	clear(s)
	clear(h[:])
	return g
}

// generatorString implements generator_string (Section 8.1, Appendix A.2):
// lv_cat(DSI, PRS, ZPAD, CI, sid), with ZPAD zero bytes that pad DSI and PRS
// to one hash input block, so their hash state can be precomputed only per
// password, not per session.
func generatorString(dsi, prs, ci, sid []byte, sInBytes int) []byte {
	zpad := sInBytes - 1 - prependLenSize(prs) - prependLenSize(dsi)
	zpad = max(zpad, 0)
	return lvCat(dsi, prs, make([]byte, zpad), ci, sid)
}

// scalarMultVfy implements scalar_mult_vfy (Section 8.3): the encoding of y*X,
// or G.I if X does not decode. The caller aborts on G.I, which covers both
// invalid encodings and the identity itself.
func scalarMultVfy(y *ristretto255.Scalar, x []byte) []byte {
	p := ristretto255.NewElement()
	if err := p.Decode(x); err != nil {
		return bytes.Clone(identity[:])
	}
	k := ristretto255.NewElement().ScalarMult(y, p)
	defer k.Zero()
	return k.Encode(make([]byte, 0, ShareSize))
}

// transcriptIR implements transcript_ir (Appendix A.3): the initiator's share
// and associated data always come first.
func transcriptIR(ya, ada, yb, adb []byte) []byte {
	return append(lvCat(ya, ada), lvCat(yb, adb)...)
}

// transcriptOC implements transcript_oc (Appendix A.3), the transcript of the
// symmetric setting. ssc does not use it; it is here to check the test vectors.
func transcriptOC(ya, ada, yb, adb []byte) []byte {
	return oCat(lvCat(ya, ada), lvCat(yb, adb))
}

// oCat implements o_cat (Appendix A.3): "oc" followed by the larger then the
// smaller of its arguments.
func oCat(b1, b2 []byte) []byte {
	if !lexicographicallyLarger(b1, b2) {
		b1, b2 = b2, b1
	}
	return append(append([]byte("oc"), b1...), b2...)
}

// lexicographicallyLarger implements lexiographically_larger (Appendix A.3):
// bytewise order, and the longer string wins a common prefix.
func lexicographicallyLarger(a, b []byte) bool {
	return bytes.Compare(a, b) > 0
}

// lvCat implements lv_cat (Section 6.3, Appendix A.1): each argument prefixed
// by its length, so no two argument lists encode alike.
func lvCat(parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += prependLenSize(p)
	}
	out := make([]byte, 0, n)
	for _, p := range parts {
		out = appendPrependLen(out, p)
	}
	return out
}

// prependLen implements prepend_len (Section 6.3, Appendix A.1): the LEB128
// encoding of len(x) followed by x.
func prependLen(x []byte) []byte {
	return appendPrependLen(make([]byte, 0, prependLenSize(x)), x)
}

func appendPrependLen(dst, x []byte) []byte {
	n := uint64(len(x))
	for n >= 0x80 {
		dst = append(dst, byte(n)|0x80)
		n >>= 7
	}
	dst = append(dst, byte(n))
	return append(dst, x...)
}

// prependLenSize returns len(prependLen(x)) without building it.
func prependLenSize(x []byte) int {
	size := 1
	for n := uint64(len(x)); n >= 0x80; n >>= 7 {
		size++
	}
	return size + len(x)
}
