package fault

import "sync/atomic"

// Counts are what the faults of one direction did to frames.
type Counts struct {
	Dropped     uint64 // lost to drop
	Delayed     uint64 // held for the delay
	Duplicated  uint64 // delivered twice
	Corrupted   uint64 // with a byte inverted
	Reordered   uint64 // held back behind a later frame
	RateLimited uint64 // lost above the rate limit
	Overflow    uint64 // lost because the delay queue was full
}

// Stats are what a port's faults did since the injector was made.
type Stats struct {
	In, Out   Counts
	Reflected uint64 // received frames sent back out of the port
	Flaps     uint64 // times the flap took the link down
}

// Affected is the number of frames fault k touched in the directions d.
func (s Stats) Affected(k Kind, d Direction) uint64 {
	switch k {
	case KindReflect:
		return s.Reflected
	case KindFlap:
		return s.Flaps
	}
	var n uint64
	for _, c := range []struct {
		dir Direction
		c   *Counts
	}{{In, &s.In}, {Out, &s.Out}} {
		if d&c.dir == 0 {
			continue
		}
		switch k {
		case KindDrop:
			n += c.c.Dropped
		case KindDelay:
			n += c.c.Delayed
		case KindDuplicate:
			n += c.c.Duplicated
		case KindCorrupt:
			n += c.c.Corrupted
		case KindReorder:
			n += c.c.Reordered
		case KindRateLimit:
			n += c.c.RateLimited
		}
	}
	return n
}

// counts are Counts updated by several queues' goroutines.
type counts struct {
	dropped, delayed, duplicated, corrupted, reordered, rateLimited, overflow atomic.Uint64
}

func (c *counts) load() Counts {
	return Counts{
		Dropped: c.dropped.Load(), Delayed: c.delayed.Load(), Duplicated: c.duplicated.Load(),
		Corrupted: c.corrupted.Load(), Reordered: c.reordered.Load(), RateLimited: c.rateLimited.Load(),
		Overflow: c.overflow.Load(),
	}
}
