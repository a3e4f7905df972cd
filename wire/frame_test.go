package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
)

// samples holds one valid value of every message type.
func samples() []Message {
	share := bytes.Repeat([]byte{7}, ShareSize)
	tag := bytes.Repeat([]byte{9}, TagSize)
	return []Message{
		&AdmitInit{Share: share},
		&AdmitReply{Share: share, Tag: tag},
		&AdmitConfirm{Tag: tag},
		&Refused{Code: RefuseBusy, RetryAfter: 30},
		&Hello{Name: "alice"},
		&Welcome{Name: "alice", Session: "bob's session", Members: []Member{{Name: "bob", Since: 1700000000000, Host: true}, {Name: "alice", Since: 1700000001000}}},
		&Say{Text: "hello there", Action: true},
		&ChatMessage{From: "bob", Text: "hi", Time: 1700000002000},
		&Joined{Member: Member{Name: "carol", Since: 1}},
		&Left{Name: "carol", Reason: LeaveKicked},
		&Notice{Text: "slow down"},
		&End{Reason: EndHost},
		&Bye{},
	}
}

func TestRoundTrip(t *testing.T) {
	for _, m := range samples() {
		t.Run(strings.TrimPrefix(fmt.Sprintf("%T", m), "*wire."), func(t *testing.T) {
			frame, err := Append(nil, m)
			if err != nil {
				t.Fatal(err)
			}
			got, err := NewReader(bytes.NewReader(frame), MaxFrame).Next()
			if err != nil {
				t.Fatal(err)
			}
			again, err := Append(nil, got)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(frame, again) {
				t.Fatalf("re-encoding differs:\n%x\n%x", frame, again)
			}
			if _, err := Parse(frame); err != nil {
				t.Fatalf("Parse: %v", err)
			}
		})
	}
}

// frameOf builds a frame by hand so tests can break any part of it.
func frameOf(version byte, t Type, body []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(2+len(body)))
	return append(append(b, version, byte(t)), body...)
}

func TestRejects(t *testing.T) {
	good, _ := encMode.Marshal(&Say{Text: "hi"})
	longText, _ := encMode.Marshal(&Say{Text: strings.Repeat("a", MaxText+1)})
	shortShare, _ := encMode.Marshal(&AdmitInit{Share: []byte{1, 2, 3}})
	badUTF8, _ := encMode.Marshal(&Say{Text: "\xff\xfe"})
	unknownCode, _ := encMode.Marshal(&Refused{Code: 99})
	tests := []struct {
		name  string
		frame []byte
		want  error
	}{
		{"wrong version", frameOf(2, TypeSay, good), ErrVersion},
		{"unknown type", frameOf(Version, 99, good), ErrUnknownType},
		{"trailing bytes", frameOf(Version, TypeSay, append(append([]byte{}, good...), 0)), ErrInvalid},
		// {1: "hi", 2: false}: an explicit zero value a canonical encoder omits.
		{"explicit false", frameOf(Version, TypeSay, []byte{0xa2, 0x01, 0x62, 'h', 'i', 0x02, 0xf4}), ErrNonCanonical},
		// {1: "hi"} with the key as a two-byte integer.
		{"non-minimal key", frameOf(Version, TypeSay, []byte{0xa1, 0x18, 0x01, 0x62, 'h', 'i'}), ErrNonCanonical},
		{"duplicate key", frameOf(Version, TypeSay, []byte{0xa2, 0x01, 0x61, 'a', 0x01, 0x61, 'b'}), ErrInvalid},
		{"unknown field", frameOf(Version, TypeSay, []byte{0xa2, 0x01, 0x61, 'a', 0x09, 0x01}), ErrInvalid},
		{"indefinite length", frameOf(Version, TypeSay, []byte{0xbf, 0x01, 0x61, 'a', 0xff}), ErrInvalid},
		{"tag", frameOf(Version, TypeSay, []byte{0xa1, 0x01, 0xc0, 0x61, 'a'}), ErrInvalid},
		{"byte string for text", frameOf(Version, TypeSay, []byte{0xa1, 0x01, 0x41, 'a'}), ErrInvalid},
		{"text too long", frameOf(Version, TypeSay, longText), ErrInvalid},
		{"share too short", frameOf(Version, TypeAdmitInit, shortShare), ErrInvalid},
		{"invalid UTF-8", frameOf(Version, TypeSay, badUTF8), ErrInvalid},
		{"unknown refusal", frameOf(Version, TypeRefused, unknownCode), ErrInvalid},
		{"empty frame", []byte{0, 0, 0, 0}, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewReader(bytes.NewReader(tt.frame), MaxFrame).Next()
			if !errors.Is(err, tt.want) {
				t.Fatalf("Next: got %v, want %v", err, tt.want)
			}
			if _, err := Parse(tt.frame); !errors.Is(err, tt.want) {
				t.Fatalf("Parse: got %v, want %v", err, tt.want)
			}
		})
	}
}

// failReader fails the test if anyone reads past the length prefix.
type failReader struct {
	t      *testing.T
	prefix []byte
}

func (r *failReader) Read(p []byte) (int, error) {
	if len(r.prefix) == 0 {
		r.t.Fatal("read past an oversized length prefix")
	}
	n := copy(p, r.prefix)
	r.prefix = r.prefix[n:]
	return n, nil
}

func TestLimitBeforeAllocation(t *testing.T) {
	prefix := binary.BigEndian.AppendUint32(nil, 1<<31)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 100 {
		r := NewReader(&failReader{t: t, prefix: prefix}, MaxHandshakeFrame)
		if _, err := r.Next(); !errors.Is(err, ErrTooLarge) {
			t.Fatalf("got %v, want ErrTooLarge", err)
		}
	}
	runtime.ReadMemStats(&after)
	// A frame the limit refuses costs a few small objects, nothing sized by the peer.
	if perFrame := (after.TotalAlloc - before.TotalAlloc) / 100; perFrame > 1024 {
		t.Fatalf("%d bytes allocated per refused frame", perFrame)
	}
}

func TestHandshakeLimit(t *testing.T) {
	frame, err := Append(nil, &Say{Text: strings.Repeat("x", MaxHandshakeFrame)})
	if err != nil {
		t.Fatal(err)
	}
	r := NewReader(bytes.NewReader(frame), MaxHandshakeFrame)
	if _, err := r.Next(); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("got %v, want ErrTooLarge", err)
	}
}

func TestTruncated(t *testing.T) {
	frame, _ := Append(nil, &Say{Text: "hello"})
	for n := 1; n < len(frame); n++ {
		_, err := NewReader(bytes.NewReader(frame[:n]), MaxFrame).Next()
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("%d of %d bytes: got %v, want unexpected EOF", n, len(frame), err)
		}
	}
}

func TestEncodeRefusesOversize(t *testing.T) {
	if _, err := Append(nil, &Say{Text: strings.Repeat("x", MaxFrame)}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("got %v, want ErrTooLarge", err)
	}
}
