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
	sig := bytes.Repeat([]byte{5}, SignatureSize)
	id := Identity{SignKey: bytes.Repeat([]byte{1}, SignKeySize), KEMHash: bytes.Repeat([]byte{2}, KEMHashSize), Created: 1700000000000, Sig: sig}
	kemKey := bytes.Repeat([]byte{4}, KEMKeySize)
	body := bytes.Repeat([]byte{3}, 128)
	return []Message{
		&AdmitInit{Share: share},
		&AdmitReply{Share: share, Tag: tag},
		&AdmitConfirm{Tag: tag},
		&Refused{Code: RefuseBusy, RetryAfter: 30},
		&Hello{Name: "alice", Identity: id, KEMKey: kemKey},
		&Welcome{Name: "alice", Session: "bob's session", SessionID: bytes.Repeat([]byte{4}, 32), Members: []Member{{Name: "bob", Since: 1700000000000, Host: true, Identity: id}, {Name: "alice", Since: 1700000001000, Identity: id}}},
		&Say{Body: body, Counter: 7, Sig: sig},
		&ChatMessage{From: "bob", Body: body, Counter: 7, Sig: sig, Time: 1700000002000},
		&Joined{Member: Member{Name: "carol", Since: 1, Identity: id}, Addr: "192.0.2.1:5555"},
		&Left{Name: "carol", Reason: LeaveKicked},
		&Notice{Text: "slow down"},
		&End{Reason: EndHost},
		&Bye{},
		&Direct{To: "bob", Sealed: bytes.Repeat([]byte{6}, 1300), Counter: 8, Sig: sig},
		&DirectMessage{From: "alice", To: "bob", Sealed: bytes.Repeat([]byte{6}, 1300), Counter: 8, Sig: sig, Time: 1700000003000},
		&KeyRequest{Name: "bob"},
		&Key{Name: "bob", KEMKey: kemKey},
		&Key{Name: "nobody"},
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
	good, _ := encMode.Marshal(&Notice{Text: "hi"})
	longText, _ := encMode.Marshal(&Notice{Text: strings.Repeat("a", MaxReasonBytes+1)})
	shortShare, _ := encMode.Marshal(&AdmitInit{Share: []byte{1, 2, 3}})
	badUTF8, _ := encMode.Marshal(&Notice{Text: "\xff\xfe"})
	unknownCode, _ := encMode.Marshal(&Refused{Code: 99})
	shortSig, _ := encMode.Marshal(&Say{Body: []byte{1}, Sig: []byte{1}})
	emptyBody, _ := encMode.Marshal(&Say{Sig: make([]byte, SignatureSize)})
	bigBody, _ := encMode.Marshal(&Say{Body: make([]byte, MaxBody+1), Sig: make([]byte, SignatureSize)})
	tests := []struct {
		name  string
		frame []byte
		want  error
	}{
		{"wrong version", frameOf(Version+1, TypeNotice, good), ErrVersion},
		{"unknown type", frameOf(Version, 99, good), ErrUnknownType},
		{"trailing bytes", frameOf(Version, TypeNotice, append(append([]byte{}, good...), 0)), ErrInvalid},
		// {1: 1, 2: 0}: an explicit zero value a canonical encoder omits.
		{"explicit zero", frameOf(Version, TypeRefused, []byte{0xa2, 0x01, 0x01, 0x02, 0x00}), ErrNonCanonical},
		// {1: "hi"} with the key as a two-byte integer.
		{"non-minimal key", frameOf(Version, TypeNotice, []byte{0xa1, 0x18, 0x01, 0x62, 'h', 'i'}), ErrNonCanonical},
		{"duplicate key", frameOf(Version, TypeNotice, []byte{0xa2, 0x01, 0x61, 'a', 0x01, 0x61, 'b'}), ErrInvalid},
		{"unknown field", frameOf(Version, TypeNotice, []byte{0xa2, 0x01, 0x61, 'a', 0x09, 0x01}), ErrInvalid},
		{"indefinite length", frameOf(Version, TypeNotice, []byte{0xbf, 0x01, 0x61, 'a', 0xff}), ErrInvalid},
		{"tag", frameOf(Version, TypeNotice, []byte{0xa1, 0x01, 0xc0, 0x61, 'a'}), ErrInvalid},
		{"byte string for text", frameOf(Version, TypeNotice, []byte{0xa1, 0x01, 0x41, 'a'}), ErrInvalid},
		{"text too long", frameOf(Version, TypeNotice, longText), ErrInvalid},
		{"short signature", frameOf(Version, TypeSay, shortSig), ErrInvalid},
		{"empty body", frameOf(Version, TypeSay, emptyBody), ErrInvalid},
		{"body too large", frameOf(Version, TypeSay, bigBody), ErrInvalid},
		{"share too short", frameOf(Version, TypeAdmitInit, shortShare), ErrInvalid},
		{"invalid UTF-8", frameOf(Version, TypeNotice, badUTF8), ErrInvalid},
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
	frame, err := Append(nil, &Notice{Text: strings.Repeat("x", MaxHandshakeFrame)})
	if err != nil {
		t.Fatal(err)
	}
	r := NewReader(bytes.NewReader(frame), MaxHandshakeFrame)
	if _, err := r.Next(); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("got %v, want ErrTooLarge", err)
	}
}

func TestTruncated(t *testing.T) {
	frame, _ := Append(nil, &Notice{Text: "hello"})
	for n := 1; n < len(frame); n++ {
		_, err := NewReader(bytes.NewReader(frame[:n]), MaxFrame).Next()
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("%d of %d bytes: got %v, want unexpected EOF", n, len(frame), err)
		}
	}
}

func TestEncodeRefusesOversize(t *testing.T) {
	if _, err := Append(nil, &Notice{Text: strings.Repeat("x", MaxFrame)}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("got %v, want ErrTooLarge", err)
	}
}
