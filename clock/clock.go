// Package clock supplies time to the tables and the dataplane without a
// time.Now() per frame: a coarse clock that a ticker advances a few times a
// second for production, and a manual clock that tests move by hand so that
// aging tests run in microseconds without sleeps.
package clock

import (
	"sync/atomic"
	"time"
)

// Clock reports monotonic time in nanoseconds since an arbitrary epoch.
// Implementations are safe for concurrent use and cheap enough to call per
// batch of frames.
type Clock interface {
	Nanos() int64
}

// Seconds converts a Clock reading to whole seconds, the resolution of every
// table age in l2sw (IOS shows ages in seconds or minutes).
func Seconds(c Clock) int64 { return c.Nanos() / int64(time.Second) }

// DefaultTick is how often a Coarse clock advances: fine enough for
// second-resolution aging and rate limits, rare enough to cost nothing.
const DefaultTick = 100 * time.Millisecond

// Coarse is a clock that reads a cached value; Run advances it.
type Coarse struct {
	now   atomic.Int64
	start time.Time
}

// NewCoarse returns a coarse clock already set to the current time.
func NewCoarse() *Coarse {
	c := &Coarse{start: time.Now()}
	c.now.Store(1) // never 0: 0 means "never" to the tables
	return c
}

// Nanos returns the cached time; it costs one atomic load.
func (c *Coarse) Nanos() int64 { return c.now.Load() }

// Update refreshes the cached time from the system's monotonic clock.
func (c *Coarse) Update() { c.now.Store(int64(time.Since(c.start)) + 1) }

// Run advances the clock every tick until stop is closed. Call it once, in its
// own goroutine.
func (c *Coarse) Run(tick time.Duration, stop <-chan struct{}) {
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			c.Update()
		case <-stop:
			return
		}
	}
}

// Manual is a clock for tests: it stands still until Advance or Set.
type Manual struct{ now atomic.Int64 }

// NewManual returns a manual clock reading start.
func NewManual(start time.Duration) *Manual {
	m := &Manual{}
	m.now.Store(int64(start))
	return m
}

// Nanos returns the current manual time.
func (m *Manual) Nanos() int64 { return m.now.Load() }

// Advance moves the clock forward by d.
func (m *Manual) Advance(d time.Duration) { m.now.Add(int64(d)) }

// Set moves the clock to t.
func (m *Manual) Set(t time.Duration) { m.now.Store(int64(t)) }
