package dataplane

import (
	"encoding/binary"
	"net/netip"

	"github.com/l2sw/l2sw/packet"
)

// icmpQuote is how much of the offending datagram an ICMP error carries
// beyond its IP header (RFC 792: the header plus 64 bits of data).
const icmpQuote = 8

// icmpError sends ICMP type/code about pkt back to its source, from the
// primary address of the SVI the packet came in on. Errors are never sent
// about ICMP errors, non-first fragments or packets from non-unicast
// sources (RFC 1812 §4.3.2.7), and are rate-limited. For fragmentation
// needed, mtu is the next-hop MTU (RFC 1191).
func (c *controlPlane) icmpError(s *snapshot, l3 *l3Snapshot, pkt []byte, inVLAN uint16, typ, code uint8, mtu int) {
	if len(pkt) < packet.IPv4Min {
		return
	}
	ihl := packet.IPv4HeaderLen(pkt)
	if ihl < packet.IPv4Min || ihl > len(pkt) || packet.IPv4FragOffset(pkt) != 0 {
		return
	}
	src := netip.AddrFrom4([4]byte(pkt[packet.IPv4Src : packet.IPv4Src+4]))
	if src.IsUnspecified() || src.IsMulticast() || src == netip.AddrFrom4([4]byte{255, 255, 255, 255}) || src.IsLoopback() {
		return
	}
	if pkt[packet.IPv4Proto] == packet.ProtoICMP && len(pkt) > ihl && packet.IsICMPError(pkt[ihl+packet.ICMPType]) {
		return
	}
	from, ok := c.sviAddr(l3, inVLAN, src)
	if !ok || !c.allowICMPError() {
		return
	}
	quote := pkt[:min(len(pkt), ihl+icmpQuote)]
	m := c.ibuf[:packet.IPv4Min+packet.ICMPLen+len(quote)]
	c.ipHeader(m, from, src)
	icmp := m[packet.IPv4Min:]
	icmp[packet.ICMPType], icmp[packet.ICMPCode] = typ, code
	clear(icmp[packet.ICMPChecksum:packet.ICMPLen])
	fragNeeded := typ == packet.ICMPUnreachable && code == packet.ICMPCodeFragNeeded
	if fragNeeded {
		binary.BigEndian.PutUint16(icmp[packet.ICMPNextMTU:], uint16(mtu))
	}
	copy(icmp[packet.ICMPLen:], quote)
	packet.SetICMPChecksum(icmp)
	switch {
	case typ == packet.ICMPTimeExceeded:
		c.count(l3TimeExceeded)
	case fragNeeded:
		c.count(l3FragNeeded)
	default:
		c.count(l3Unreachables)
	}
	c.route(s, l3, m, inVLAN, true)
}

// echoReply answers an ICMP echo request to one of our addresses.
func (c *controlPlane) echoReply(s *snapshot, l3 *l3Snapshot, pkt []byte, ihl int, inVLAN uint16) {
	data := pkt[ihl:]
	if packet.IPv4Min+len(data) > len(c.ibuf) {
		return
	}
	m := c.ibuf[:packet.IPv4Min+len(data)]
	c.ipHeader(m, netip.AddrFrom4([4]byte(pkt[packet.IPv4Dst:packet.IPv4Dst+4])), netip.AddrFrom4([4]byte(pkt[packet.IPv4Src:packet.IPv4Src+4])))
	icmp := m[packet.IPv4Min:]
	copy(icmp, data)
	icmp[packet.ICMPType], icmp[packet.ICMPCode] = packet.ICMPEchoReply, 0
	packet.SetICMPChecksum(icmp)
	c.count(l3EchoReplies)
	c.route(s, l3, m, inVLAN, true)
}

// ipHeader writes a 20-byte IPv4/ICMP header for m (whose length is the
// total length) from src to dst, TTL 255, precedence internetwork control
// as IOS sends its own ICMP.
func (c *controlPlane) ipHeader(m []byte, src, dst netip.Addr) {
	c.ipID++
	packet.PutIPv4Header(m, packet.IPv4Header{TOS: 0xc0, ID: c.ipID, TTL: 255, Proto: packet.ProtoICMP, Src: src.As4(), Dst: dst.As4()})
}

// sviAddr picks the source of an ICMP error: the address of the ingress
// SVI in the subnet of the offender, else its primary address.
func (c *controlPlane) sviAddr(l3 *l3Snapshot, vlan uint16, to netip.Addr) (netip.Addr, bool) {
	svi := l3.svis[vlan]
	if svi == nil || len(svi.addrs) == 0 {
		for _, v := range l3.svis { // a CPU-originated packet: any address will do
			if v != nil && len(v.addrs) > 0 {
				svi = v
				break
			}
		}
		if svi == nil || len(svi.addrs) == 0 {
			return netip.Addr{}, false
		}
	}
	for _, a := range svi.addrs {
		if a.Masked().Contains(to) {
			return a.Addr(), true
		}
	}
	return svi.addrs[0].Addr(), true
}
