package dataplane

import (
	"net"
	"testing"
	"time"

	"github.com/google/gopacket/layers"
)

// TestSVICounters: each SVI counts its own traffic: the ARP broadcast it
// hears and the reply it sends, a packet routed in from its VLAN and one
// routed out into it, with their bytes; the other SVI sees only its own;
// the times of the last frame in and out follow the switch clock.
func TestSVICounters(t *testing.T) {
	g := newL3Rig(t)
	if c := g.sw.SVICounters(10); c != (SVICounters{LastInput: -1, LastOutput: -1}) {
		t.Fatalf("new SVI counted %+v", c)
	}
	req := arpFrame(t, layers.ARPRequest, macA, bcast, macA, ipA, net.HardwareAddr{0, 0, 0, 0, 0, 0}, net.IP{10, 0, 10, 1})
	g.send(1, req)
	g.cpu()
	got := g.got()
	reply := got[1][0]
	c10 := g.sw.SVICounters(10)
	if c10.InPackets != 1 || c10.InBytes != uint64(len(req)) || c10.InBroadcasts != 1 ||
		c10.OutPackets != 1 || c10.OutBytes != uint64(len(reply)) || c10.LastInput != 0 || c10.LastOutput != 0 {
		t.Errorf("Vlan10 after ARP (request %d bytes, reply %d): %+v", len(req), len(reply), c10)
	}
	g.learnHost(3, macB, ipB, net.IP{10, 0, 20, 1})
	g.clk.Advance(7 * time.Second)
	in := udpTo(t, macA, g.routerMAC(), ipA, ipB, 64, []byte("routed payload"))
	g.send(1, in)
	out := g.got()[3][0]
	c10, c20 := g.sw.SVICounters(10), g.sw.SVICounters(20)
	if c10.InPackets != 2 || c10.InBytes != uint64(len(req)+len(in)) || c10.OutPackets != 1 || c10.InBroadcasts != 1 {
		t.Errorf("Vlan10 after routing out of it: %+v", c10)
	}
	if c10.LastInput != 0 || c10.LastOutput != 7*time.Second {
		t.Errorf("Vlan10 last input %v, output %v; want 0s and 7s", c10.LastInput, c10.LastOutput)
	}
	// Vlan20: B's ARP request in and the reply out, then the routed packet out.
	if c20.InPackets != 1 || c20.OutPackets != 2 || c20.OutBytes != uint64(len(reply)+len(out)) {
		t.Errorf("Vlan20: %+v (routed frame %d bytes)", c20, len(out))
	}
	if c := g.sw.SVICounters(30); c.InPackets != 0 || c.LastInput != -1 {
		t.Errorf("VLAN without an SVI counted %+v", c)
	}
}
