// Package arp is the per-SVI ARP table of l2sw: dynamic, static, interface and
// incomplete entries with IOS learning, gratuitous-ARP and aging rules.
// It decides what to do with each received ARP frame and which addresses to
// (re-)resolve, and reports every change as an Event; building and sending
// frames is the dataplane's job.
package arp

import (
	"net/netip"
	"time"

	"github.com/l2sw/l2sw/packet"
)

// IfID identifies an interface (an SVI). It is opaque to the table; the
// caller chooses the values and provides the IOS name with SetInterface.
type IfID uint32

// EntryType is the kind of an ARP entry.
type EntryType uint8

// The entry types. IOS shows all of them with type ARPA; the difference is
// visible in the age column ("-" for static and interface) and in the
// hardware address ("Incomplete").
const (
	Dynamic    EntryType = iota // learned from ARP
	Static                      // configured with `arp IP MAC arpa`
	Interface                   // one of our own SVI addresses
	Incomplete                  // request sent, no answer yet
)

var entryTypeNames = [...]string{"dynamic", "static", "interface", "incomplete"}

func (t EntryType) String() string {
	if int(t) < len(entryTypeNames) {
		return entryTypeNames[t]
	}
	return "unknown"
}

// Op is the ARP operation code.
type Op uint16

// ARP operations (RFC 826).
const (
	OpRequest Op = 1
	OpReply   Op = 2
)

func (o Op) String() string {
	switch o {
	case OpRequest:
		return "request"
	case OpReply:
		return "reply"
	}
	return "unknown"
}

// Defaults, as on IOS.
const (
	// DefaultTimeout is `arp timeout 14400` (4 hours).
	DefaultTimeout = 14400 * time.Second
	// MaxTimeoutSeconds is the largest value `arp timeout` accepts.
	MaxTimeoutSeconds = 2147483
)

// IfConfig is the ARP-relevant configuration of one SVI.
type IfConfig struct {
	// Name is the IOS interface name shown in `show ip arp` (Vlan10).
	Name string
	// MAC is the SVI's own MAC address: the hardware address of the
	// interface entries and of our replies.
	MAC packet.MAC
	// Addresses are the SVI's addresses with their masks, primary first,
	// then the secondaries (10.1.1.1/24). The addresses become interface
	// entries; the masked networks are the subnets the wrong-cable filter
	// accepts senders from.
	Addresses []netip.Prefix
	// Virtual are the first-hop redundancy addresses the SVI owns while it
	// is the group's active router: interface entries with the virtual
	// MAC, answered with that MAC, as IOS shows and answers them.
	Virtual []VirtualAddr
	// Timeout is `arp timeout`; 0 means entries never age (IOS accepts 0).
	Timeout time.Duration
	// GratuitousUpdate is `ip arp gratuitous update` (default on): when off,
	// gratuitous ARP does not move an existing entry to a new MAC.
	GratuitousUpdate bool
	// ProxyARP is `ip proxy-arp`. Proxy replies need a route lookup, which
	// the table gets from the ProxyResolver given in Config.
	ProxyARP bool
}

// DefaultIfConfig returns the IOS defaults for an SVI named name.
func DefaultIfConfig(name string, mac packet.MAC, addrs ...netip.Prefix) IfConfig {
	return IfConfig{Name: name, MAC: mac, Addresses: addrs, Timeout: DefaultTimeout,
		GratuitousUpdate: true, ProxyARP: true}
}

// Config is the table-wide configuration.
type Config struct {
	// RetryInterval is the minimum time between two requests for the same
	// address (rate limit of resolution). Default 1 s.
	RetryInterval time.Duration
	// MaxRetries is how many requests are sent for an incomplete entry
	// before the table gives up and holds the address down. Default 5.
	MaxRetries int
	// HoldDown is how long an address that did not answer is not asked
	// for again; packets to it are dropped meanwhile. Default 20 s.
	HoldDown time.Duration
	// RefreshWindow is how long before expiry a dynamic entry is re-ARPed
	// (IOS refreshes an entry shortly before it times out). Default 60 s.
	RefreshWindow time.Duration
	// SolicitWindow is how long after our request a reply still counts as
	// solicited; later replies are gratuitous. Default 5 s.
	SolicitWindow time.Duration
	// QueueAddresses bounds how many unresolved addresses may hold queued
	// packets at once (LRU: the least recently used address loses its
	// packets). Default 256.
	QueueAddresses int
	// QueuePackets bounds the packets queued per address. Default 4.
	QueuePackets int
	// ProxyResolver reports whether target is reachable through an
	// interface other than in (a route exists elsewhere); used for proxy
	// ARP. Nil disables proxy replies.
	ProxyResolver func(in IfID, target netip.Addr) bool
}

