package dataplane

import (
	"net"
	"testing"

	"github.com/l2sw/l2sw/dataplane/port"
	"github.com/l2sw/l2sw/packet"
	"github.com/l2sw/l2sw/tcam"
	"github.com/l2sw/l2sw/tcam/acl"
)

// FuzzPipeline sends any bytes into any port of a switch with access ports,
// a trunk, two SVIs and every kind of ACL (port, VLAN filter, router in and
// out, with logging entries), runs the control plane over what was punted, and
// checks that nothing panics and that every received frame has exactly one
// outcome in the ingress port's counters: forwarded, dropped for one
// reason, or taken by layer 3 (which may then forward or drop it).
func FuzzPipeline(f *testing.F) {
	g := newL3Rig(f)
	rmac := g.routerMAC()
	l := mustList(f, "F", acl.Extended, "deny tcp any any eq 23 log", "permit icmp any any echo log",
		"deny udp any range 1 1000 any neq 53", "permit ip any any log")
	if _, err := g.sw.SetPortACL(ifName(2), l); err != nil {
		f.Fatal(err)
	}
	if _, err := g.sw.SetVLANFilter(20, &VLANAccessMap{Name: "M", Entries: []VLANAccessMapEntry{{Seq: 10, Matches: []*acl.List{l}}}}); err != nil {
		f.Fatal(err)
	}
	for _, d := range []tcam.Direction{tcam.In, tcam.Out} {
		if _, err := g.sw.SetSVIACL(10, d, l); err != nil {
			f.Fatal(err)
		}
	}
	f.Add(uint8(1), l4Frame(f, macB, rmac, net.IP{10, 0, 10, 6}, net.IP{10, 0, 20, 7}, "tcp", 23))
	f.Add(uint8(0), udpFrame(f, macA, macB, 0, "unknown unicast"))
	f.Add(uint8(3), udpFrame(f, macC, bcast, 20, "tagged broadcast on the trunk"))
	f.Add(uint8(3), udpFrame(f, macC, bcast, 30, "tagged, VLAN not allowed"))
	f.Add(uint8(0), udpTo(f, macA, rmac, net.IP{10, 0, 10, 5}, net.IP{10, 0, 20, 7}, 64, []byte("routed")))
	f.Add(uint8(0), udpTo(f, macA, rmac, net.IP{10, 0, 10, 5}, net.IP{10, 0, 10, 1}, 1, []byte("ttl 1 to the SVI")))
	f.Add(uint8(1), arpFrame(f, 1, macB, bcast, macB, net.IP{10, 0, 10, 6}, net.HardwareAddr{0, 0, 0, 0, 0, 0}, net.IP{10, 0, 10, 1}))
	f.Add(uint8(1), arpFrame(f, 1, macB, bcast, macB, net.IP{10, 9, 9, 9}, net.HardwareAddr{0, 0, 0, 0, 0, 0}, net.IP{10, 0, 10, 1}))
	f.Add(uint8(2), []byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, p uint8, frame []byte) {
		if len(frame) > port.MaxFrame {
			return
		}
		in := int(p%4) + 1
		before := g.portCounters(in)
		g.send(in, frame)
		g.cpu()
		g.got()
		after := g.portCounters(in)
		delta := func(c Counter) uint64 { return after[c] - before[c] }
		var drops, malformed uint64
		for why := Reason(1); why < NumReasons; why++ {
			drops += delta(Drops(why))
			if why > ReasonMalformed {
				malformed += delta(Drops(why))
			}
		}
		fwd, l3 := delta(Forwarded), delta(ToRouter)
		if rx := delta(RxFrames); rx != 1 || l3 > 1 || (l3 == 0 && fwd+drops != 1) || (l3 == 1 && fwd+drops > 1) {
			t.Fatalf("port %d: rx %d, forwarded %d, to router %d, drops %d for %x", in, rx, fwd, l3, drops, frame)
		}
		if delta(DropMalformed) != malformed {
			t.Fatalf("drop malformed %d, the malformed reasons %d", delta(DropMalformed), malformed)
		}
	})
}

func (g *rig) portCounters(i int) PortCounters {
	c, err := g.sw.Counters(ifName(i))
	if err != nil {
		g.t.Fatal(err)
	}
	return c
}

// FuzzACLKey: the ACL key built from the parser's view of a frame (the
// ingress ACLs' path) is the key built from the IPv4 packet alone (the
// egress and control-plane path) for any frame the parser accepts: the
// one builder gets the same transport offset both ways.
func FuzzACLKey(f *testing.F) {
	for _, proto := range []string{"tcp", "udp", "icmp"} {
		f.Add(l4Frame(f, macA, macB, net.IP{10, 0, 0, 1}, net.IP{10, 0, 0, 2}, proto, 443))
	}
	f.Add(udpFrame(f, macA, macB, 10, "tagged"))
	frag := l4Frame(f, macA, macB, net.IP{10, 0, 0, 1}, net.IP{10, 0, 0, 2}, "tcp", 22)
	frag[20] |= 0x01 // a non-initial fragment: no ports in the key
	f.Add(frag)
	f.Fuzz(func(t *testing.T, b []byte) {
		var v packet.View
		if v.Parse(b) != packet.ReasonNone || v.EtherType != packet.TypeIPv4 {
			return
		}
		var r Receiver
		r.keyFromView(&v)
		fromView := r.key
		r.keyed = false
		r.keyFromPacket(b[v.L3 : v.L3+v.IPLen])
		fromPacket := r.key
		if fromView != fromPacket {
			t.Fatalf("%x:\nfrom the view   %+v\nfrom the packet %+v", b, fromView, fromPacket)
		}
	})
}
