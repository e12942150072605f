package cef

import (
	"encoding/binary"
	"net/netip"
	"sync/atomic"

	"github.com/l2sw/l2sw/packet"
)

// AdjState is the forwarding state of an adjacency.
type AdjState uint8

// The adjacency states.
const (
	AdjValid      AdjState = iota // rewrite ready: forward
	AdjIncomplete                 // next hop known, no ARP entry: drop, count, resolve (rate-limited)
	AdjGlean                      // connected subnet, host not resolved: drop, count, ARP the destination
	AdjDrop                       // drop (Null0, martians, no route)
	AdjPunt                       // receive: to the control plane
)

var adjStateNames = [...]string{"valid", "incomplete", "glean", "drop", "punt"}

func (s AdjState) String() string {
	if int(s) < len(adjStateNames) {
		return adjStateNames[s]
	}
	return "unknown"
}

// MaxRewrite is the longest rewrite: dst MAC, src MAC, 802.1Q tag, EtherType.
const MaxRewrite = 18

// Adjacency is one immutable version of an adjacency; a state change
// publishes a new version. The dataplane copies Rewrite()[:] over the
// frame's MAC header in one go.
type Adjacency struct {
	// ID is stable for the life of the (interface, next hop) pair; it
	// indexes the per-adjacency counters.
	ID      uint32
	State   AdjState
	If      IfID
	IfName  string
	NextHop uint32 // 0 for glean, drop and punt adjacencies
	DstMAC  packet.MAC
	SrcMAC  packet.MAC
	VLAN    uint16
	Tagged  bool
	rewrite [MaxRewrite]byte
	rwLen   uint8
}

// Rewrite returns the prebuilt Ethernet header (14 bytes, 18 with the
// 802.1Q tag); empty unless the adjacency is valid. It does not allocate.
func (a *Adjacency) Rewrite() []byte { return a.rewrite[:a.rwLen] }

// NextHopAddr returns the next hop as a netip.Addr (invalid when none).
func (a *Adjacency) NextHopAddr() netip.Addr {
	if a.NextHop == 0 {
		return netip.Addr{}
	}
	return u32Addr(a.NextHop)
}

func (a *Adjacency) build() {
	a.rwLen = 0
	if a.State != AdjValid {
		return
	}
	if a.Tagged {
		a.rwLen = uint8(packet.PutEthernetTagged(a.rewrite[:], a.DstMAC, a.SrcMAC, a.VLAN&0x0fff, packet.TypeIPv4))
	} else {
		a.rwLen = uint8(packet.PutEthernet(a.rewrite[:], a.DstMAC, a.SrcMAC, packet.TypeIPv4))
	}
}

// adjSlot is the stable home of an adjacency; FIB entries point to it and
// ARP changes swap its content atomically without touching the FIB.
type adjSlot struct {
	cur  atomic.Pointer[Adjacency]
	id   uint32 // every version's ID
	refs int    // FIB entries using it (writer side)
}

type adjKey struct {
	If IfID
	NH uint32
}

func u32Addr(v uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

func addrU32(a netip.Addr) uint32 {
	b := a.As4()
	return binary.BigEndian.Uint32(b[:])
}
