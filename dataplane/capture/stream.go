package capture

import (
	"context"
	"slices"
	"sync/atomic"
)

// DefaultStreamDepth is how many packets a Stream holds for its writer
// before it loses the next ones: a reader that falls behind must not slow
// the switch down.
const DefaultStreamDepth = 4096

// Stream is the sink of a live capture: packets queue for one writer
// (Run), and are lost, counted, when the writer lags DefaultStreamDepth
// packets behind. With a count it takes that many packets and stops.
type Stream struct {
	ch     chan Packet
	count  int64
	queued atomic.Int64
	lost   atomic.Uint64
}

// NewStream returns a stream of depth packets (0: DefaultStreamDepth)
// that stops after count packets (0: never).
func NewStream(depth, count int) *Stream {
	if depth <= 0 {
		depth = DefaultStreamDepth
	}
	return &Stream{ch: make(chan Packet, depth), count: int64(count)}
}

// Add queues a copy of p, never blocking.
func (s *Stream) Add(p Packet) bool {
	if s.count > 0 && s.queued.Add(1) > s.count {
		return false
	}
	p.Data = slices.Clone(p.Data)
	select {
	case s.ch <- p:
	default:
		s.lost.Add(1)
		if s.count > 0 {
			s.queued.Add(-1) // a lost packet does not count towards the count
		}
	}
	return s.count == 0 || s.queued.Load() < s.count
}

// Lost is how many packets the writer was too slow for.
func (s *Stream) Lost() uint64 { return s.lost.Load() }

// Run writes the packets to w as they come, flushing whenever the queue
// is empty, until ctx is done, the count is written or a write fails. It
// returns how many packets it wrote.
func (s *Stream) Run(ctx context.Context, w *NgWriter) (int, error) {
	n := 0
	if err := w.Flush(); err != nil { // the header: a reader may start now
		return 0, err
	}
	for {
		select {
		case <-ctx.Done():
			return n, w.Flush()
		case p := <-s.ch:
			if err := w.WritePacket(&p); err != nil {
				return n, err
			}
			n++
			if s.count > 0 && int64(n) >= s.count {
				return n, w.Flush()
			}
			if len(s.ch) == 0 {
				if err := w.Flush(); err != nil {
					return n, err
				}
			}
		}
	}
}
