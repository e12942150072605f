package dataplane

import (
	"bytes"
	"encoding/binary"
	"net"
	"net/netip"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/packet"
	"github.com/l2sw/l2sw/tcam"
	"github.com/l2sw/l2sw/tcam/acl"
)

// dropCounts returns the per-reason drop counters of port i.
func (g *rig) dropCounts(i int) map[Reason]uint64 {
	pc := g.portCounters(i)
	out := map[Reason]uint64{}
	for why := Reason(1); why < NumReasons; why++ {
		if n := pc.Get(Drops(why)); n != 0 {
			out[why] = n
		}
	}
	return out
}

// sized returns a UDP frame from src to dst of exactly n bytes, tagged with
// vlan unless it is 0.
func sized(t testing.TB, src, dst net.HardwareAddr, vlan uint16, n int) []byte {
	const probe = 100 // past the padding of a minimum-size frame
	hdr := len(udpFrame(t, src, dst, vlan, string(make([]byte, probe)))) - probe
	return udpFrame(t, src, dst, vlan, string(bytes.Repeat([]byte{'x'}, n-hdr)))
}

// TestEveryDropHasItsReason triggers each drop reason of the pipeline and
// checks that its counter, and only its counter, moved on the ingress port.
func TestEveryDropHasItsReason(t *testing.T) {
	gw10 := net.IP{10, 0, 10, 1}
	routed := func(g *rig) []byte { return udpTo(t, macA, g.routerMAC(), ipA, ipB, 64, []byte("payload")) }
	hosts := func(g *rig) {
		g.learnHost(1, macA, ipA, gw10)
		g.learnHost(3, macB, ipB, net.IP{10, 0, 20, 1})
	}
	cases := []struct {
		name  string
		why   Reason
		setup func(g *rig)
		frame func(g *rig) []byte
	}{
		{"port down", ReasonPortDown, func(g *rig) { g.set(1, func(s *PortSettings) { s.Shutdown = true }) },
			func(g *rig) []byte { return udpFrame(t, macA, bcast, 0, "x") }},
		{"vlan not allowed", ReasonVLANNotAllowed, nil,
			func(g *rig) []byte { return udpFrame(t, macA, bcast, 30, "x") }},
		{"access vlan not active", ReasonVLANInactive, func(g *rig) {
			g.set(1, func(s *PortSettings) { s.AccessVLAN = 30 })
			if err := g.sw.DeleteVLAN(30); err != nil {
				t.Fatal(err)
			}
		},
			func(g *rig) []byte { return udpFrame(t, macA, bcast, 0, "x") }},
		{"trunk vlan not active", ReasonVLANInactive, func(g *rig) { g.set(1, func(s *PortSettings) { s.Mode = ModeTrunk }) },
			func(g *rig) []byte { return udpFrame(t, macA, bcast, 30, "x") }},
		{"trunk vlan not allowed", ReasonVLANNotAllowed, func(g *rig) {
			g.set(1, func(s *PortSettings) { s.Mode = ModeTrunk; s.Allowed = VLANSet{}; s.Allowed.Add(20) })
		}, func(g *rig) []byte { return udpFrame(t, macA, bcast, 10, "x") }},
		{"stp blocked", ReasonSTPBlocked, func(g *rig) {
			if err := g.sw.SetSTPStates([]STPChange{{Port: ifName(1), VLAN: 10, State: STPBlocking}}); err != nil {
				t.Fatal(err)
			}
		}, func(g *rig) []byte { return udpFrame(t, macA, bcast, 0, "x") }},
		{"multicast source", ReasonInvalidSource, nil,
			func(g *rig) []byte { return udpFrame(t, mac("0100.5e00.0001"), bcast, 0, "x") }},
		{"same port", ReasonSamePort, func(g *rig) { g.send(1, udpFrame(t, macB, bcast, 0, "x")); g.got() },
			func(g *rig) []byte { return udpFrame(t, macA, macB, 0, "x") }},
		{"port acl", ReasonPACLDeny, func(g *rig) {
			if _, err := g.sw.SetPortACL(ifName(1), mustList(t, "P", acl.Extended, "deny udp any any")); err != nil {
				t.Fatal(err)
			}
		}, func(g *rig) []byte { return udpTo(t, macA, bcast, ipA, ipB, 64, nil) }},
		{"vlan filter", ReasonVACLDeny, func(g *rig) {
			l := mustList(t, "V", acl.Extended, "permit udp any any")
			if _, err := g.sw.SetVLANFilter(10, &VLANAccessMap{Name: "M", Entries: []VLANAccessMapEntry{{Seq: 10, Matches: []*acl.List{l}, Drop: true}}}); err != nil {
				t.Fatal(err)
			}
		}, func(g *rig) []byte { return udpTo(t, macA, bcast, ipA, ipB, 64, nil) }},
		{"span destination", ReasonSPANDest, func(g *rig) {
			if err := g.sw.SetMonitorSession(1, MonitorSession{Sources: map[string]SPANDir{ifName(2): SPANBoth}, Destinations: []string{ifName(1)}}); err != nil {
				t.Fatal(err)
			}
		}, func(g *rig) []byte { return udpFrame(t, macA, bcast, 0, "x") }},
		{"giant", ReasonGiant, nil, func(g *rig) []byte { return sized(t, macA, bcast, 0, 1515) }},
		{"port security", ReasonPortSecurity, func(g *rig) {
			if err := g.sw.SetPortSecurity(ifName(1), PortSecurity{Enabled: true, Violation: ViolationProtect}); err != nil {
				t.Fatal(err)
			}
			g.send(1, udpFrame(t, macB, bcast, 0, "x"))
			g.got()
		}, func(g *rig) []byte { return udpFrame(t, macA, bcast, 0, "x") }},
		{"storm control", ReasonStormControl, func(g *rig) {
			if err := g.sw.SetStormControl(ifName(1), StormControl{Levels: [NumStormClasses]StormLevel{StormBroadcast: {On: true, Unit: StormPPS, Rising: 1}}}); err != nil {
				t.Fatal(err)
			}
			g.send(1, udpFrame(t, macB, bcast, 0, "x"))
			g.got()
		}, func(g *rig) []byte { return udpFrame(t, macB, bcast, 0, "x") }},
		{"runt", MalformedReason(packet.ReasonRunt), nil, func(g *rig) []byte { return []byte{1, 2, 3} }},
		{"truncated tag", MalformedReason(packet.ReasonBadTag), nil, func(g *rig) []byte {
			return append(append([]byte(nil), bcast...), append(append([]byte(nil), macA...), 0x81, 0x00, 0x00)...)
		}},
		{"svi down", ReasonSVIDown, func(g *rig) {
			if err := g.sw.SetSVIShutdown(10, true); err != nil {
				t.Fatal(err)
			}
		}, routed},
		{"not ipv4", ReasonNotIPv4, nil, func(g *rig) []byte {
			f := udpTo(t, macA, g.routerMAC(), ipA, ipB, 64, nil)
			binary.BigEndian.PutUint16(f[12:], packet.TypeIPv6)
			return f
		}},
		{"bad checksum", ReasonBadChecksum, nil, func(g *rig) []byte {
			f := routed(g)
			f[packet.EthLen+packet.IPv4Checksum] ^= 0xff
			return f
		}},
		{"malformed ipv4 to the router", MalformedReason(packet.ReasonBadIPHeader), nil, func(g *rig) []byte {
			f := routed(g)
			f[packet.EthLen] = 0x44 // IHL 16 bytes
			return f
		}},
		{"router acl", ReasonRACLDeny, func(g *rig) {
			hosts(g)
			if _, err := g.sw.SetSVIACL(10, tcam.In, mustList(t, "R", acl.Extended, "deny udp any any")); err != nil {
				t.Fatal(err)
			}
		}, routed},
		{"routing off", ReasonRoutingOff, func(g *rig) { hosts(g); g.sw.SetIPRouting(false) }, routed},
		{"no route", ReasonNoRoute, hosts, func(g *rig) []byte {
			return udpTo(t, macA, g.routerMAC(), ipA, net.IP{192, 0, 2, 1}, 64, nil)
		}},
		{"null route", ReasonNullRoute, func(g *rig) {
			hosts(g)
			if err := g.sw.AddStaticRoute(StaticRoute{Prefix: netip.MustParsePrefix("192.0.2.0/24"), Interface: "Null0"}); err != nil {
				t.Fatal(err)
			}
		}, func(g *rig) []byte { return udpTo(t, macA, g.routerMAC(), ipA, net.IP{192, 0, 2, 1}, 64, nil) }},
		{"no egress", ReasonNoEgress, func(g *rig) {
			hosts(g) // then VLAN 20 loses its ports: its SVI goes down under the adjacency
			g.set(3, func(s *PortSettings) { s.Shutdown = true })
			g.set(4, func(s *PortSettings) { s.Shutdown = true })
		}, routed},
		{"ttl expired", ReasonTTLExpired, hosts, func(g *rig) []byte { return udpTo(t, macA, g.routerMAC(), ipA, ipB, 1, nil) }},
		{"fragmentation needed", ReasonFragNeeded, func(g *rig) {
			hosts(g)
			if err := g.sw.SetSVIMTU(20, 576, true); err != nil {
				t.Fatal(err)
			}
		}, func(g *rig) []byte {
			return ipFrame(t, macA, g.routerMAC(), ipA, ipB, 64, true, &layers.UDP{SrcPort: 1, DstPort: 2}, gopacket.Payload(make([]byte, 1000)))
		}},
	}
	// A new reason needs its case here; the punt queue's is
	// TestPuntQueueFullCounted, the malformed L3 headers' TestMalformedL3NotRouted.
	covered := map[Reason]bool{ReasonPuntQueueFull: true}
	for _, c := range cases {
		covered[c.why] = true
	}
	for why := Reason(1); why < ReasonMalformed; why++ {
		if why.IsDrop() && !covered[why] {
			t.Errorf("drop reason %q has no case", why)
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := newL3Rig(t)
			if c.setup != nil {
				c.setup(g)
			}
			f := c.frame(g)
			before := g.dropCounts(1)
			g.send(1, f)
			g.cpu()
			g.got()
			after := g.dropCounts(1)
			for why, n := range after {
				want := before[why]
				if why == c.why {
					want++
				}
				if n != want {
					t.Errorf("drop %q: %d, want %d", why, n, want)
				}
			}
			if after[c.why] != before[c.why]+1 {
				t.Errorf("drop %q did not move", c.why)
			}
		})
	}
}

