package tap

import (
	"runtime"
	"time"
)

// spinner is a queue reader's adaptive busy-poll (Config.Poll). A reader
// that parks in the netpoller when its queue runs empty pays, for the next
// frame, an epoll wake-up and a goroutine hand-off on top of the read: most
// of the latency a userspace switch adds to a ping. A reader that keeps
// reading for a while instead sees the frame as soon as the kernel queues
// it, for the price of the CPU it burns meanwhile.
//
// How long it spins adapts as the kernel's halt-polling does (KVM
// halt_poll_ns): a spin that sees a frame keeps the budget; a spin that
// times out halves it, and below max/16 turns spinning off; a park that
// ends within max (a longer spin would have caught the frame) doubles it
// again, from max/16, up to max. An idle port therefore stops spinning
// after a few empty spins, and a port whose frames come closer together
// than max spins all the time.
//
// The clock is read once per 16 empty reads and once per wake-up from a
// park, never per frame read.
type spinner struct {
	max    time.Duration // Config.Poll; 0: never spin
	budget time.Duration // the next spin's length; 0: park at once

	until    int64 // while spinning: when to give up, in unix nanoseconds
	tries    uint  // empty reads of this spin
	parkedAt int64 // when the last failed spin parked; 0: not parked after a spin

	// Counts, for tests and for whoever wants to show the cost.
	spins, caught, timeouts uint64
}

// again is called on an empty read and reports whether to read again.
func (s *spinner) again() bool {
	if s.until == 0 {
		if s.budget == 0 {
			s.parkedAt = time.Now().UnixNano()
			return false
		}
		s.spins++
		s.tries = 0
		s.until = time.Now().UnixNano() + int64(s.budget)
		return true
	}
	s.tries++
	if s.tries%16 != 0 {
		return true
	}
	// Let other goroutines of this P (the control plane, timers) run:
	// a busy-poll must not starve them on a small machine.
	runtime.Gosched()
	now := time.Now().UnixNano()
	if now < s.until {
		return true
	}
	s.timeouts++
	s.until = 0
	s.budget /= 2
	if s.budget < s.max/16 {
		s.budget = 0
	}
	s.parkedAt = now
	return false
}

// arrived is called when a read returns the first frame of a batch.
func (s *spinner) arrived() {
	if s.until != 0 {
		s.caught++
		s.until = 0
		return
	}
	if s.parkedAt != 0 {
		if time.Now().UnixNano()-s.parkedAt < int64(s.max) {
			s.budget = min(s.max, max(s.max/16, 2*s.budget))
		}
		s.parkedAt = 0
	}
}
