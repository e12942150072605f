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
	if len(pkt) < 20 {
		return
	}
	ihl := int(pkt[0]&0x0f) * 4
	if ihl < 20 || ihl > len(pkt) || binary.BigEndian.Uint16(pkt[6:])&0x1fff != 0 {
		return
	}
	src := netip.AddrFrom4([4]byte(pkt[12:16]))
	if src.IsUnspecified() || src.IsMulticast() || src == netip.AddrFrom4([4]byte{255, 255, 255, 255}) || src.IsLoopback() {
		return
	}
	if pkt[9] == 1 && len(pkt) > ihl {
		switch pkt[ihl] {
		case 3, 4, 5, 11, 12: // an ICMP error: never answer one
			return
		}
	}
	from, ok := c.sviAddr(l3, inVLAN, src)
	if !ok || !c.allowICMPError() {
		return
	}
	quote := pkt[:min(len(pkt), ihl+icmpQuote)]
	m := c.ibuf[:20+8+len(quote)]
	c.ipHeader(m, from, src)
	icmp := m[20:]
	icmp[0], icmp[1] = typ, code
	clear(icmp[2:8])
	if typ == 3 && code == 4 {
		binary.BigEndian.PutUint16(icmp[6:], uint16(mtu))
	}
	copy(icmp[8:], quote)
	binary.BigEndian.PutUint16(icmp[2:], packet.Checksum(icmp))
	switch {
	case typ == 11:
		c.count(l3TimeExceeded)
	case typ == 3 && code == 4:
		c.count(l3FragNeeded)
	default:
		c.count(l3Unreachables)
	}
	c.route(s, l3, m, inVLAN, true)
}

// echoReply answers an ICMP echo request to one of our addresses.
func (c *controlPlane) echoReply(s *snapshot, l3 *l3Snapshot, pkt []byte, ihl int, inVLAN uint16) {
	data := pkt[ihl:]
	if 20+len(data) > len(c.ibuf) {
		return
	}
	m := c.ibuf[:20+len(data)]
	c.ipHeader(m, netip.AddrFrom4([4]byte(pkt[16:20])), netip.AddrFrom4([4]byte(pkt[12:16])))
	icmp := m[20:]
	copy(icmp, data)
	icmp[0], icmp[1] = 0, 0
	icmp[2], icmp[3] = 0, 0
	binary.BigEndian.PutUint16(icmp[2:], packet.Checksum(icmp))
	c.count(l3EchoReplies)
	c.route(s, l3, m, inVLAN, true)
}

// ipHeader writes a 20-byte IPv4/ICMP header for m (whose length is the
// total length) from src to dst, TTL 255, precedence internetwork control
// as IOS sends its own ICMP.
func (c *controlPlane) ipHeader(m []byte, src, dst netip.Addr) {
	h := m[:20]
	h[0], h[1] = 0x45, 0xc0
	binary.BigEndian.PutUint16(h[2:], uint16(len(m)))
	c.ipID++
	binary.BigEndian.PutUint16(h[4:], c.ipID)
	h[6], h[7] = 0, 0
	h[8], h[9] = 255, 1
	h[10], h[11] = 0, 0
	s4, d4 := src.As4(), dst.As4()
	copy(h[12:16], s4[:])
	copy(h[16:20], d4[:])
	binary.BigEndian.PutUint16(h[10:], packet.Checksum(h))
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
