package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/fxamacker/cbor/v2"
)

// Errors returned by Reader.Next and Parse.
var (
	ErrTooLarge     = errors.New("wire: frame too large")
	ErrVersion      = errors.New("wire: unsupported protocol version")
	ErrUnknownType  = errors.New("wire: unknown message type")
	ErrNonCanonical = errors.New("wire: message not in canonical encoding")
)

var (
	// encMode is RFC 8949 core deterministic encoding: one byte string per
	// message, which signatures over messages can rely on (§2.2).
	encMode cbor.EncMode
	// decMode refuses everything a canonical ssc encoder never produces, and
	// bounds the work a hostile frame can cause before check runs (§2.2).
	decMode cbor.DecMode
)

func init() {
	var err error
	if encMode, err = cbor.CoreDetEncOptions().EncMode(); err != nil {
		panic(err)
	}
	decMode, err = cbor.DecOptions{
		DupMapKey:         cbor.DupMapKeyEnforcedAPF,
		IndefLength:       cbor.IndefLengthForbidden,
		TagsMd:            cbor.TagsForbidden,
		MaxNestedLevels:   6,
		MaxArrayElements:  MaxMembers,
		MaxMapPairs:       16,
		ExtraReturnErrors: cbor.ExtraDecErrorUnknownField,
	}.DecMode()
	if err != nil {
		panic(err)
	}
}

// Append appends m's frame to dst: length, version, type, canonical CBOR body (§2).
func Append(dst []byte, m Message) ([]byte, error) {
	body, err := encMode.Marshal(m)
	if err != nil {
		return dst, fmt.Errorf("wire: encoding %T: %w", m, err)
	}
	n := 2 + len(body)
	if n > maxFrame(m.Type()) {
		return dst, ErrTooLarge
	}
	dst = binary.BigEndian.AppendUint32(dst, uint32(n))
	dst = append(dst, Version, byte(m.Type()))
	return append(dst, body...), nil
}

// Write writes m as one frame to w.
func Write(w io.Writer, m Message) error {
	frame, err := Append(nil, m)
	if err != nil {
		return err
	}
	_, err = w.Write(frame)
	return err
}

// Reader reads frames from a stream, refusing any frame above its limit
// before allocating for it.
type Reader struct {
	r     io.Reader
	limit int
	buf   []byte
}

// NewReader returns a Reader that accepts frames of at most limit bytes
// after the length prefix.
func NewReader(r io.Reader, limit int) *Reader {
	return &Reader{r: r, limit: limit}
}

// SetLimit changes the frame limit, as when admission completes.
func (r *Reader) SetLimit(limit int) { r.limit = limit }

// Next reads and decodes one frame. Errors other than io.EOF mean the peer
// broke the protocol (or the stream broke) and the connection must close.
func (r *Reader) Next() (Message, error) {
	var prefix [4]byte
	if _, err := io.ReadFull(r.r, prefix[:]); err != nil {
		return nil, err
	}
	n := int(binary.BigEndian.Uint32(prefix[:]))
	if n > r.limit {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, n, r.limit)
	}
	if n < 2 {
		return nil, invalid("frame of %d bytes", n)
	}
	if cap(r.buf) < n {
		r.buf = make([]byte, n)
	}
	buf := r.buf[:n]
	if _, err := io.ReadFull(r.r, buf); err != nil {
		return nil, unexpected(err)
	}
	return decode(buf[0], Type(buf[1]), buf[2:])
}

// Parse decodes exactly one frame held in b.
func Parse(b []byte) (Message, error) {
	if len(b) < HeaderSize {
		return nil, invalid("frame of %d bytes", len(b))
	}
	n := int(binary.BigEndian.Uint32(b))
	if n > MaxWelcomeFrame || len(b) >= HeaderSize && n > maxFrame(Type(b[5])) {
		return nil, ErrTooLarge
	}
	if n < 2 || n != len(b)-4 {
		return nil, invalid("length %d for %d bytes", n, len(b)-4)
	}
	return decode(b[4], Type(b[5]), b[6:])
}

// maxFrame is the largest frame of type t an encoder may produce: a
// Welcome carries the whole roster's keys, everything else fits MaxFrame.
func maxFrame(t Type) int {
	if t == TypeWelcome {
		return MaxWelcomeFrame
	}
	return MaxFrame
}

func decode(version byte, t Type, body []byte) (Message, error) {
	if version != Version {
		return nil, fmt.Errorf("%w %d", ErrVersion, version)
	}
	m := newMessage(t)
	if m == nil {
		return nil, fmt.Errorf("%w %d", ErrUnknownType, t)
	}
	if err := decMode.Unmarshal(body, m); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if err := m.check(); err != nil {
		return nil, err
	}
	// Re-encoding is the simplest complete canonicality check: any other
	// encoding of the same value (non-minimal integers, unsorted keys,
	// explicit zero values) differs byte for byte.
	again, err := encMode.Marshal(m)
	if err != nil || !bytes.Equal(again, body) {
		return nil, ErrNonCanonical
	}
	return m, nil
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
