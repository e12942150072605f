package dataplane

import (
	"fmt"
	"sync"

	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/cef"
	"github.com/l2sw/l2sw/counter"
	"github.com/l2sw/l2sw/dataplane/port"
)

// The simulated packet trace (`show platform forward`, Open vSwitch's
// ofproto/trace): one frame runs through the real stages of forward.go and
// route.go on a dry-run Receiver, whose decisions an observer records, and
// nothing in the switch changes. The receiver's own state (its counters,
// transmit queues, next-hop cache, ACL punt budget) is private and never
// published: it is not among the switch's workers, its routed-path
// counters are a cef.Worker and l3Worker nobody sums, and Simulate reads
// its transmit queues instead of flushing them. What is left touches the
// shared tables, and the stages test Receiver.dry at exactly those points:
//
//	point                       dry run                        where
//	CAM learn (and lookup)      cam.Table.WouldLearn, lookup   forward.go, wouldLearn here
//	CAM lookups after learning  see the would-be learn         camLookup here, route.go
//	punts (ARP, glean, ICMP)    not queued                     l3.go punt
//	ACL match counters, log     tcam.Binding.Lookup, no log    aclstage.go aclPermits
//
// The normal path pays one predictable branch per frame, at the learn,
// and one on the routed path's CAM lookups when its next-hop cache misses.

// SimWorker is the Decision.Worker of the simulated trace's decisions.
const SimWorker = -1

// SimResult is what Simulate found a frame would meet.
type SimResult struct {
	// Decisions are every stage's decision, in pipeline order, as an
	// Observer sees them (Worker is SimWorker).
	Decisions []Decision
	// Egress are the frames that would leave, in the order they would be
	// written.
	Egress []SimEgress
	// Verdict is Forward when a frame would leave (a copy may also be
	// punted, as broadcast ARP to an SVI is), else Drop or Punt for
	// Reason, Flood for a flood with no port to reach, or Consume when the
	// switch itself takes the frame.
	Verdict Verdict
	Reason  Reason
}

// SimEgress is one frame that would leave the switch.
type SimEgress struct {
	Port  cam.PortID
	Name  string // the interface
	Frame []byte // as it would be written: tagged or not, rewritten
}

// simState is the switch's dry-run receiver, made on first use.
type simState struct {
	mu sync.Mutex // one dry run at a time: they share the receiver
	r  *Receiver
}

// simRecorder is the dry-run receiver's observer.
type simRecorder struct{ decisions []Decision }

func (o *simRecorder) Observe(_ cam.PortID, _ []byte, d Decision) {
	o.decisions = append(o.decisions, d)
}

// pendingLearn is the CAM entry a dry run's frame would have learned or
// moved: later lookups of the same frame see it, as they would see the
// real learn.
type pendingLearn struct {
	key  uint64 // cam.Key; 0: none
	port cam.PortID
}

// Simulate runs frame, as if received untouched on the interface in,
// through the forwarding pipeline and reports every stage's decision and
// the frames that would leave, without changing any table or counter:
// nothing is learned, punted, counted or sent, and the switch's observers
// (the live trace) do not see it. Dry runs take turns; they run beside the
// workers without stopping them.
func (sw *Switch) Simulate(in string, frame []byte) (SimResult, error) {
	if len(frame) > port.BufferSize-port.Headroom {
		return SimResult{}, fmt.Errorf("simulate on %s: frame of %d bytes is longer than %d", in, len(frame), port.BufferSize-port.Headroom)
	}
	sw.mu.Lock()
	p, err := sw.portLocked(in)
	if err != nil {
		sw.mu.Unlock()
		return SimResult{}, fmt.Errorf("simulate: %w", err)
	}
	id := p.id
	sw.mu.Unlock()

	sw.sim.mu.Lock()
	defer sw.sim.mu.Unlock()
	if sw.sim.r == nil {
		sw.sim.r = sw.newDryReceiver()
	}
	r := sw.sim.r
	rec := &simRecorder{}
	r.in, r.obs, r.nscratch, r.pending, r.spanUsed = id, rec, 0, pendingLearn{}, 0
	now := sw.clk.Nanos() / 1e9
	r.now = now
	s := sw.snap.Load()
	n := copy(r.bufs[0][port.Headroom:], frame)
	r.forward(s, r.bufs[0], n, now)
	r.obs = nil

	res := SimResult{Decisions: rec.decisions}
	for _, out := range r.dirty {
		name := sw.portName(out)
		for _, f := range r.tx[out] {
			res.Egress = append(res.Egress, SimEgress{Port: out, Name: name, Frame: append([]byte(nil), f...)})
		}
		clear(r.tx[out])
		r.tx[out] = r.tx[out][:0]
	}
	r.dirty = r.dirty[:0]
	r.spanUsed = 0 // the SPAN copies were taken above; a dry run never flushes to make room
	res.Verdict, res.Reason = simOutcome(res)
	return res, nil
}

