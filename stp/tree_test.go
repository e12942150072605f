package stp

import (
	"testing"
	"time"
)

// net is a set of bridges joined by point-to-point links, driven in
// steps of simulated time; BPDUs cross a link within the step they are
// sent in.
type simNet struct {
	t      *testing.T
	trees  []*Tree
	links  map[[2]int][2]int // (bridge, port) -> (bridge, port)
	down   map[[2]int]bool
	now    time.Duration
	frames int
}

func newSimNet(t *testing.T, rapid bool, prios ...uint16) *simNet {
	n := &simNet{t: t, links: map[[2]int][2]int{}, down: map[[2]int]bool{}}
	for i, pr := range prios {
		mac := [6]byte{0, 0x11, 0, 0, 0, byte(i + 1)}
		n.trees = append(n.trees, NewTree(TreeConfig{Bridge: MakeBridgeID(pr, mac), Times: DefaultTimes, Rapid: rapid}))
	}
	return n
}

func (n *simNet) link(a, pa, b, pb int) {
	n.links[[2]int{a, pa}] = [2]int{b, pb}
	n.links[[2]int{b, pb}] = [2]int{a, pa}
	n.trees[a].SetPort(pa, PortConfig{ID: 0x8000 | uint16(pa), Cost: 4}, true, n.now)
	n.trees[b].SetPort(pb, PortConfig{ID: 0x8000 | uint16(pb), Cost: 4}, true, n.now)
	n.deliver()
}

func (n *simNet) cut(a, pa int) {
	peer := n.links[[2]int{a, pa}]
	n.down[[2]int{a, pa}], n.down[peer] = true, true
	n.trees[a].SetPort(pa, PortConfig{ID: 0x8000 | uint16(pa), Cost: 4}, false, n.now)
	n.trees[peer[0]].SetPort(peer[1], PortConfig{ID: 0x8000 | uint16(peer[1]), Cost: 4}, false, n.now)
	n.deliver()
}

func (n *simNet) deliver() {
	for round := 0; round < 100; round++ {
		moved := false
		for i, tr := range n.trees {
			for _, o := range tr.Outbox() {
				peer, ok := n.links[[2]int{i, o.Port}]
				if !ok || n.down[[2]int{i, o.Port}] {
					continue
				}
				// Through the codec, as on the wire.
				f := AppendFrame(nil, EncapIEEE, [6]byte{2}, 0, 0, o.BPDU)
				fr, err := ParseFrame(f)
				if err != nil {
					n.t.Fatal(err)
				}
				n.frames++
				n.trees[peer[0]].Receive(peer[1], fr.BPDU, n.now)
				moved = true
			}
			tr.Events()
		}
		if !moved {
			return
		}
	}
	n.t.Fatal("BPDUs never settle")
}

func (n *simNet) run(d time.Duration) {
	for end := n.now + d; n.now < end; {
		n.now += 100 * time.Millisecond
		for _, tr := range n.trees {
			tr.Tick(n.now)
		}
		n.deliver()
	}
}

// states counts the ports by state across the network.
func (n *simNet) states() (fwd, blk int) {
	for _, tr := range n.trees {
		for _, p := range tr.Status().Ports {
			switch p.State {
			case Forwarding:
				fwd++
			case Blocking:
				blk++
			}
		}
	}
	return
}

func (n *simNet) until(limit time.Duration, cond func() bool) time.Duration {
	start := n.now
	for n.now-start < limit {
		if cond() {
			return n.now - start
		}
		n.run(100 * time.Millisecond)
	}
	n.t.Fatalf("not converged within %v", limit)
	return 0
}

func triangle(t *testing.T, rapid bool) *simNet {
	n := newSimNet(t, rapid, 32768, 24576, 32768)
	n.link(0, 1, 1, 1)
	n.link(1, 2, 2, 1)
	n.link(2, 2, 0, 2)
	return n
}

