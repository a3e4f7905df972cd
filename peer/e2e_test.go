package peer

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"
)

func TestCounterRules(t *testing.T) {
	c := &Client{}
	tests := []struct {
		name    string
		last    uint64
		counter uint64
		ok      bool
	}{
		{"next", 0, 1, true},
		{"gap from a direct message to someone else", 5, 9, true},
		{"replay", 5, 5, false},
		{"older", 5, 4, false},
		{"far ahead", 5, 5 + maxCounterJump + 1, false},
		{"at the edge", 5, 5 + maxCounterJump, true},
		{"max", 1, math.MaxUint64, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &seen{last: tt.last}
			err := c.accept(s, tt.counter)
			if (err == nil) != tt.ok {
				t.Fatalf("accept(%d after %d) = %v", tt.counter, tt.last, err)
			}
			if want := map[bool]uint64{true: tt.counter, false: tt.last}[tt.ok]; s.last != want {
				t.Fatalf("last = %d, want %d", s.last, want)
			}
		})
	}
}

// A sender or a host pushing counters far ahead costs the receiver nothing:
// only the last accepted counter is kept.
func TestFarAheadCountersDoNotAllocate(t *testing.T) {
	c := &Client{}
	s := &seen{last: 10}
	next := uint64(10 + 2*maxCounterJump)
	allocs := testing.AllocsPerRun(1000, func() {
		next += 2 * maxCounterJump
		c.accept(s, next)
	})
	if allocs != 0 || s.last != 10 {
		t.Fatalf("%v allocations per refused counter, last %d", allocs, s.last)
	}
}

func TestBodyRoundTrip(t *testing.T) {
	for _, tt := range []struct {
		text   string
		action bool
	}{{"hello", false}, {"waves", true}, {string(make([]byte, 4096)), false}} {
		body, err := encodeBody(tt.text, tt.action)
		if tt.text[0] == 0 {
			// 4096 NUL bytes are not blank text; they must still fit.
			if err != nil {
				t.Fatal(err)
			}
		} else if err != nil {
			t.Fatal(err)
		}
		text, action, err := decodeBody(body)
		if err != nil || text != tt.text || action != tt.action {
			t.Fatalf("round trip of %q: %q %v %v", tt.text[:5], text[:min(5, len(text))], action, err)
		}
	}
	for _, bad := range []string{"", "   ", string(make([]byte, 4097)), "\xff"} {
		if _, err := encodeBody(bad, false); err == nil {
			t.Fatalf("encodeBody(%q...) accepted", bad[:min(4, len(bad))])
		}
	}
}

func requireSeeds(f *testing.F) {
	f.Helper()
	entries, err := os.ReadDir(filepath.Join("testdata", "fuzz", f.Name()))
	if err != nil || len(entries) == 0 {
		f.Fatalf("no seed corpus in testdata/fuzz/%s: %v", f.Name(), err)
	}
}

// FuzzDecodeBody feeds arbitrary verified-but-hostile bodies to the body
// decoder: a member can sign anything, so signature checks do not make a
// body well formed.
func FuzzDecodeBody(f *testing.F) {
	requireSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		text, action, err := decodeBody(b)
		if err != nil {
			return
		}
		again, err := encodeBody(text, action)
		if err != nil {
			t.Fatalf("decoded %q but cannot encode it: %v", text, err)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("two encodings of one body:\n%x\n%x", b, again)
		}
	})
}