// simOutcome sums a dry run up as the live trace does (trace.State): a
// frame that leaves is forwarded; otherwise the first drop or punt says
// why it went nowhere.
func simOutcome(res SimResult) (Verdict, Reason) {
	if len(res.Egress) > 0 {
		return Forward, ReasonNone
	}
	flood := false
	for _, d := range res.Decisions {
		switch d.Verdict {
		case Drop, Punt:
			return d.Verdict, d.Reason
		case Flood:
			flood = true
		}
	}
	if flood {
		return Flood, ReasonNone
	}
	return Consume, ReasonNone
}

// newDryReceiver returns the receiver of dry runs: buffers for one frame,
// counters of its own that nobody reads, and not among sw.workers, so that
// neither the counters' readers nor a Stop know it.
func (sw *Switch) newDryReceiver() *Receiver {
	r := &Receiver{
		sw:      sw,
		dry:     true,
		worker:  SimWorker,
		stats:   make(statsTable, sw.cfg.MaxPorts),
		local:   make([]localStats, sw.cfg.MaxPorts),
		bufs:    carve(1, port.BufferSize),
		sizes:   make([]int, 1),
		scratch: carve(1, port.BufferSize),
		dirty:   make([]cam.PortID, 0, sw.cfg.MaxPorts),
		fibDst:  make([]uint32, 1),
		probes:  make([]cam.Probe, 1),
		shardID: -1, // no shard of sw.shards: a dry run counts nothing there
		shard:   new(counter.Shard),
	}
	r.initTx(sw.cfg.MaxPorts, 1)
	r.probe = &r.probes[0]
	r.l3w = &l3Worker{cef: new(cef.Worker), sh: r.shard}
	return r
}

// wouldLearn is the learn stage of a dry run: what cam.Table.LearnLookup
// (or Learn) would decide for the frame's source, and the destination's
// port for a unicast frame that layer 3 does not take, with the table left
// as it is. A source that would be learned or moved is remembered for the
// lookups of the same frame (camLookup).
func (r *Receiver) wouldLearn(s *snapshot, vlan uint16, src, dst uint64, cast castClass, now int64) (cam.LearnResult, cam.PortID) {
	learned := r.sw.cam.WouldLearn(vlan, src, r.in, now)
	if learned == cam.Learned || learned == cam.Moved {
		r.pending = pendingLearn{key: cam.Key(vlan, src), port: r.in}
	}
	out := cam.NoPort
	if cast == castUnicast && !s.routes(dst, vlan) {
		out, _ = r.camLookup(vlan, dst)
	}
	return learned, out
}

// camLookup is the CAM lookup of the stages after the learn: the table's,
// except that a dry run sees the source its frame would have learned.
func (r *Receiver) camLookup(vlan uint16, mac uint64) (cam.PortID, bool) {
	if r.dry && r.pending.key != 0 && cam.Key(vlan, mac) == r.pending.key {
		return r.pending.port, true
	}
	return r.sw.cam.Lookup(vlan, mac)
}
