package keys

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/ssc-chat/ssc/internal/fuzzseed"
)

func TestPadRoundTrip(t *testing.T) {
	// Nonzero content, so that content and padding cannot be confused.
	content := bytes.Repeat([]byte{0xa5, 0x5a, 0xff}, MaxPadded)
	for n := 0; n <= MaxPadded; n++ {
		b := content[:n]
		p, err := Pad(b)
		if err != nil {
			t.Fatalf("Pad(%d bytes): %v", n, err)
		}
		if !slices.Contains(PadBuckets, len(p)) {
			t.Fatalf("Pad(%d bytes) is %d bytes, not a bucket size", n, len(p))
		}
		// The smallest bucket: the next smaller one must not fit.
		if i := slices.Index(PadBuckets, len(p)); i > 0 && PadBuckets[i-1] >= n+2 {
			t.Fatalf("Pad(%d bytes) is %d bytes, but %d would do", n, len(p), PadBuckets[i-1])
		}
		got, err := Unpad(p)
		if err != nil {
			t.Fatalf("Unpad(Pad(%d bytes)): %v", n, err)
		}
		if !bytes.Equal(got, b) {
			t.Fatalf("Unpad(Pad(%d bytes)) returned other bytes", n)
		}
	}
}

func TestPadBuckets(t *testing.T) {
	tests := []struct {
		name string
		n    int
		want int
	}{
		{"empty", 0, 128},
		{"fills 128", 126, 128},
		{"one over 128", 127, 512},
		{"fills 512", 510, 512},
		{"one over 512", 511, 2048},
		{"fills 2048", 2046, 2048},
		{"one over 2048", 2047, 8192},
		{"largest", MaxPadded, 8192},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Pad(make([]byte, tt.n))
			if err != nil {
				t.Fatal(err)
			}
			if len(p) != tt.want {
				t.Fatalf("Pad(%d bytes) is %d bytes, want %d", tt.n, len(p), tt.want)
			}
		})
	}
}

func TestPadTooLong(t *testing.T) {
	for _, n := range []int{MaxPadded + 1, 8192, 1 << 16, 1 << 20} {
		if p, err := Pad(make([]byte, n)); !errors.Is(err, ErrTooLong) || p != nil {
			t.Errorf("Pad(%d bytes) = %d bytes, %v; want %v", n, len(p), err, ErrTooLong)
		}
	}
}

func TestUnpadRejects(t *testing.T) {
	padded := func(n int) []byte {
		p, err := Pad(bytes.Repeat([]byte{'x'}, n))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	withLen := func(p []byte, n uint16) []byte {
		p[0], p[1] = byte(n>>8), byte(n)
		return p
	}
	set := func(p []byte, i int, c byte) []byte {
		p[i] = c
		return p
	}
	tests := []struct {
		name string
		p    []byte
	}{
		{"nil", nil},
		{"one byte", []byte{0}},
		{"header only", []byte{0, 0}},
		{"one short of a bucket", padded(10)[:127]},
		{"one over a bucket", append(padded(10), 0)},
		{"between buckets", make([]byte, 1000)},
		{"beyond the largest bucket", make([]byte, 16384)},
		{"declared length one too many", withLen(padded(10), 127)},
		{"declared length maximal", withLen(padded(10), 0xffff)},
		{"declared length too many for the largest bucket", withLen(padded(MaxPadded), MaxPadded+1)},
		{"larger bucket than needed", withLen(make([]byte, 512), 10)},
		{"empty in a larger bucket", make([]byte, 8192)},
		{"nonzero byte after the body", set(padded(10), 12, 1)},
		{"nonzero last byte", set(padded(10), 127, 0x80)},
		{"nonzero last byte of the largest bucket", set(padded(5000), 8191, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if b, err := Unpad(tt.p); !errors.Is(err, ErrBadPadding) || b != nil {
				t.Fatalf("Unpad = %q, %v; want %v", b, err, ErrBadPadding)
			}
		})
	}
}

func TestUnpadDoesNotExposePadding(t *testing.T) {
	p, err := Pad([]byte("abc"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Unpad(p)
	if err != nil {
		t.Fatal(err)
	}
	_ = append(b, 'x')
	if _, err := Unpad(p); err != nil {
		t.Fatalf("appending to Unpad's result changed the padding: %v", err)
	}
}

func FuzzUnpad(f *testing.F) {
	fuzzseed.Require(f)
	f.Fuzz(func(t *testing.T, p []byte) {
		b, err := Unpad(p)
		if err != nil {
			if !errors.Is(err, ErrBadPadding) || b != nil {
				t.Fatalf("Unpad = %q, %v; want %v", b, err, ErrBadPadding)
			}
			return
		}
		again, err := Pad(b)
		if err != nil {
			t.Fatalf("Pad of Unpad's result: %v", err)
		}
		if !bytes.Equal(again, p) {
			t.Fatalf("Unpad accepted %x, which Pad spells %x", p, again)
		}
	})
}