func TestPuntQueueFullCounted(t *testing.T) {
	g := newL3Rig(t)
	echo := ipFrame(t, macA, g.routerMAC(), ipA, net.IP{10, 0, 10, 1}, 64, false,
		&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(8, 0)}, gopacket.Payload("x"))
	for range PuntQueueDepth + 7 {
		g.send(1, echo)
	}
	if n := g.counter(1, Drops(ReasonPuntQueueFull)); n != 7 {
		t.Errorf("punt queue full drops %d, want 7", n)
	}
}

// malformedL3 are frames whose Ethernet header is sound and whose ARP or
// IPv4 header is not, each with the parser's reason.
func malformedL3(t testing.TB, dst net.HardwareAddr) map[packet.Reason][]byte {
	hdr := func(f []byte) []byte { return f[packet.EthLen:] }
	badIHL := udpTo(t, macA, dst, ipA, ipB, 64, []byte("abc"))
	hdr(badIHL)[0] = 0x43
	badLen := udpTo(t, macA, dst, ipA, ipB, 64, []byte("abc"))
	binary.BigEndian.PutUint16(hdr(badLen)[packet.IPv4TotalLen:], 4000)
	badUDP := udpTo(t, macA, dst, ipA, ipB, 64, []byte("abc"))
	binary.BigEndian.PutUint16(hdr(badUDP)[packet.IPv4Min+4:], 3) // UDP length 3
	badARP := arpFrame(t, layers.ARPRequest, macA, dst, macA, ipA, net.HardwareAddr{0, 0, 0, 0, 0, 0}, net.IP{10, 0, 10, 1})
	hdr(badARP)[packet.ARPHln] = 8
	return map[packet.Reason][]byte{packet.ReasonBadIPHeader: badIHL, packet.ReasonBadIPLength: badLen,
		packet.ReasonBadL4: badUDP, packet.ReasonBadARP: badARP}
}

