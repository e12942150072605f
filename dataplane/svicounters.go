package dataplane

import (
	"slices"
	"time"

	"github.com/l2sw/l2sw/counter"
)

// sviCells are one worker's traffic counters of one SVI, counted and read
// under the worker's shard like the rest of l3Worker.
type sviCells struct {
	inPkts, inBytes, inBcast, outPkts, outBytes counter.Cell
	lastIn, lastOut                             int64 // switch clock seconds of the last packet, valid once counted
}

// svi returns the worker's cells of vlan, made on the worker's first
// packet of that SVI: once per SVI and worker, never per frame.
func (w *l3Worker) svi(vlan uint16) *sviCells {
	c := w.svis[vlan]
	if c == nil {
		c = new(sviCells)
		w.svis[vlan] = c
	}
	return c
}

// sviIn counts a frame of n bytes the SVI of vlan received (routed
// through it, or for the switch itself).
func (w *l3Worker) sviIn(vlan uint16, n int, bcast bool, now int64) {
	c := w.svi(vlan)
	c.inPkts.Inc()
	c.inBytes.Add(uint64(n))
	if bcast {
		c.inBcast.Inc()
	}
	c.lastIn = now
}

// minFrame is the shortest Ethernet frame without its FCS: what a shorter
// one is padded to on the wire, and what IOS counts for it.
const minFrame = 60

// sviOut counts a frame of n bytes sent out of the SVI of vlan (routed out
// of it, or sent by the switch), as long as it is on the wire.
func (w *l3Worker) sviOut(vlan uint16, n int, now int64) {
	c := w.svi(vlan)
	c.outPkts.Inc()
	c.outBytes.Add(uint64(max(n, minFrame)))
	c.lastOut = now
}

// SVICounters are the traffic of one SVI, as `show interfaces VlanN`
// shows it: frames into the SVI (routed from its VLAN, or to the switch)
// and out of it (routed into its VLAN, or from the switch).
type SVICounters struct {
	InPackets, InBytes, InBroadcasts uint64
	OutPackets, OutBytes             uint64
	// LastInput and LastOutput are how long ago the last frame went in and
	// out; -1 when none did.
	LastInput, LastOutput time.Duration
}

// SVICounters sums the SVI's counters over every worker and the CPU.
func (sw *Switch) SVICounters(vlan uint16) SVICounters {
	out := SVICounters{LastInput: -1, LastOutput: -1}
	if vlan > MaxVLAN {
		return out
	}
	sw.mu.Lock()
	workers := slices.Clone(sw.l3.workers)
	sw.mu.Unlock()
	now := sw.clk.Nanos() / 1e9
	lastIn, lastOut := int64(-1), int64(-1)
	for _, w := range workers {
		w.sh.Read(func() {
			c := w.svis[vlan]
			if c == nil {
				return
			}
			out.InPackets += c.inPkts.Load()
			out.InBytes += c.inBytes.Load()
			out.InBroadcasts += c.inBcast.Load()
			out.OutPackets += c.outPkts.Load()
			out.OutBytes += c.outBytes.Load()
			if c.inPkts.Load() > 0 {
				lastIn = max(lastIn, c.lastIn)
			}
			if c.outPkts.Load() > 0 {
				lastOut = max(lastOut, c.lastOut)
			}
		})
	}
	if lastIn >= 0 {
		out.LastInput = time.Duration(now-lastIn) * time.Second
	}
	if lastOut >= 0 {
		out.LastOutput = time.Duration(now-lastOut) * time.Second
	}
	return out
}
