package dataplane

import (
	"github.com/l2sw/l2sw/packet"
	"sync/atomic"
)

// Counter indexes a per-port counter.
type Counter int

// The per-port counters. Rx/Tx frame classes follow IF-MIB (ifInUcastPkts...);
// from dropBase on, one counter per Reason says why received frames went
// nowhere (Drops).
const (
	RxFrames Counter = iota
	RxBytes
	RxUnicast
	RxMulticast
	RxBroadcast
	TxFrames
	TxBytes
	TxUnicast
	TxMulticast
	TxBroadcast
	TxErrors              // frames the port's transmit queue refused (output drops)
	Forwarded             // received frames that left the pipeline toward egress (unicast or flood)
	ToRouter              // received frames layer 3 consumed (routed, punted, or dropped there and counted by it)
	UnknownUnicastFlooded // unknown unicast received on this port and flooded
	ZeroSourceForwarded   // all-zero source: not learned, still forwarded
	DropMalformed         // the sum of the malformed reasons' drops (input errors)
	ToControl             // received frames a control protocol consumed (BPDUs, LLDP, CDP, LACP)
	dropBase
	numCounters = dropBase + Counter(NumReasons)
)

// The drop counters the tests and the CLI name most.
const (
	DropPortDown       = dropBase + Counter(ReasonPortDown)
	DropVLANNotAllowed = dropBase + Counter(ReasonVLANNotAllowed)
	DropInvalidSource  = dropBase + Counter(ReasonInvalidSource)
	DropSamePort       = dropBase + Counter(ReasonSamePort)
	DropPACL           = dropBase + Counter(ReasonPACLDeny)
	DropVACL           = dropBase + Counter(ReasonVACLDeny)
	DropGiant          = dropBase + Counter(ReasonGiant)
	DropRunt           = dropBase + Counter(ReasonMalformed) + Counter(packet.ReasonRunt) // shorter than an Ethernet header
)

// Drops returns the counter of frames received on a port and dropped for
// why.
func Drops(why Reason) Counter { return dropBase + Counter(why) }

// Malformed returns the counter of frames dropped because a stage that had
// to read a header found it malformed for r.
func Malformed(r packet.Reason) Counter { return Drops(MalformedReason(r)) }

var counterNames = [...]string{
	"rx frames", "rx bytes", "rx unicast", "rx multicast", "rx broadcast",
	"tx frames", "tx bytes", "tx unicast", "tx multicast", "tx broadcast", "tx errors",
	"forwarded", "to router", "unknown unicast flooded", "zero source forwarded", "drop malformed", "to control",
}

// String names the counter.
func (c Counter) String() string {
	if c >= 0 && int(c) < len(counterNames) {
		return counterNames[c]
	}
	if c >= dropBase && c < numCounters {
		return "drop " + Reason(c-dropBase).String()
	}
	return "unknown"
}

// PortCounters is a snapshot of one port's counters, summed over workers.
type PortCounters [numCounters]uint64

// Get returns counter c.
func (p *PortCounters) Get(c Counter) uint64 { return p[c] }

// portStats is one worker's published counters for one port, read by the
// control plane. The worker counts in plain integers (localStats) and
// publishes the totals once per batch, so a frame costs no atomic operation.
type portStats [numCounters]atomic.Uint64

// localStats is a worker's running totals for one port; only the worker
// touches them.
type localStats [numCounters]uint64

func (s *localStats) inc(c Counter)           { s[c]++ }
func (s *localStats) add(c Counter, n uint64) { s[c] += n }

// publish stores the counters in [from, to) of l into s.
func (s *portStats) publish(l *localStats, from, to Counter) {
	for c := from; c < to; c++ {
		if s[c].Load() != l[c] {
			s[c].Store(l[c])
		}
	}
}

// statsTable holds a worker's counters for every port.
type statsTable []portStats

func (t statsTable) sumInto(id int, out *PortCounters) {
	if id >= len(t) {
		return
	}
	for c := range out {
		out[c] += t[id][c].Load()
	}
}