// TestMalformedL3Bridged: a switch bridges a frame byte for byte whatever
// its IPv4 or ARP header holds; only a stage that must read that header
// (a port ACL here) drops it, and counts the reason.
func TestMalformedL3Bridged(t *testing.T) {
	g := newRig(t, 3, cam.Config{})
	for why, f := range malformedL3(t, bcast) {
		g.send(1, f)
		g.expect(f, 2, 3)
		if n := g.counter(1, Malformed(why)); n != 0 {
			t.Errorf("%v: bridged frame counted as dropped (%d)", why, n)
		}
	}
	if _, err := g.sw.SetPortACL(ifName(1), mustList(t, "ANY", acl.Extended, "permit ip any any")); err != nil {
		t.Fatal(err)
	}
	for why, f := range malformedL3(t, bcast) {
		g.send(1, f)
		if why == packet.ReasonBadARP {
			g.expect(f, 2, 3) // the port ACL classifies IPv4 only
			continue
		}
		g.expect(nil)
		if n := g.counter(1, Malformed(why)); n != 1 {
			t.Errorf("%v: dropped by the port ACL %d times, want 1", why, n)
		}
	}
	if n := g.counter(1, DropMalformed); n != 3 {
		t.Errorf("input errors %d, want 3", n)
	}
}

