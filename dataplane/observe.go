package dataplane

import (
	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/cef"
	"github.com/l2sw/l2sw/packet"
)

// Stage names one step of the per-frame path (forward.go), in the order a
// frame meets them.
type Stage uint8

// The stages. A bridged frame passes Ingress through VACL and then
// L2Lookup and Egress; a frame to the router MAC leaves the L2 stages after
// VACL for RouterIn through Rewrite and re-enters L2Lookup in the egress
// VLAN.
const (
	StageIngress   Stage = iota // ingress port: link and admin state
	StageParse                  // header view; malformed frames are dropped
	StageVLAN                   // ingress VLAN: access, native or tag; allowed list
	StageLearn                  // CAM source learning
	StagePACL                   // port ACL, inbound
	StageVACL                   // VLAN filter of the ingress VLAN
	StageRouterIn               // to the router MAC: SVI state, IPv4 checks, punts
	StageRACLIn                 // router ACL inbound on the ingress SVI
	StageFIB                    // longest-prefix match
	StageAdjacency              // adjacency state, TTL, egress SVI
	StageRACLOut                // router ACL outbound on the egress SVI
	StageVACLOut                // VLAN filter of the egress VLAN (routed packets)
	StageMTU                    // the egress SVI's ip mtu
	StageRewrite                // MAC header rewrite and TTL decrement
	StageL2Lookup               // CAM destination lookup: one port or a flood
	StageEgress                 // egress tagging and queueing, one decision per egress port
	NumStages
)

var stageNames = [NumStages]string{"ingress", "parse", "vlan", "learn", "port acl", "vlan filter",
	"router", "router acl in", "fib", "adjacency", "router acl out", "vlan filter out", "mtu",
	"rewrite", "l2 lookup", "egress"}

// String names the stage.
func (s Stage) String() string {
	if s < NumStages {
		return stageNames[s]
	}
	return "unknown"
}

// Verdict is what a stage decided for a frame.
type Verdict uint8

// The verdicts. Pass hands the frame to the next stage; the others end its
// path (Egress reports Forward once per port the frame leaves on).
const (
	Pass    Verdict = iota
	Forward         // queued to a port
	Flood           // flooded to the VLAN's ports (Egress then reports each)
	Drop            // dropped, for Decision.Reason
	Punt            // handed to the control plane, for Decision.Reason
	Consume         // taken by the switch itself (ARP copy, routed and done)
)

var verdictNames = [...]string{"pass", "forward", "flood", "drop", "punt", "consume"}

// String names the verdict.
func (v Verdict) String() string {
	if int(v) < len(verdictNames) {
		return verdictNames[v]
	}
	return "unknown"
}

// Reason says why a stage dropped or punted a frame. The zero value is no
// reason (a Pass or Forward).
type Reason uint8

// The reasons. Malformed frames carry ReasonMalformed plus the parser's
// reason (MalformedReason).
const (
	ReasonNone           Reason = iota
	ReasonPortDown              // ingress or egress port not forwarding
	ReasonVLANNotAllowed        // VLAN not allowed on the port, or no access VLAN
	ReasonInvalidSource         // multicast or broadcast source MAC
	ReasonZeroSource            // all-zero source: not learned (the frame goes on)
	ReasonSamePort              // destination learned on the ingress port
	ReasonPACLDeny              // port ACL denied it
	ReasonVACLDeny              // VLAN filter dropped it
	ReasonSVIDown               // to the router MAC of a shut SVI
	ReasonNotIPv4               // to the router MAC, neither IPv4 nor ARP
	ReasonBadChecksum           // IPv4 header checksum wrong
	ReasonRACLDeny              // router ACL denied it
	ReasonReceive               // for one of the switch's own addresses
	ReasonARP                   // ARP for the SVI
	ReasonRoutingOff            // transit packet with `no ip routing`
	ReasonNoRoute               // no FIB entry
	ReasonNullRoute             // FIB entry to Null0 or a dropping adjacency
	ReasonGlean                 // connected host not resolved yet
	ReasonIncomplete            // next hop not resolved yet
	ReasonTTLExpired            // TTL 1 or 0 in transit
	ReasonNoEgress              // adjacency on an SVI that is down or gone
	ReasonFragment              // larger than the egress MTU: fragmented in software
	ReasonFragNeeded            // larger than the egress MTU with DF set
	ReasonPuntQueueFull         // the control plane's queue was full
	ReasonGiant                 // longer than the port's MTU allows
	ReasonSPANDest              // received on a SPAN destination port
	ReasonVLANInactive          // the port's VLAN for the frame is not in the VLAN database
	ReasonPortSecurity          // a source beyond the port's secure addresses (portsec.go)
	ReasonStormControl          // above the port's storm-control level (storm.go)
	ReasonSTPBlocked            // spanning tree blocks, listens or learns on the port in the VLAN
	ReasonMalformed             // + packet.Reason: header check failed
	NumReasons           = ReasonMalformed + Reason(packet.NumReasons)
)

