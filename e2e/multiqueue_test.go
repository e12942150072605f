package e2e

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/dataplane/port/tap"
)

// mqQueues is how many queues the multi-queue tests open per TAP.
const mqQueues = 2

// TestMultiQueueFlowsInOrder: many UDP flows from a host on a 2-queue TAP
// reach a host on another 2-queue TAP, every datagram of every flow and in
// the order each flow sent them, with both of the ingress TAP's queues (so
// both of the switch's receive workers for the port) carrying traffic. The
// kernel hashes each flow to one queue and the switch runs one worker per
// queue, so a flow never races itself; a switch that spread one queue's
// frames over workers, or reordered a worker's batch, would fail here.
func TestMultiQueueFlowsInOrder(t *testing.T) {
	for _, mode := range []tap.VnetMode{tap.VnetOn, tap.VnetOff} {
		t.Run("vnet="+mode.String(), func(t *testing.T) {
			l := newLab(t)
			cfg := tap.Config{Queues: mqQueues, Vnet: mode}
			a, aReads := l.addHostCounted("A", cfg, access(1), "02:00:00:00:0b:01", "10.89.0.1/24")
			b, _ := l.addHostCounted("B", cfg, access(1), "02:00:00:00:0b:02", "10.89.0.2/24")
			a.mustPing("10.89.0.2") // both MACs learned: the flows are known unicast

			const flows, perFlow = 32, 300
			before := aReads.counts()
			r := sendFlows(t, a, "10.89.0.1", b, "10.89.0.2", flows, perFlow)
			after := aReads.counts()

			if r.got != flows*perFlow {
				t.Errorf("B received %d of the %d datagrams sent (%d flows x %d)", r.got, flows*perFlow, flows, perFlow)
			}
			for f, n := range r.perFlow {
				if n != perFlow {
					t.Errorf("flow %d: B received %d datagrams, want %d", f, n, perFlow)
				}
			}
			for _, e := range r.errs {
				t.Error(e)
			}
			if r.moreErrs > 0 {
				t.Errorf("... and %d more errors like these", r.moreErrs)
			}

			used, total := 0, uint64(0)
			for q := range after {
				d := after[q] - before[q]
				total += d
				if d > 0 {
					used++
				}
			}
			t.Logf("A's port read per queue during the flows: %v frames (flows by queue as the kernel hashed them)", diffCounts(before, after))
			if used < mqQueues {
				t.Errorf("the switch read A's %d flows through %d of its %d queues (%v): multi-queue receive is not in use",
					flows, used, mqQueues, diffCounts(before, after))
			}
			if total < flows*perFlow {
				t.Errorf("A's queues read %d frames, fewer than the %d datagrams A sent", total, flows*perFlow)
			}
		})
	}
}

// TestMultiQueueOffloadTCP: TCP between hosts on 2-queue virtio-net TAPs
// arrives intact in both directions and crosses the switch as super-frames
// (the ingress port's average frame is far above the MTU): offloads and
// multi-queue together. Many connections, each a flow the kernel hashes to
// a queue, spread over both of A's queues: the switch writes a flow back
// on the queue index it arrived on, so the TAP's flow steering
// (tun_flow_update on each write, consulted when the host transmits)
// keeps each connection on its own queue instead of pinning every
// connection to queue 0.
func TestMultiQueueOffloadTCP(t *testing.T) {
	l := newLab(t)
	cfg := tap.Config{Queues: mqQueues, Vnet: tap.VnetOn}
	a, aReads := l.addHostCounted("A", cfg, access(1), "02:00:00:00:0c:01", "10.90.0.1/24")
	b, bReads := l.addHostCounted("B", cfg, access(1), "02:00:00:00:0c:02", "10.90.0.2/24")
	a.mustPing("10.90.0.2")

	const size = 4 << 20
	superFrames := func(h *host, run func()) {
		t.Helper()
		before := l.counters(h.port)
		run()
		after := l.counters(h.port)
		frames := after.Get(dataplane.RxFrames) - before.Get(dataplane.RxFrames)
		bytes := after.Get(dataplane.RxBytes) - before.Get(dataplane.RxBytes)
		if frames == 0 || bytes/frames < 3000 {
			t.Errorf("%s's port received %d bytes in %d frames: no super-frames, offloads are not in use on a multi-queue TAP", h.name, bytes, frames)
			return
		}
		t.Logf("from %s: %d bytes in %d frames (average %d)", h.name, bytes, frames, bytes/frames)
	}
	aBefore, bBefore := aReads.counts(), bReads.counts()
	// Many connections: each is a flow of its own, hashed to a queue; with
	// 16 of them the chance that one queue gets none is 2^-15.
	superFrames(a, func() {
		for range 16 {
			tcpTransfer(t, a, b, "10.90.0.2", size/8)
		}
	})
	aData := diffCounts(aBefore, aReads.counts())
	superFrames(b, func() { tcpTransfer(t, b, a, "10.90.0.1", size) })
	for _, h := range []*host{a, b} {
		c := l.counters(h.port)
		if e := c.Get(dataplane.TxErrors); e != 0 {
			t.Errorf("%d transmit errors toward %s", e, h.name)
		}
	}
	t.Logf("frames the switch read per queue: A %v (A to B), B %v (all)", aData, diffCounts(bBefore, bReads.counts()))
	var total uint64
	for _, n := range aData {
		total += n
	}
	for q, n := range aData {
		if n*20 < total {
			t.Errorf("A's queue %d read %d of %d frames of 16 connections: TCP is not spread over the queues", q, n, total)
		}
	}
}