func (c *Config) fill() {
	if c.RetryInterval <= 0 {
		c.RetryInterval = time.Second
	}
	if c.MaxRetries <= 0 {
		c.MaxRetries = 5
	}
	if c.HoldDown <= 0 {
		c.HoldDown = 20 * time.Second
	}
	if c.RefreshWindow <= 0 {
		c.RefreshWindow = 60 * time.Second
	}
	if c.SolicitWindow <= 0 {
		c.SolicitWindow = 5 * time.Second
	}
	if c.QueueAddresses <= 0 {
		c.QueueAddresses = 256
	}
	if c.QueuePackets <= 0 {
		c.QueuePackets = 4
	}
}

// Entry is one ARP entry as the table reports it (a copy).
type Entry struct {
	IP     netip.Addr
	MAC    packet.MAC // zero for incomplete entries
	If     IfID       // 0 with IfName "" for a static entry outside every subnet
	IfName string
	Type   EntryType
	// Created is when the entry appeared, Updated when it was last learned
	// or refreshed (the age is counted from it), in clock nanoseconds.
	Created, Updated int64
}

// Age returns how long ago the entry was last refreshed.
func (e Entry) Age(now int64) time.Duration { return time.Duration(now - e.Updated) }

// Gratuitous is the shape of a gratuitous ARP frame.
type Gratuitous uint8

// The gratuitous ARP shapes.
const (
	NotGratuitous   Gratuitous = iota
	Probe                      // sender IP 0.0.0.0: duplicate address detection (RFC 5227)
	Announcement               // request with sender IP == target IP
	GratuitousReply            // reply with sender IP == target IP, or a reply we did not ask for
	numGratuitous
)

var gratNames = [...]string{"none", "probe", "announcement", "gratuitous-reply"}

func (g Gratuitous) String() string {
	if int(g) < len(gratNames) {
		return gratNames[g]
	}
	return "unknown"
}

// Change says what a received frame did to the table.
type Change uint8

// The changes.
const (
	NoChange  Change = iota
	Created          // a new dynamic entry (or an incomplete one completed)
	Refreshed        // same MAC, age reset
	Updated          // the MAC changed
)

var changeNames = [...]string{"none", "created", "refreshed", "updated"}

func (c Change) String() string {
	if int(c) < len(changeNames) {
		return changeNames[c]
	}
	return "unknown"
}

// Reason explains a decision that did not learn, or why a frame was dropped.
type Reason uint8

// The reasons.
const (
	ReasonNone Reason = iota
	// ReasonWrongCable: the sender IP is in none of the receiving SVI's
	// subnets ("IP ARP req filtered ... wrong cable").
	ReasonWrongCable
	// ReasonReplyNotForUs: a reply whose target IP is not one of ours.
	ReasonReplyNotForUs
	// ReasonGratuitousRefused: `no ip arp gratuitous update` kept the old MAC.
	ReasonGratuitousRefused
	// ReasonGratuitousNoEntry: gratuitous ARP never creates an entry.
	ReasonGratuitousNoEntry
	// ReasonMulticastSender: a multicast/broadcast sender MAC is never
	// installed dynamically (NLB multicast needs a static entry).
	ReasonMulticastSender
	// ReasonZeroSender: sender MAC 0000.0000.0000.
	ReasonZeroSender
	// ReasonNotForUs: a request for another host; only an existing entry
	// of the sender is refreshed.
	ReasonNotForUs
	// ReasonConfigured: the sender IP has a static or interface entry,
	// which ARP never overrides.
	ReasonConfigured
	// ReasonDuplicateAddress: someone else claims one of our addresses.
	ReasonDuplicateAddress
	// ReasonUnknownInterface: the frame came in on an interface the table
	// does not know (no SVI / no IP address).
	ReasonUnknownInterface
	// ReasonBadOp: neither request nor reply.
	ReasonBadOp
	// ReasonProbe: a probe (sender 0.0.0.0) is never learned.
	ReasonProbe
	numReasons
)

