package tcam

import (
	"slices"
	_ "unsafe" // go:linkname
)

// nanotime is the runtime's monotonic clock (vDSO clock_gettime), without
// the wall-clock read time.Now adds: the cheapest portable timer Go has,
// so its own cost, subtracted below, stays a small part of a lookup's.
//
//go:linkname nanotime runtime.nanotime
func nanotime() int64

// perLookupNs times every lookup of the trace on its own, in trace order
// (so each finds the caches as the lookups before it left them), over
// passes passes, and returns the sorted per-lookup times in ns with the
// timer's cost (the median of as many empty timings) subtracted. A
// median over these is the per-packet median the issue asks for, not the
// mean of a pass; a percentile shows the tail a mean hides.
func perLookupNs(lookup func(*Header) bool, hs []Header, passes int) []float64 {
	empty := make([]int64, 0, len(hs))
	for range hs {
		t0 := nanotime()
		t1 := nanotime()
		empty = append(empty, t1-t0)
	}
	slices.Sort(empty)
	overhead := empty[len(empty)/2]
	out := make([]float64, 0, passes*len(hs))
	for range passes {
		for i := range hs {
			t0 := nanotime()
			lookup(&hs[i])
			t1 := nanotime()
			out = append(out, float64(t1-t0-overhead))
		}
	}
	slices.Sort(out)
	return out
}

// percentile returns the p-th percentile (0-100) of sorted samples.
func percentile(sorted []float64, p float64) float64 {
	i := int(float64(len(sorted)-1) * p / 100)
	return sorted[i]
}
