package keys

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/gtank/ristretto255"

	"github.com/ssc-chat/ssc/internal/fuzzseed"
)

func FuzzParseFingerprint(f *testing.F) {
	fuzzseed.Require(f)
	f.Fuzz(func(t *testing.T, s string) {
		fp, err := ParseFingerprint(s)
		if err != nil {
			if !errors.Is(err, ErrBadFingerprint) {
				t.Fatalf("ParseFingerprint(%q) = %v, want an error wrapping %v", s, err, ErrBadFingerprint)
			}
			if fp != (Fingerprint{}) {
				t.Fatalf("ParseFingerprint(%q) returned %x with an error", s, fp)
			}
			return
		}
		// One fingerprint, one spelling up to case.
		if got := fp.String(); got != strings.ToLower(s) {
			t.Fatalf("ParseFingerprint(%q) accepted a string that String spells %q", s, got)
		}
	})
}

// fuzzScalar is the responder's scalar from the draft's vectors, fixed so
// that every input runs against the same state.
var fuzzScalar, _ = hex.DecodeString("d2316b454718c35362d83d69df6320f38578ed5984651435e2949762d900b80d")

func FuzzFinish(f *testing.F) {
	fuzzseed.Require(f)
	f.Fuzz(func(t *testing.T, share []byte) {
		c, err := newCPaceWithScalar(Responder, []byte("Password"), []byte("ci"), []byte("sid"), []byte("ADb"), fuzzScalar)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Wipe()
		if err := c.Finish(share, []byte("ADa")); err != nil {
			if !errors.Is(err, ErrInvalidShare) {
				t.Fatalf("Finish(%x) = %v, want an error wrapping %v", share, err, ErrInvalidShare)
			}
			if c.Tag() != nil || c.ISK() != nil {
				t.Fatalf("Finish(%x) failed but left a tag or ISK", share)
			}
			return
		}
		if len(share) != ShareSize {
			t.Fatalf("Finish accepted a %d-byte share", len(share))
		}
		// An accepted share is a canonical encoding of a non-identity element.
		e := ristretto255.NewElement()
		if err := e.Decode(share); err != nil {
			t.Fatalf("Finish accepted undecodable share %x", share)
		}
		if e.Equal(ristretto255.NewElement().Zero()) == 1 || !bytes.Equal(e.Encode(nil), share) {
			t.Fatalf("Finish accepted share %x", share)
		}
		if n := len(c.Tag()); n != TagSize {
			t.Fatalf("tag is %d bytes, want %d", n, TagSize)
		}
		if n := len(c.ISK()); n != 64 {
			t.Fatalf("ISK is %d bytes, want 64", n)
		}
	})
}
