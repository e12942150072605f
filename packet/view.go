// This file is the zero-copy view of an Ethernet frame: fixed-offset
// accessors over the []byte for Ethernet, up to two 802.1Q/802.1ad tags, ARP,
// IPv4 (with options) and the TCP/UDP/ICMP header fields an ACL needs. Parse
// fills a View without allocating or copying and classifies malformed frames
// by Reason; gopacket is its oracle in the tests.

package packet

import (
	"encoding/binary"
	"net/netip"
)

// EtherTypes the view understands.
const (
	TypeIPv4  = 0x0800
	TypeARP   = 0x0806
	TypeDot1Q = 0x8100
	TypeQinQ  = 0x88a8
	TypeIPv6  = 0x86dd
)

// IP protocol numbers the view decodes further.
const (
	ProtoICMP = 1
	ProtoTCP  = 6
	ProtoUDP  = 17
)

// Header sizes.
const (
	EthLen  = 14
	TagLen  = 4
	ARPLen  = 28 // Ethernet/IPv4 ARP
	IPv4Min = 20
)

// Reason says why a frame is malformed. ReasonNone means the frame parsed.
type Reason uint8

// Reasons, in pipeline order.
const (
	ReasonNone        Reason = iota
	ReasonRunt               // shorter than an Ethernet header
	ReasonBadTag             // an 802.1Q tag truncated, or more than two tags
	ReasonBadARP             // ARP too short or not Ethernet/IPv4
	ReasonBadIPHeader        // IPv4 version/IHL wrong or header truncated
	ReasonBadIPLength        // IPv4 total length shorter than the header or longer than the frame
	ReasonBadL4              // first fragment too short for its TCP/UDP/ICMP header, TCP data offset or UDP length wrong
	NumReasons
)

var reasonNames = [NumReasons]string{"none", "runt", "bad tag", "bad ARP", "bad IP header", "bad IP length", "bad L4 header"}

// Link reports whether r is a fault of the Ethernet header or its tags,
// which no bridge can forward; the others are faults of the ARP or IPv4
// header behind them, which a bridge forwards as they are.
func (r Reason) Link() bool { return r == ReasonRunt || r == ReasonBadTag }

// String names the reason as the counters show it.
func (r Reason) String() string {
	if r < NumReasons {
		return reasonNames[r]
	}
	return "unknown"
}

// View is the parsed layout of one frame. All offsets index B.
type View struct {
	B []byte

	Tags      int    // 802.1Q/802.1ad tags present: 0, 1 or 2
	OuterTPID uint16 // TPID of the first tag
	OuterTCI  uint16 // TCI of the first tag
	InnerTCI  uint16 // TCI of the second tag
	EtherType uint16 // the EtherType after the tags
	L3        int    // offset of the network header

	// IPv4, valid when EtherType == TypeIPv4.
	IHL      int // header length in bytes
	IPLen    int // total length from the header
	Proto    uint8
	FragOff  uint16 // fragment offset in 8-byte units
	MoreFrag bool
	DF       bool

	// L4 is the offset of the transport header in the first fragment, 0
	// otherwise (non-first fragments and unknown protocols).
	L4 int
}

// Parse fills v from b. It never panics and never allocates; on a malformed
// frame it returns the reason and leaves the fields it reached filled in.
// It is ParseLink followed, if the link layer is sound, by ParseNetwork.
func (v *View) Parse(b []byte) Reason {
	if bad := v.ParseLink(b); bad != ReasonNone {
		return bad
	}
	return v.ParseNetwork()
}

// ParseLink is the first half of Parse: the Ethernet header and the tags,
// up to EtherType and L3, with the network-layer fields left zero. A
// bridge needs no more to forward a frame; the forwarding path calls
// ParseNetwork only for the frames a stage must read deeper.
func (v *View) ParseLink(b []byte) Reason {
	*v = View{B: b}
	if len(b) < EthLen {
		return ReasonRunt
	}
	// Up to two tags, unrolled: the fields are set from locals, and the
	// network header's parser gets the frame and offset as arguments,
	// so nothing just stored into v is loaded back.
	l3 := EthLen
	et := binary.BigEndian.Uint16(b[12:])
	if isTag(et) {
		if len(b) < EthLen+TagLen {
			return ReasonBadTag
		}
		v.Tags, v.OuterTPID, v.OuterTCI = 1, et, binary.BigEndian.Uint16(b[14:])
		l3 += TagLen
		et = binary.BigEndian.Uint16(b[16:])
		if isTag(et) {
			if len(b) < EthLen+2*TagLen {
				return ReasonBadTag
			}
			v.Tags, v.InnerTCI = 2, binary.BigEndian.Uint16(b[18:])
			l3 += TagLen
			et = binary.BigEndian.Uint16(b[20:])
			if isTag(et) {
				return ReasonBadTag
			}
		}
	}
	v.EtherType = et
	v.L3 = l3
	return ReasonNone
}

