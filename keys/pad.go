package keys

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Chat and direct message bodies are padded before they are signed or sealed,
// so that what the host and the network see of their length is one of a few
// bucket sizes rather than the length itself.

// PadBuckets are the sizes of padded bodies, smallest first. Do not modify.
var PadBuckets = []int{128, 512, 2048, 8192}

// padHeader is the length of the big-endian uint16 length prefix.
const padHeader = 2

// MaxPadded is the longest body Pad accepts: the largest bucket less the
// length prefix.
const MaxPadded = 8192 - padHeader

var (
	// ErrTooLong is returned by Pad for a body longer than MaxPadded.
	ErrTooLong = errors.New("keys: message too long")

	// ErrBadPadding is returned by Unpad for anything Pad cannot have produced.
	ErrBadPadding = errors.New("keys: malformed padding")
)

// Pad returns the length of b as a big-endian uint16, then b, then zeros up to
// the smallest bucket that holds both.
func Pad(b []byte) ([]byte, error) {
	if len(b) > MaxPadded {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrTooLong, len(b), MaxPadded)
	}
	p := make([]byte, bucketFor(padHeader+len(b)))
	binary.BigEndian.PutUint16(p, uint16(len(b)))
	copy(p[padHeader:], b)
	return p, nil
}

// Unpad returns the body of a padded message. It accepts only what Pad
// produces: the smallest bucket that fits, a declared length within it and
// zeros after the body; anything else is an error wrapping ErrBadPadding. The
// result aliases p.
func Unpad(p []byte) ([]byte, error) {
	if len(p) < padHeader || bucketFor(len(p)) != len(p) {
		return nil, fmt.Errorf("%w: %d bytes is not a bucket size", ErrBadPadding, len(p))
	}
	n := int(binary.BigEndian.Uint16(p))
	end := padHeader + n
	if end > len(p) {
		return nil, fmt.Errorf("%w: declares %d bytes in a %d-byte bucket", ErrBadPadding, n, len(p))
	}
	if bucketFor(end) != len(p) {
		return nil, fmt.Errorf("%w: %d bytes padded to %d, beyond the smallest bucket", ErrBadPadding, n, len(p))
	}
	var nonzero byte
	for _, c := range p[end:] {
		nonzero |= c
	}
	if nonzero != 0 {
		return nil, fmt.Errorf("%w: nonzero padding", ErrBadPadding)
	}
	return p[padHeader:end:end], nil
}

// bucketFor returns the smallest bucket of at least n bytes, or 0 if none is.
func bucketFor(n int) int {
	for _, b := range PadBuckets {
		if n <= b {
			return b
		}
	}
	return 0
}
