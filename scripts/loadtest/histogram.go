package main

import (
	"math/bits"
	"time"
)

// histogram counts durations in log-linear buckets: 16 per power of two,
// so a percentile read back is within about 6% of the true value, in a
// fixed 8 KiB whatever the number of samples.
type histogram struct {
	counts [64 * 16]int64
	max    time.Duration
	n      int64
}

func bucket(d time.Duration) int {
	v := uint64(max(d, 1))
	e := bits.Len64(v) - 1 // v is in [2^e, 2^(e+1))
	if e < 4 {
		return int(v)
	}
	return e*16 + int(v>>(e-4))&15
}

// lower is the smallest duration in bucket b.
func lower(b int) time.Duration {
	e, m := b/16, b%16
	if e < 4 {
		return time.Duration(b)
	}
	return time.Duration((16 + uint64(m)) << (e - 4))
}

func (h *histogram) add(d time.Duration) {
	h.counts[bucket(d)]++
	h.n++
	h.max = max(h.max, d)
}

func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// quantile returns the duration below which a fraction q of samples fall.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	want := int64(q * float64(h.n))
	var seen int64
	for b, c := range h.counts {
		seen += c
		if seen > want {
			return min(lower(b+1), h.max)
		}
	}
	return h.max
}