var reasonNames = [...]string{"none", "wrong cable", "reply not for us", "gratuitous update refused",
	"gratuitous without entry", "multicast sender", "zero sender", "not for us",
	"static or interface entry", "duplicate address", "unknown interface", "bad op", "probe"}

func (r Reason) String() string {
	if int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return "unknown"
}

// VirtualAddr is a virtual IP and the MAC it answers with.
type VirtualAddr struct {
	IP  netip.Addr
	MAC packet.MAC
}

// Packet is a received ARP frame as the dataplane parsed it.
type Packet struct {
	If        IfID
	Op        Op
	SenderMAC packet.MAC
	SenderIP  netip.Addr
	TargetMAC packet.MAC
	TargetIP  netip.Addr
	// ToUs is true when the Ethernet destination is the SVI's MAC,
	// Broadcast when it is ffff.ffff.ffff. (Kept for the caller's
	// accounting; ARP semantics hang on the target IP, as in IOS.)
	ToUs, Broadcast bool
}

// Decision is what the table decided for a received frame.
type Decision struct {
	// Reply: send an ARP reply from ReplyMAC to the sender (our own address,
	// a probe for our address, or proxy ARP).
	Reply    bool
	Proxy    bool
	ReplyMAC packet.MAC
	// Change is what happened to the sender's entry.
	Change Change
	// Filtered: the frame was dropped by a filter (wrong cable, reply not
	// for us, ...); Reason says which.
	Filtered bool
	Reason   Reason
	// Gratuitous classifies the frame.
	Gratuitous Gratuitous
	// Released holds the packets that were queued waiting for the sender's
	// MAC, now resolved; the dataplane forwards them.
	Released [][]byte
}

// EventKind is the kind of a table change.
type EventKind uint8

// The event kinds.
const (
	EventAdded      EventKind = iota // a complete entry appeared
	EventUpdated                     // the MAC of an entry changed
	EventRemoved                     // removed by clear, config or interface removal
	EventAged                        // timed out
	EventIncomplete                  // an incomplete entry was created (resolution started)
	EventFiltered                    // a frame was filtered; Reason tells why
)

var eventNames = [...]string{"added", "updated", "removed", "aged", "incomplete", "filtered"}

func (k EventKind) String() string {
	if int(k) < len(eventNames) {
		return eventNames[k]
	}
	return "unknown"
}

// Event reports a change; the dataplane wires it to the CEF adjacency table
// (Added/Updated -> Resolve, Removed/Aged/Incomplete -> Unresolve) and the
// switch logs what an engineer would look for (the `debug arp` line of a
// wrong-cable filter is written in dataplane/events.go).
type Event struct {
	Kind   EventKind
	If     IfID
	IfName string
	IP     netip.Addr // the entry's address; for EventFiltered the sender's
	MAC    packet.MAC // the entry's MAC; for EventFiltered the sender's
	OldMAC packet.MAC // for EventUpdated
	Type   EntryType
	Reason Reason
	// For EventFiltered: the filtered frame's operation and target.
	Op        Op
	TargetIP  netip.Addr
	TargetMAC packet.MAC
}

// Request asks the dataplane to send an ARP request for IP out of If.
type Request struct {
	If     IfID
	IfName string
	IP     netip.Addr
	// Unicast is the MAC to send the request to (refresh of a known entry,
	// as IOS does); zero means broadcast.
	Unicast packet.MAC
}

// Stats are `show ip traffic`-style ARP counters.
type Stats struct {
	RequestsRx, RepliesRx       uint64
	RequestsTx, RepliesTx       uint64
	ProxyRepliesTx              uint64
	Filtered                    [numReasons]uint64 // per Reason of dropped/refused frames
	GratuitousRx                [numGratuitous]uint64
	QueuedPackets               uint64 // packets accepted into the resolution queue
	QueueDrops                  uint64 // packets dropped: queue full, evicted, or resolution gave up
	ResolutionFailed            uint64 // addresses that did not answer MaxRetries requests
	EntriesAged, EntriesCleared uint64
}

// FilteredBy returns the filter counter for r.
func (s Stats) FilteredBy(r Reason) uint64 {
	if int(r) < len(s.Filtered) {
		return s.Filtered[r]
	}
	return 0
}

// GratuitousBy returns the counter of received gratuitous frames of kind g.
func (s Stats) GratuitousBy(g Gratuitous) uint64 {
	if int(g) < len(s.GratuitousRx) {
		return s.GratuitousRx[g]
	}
	return 0
}