// ParseNetwork is the second half of Parse, after a ParseLink of the frame
// that reported no fault: it checks an ARP header, or parses an IPv4 header
// and, in a first fragment, checks the TCP, UDP or ICMP header behind it.
// Other EtherTypes have nothing to parse.
func (v *View) ParseNetwork() Reason {
	switch v.EtherType {
	case TypeARP:
		return v.parseARP()
	case TypeIPv4:
		return v.parseIPv4(v.B, v.L3)
	}
	return ReasonNone
}

// isTag reports whether et is the TPID of an 802.1Q or 802.1ad tag.
func isTag(et uint16) bool { return et == TypeDot1Q || et == TypeQinQ }

func (v *View) parseARP() Reason {
	a := v.B[v.L3:]
	if len(a) < ARPLen {
		return ReasonBadARP
	}
	// Ethernet (1), IPv4 (0x0800), hlen 6, plen 4.
	if binary.BigEndian.Uint16(a[0:]) != 1 || binary.BigEndian.Uint16(a[2:]) != TypeIPv4 || a[4] != 6 || a[5] != 4 {
		return ReasonBadARP
	}
	return ReasonNone
}

// parseIPv4 parses the IPv4 header at b[l3:] and, in a first fragment,
// checks the TCP, UDP or ICMP header behind it.
func (v *View) parseIPv4(b []byte, l3 int) Reason {
	if l3 > len(b) {
		return ReasonBadIPHeader
	}
	ip := b[l3:]
	if len(ip) < IPv4Min || ip[0]>>4 != 4 {
		return ReasonBadIPHeader
	}
	ihl := int(ip[0]&0x0f) * 4
	if ihl < IPv4Min || len(ip) < ihl {
		return ReasonBadIPHeader
	}
	tot := int(binary.BigEndian.Uint16(ip[2:]))
	if tot < ihl || tot > len(ip) {
		return ReasonBadIPLength
	}
	proto := ip[9]
	ff := binary.BigEndian.Uint16(ip[6:])
	v.IHL, v.IPLen, v.Proto = ihl, tot, proto
	v.DF = ff&0x4000 != 0
	v.MoreFrag = ff&0x2000 != 0
	v.FragOff = ff & 0x1fff
	if ff&0x1fff != 0 {
		return ReasonNone
	}
	l4 := ip[ihl:tot]
	switch proto {
	case ProtoTCP:
		if len(l4) < 20 {
			// A first fragment or whole packet that cannot hold its L4
			// header: the ACL could not match ports on it, hardware drops
			// it too.
			return ReasonBadL4
		}
		if doff := int(l4[12]>>4) * 4; doff < 20 || doff > len(l4) {
			return ReasonBadL4
		}
	case ProtoUDP:
		if len(l4) < 8 {
			return ReasonBadL4
		}
		// RFC 768: the length counts header and data, so it is at least 8
		// (IPv4 has no jumbograms: 0 is as wrong as 7). A length beyond the
		// IP payload is a truncated datagram — unless this is the first of
		// several fragments, whose UDP length covers the whole datagram.
		if ulen := int(binary.BigEndian.Uint16(l4[4:])); ulen < 8 || (ff&0x2000 == 0 && ulen > len(l4)) {
			return ReasonBadL4
		}
	case ProtoICMP:
		// RFC 792: every ICMP message starts with an 8-byte header (type,
		// code, checksum and 4 bytes of rest-of-header).
		if len(l4) < 8 {
			return ReasonBadL4
		}
	default:
		return ReasonNone
	}
	v.L4 = l3 + ihl
	return ReasonNone
}

// Dst is the destination MAC.
func (v *View) Dst() MAC { return MAC(v.B[EthDst : EthDst+6]) }

// Src is the source MAC.
func (v *View) Src() MAC { return MAC(v.B[EthSrc : EthSrc+6]) }