var reasonNames = [...]string{"", "port down", "vlan not allowed", "invalid source mac",
	"zero source mac", "same port", "port acl deny", "vlan filter drop", "svi down", "not ipv4",
	"bad ip checksum", "router acl deny", "receive", "arp", "routing off", "no route", "null route",
	"glean", "incomplete adjacency", "ttl expired", "no egress", "fragment", "fragmentation needed",
	"punt queue full", "giant", "span destination", "vlan not active",
	"port security", "storm control", "stp blocked"}

// IsDrop reports whether a frame given reason r is dropped. The others are
// punted to the control plane (receive, ARP, glean, incomplete adjacency,
// fragment) or forwarded and counted (zero source).
func (r Reason) IsDrop() bool {
	switch r {
	case ReasonNone, ReasonZeroSource, ReasonReceive, ReasonARP, ReasonGlean, ReasonIncomplete, ReasonFragment, ReasonMalformed:
		return false
	}
	return r < NumReasons
}

// MalformedReason returns the reason of a frame the parser refused for r.
func MalformedReason(r packet.Reason) Reason { return ReasonMalformed + Reason(r) }

// String names the reason as traces and drop listings show it.
func (r Reason) String() string {
	if int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	if r > ReasonMalformed && r < NumReasons {
		return "malformed: " + packet.Reason(r-ReasonMalformed).String()
	}
	return "unknown"
}

// Entry is the table entry a stage's decision rests on; which fields are
// set depends on the stage.
type Entry struct {
	Port   cam.PortID // Learn: the ingress port; L2Lookup: the known port; Egress: the egress port
	VLAN   uint16     // VLAN: the ingress VLAN; L2Lookup, Egress: the egress VLAN
	Tagged bool       // Egress: the frame leaves with an 802.1Q tag
	Known  bool       // L2Lookup: the destination was in the CAM
	Learn  cam.LearnResult
	ACL    string     // ACL stages: the list's name
	ACE    uint32     // ACL stages: the matching entry's sequence number, 0 for the implicit deny
	FIB    cef.Result // FIB, Adjacency, Rewrite: the prefix and adjacency used
	MTU    int        // MTU: the egress SVI's ip mtu
}

// Decision is one stage's outcome for one frame.
type Decision struct {
	Stage   Stage
	Verdict Verdict
	Reason  Reason
	Entry   Entry
	// Worker identifies the forwarding goroutine that decided: one
	// worker's decisions about one frame come in pipeline order, so an
	// observer that follows frames keys them by Worker. Worker 0 is the
	// control plane's transmit side (packets the switch sends itself).
	Worker int
}

// Observer sees the decisions of the pipeline: packet traces, captures and
// drop listings attach here instead of into the stages. Observe runs on the
// forwarding goroutine, once per decision, with the frame as the stage saw
// it (in is the ingress port; for Egress decisions f is the frame as it
// leaves). It must not keep f nor block, and must be safe for use by
// several workers at once.
type Observer interface {
	Observe(in cam.PortID, f []byte, d Decision)
}

// observers fans the decisions out to several observers.
type observers []Observer

func (os observers) Observe(in cam.PortID, f []byte, d Decision) {
	for _, o := range os {
		o.Observe(in, f, d)
	}
}

// SetObserver makes o the only observer of every worker's pipeline; nil
// detaches them all. Workers pick the change up at their next batch.
func (sw *Switch) SetObserver(o Observer) {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	sw.observing = nil
	if o != nil {
		sw.observing = []*Observer{&o}
	}
	sw.publishObserversLocked()
}

// AddObserver attaches o beside the observers already attached (a trace
// and a capture may run together). The function returned detaches it.
func (sw *Switch) AddObserver(o Observer) (remove func()) {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	h := &o
	sw.observing = append(sw.observing, h)
	sw.publishObserversLocked()
	return func() {
		sw.mu.Lock()
		defer sw.mu.Unlock()
		for i, x := range sw.observing {
			if x == h {
				sw.observing = append(sw.observing[:i:i], sw.observing[i+1:]...)
				break
			}
		}
		sw.publishObserversLocked()
	}
}

func (sw *Switch) publishObserversLocked() {
	switch len(sw.observing) {
	case 0:
		sw.observer.Store(nil)
	case 1:
		sw.observer.Store(sw.observing[0])
	default:
		all := make(observers, len(sw.observing))
		for i, o := range sw.observing {
			all[i] = *o
		}
		var o Observer = all
		sw.observer.Store(&o)
	}
}

// observe reports d for the frame f to the attached observer. The stages
// call it behind `if r.obs != nil`: with nothing attached that one
// predictable branch is the whole cost.
func (r *Receiver) observe(f []byte, d Decision) {
	d.Worker = r.worker
	r.obs.Observe(r.in, f, d)
}
