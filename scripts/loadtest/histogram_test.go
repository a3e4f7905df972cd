package main

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// Percentiles read back from the histogram are within its 1/16 bucket
// width of the exact ones, across the range latencies take.
func TestHistogramQuantiles(t *testing.T) {
	var h histogram
	var exact []time.Duration
	for range 100000 {
		d := time.Duration(rand.ExpFloat64() * float64(2*time.Millisecond))
		h.add(d)
		exact = append(exact, d)
	}
	slices.Sort(exact)
	for _, q := range []float64{0.5, 0.95, 0.99} {
		want := exact[int(q*float64(len(exact)))]
		got := h.quantile(q)
		if got < want || float64(got) > float64(want)*(1+1.0/16)+1 {
			t.Errorf("p%.0f = %v, exact %v", q*100, got, want)
		}
	}
	if h.max != exact[len(exact)-1] || h.quantile(1) != h.max {
		t.Errorf("max %v, quantile(1) %v, exact %v", h.max, h.quantile(1), exact[len(exact)-1])
	}
	for _, d := range []time.Duration{0, 1, 15, 16, 17, 1000, time.Second, time.Hour} {
		if b := bucket(d); lower(b) > max(d, 1) || lower(b+1) <= max(d, 1) {
			t.Errorf("bucket(%v) = %d holds [%v, %v)", d, b, lower(b), lower(b+1))
		}
	}
}