// DstUint64 is the destination MAC packed as MAC.Uint64 does, read
// without building an array (the CAM key).
func (v *View) DstUint64() uint64 { return MACUint64(v.B[EthDst:]) }

// SrcUint64 is the source MAC packed like DstUint64.
func (v *View) SrcUint64() uint64 { return MACUint64(v.B[EthSrc:]) }

// IsLLC reports whether the type field is an IEEE 802.3 length (below
// 0x0600) rather than an EtherType: an LLC header follows (STP BPDUs, CDP,
// VTP). EtherType then holds the length.
func (v *View) IsLLC() bool { return v.EtherType < 0x0600 }

// VID is the outer tag's VLAN ID (0 when untagged or priority-tagged).
func (v *View) VID() uint16 { return v.OuterTCI & 0x0fff }

// PCP is the outer tag's priority.
func (v *View) PCP() uint8 { return uint8(v.OuterTCI >> 13) }

// ARP accessors; valid when EtherType == TypeARP and Parse returned ReasonNone.

// ARPOp is 1 for a request, 2 for a reply.
func (v *View) ARPOp() uint16 { return binary.BigEndian.Uint16(v.B[v.L3+ARPOpr:]) }

// ARPSenderMAC is the sender hardware address.
func (v *View) ARPSenderMAC() MAC { return MAC(v.B[v.L3+ARPSha : v.L3+ARPSha+6]) }

// ARPSenderIP is the sender protocol address.
func (v *View) ARPSenderIP() netip.Addr {
	return netip.AddrFrom4([4]byte(v.B[v.L3+ARPSpa : v.L3+ARPSpa+4]))
}

// ARPTargetMAC is the target hardware address.
func (v *View) ARPTargetMAC() MAC { return MAC(v.B[v.L3+ARPTha : v.L3+ARPTha+6]) }

// ARPTargetIP is the target protocol address.
func (v *View) ARPTargetIP() netip.Addr {
	return netip.AddrFrom4([4]byte(v.B[v.L3+ARPTpa : v.L3+ARPTpa+4]))
}

// IPv4 accessors; valid when EtherType == TypeIPv4 and Parse returned ReasonNone.

// SrcIP is the IPv4 source as a big-endian integer (the TCAM and FIB key).
func (v *View) SrcIP() uint32 { return binary.BigEndian.Uint32(v.B[v.L3+IPv4Src:]) }

// DstIP is the IPv4 destination as a big-endian integer.
func (v *View) DstIP() uint32 { return binary.BigEndian.Uint32(v.B[v.L3+IPv4Dst:]) }

// TTL is the IPv4 time to live.
func (v *View) TTL() uint8 { return v.B[v.L3+IPv4TTL] }

// TOS is the IPv4 type-of-service byte.
func (v *View) TOS() uint8 { return v.B[v.L3+1] }

// IPChecksum is the IPv4 header checksum field.
func (v *View) IPChecksum() uint16 { return binary.BigEndian.Uint16(v.B[v.L3+IPv4Checksum:]) }

// L4 accessors; valid when L4 != 0.

// SrcPort is the TCP/UDP source port (ICMP: type<<8|code is in ICMPType/Code).
func (v *View) SrcPort() uint16 {
	if v.L4 == 0 || v.Proto == ProtoICMP {
		return 0
	}
	return binary.BigEndian.Uint16(v.B[v.L4+L4SrcPort:])
}

// DstPort is the TCP/UDP destination port.
func (v *View) DstPort() uint16 {
	if v.L4 == 0 || v.Proto == ProtoICMP {
		return 0
	}
	return binary.BigEndian.Uint16(v.B[v.L4+L4DstPort:])
}

// TCPFlags is the TCP flags byte (FIN 0x01 ... CWR 0x80); 0 for other protocols.
func (v *View) TCPFlags() uint8 {
	if v.L4 == 0 || v.Proto != ProtoTCP {
		return 0
	}
	return v.B[v.L4+TCPFlags]
}

// ICMPType is the ICMP type; 0 for other protocols.
func (v *View) ICMPType() uint8 {
	if v.L4 == 0 || v.Proto != ProtoICMP {
		return 0
	}
	return v.B[v.L4+ICMPType]
}

// ICMPCode is the ICMP code; 0 for other protocols.
func (v *View) ICMPCode() uint8 {
	if v.L4 == 0 || v.Proto != ProtoICMP {
		return 0
	}
	return v.B[v.L4+ICMPCode]
}
