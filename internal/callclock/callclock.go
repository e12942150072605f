// Package callclock times calls one by one: the per-call distribution
// (median, tail) that the mean of a benchmark pass hides. The ACL
// benchmarks use it for the per-packet classification median.
package callclock

import (
	"slices"
	_ "unsafe" // go:linkname
)

// nanotime is the runtime's monotonic clock (vDSO clock_gettime), without
// the wall-clock read time.Now adds: the cheapest portable timer Go has,
// so its own cost, subtracted below, stays a small part of a call's.
//
//go:linkname nanotime runtime.nanotime
func nanotime() int64

// Each calls fn on every item of items, in order (so each call finds the
// caches as the calls before it left them), over passes passes, and
// returns the sorted per-call times in ns with the timer's own cost (the
// median of as many empty timings) subtracted.
func Each[T any](fn func(*T), items []T, passes int) []int64 {
	empty := make([]int64, len(items))
	for i := range empty {
		t0 := nanotime()
		empty[i] = nanotime() - t0
	}
	slices.Sort(empty)
	overhead := empty[len(empty)/2]
	out := make([]int64, 0, passes*len(items))
	for range passes {
		for i := range items {
			t0 := nanotime()
			fn(&items[i])
			out = append(out, nanotime()-t0-overhead)
		}
	}
	slices.Sort(out)
	return out
}

// Percentile returns the p-th percentile (0-100) of sorted samples.
func Percentile(sorted []int64, p float64) int64 {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[int(float64(len(sorted)-1)*p/100)]
}

// Nanos is the monotonic clock Each uses, in ns, for a caller that times
// two calls of one step apart.
func Nanos() int64 { return nanotime() }