// TestMalformedL3NotRouted: to the router MAC, a malformed packet is
// dropped for its reason and never punted; broadcast bad ARP is flooded
// but not punted.
func TestMalformedL3NotRouted(t *testing.T) {
	g := newL3Rig(t)
	for why, f := range malformedL3(t, g.routerMAC()) {
		g.send(1, f)
		if n := g.cpu(); n != 0 {
			t.Errorf("%v: %d punts", why, n)
		}
		g.expect(nil)
		if n := g.counter(1, Malformed(why)); n != 1 {
			t.Errorf("%v: counter %d, want 1", why, n)
		}
	}
	arp := malformedL3(t, bcast)[packet.ReasonBadARP]
	g.send(1, arp)
	if n := g.cpu(); n != 0 {
		t.Errorf("bad broadcast ARP punted %d times", n)
	}
	if got := g.got(); len(got[2]) != 1 || !bytes.Equal(got[2][0], arp) {
		t.Errorf("bad broadcast ARP not flooded as it is: %x", got[2])
	}
}

// TestGiantsAndMTU: the payload after the tags is held to the port's MTU,
// which `mtu` and `system mtu` raise.
func TestGiantsAndMTU(t *testing.T) {
	g := newRig(t, 3, cam.Config{})
	g.set(3, func(s *PortSettings) { s.Mode = ModeTrunk })
	fits := sized(t, macA, bcast, 0, 1514)
	g.send(1, fits)
	g.expect(fits, 2, 3)
	tagged := sized(t, macC, bcast, 1, 1518) // VLAN 1 is native: tagged with 1 it is still 1500 bytes of payload
	g.send(3, tagged)
	if got := g.got(); len(got[1]) != 1 || len(got[1][0]) != 1514 {
		t.Errorf("1518-byte tagged frame not forwarded untagged: %v", len(got[1]))
	}
	big := sized(t, macA, bcast, 0, 9000)
	g.send(1, big)
	g.expect(nil)
	if g.counter(1, DropGiant) != 1 {
		t.Errorf("giants %d, want 1", g.counter(1, DropGiant))
	}
	g.set(1, func(s *PortSettings) { s.MTU = 9000 })
	g.send(1, big)
	g.expect(big, 2, 3) // the egress MTU is not checked: a Catalyst drops giants at ingress
	if err := g.sw.SetSystemMTU(9198); err != nil {
		t.Fatal(err)
	}
	g.send(2, big)
	g.expect(big, 1, 3)
	if err := g.sw.SetSystemMTU(1499); err == nil {
		t.Error("system mtu 1499 accepted")
	}
	if _, err := g.sw.SetPortSettings(ifName(1), PortSettings{Mode: ModeAccess, AccessVLAN: 1, NativeVLAN: 1, MTU: 9199}); err == nil {
		t.Error("mtu 9199 accepted")
	}
	if g.counter(1, DropGiant) != 1 || g.counter(2, DropGiant) != 0 {
		t.Errorf("giants %d %d, want 1 0", g.counter(1, DropGiant), g.counter(2, DropGiant))
	}
}
