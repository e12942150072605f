package e2e

import (
	"sync/atomic"

	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/dataplane/port"
	"github.com/l2sw/l2sw/dataplane/port/tap"
)

// queueReads counts, per queue of one TAP, the frames the switch's receive
// worker for that queue has read. The switch starts one worker per element
// of its backend's Queues() and each worker reads only its own queue, so
// these are per-worker counts; tap.Port.Stats sums over the queues and the
// kernel shows no per-queue counters for a TAP.
type queueReads struct {
	frames []atomic.Uint64
}

// counts returns a snapshot of the per-queue frame counts.
func (q *queueReads) counts() []uint64 {
	out := make([]uint64, len(q.frames))
	for i := range q.frames {
		out[i] = q.frames[i].Load()
	}
	return out
}

// countedQueue is one queue of a TAP whose Read counts the frames it
// returns. Embedding *tap.Port keeps every method the switch looks for
// (BufferSize, SetOffload, WriteOffload, ...) as the real queue has it, so
// the switch drives the TAP exactly as it would unwrapped.
type countedQueue struct {
	*tap.Port
	frames *atomic.Uint64
}

// Read implements port.Port.
func (c countedQueue) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	n, err := c.Port.Read(bufs, sizes, offset)
	c.frames.Add(uint64(n))
	return n, err
}

// countedTap is queue 0 of a TAP standing for the whole device, as the
// switch's backend: its Queues are the counted ones.
type countedTap struct {
	countedQueue
	queues []port.Port
}

// Queues returns the counted queues, queue 0 (the backend itself) first.
func (c *countedTap) Queues() []port.Port { return c.queues }

var (
	_ port.Port        = countedQueue{}
	_ port.OffloadPort = (*countedTap)(nil)
	_ port.BufferSizer = countedQueue{}
)

// countQueues wraps an open TAP so that each of its queues counts what the
// switch reads from it.
func countQueues(p *tap.Port) (*countedTap, *queueReads) {
	raw := p.Queues()
	reads := &queueReads{frames: make([]atomic.Uint64, len(raw))}
	c := &countedTap{queues: make([]port.Port, len(raw))}
	for i, q := range raw {
		cq := countedQueue{Port: q.(*tap.Port), frames: &reads.frames[i]}
		if i == 0 {
			c.countedQueue = cq
			c.queues[0] = c
			continue
		}
		c.queues[i] = cq
	}
	return c, reads
}

// addHostCounted is lab.addHostTap with the TAP's queues counted (see
// queueReads).
func (l *lab) addHostCounted(name string, cfg tap.Config, s dataplane.PortSettings, mac string, cidrs ...string) (*host, *queueReads) {
	l.t.Helper()
	var reads *queueReads
	h := l.addHostWrapped(name, cfg, func(p *tap.Port) port.Port {
		if got := len(p.Queues()); got != max(cfg.Queues, 1) {
			l.t.Errorf("host %s: TAP opened with %d queues, want %d", name, got, cfg.Queues)
		}
		var backend port.Port
		backend, reads = countQueues(p)
		return backend
	}, s, mac, cidrs...)
	return h, reads
}
