package peer

import (
	"bytes"
	"math"
	"testing"

	"github.com/ssc-chat/ssc/internal/fuzzseed"
	"github.com/ssc-chat/ssc/keys"
)

func TestCounterRules(t *testing.T) {
	tests := []struct {
		name    string
		last    uint64
		counter uint64
		want    Problem
	}{
		{"next", 0, 1, 0},
		{"gap from a direct message to someone else", 5, 9, 0},
		{"replay", 5, 5, ProblemReplay},
		{"older", 5, 4, ProblemReplay},
		{"far ahead", 5, 5 + maxCounterJump + 1, ProblemCounterJump},
		{"at the edge", 5, 5 + maxCounterJump, 0},
		{"max", 1, math.MaxUint64, ProblemCounterJump},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRoster(keys.PublicIdentity{}, nil)
			var k signKey
			r.last[k] = tt.last
			if got := r.acceptCounterLocked(k, tt.counter); got != tt.want {
				t.Fatalf("accept(%d after %d) = %v, want %v", tt.counter, tt.last, got, tt.want)
			}
			want := tt.last
			if tt.want == 0 {
				want = tt.counter
			}
			if r.last[k] != want {
				t.Fatalf("last = %d, want %d", r.last[k], want)
			}
		})
	}
}

// A sender or a host pushing counters far ahead costs the receiver nothing:
// only the last accepted counter is kept.
func TestFarAheadCountersDoNotAllocate(t *testing.T) {
	r := newRoster(keys.PublicIdentity{}, nil)
	var k signKey
	r.last[k] = 10
	next := uint64(10 + 2*maxCounterJump)
	allocs := testing.AllocsPerRun(1000, func() {
		next += 2 * maxCounterJump
		r.acceptCounterLocked(k, next)
	})
	if allocs != 0 || r.last[k] != 10 {
		t.Fatalf("%v allocations per refused counter, last %d", allocs, r.last[k])
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

// FuzzDecodeBody feeds arbitrary verified-but-hostile bodies to the body
// decoder: a member can sign anything, so signature checks do not make a
// body well formed.
func FuzzDecodeBody(f *testing.F) {
	fuzzseed.Require(f)
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
