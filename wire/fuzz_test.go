package wire

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ssc-chat/ssc/internal/fuzzseed"
)

func FuzzParse(f *testing.F) {
	fuzzseed.Require(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b)
		if err != nil {
			return
		}
		// Whatever is accepted is canonical: it encodes back to the same bytes.
		again, err := Append(nil, m)
		if err != nil {
			t.Fatalf("accepted %x but cannot encode it: %v", b, err)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("accepted non-canonical frame\n got %x\nwant %x", b, again)
		}
	})
}

func FuzzReader(f *testing.F) {
	fuzzseed.Require(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		r := NewReader(bytes.NewReader(b), MaxHandshakeFrame)
		for range 8 {
			if _, err := r.Next(); err != nil {
				return
			}
		}
	})
}

// TestSeedsCoverEveryType keeps the corpus honest: every seed of FuzzParse
// is a valid frame, and together they hold every message type.
func TestSeedsCoverEveryType(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzParse")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[Type]bool{}
	for _, e := range entries {
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
		q := strings.TrimSuffix(strings.TrimPrefix(lines[len(lines)-1], "[]byte("), ")")
		b, err := strconv.Unquote(q)
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		m, err := Parse([]byte(b))
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		seen[m.Type()] = true
	}
	for _, m := range samples() {
		if !seen[m.Type()] {
			t.Errorf("no seed of type %T", m)
		}
	}
}
