package e2e

import (
	"fmt"
	"sync/atomic"

	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/dataplane/port"
	"github.com/l2sw/l2sw/dataplane/port/tap"
	"github.com/l2sw/l2sw/hwaddr"
	"github.com/l2sw/l2sw/internal/netns"
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
// queueReads): the same steps, only the backend the switch gets differs.
func (l *lab) addHostCounted(name string, cfg tap.Config, s dataplane.PortSettings, mac string, cidrs ...string) (*host, *queueReads) {
	t := l.t
	t.Helper()
	hw, err := hwaddr.Parse(mac)
	if err != nil {
		t.Fatalf("host %s: %v", name, err)
	}
	ifname := netns.LinkName("e2e")
	cfg.Name = ifname
	p, err := tap.Open(cfg)
	if err != nil {
		t.Fatalf("host %s: %v", name, err)
	}
	if got := len(p.Queues()); got != max(cfg.Queues, 1) {
		_ = p.Close()
		t.Fatalf("host %s: TAP opened with %d queues, want %d", name, got, cfg.Queues)
	}
	backend, reads := countQueues(p)
	l.ports++
	portName := fmt.Sprintf("GigabitEthernet0/%d", l.ports)
	if err := l.sw.AddPort(portName, backend); err != nil {
		_ = p.Close()
		t.Fatalf("host %s: %v", name, err)
	}
	if _, err := l.sw.SetPortSettings(portName, s); err != nil {
		t.Fatalf("host %s: %v", name, err)
	}
	ns := netns.New(t)
	t.Cleanup(l.stop) // runs before the namespace (and the TAP) is deleted
	ns.DisableIPv6()
	ns.MoveLink(ifname)
	ns.MustRun("ip", "link", "set", "dev", ifname, "address", hw.Colon())
	for _, c := range cidrs {
		ns.AddAddr(ifname, c)
	}
	ns.LinkUp(ifname)
	return &host{l: l, name: name, ns: ns, ifname: ifname, port: portName, mac: hw}, reads
}