func TestTriangleConverges(t *testing.T) {
	for _, rapid := range []bool{false, true} {
		n := triangle(t, rapid)
		took := n.until(60*time.Second, func() bool { f, b := n.states(); return f == 5 && b == 1 })
		if rapid && took > 2*time.Second {
			t.Errorf("rapid: converged in %v", took)
		}
		if !rapid && (took < 29*time.Second || took > 31*time.Second) {
			t.Errorf("802.1D: converged in %v, want 2 forward delays", took)
		}
		root := n.trees[1].cfg.Bridge
		for i, tr := range n.trees {
			if s := tr.Status(); s.Root != root {
				t.Errorf("rapid=%v: bridge %d has root %x, want %x", rapid, i, s.Root, root)
			}
		}
		// The blocked port is on the bridge with the worse ID, towards the other non-root.
		for _, p := range n.trees[2].Status().Ports {
			if p.Port == 1 && p.State != Forwarding {
				t.Errorf("rapid=%v: bridge 2's root port is %v", rapid, p.State)
			}
			if p.Port == 2 && (p.State != Blocking || p.Role != RoleAlternate) {
				t.Errorf("rapid=%v: bridge 2 port 2 is %v %v, want alternate blocking", rapid, p.Role, p.State)
			}
		}
		// Steady: nothing changes over a few minutes of hellos.
		n.run(3 * time.Minute)
		if f, b := n.states(); f != 5 || b != 1 {
			t.Errorf("rapid=%v: after 3 minutes %d forwarding %d blocking", rapid, f, b)
		}

		// Cut bridge 2's root link: its alternate port takes over.
		n.cut(2, 1)
		took = n.until(60*time.Second, func() bool { f, _ := n.states(); return f == 4 })
		if rapid && took > time.Second {
			t.Errorf("rapid: restored in %v", took)
		}
		if !rapid && took > 50*time.Second {
			t.Errorf("802.1D: restored in %v", took)
		}
	}
}

func TestTopologyChangeFlags(t *testing.T) {
	n := triangle(t, false)
	n.run(40 * time.Second)
	if !n.trees[1].ShortAging() {
		t.Error("the root is not in a topology change after ports went forwarding")
	}
	if !n.trees[0].ShortAging() {
		t.Error("a non-root did not hear the root's TC flag")
	}
	n.run(60 * time.Second)
	if n.trees[1].ShortAging() || n.trees[0].ShortAging() {
		t.Error("the topology change never ends")
	}
}

func TestEdgePortForwardsAtOnce(t *testing.T) {
	tr := NewTree(TreeConfig{Bridge: MakeBridgeID(32769, [6]byte{1}), Times: DefaultTimes})
	tr.SetPort(1, PortConfig{ID: 0x8001, Cost: 4, Edge: true}, true, 0)
	if s := tr.Status().Ports[0]; s.State != Forwarding || s.Role != RoleDesignated {
		t.Fatalf("portfast port: %v %v", s.Role, s.State)
	}
	// A BPDU makes it an ordinary port: it keeps its role, loses the edge.
	tr.Receive(1, BPDU{Type: TypeConfig, Root: MakeBridgeID(4096, [6]byte{2}), Bridge: MakeBridgeID(4096, [6]byte{2}), Port: 0x8001, MaxAge: ticks(20 * time.Second), HelloTime: 512, ForwardDelay: ticks(15 * time.Second)}, time.Second)
	if s := tr.Status().Ports[0]; s.Edge || s.Role != RoleRoot {
		t.Errorf("after a BPDU: edge %v role %v", s.Edge, s.Role)
	}
}

func TestRootGuard(t *testing.T) {
	tr := NewTree(TreeConfig{Bridge: MakeBridgeID(24577, [6]byte{1}), Times: DefaultTimes})
	tr.SetPort(1, PortConfig{ID: 0x8001, Cost: 4, RootGuard: true}, true, 0)
	sup := MakeBridgeID(4097, [6]byte{2})
	tr.Receive(1, BPDU{Type: TypeConfig, Root: sup, Bridge: sup, Port: 0x8001, MaxAge: ticks(20 * time.Second), HelloTime: 512, ForwardDelay: ticks(15 * time.Second)}, time.Second)
	s := tr.Status()
	if s.RootPort != -1 || !s.Ports[0].RootInconsistent || s.Ports[0].State != Blocking {
		t.Fatalf("root guard: root port %d, port %+v", s.RootPort, s.Ports[0])
	}
	ev := tr.Events()
	found := false
	for _, e := range ev {
		found = found || (e.Kind == EventRootGuard && e.On)
	}
	if !found {
		t.Error("no root guard event")
	}
	tr.Tick(30 * time.Second)
	if s := tr.Status(); s.Ports[0].RootInconsistent {
		t.Error("root inconsistency outlived the superior BPDUs")
	}
}

func TestLoopGuard(t *testing.T) {
	tr := NewTree(TreeConfig{Bridge: MakeBridgeID(32769, [6]byte{1}), Times: DefaultTimes})
	tr.SetPort(1, PortConfig{ID: 0x8001, Cost: 4, LoopGuard: true}, true, 0)
	sup := MakeBridgeID(4097, [6]byte{2})
	tr.Receive(1, BPDU{Type: TypeConfig, Root: sup, Bridge: sup, Port: 0x8001, MaxAge: ticks(20 * time.Second), HelloTime: 512, ForwardDelay: ticks(15 * time.Second)}, time.Second)
	tr.Tick(40 * time.Second)
	s := tr.Status()
	if !s.Ports[0].LoopInconsistent || s.Ports[0].State != Blocking {
		t.Fatalf("loop guard: %+v", s.Ports[0])
	}
}
