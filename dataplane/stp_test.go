package dataplane

import (
	"bytes"
	"errors"
	"net"
	"testing"

	"github.com/l2sw/l2sw/cam"
)

func (g *rig) stp(cs ...STPChange) {
	g.t.Helper()
	if err := g.sw.SetSTPStates(cs); err != nil {
		g.t.Fatal(err)
	}
}

func (g *rig) learnedOn(vlan uint16, m net.HardwareAddr) string {
	g.t.Helper()
	es, err := g.sw.MACEntries(MACFilter{VLAN: vlan})
	if err != nil {
		g.t.Fatal(err)
	}
	for _, e := range es {
		if bytes.Equal(e.MAC[:], m) {
			return e.Port
		}
	}
	return ""
}

// TestSTPStatesGateForwarding: a blocked port neither takes data frames
// nor is flooded to nor gets known unicast; a learning one learns but does
// not forward; forwarding again restores the plain behaviour; another
// VLAN on the same trunk is not affected.
func TestSTPStatesGateForwarding(t *testing.T) {
	g := newRig(t, 3, cam.Config{})
	for i := 1; i <= 3; i++ {
		g.set(i, func(s *PortSettings) { s.Mode = ModeTrunk })
	}
	if err := g.sw.SetVLAN(10, "ten"); err != nil {
		t.Fatal(err)
	}
	g.stp(STPChange{Port: ifName(3), VLAN: 1, State: STPBlocking})

	b := udpFrame(t, macA, bcast, 0, "bcast")
	g.send(1, b)
	g.expect(b, 2)

	g.send(3, udpFrame(t, macB, bcast, 0, "from blocked"))
	g.expect(nil)
	if n := g.counter(3, Drops(ReasonSTPBlocked)); n != 1 {
		t.Errorf("stp blocked drops on 3: %d, want 1", n)
	}
	if p := g.learnedOn(1, macB); p != "" {
		t.Errorf("a blocking port learned %s on %s", macB, p)
	}

	// VLAN 10 on the same port still forwards.
	b10 := udpFrame(t, macA, bcast, 10, "vlan 10")
	g.send(1, b10)
	g.expect(b10, 2, 3)

	g.stp(STPChange{Port: ifName(3), VLAN: 1, State: STPLearning})
	g.send(3, udpFrame(t, macB, bcast, 0, "from learning"))
	g.expect(nil)
	if p := g.learnedOn(1, macB); p != ifName(3) {
		t.Errorf("a learning port: %s learned on %q, want %s", macB, p, ifName(3))
	}
	// Known unicast towards a port that does not forward is not sent there.
	ab := udpFrame(t, macA, macB, 0, "to b")
	g.send(1, ab)
	g.expect(ab, 2)

	g.stp(STPChange{Port: ifName(3), VLAN: 1, State: STPForwarding})
	g.send(1, ab)
	g.expect(ab, 3)

	g.stp(STPChange{Port: ifName(3), VLAN: 1, State: STPBlocking})
	g.sw.ClearSTPStates()
	g.send(1, b)
	g.expect(b, 2, 3)

	if err := g.sw.SetSTPStates([]STPChange{{Port: "GigabitEthernet0/9", VLAN: 1}}); !errors.Is(err, ErrNoSuchPort) {
		t.Errorf("unknown port: %v", err)
	}
}

// TestSTPNoAllocs: with spanning-tree states set, the forwarding path
// still allocates nothing.
func TestSTPNoAllocs(t *testing.T) {
	g := newRig(t, 3, cam.Config{})
	g.stp(STPChange{Port: ifName(3), VLAN: 1, State: STPBlocking}, STPChange{Port: ifName(2), VLAN: 1, State: STPForwarding})
	g.send(2, udpFrame(t, macB, bcast, 0, "b"))
	g.assertNoAllocs("known unicast with stp", 1, 2, udpFrame(t, macA, macB, 0, "a to b"))
}