func diffCounts(before, after []uint64) []uint64 {
	out := make([]uint64, len(after))
	for i := range after {
		out[i] = after[i] - before[i]
	}
	return out
}

// flowResult is what the receiving end of sendFlows saw.
type flowResult struct {
	got      int   // datagrams received
	perFlow  []int // datagrams received per flow
	errs     []string
	moreErrs int // errors beyond the ones kept in errs
}

func (r *flowResult) fail(format string, args ...any) {
	if len(r.errs) < 10 {
		r.errs = append(r.errs, fmt.Sprintf(format, args...))
		return
	}
	r.moreErrs++
}

// flowWindow is how many datagrams sendFlows lets be in flight: far below
// what the receiver's socket buffer and the TAP queues hold, so no datagram
// is dropped for want of room and a missing one means the switch lost it.
const flowWindow = 64

// flowBurst is how many datagrams of one flow sendFlows sends back to
// back: consecutive frames of a flow then sit side by side in a queue and
// in the switch's read batches, where a reordering would show.
const flowBurst = 4

// sendFlows sends perFlow datagrams on each of flows UDP flows (one source
// port each) from srcIP on from to dstIP on to, round-robin over the flows
// (flowBurst at a time) so that they are all active at once, each datagram
// carrying (flow, seq). The
// sender is paced by the receiver (at most flowWindow in flight), not by
// time. It returns what the receiver saw; a flow whose sequence numbers do
// not arrive strictly increasing, or whose datagrams come from another
// flow's port, is an error in the result. It gives up when nothing arrives
// for promptly.
func sendFlows(t *testing.T, from *host, srcIP string, to *host, dstIP string, flows, perFlow int) *flowResult {
	t.Helper()
	rx := to.udp(dstIP + ":0")
	if err := rx.SetReadBuffer(1 << 20); err != nil {
		t.Fatalf("%s: %v", to.name, err)
	}
	dst := rx.LocalAddr().(*net.UDPAddr)
	senders := make([]*net.UDPConn, flows)
	flowOfPort := map[int]int{}
	for f := range senders {
		senders[f] = from.udp(srcIP + ":0")
		flowOfPort[senders[f].LocalAddr().(*net.UDPAddr).Port] = f
	}

	res := &flowResult{perFlow: make([]int, flows)}
	var received atomic.Int64
	progress := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		next := make([]int, flows) // the lowest seq each flow may send next
		buf := make([]byte, 64)
		for {
			_ = rx.SetReadDeadline(time.Now().Add(promptly))
			n, src, err := rx.ReadFromUDP(buf)
			if err != nil {
				if !errors.Is(err, os.ErrDeadlineExceeded) && !errors.Is(err, net.ErrClosed) {
					res.fail("%s: receive: %v", to.name, err)
				}
				return
			}
			if n != 8 {
				res.fail("a %d-byte datagram from %v, want 8 bytes", n, src)
				continue
			}
			f, seq := int(binary.BigEndian.Uint32(buf[0:4])), int(binary.BigEndian.Uint32(buf[4:8]))
			switch {
			case f >= flows:
				res.fail("datagram of unknown flow %d from %v", f, src)
				continue
			case flowOfPort[src.Port] != f || src.IP.String() != srcIP:
				res.fail("flow %d seq %d came from %v, not from its own socket", f, seq, src)
			case seq < next[f]:
				res.fail("flow %d: seq %d arrived after seq %d (reordered or duplicated)", f, seq, next[f]-1)
			}
			next[f] = max(next[f], seq+1)
			res.perFlow[f]++
			res.got++
			received.Add(1)
			select {
			case progress <- struct{}{}:
			default:
			}
		}
	}()

	stalled := func() bool {
		select {
		case <-progress:
			return false
		case <-done:
			return true
		case <-time.After(promptly):
			return true
		}
	}
	var msg [8]byte
	sent := int64(0)
send:
	for round := 0; round < perFlow; round += flowBurst {
		for f, c := range senders {
			for seq := round; seq < min(round+flowBurst, perFlow); seq++ {
				for sent-received.Load() >= flowWindow {
					if stalled() {
						t.Errorf("%d datagrams sent, %d received, and nothing more for %v: giving up", sent, received.Load(), promptly)
						break send
					}
				}
				binary.BigEndian.PutUint32(msg[0:4], uint32(f))
				binary.BigEndian.PutUint32(msg[4:8], uint32(seq))
				if _, err := c.WriteToUDP(msg[:], dst); err != nil {
					t.Errorf("%s: flow %d seq %d: send: %v", from.name, f, seq, err)
					break send
				}
				sent++
			}
		}
	}
	for received.Load() < sent && !stalled() {
	}
	_ = rx.Close()
	<-done
	return res
}
