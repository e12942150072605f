package dataplane

import (
	"testing"

	"github.com/l2sw/l2sw/dataplane/port"
	"github.com/l2sw/l2sw/dataplane/port/mem"
	"github.com/l2sw/l2sw/packet"
)

// multiQueue is a port backend with several queues, as a multi-queue TAP:
// queue 0 is the port itself.
type multiQueue struct {
	*mem.Port
	qs []port.Port
}

func (m *multiQueue) Queues() []port.Port { return m.qs }

func newMultiQueue(name string, n int) (*multiQueue, []*mem.Port) {
	mems := make([]*mem.Port, n)
	qs := make([]port.Port, n)
	for i := range mems {
		mems[i] = mem.New(name)
		qs[i] = mems[i]
	}
	return &multiQueue{Port: mems[0], qs: qs}, mems
}

// TestEgressOnTheIngressQueueIndex: a worker writes on the egress port's
// queue of its own receive queue's index (modulo the egress port's queue
// count), so a flow that a multi-queue TAP steered to queue i leaves on
// queue i of the other TAP and its replies come back on i: one worker pair
// per flow, no flow pinned to queue 0.
func TestEgressOnTheIngressQueueIndex(t *testing.T) {
	sw := New(Config{})
	a, aq := newMultiQueue("a", 2)
	b, bq := newMultiQueue("b", 2)
	c := mem.New("c")
	for i, p := range []port.Port{a, b, c} {
		if err := sw.AddPort(ifName(i+1), p); err != nil {
			t.Fatal(err)
		}
	}
	sw.mu.Lock()
	in := sw.ports[0]
	r0 := sw.newReceiverLocked(in.id, in.queues[0], 0)
	r1 := sw.newReceiverLocked(in.id, in.queues[1], 1)
	sw.mu.Unlock()
	defer r0.Close()
	defer r1.Close()
	send := func(r *Receiver, f []byte) {
		bufs, sizes := r.Buffers()
		sizes[0] = copy(bufs[0][port.Headroom:], f)
		r.Process(1)
	}
	sent := func(ps ...*mem.Port) []int {
		n := make([]int, len(ps))
		for i, p := range ps {
			n[i] = len(p.Sent())
		}
		return n
	}

	// Flooded (B unknown): queue 1's worker uses B's queue 1 and C's only queue.
	send(r1, udpFrame(t, macA, macB, 0, "flood from queue 1"))
	if got := sent(bq[0], bq[1], c); got[0] != 0 || got[1] != 1 || got[2] != 1 {
		t.Fatalf("flood from A's queue 1 went to B queues %v and C %d; want B queue 1 and C", got[:2], got[2])
	}
	if err := sw.AddStaticMAC(1, packet.MAC(macB), ifName(2)); err != nil {
		t.Fatal(err)
	}
	for i, r := range []*Receiver{r0, r1} {
		send(r, udpFrame(t, macA, macB, 0, "unicast"))
		got := sent(bq[0], bq[1])
		if got[i] != 1 || got[1-i] != 0 {
			t.Errorf("unicast read on A's queue %d left on B's queues %v", i, got)
		}
	}
	if n := len(aq[1].Sent()) + len(aq[0].Sent()); n != 0 {
		t.Errorf("%d frames reflected to the ingress port", n)
	}
}
