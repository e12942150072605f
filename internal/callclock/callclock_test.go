package callclock

import (
	"slices"
	"testing"
	"time"
)

// A call that sleeps is timed as at least its sleep, once per item and
// pass, and the result comes back sorted.
func TestEachTimesEveryCall(t *testing.T) {
	items := []time.Duration{0, 0, 2 * time.Millisecond}
	ns := Each(func(d *time.Duration) { time.Sleep(*d) }, items, 2)
	if len(ns) != 6 {
		t.Fatalf("%d timings, want 6", len(ns))
	}
	if !slices.IsSorted(ns) {
		t.Errorf("timings not sorted: %v", ns)
	}
	if ns[len(ns)-1] < int64(2*time.Millisecond) || ns[len(ns)-2] < int64(2*time.Millisecond) {
		t.Errorf("the two sleeping calls read %v and %v ns, want >= 2ms", ns[len(ns)-2], ns[len(ns)-1])
	}
	if ns[0] >= int64(2*time.Millisecond) {
		t.Errorf("an empty call read %d ns", ns[0])
	}
}

func TestPercentile(t *testing.T) {
	s := []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, c := range []struct {
		p    float64
		want int64
	}{{0, 1}, {50, 5}, {90, 9}, {100, 10}} {
		if got := Percentile(s, c.p); got != c.want {
			t.Errorf("Percentile(%v) = %d, want %d", c.p, got, c.want)
		}
	}
	if Percentile(nil, 50) != 0 {
		t.Error("Percentile of nothing is not 0")
	}
}
