package dataplane

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"

	"github.com/l2sw/l2sw/cef"
	"github.com/l2sw/l2sw/ifname"
	"github.com/l2sw/l2sw/packet"
)

// Packets the switch originates itself, as a switch's own syslog, SNMP
// traps or pings leave it: from one of its SVI addresses, through the
// routed path, so that they are ARP-resolved, routed and counted like the
// ICMP it sends, and reach hosts on the lab's VLANs (not the machine that
// runs l2sw).

// ErrNoSource is wrapped by SendUDP when no SVI address can be the source.
var ErrNoSource = errors.New("no interface address to send from")

// SendUDP sends payload in one UDP datagram from sport to dst. The source
// address is the primary address of SVI srcVLAN (`logging
// source-interface`), or with srcVLAN 0 that of the SVI the route to dst
// leaves by. An unresolved next hop is ARPed for and the datagram held
// until it answers, as for the switch's other packets.
func (sw *Switch) SendUDP(srcVLAN uint16, dst netip.AddrPort, sport uint16, payload []byte) error {
	if !dst.Addr().Is4() {
		return fmt.Errorf("send to %v: %w", dst, ErrBadAddress)
	}
	c := sw.l3.cp
	c.mu.Lock()
	defer c.mu.Unlock()
	s, l3 := c.snap()
	if l3 == nil {
		return fmt.Errorf("send to %v: %w", dst, ErrNoSource)
	}
	src, err := c.sourceFor(l3, srcVLAN, dst.Addr())
	if err != nil {
		return fmt.Errorf("send to %v: %w", dst, err)
	}
	n := packet.IPv4Min + packet.UDPHeaderLen + len(payload)
	if n > len(c.ibuf) || n > 0xffff {
		return fmt.Errorf("send to %v: %d-byte datagram: %w", dst, n, ErrBadMTU)
	}
	m := c.ibuf[:n]
	c.ipID++
	packet.PutIPv4Header(m, packet.IPv4Header{ID: c.ipID, TTL: 255, Proto: packet.ProtoUDP, Src: src.As4(), Dst: dst.Addr().As4()})
	copy(m[packet.IPv4Min+packet.UDPHeaderLen:], payload)
	packet.PutUDP(m, sport, dst.Port())
	c.route(s, l3, m, 0, true)
	return nil
}

// sourceFor picks the source address of a packet the switch sends to dst.
func (c *controlPlane) sourceFor(l3 *l3Snapshot, srcVLAN uint16, dst netip.Addr) (netip.Addr, error) {
	if srcVLAN != 0 {
		svi := l3.svis[srcVLAN]
		if svi == nil || len(svi.addrs) == 0 {
			return netip.Addr{}, fmt.Errorf("%s: %w", ifname.SVI(srcVLAN), ErrNoSource)
		}
		return svi.addrs[0].Addr(), nil
	}
	vlan := uint16(0)
	if adj := c.fib.Lookup(binary.BigEndian.Uint32(dst.AsSlice())).Adj; adj != nil && adj.State <= cef.AdjGlean && adj.If <= MaxVLAN {
		vlan = uint16(adj.If)
	}
	a, ok := c.sviAddr(l3, vlan, dst)
	if !ok {
		return netip.Addr{}, ErrNoSource
	}
	return a, nil
}
