package dataplane

import (
	"bytes"
	"errors"
	"net"
	"testing"

	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/dataplane/port"
	"github.com/l2sw/l2sw/dataplane/port/mem"
)

// spanRig is newL3Rig (ports 1, 2 in VLAN 10, 3 in VLAN 20, 4 a trunk)
// with a fifth access port in VLAN 10 as the SPAN destination.
func spanRig(t *testing.T) *rig {
	g := newRig(t, 5, cam.Config{})
	g.setUpL3()
	g.set(5, func(s *PortSettings) { s.AccessVLAN = 10 })
	return g
}

func (g *rig) monitor(id int, ms MonitorSession) {
	g.t.Helper()
	if err := g.sw.SetMonitorSession(id, ms); err != nil {
		g.t.Fatal(err)
	}
}

// expectFrames checks that port i sent exactly want, in order.
func expectFrames(t *testing.T, got map[int][][]byte, i int, want ...[]byte) {
	t.Helper()
	if len(got[i]) != len(want) {
		t.Fatalf("port %d sent %d frames, want %d", i, len(got[i]), len(want))
	}
	for k := range want {
		if !bytes.Equal(got[i][k], want[k]) {
			t.Errorf("port %d frame %d:\n got %x\nwant %x", i, k, got[i][k], want[k])
		}
	}
}

// TestSPANBothDirections: a both-ways source's received and sent frames
// reach the destination as they were on the source's wire, and the
// destination sends nothing else: no floods, no frames to MACs it had
// learned, and what it receives is dropped with its reason.
func TestSPANBothDirections(t *testing.T) {
	g := spanRig(t)
	g.send(5, udpFrame(t, macC, bcast, 0, "c before")) // learned on 5 before it becomes a destination
	g.send(2, udpFrame(t, macB, bcast, 0, "b"))
	g.got()
	g.monitor(1, MonitorSession{Sources: map[string]SPANDir{ifName(1): SPANBoth}, Destinations: []string{ifName(5)}})
	sent := g.counter(5, TxFrames)
	if _, ok := g.sw.MACPort(10, [6]byte(macC)); ok {
		t.Error("the destination's MAC addresses were not flushed")
	}

	ab := udpFrame(t, macA, macB, 0, "a to b")
	g.send(1, ab)
	got := g.got()
	expectFrames(t, got, 2, ab)
	expectFrames(t, got, 5, ab) // rx copy

	ba := udpFrame(t, macB, macA, 0, "b to a")
	g.send(2, ba)
	got = g.got()
	expectFrames(t, got, 1, ba)
	expectFrames(t, got, 5, ba) // tx copy

	// A flood from 2 reaches 1 and the trunk, and 5 only as 1's tx copy.
	flood := udpFrame(t, macB, bcast, 0, "flood")
	g.send(2, flood)
	got = g.got()
	expectFrames(t, got, 1, flood)
	expectFrames(t, got, 4, retag(t, flood, 10))
	expectFrames(t, got, 5, flood)

	// To macC, last seen on the destination: flooded, never sent there.
	toC := udpFrame(t, macB, macC, 0, "to c")
	g.send(2, toC)
	got = g.got()
	expectFrames(t, got, 5, toC) // the copy of what 1 sent, nothing more
	if n := g.counter(5, TxFrames) - sent; n != 4 {
		t.Errorf("destination sent %d frames, want the 4 copies", n)
	}

	before := g.counter(5, Drops(ReasonSPANDest))
	g.send(5, udpFrame(t, macC, macA, 0, "from the analyzer"))
	if got := g.got(); len(got) != 0 {
		t.Errorf("a frame received on the destination went out: %v", got)
	}
	if g.counter(5, Drops(ReasonSPANDest)) != before+1 {
		t.Error("the destination's received frame was not counted as a span destination drop")
	}

	// Deleting the session gives the port back.
	g.sw.DeleteMonitorSession(1)
	g.send(2, flood)
	expectFrames(t, g.got(), 5, flood)
}

// TestSPANEncapsulation: copies leave untagged unless the session
// replicates the source's encapsulation.
func TestSPANEncapsulation(t *testing.T) {
	for _, replicate := range []bool{false, true} {
		g := spanRig(t)
		g.monitor(1, MonitorSession{Sources: map[string]SPANDir{ifName(4): SPANBoth}, Destinations: []string{ifName(5)}, Replicate: replicate})
		in := udpFrame(t, macC, bcast, 10, "tagged in") // received on the trunk
		g.send(4, in)
		out := udpFrame(t, macA, bcast, 0, "tagged out") // flooded to the trunk
		g.send(1, out)
		got := g.got()
		wantIn, wantOut := retag(t, in, 0), out
		if replicate {
			wantIn, wantOut = in, retag(t, out, 10)
		}
		expectFrames(t, got, 5, wantIn, wantOut)
	}
}

// TestSPANRxCopyIsAsReceived: a routed packet is copied before the router
// rewrites it, a tx copy after.
func TestSPANRxCopyIsAsReceived(t *testing.T) {
	g := spanRig(t)
	g.learnHost(1, macA, ipA, net.IP{10, 0, 10, 1})
	g.learnHost(3, macB, ipB, net.IP{10, 0, 20, 1})
	g.got()
	g.monitor(1, MonitorSession{Sources: map[string]SPANDir{ifName(1): SPANRx, ifName(3): SPANTx}, Destinations: []string{ifName(5)}})
	f := udpTo(t, macA, g.routerMAC(), ipA, ipB, 64, []byte("routed"))
	g.send(1, f)
	got := g.got()
	if len(got[3]) != 1 {
		t.Fatalf("routed packet not sent: %v", got)
	}
	expectFrames(t, got, 5, f, got[3][0])
	if bytes.Equal(f, got[3][0]) {
		t.Fatal("the router changed nothing")
	}
}

// TestSPANVLANSource: every port's received frames of a source VLAN are
// copied; other VLANs' are not.
func TestSPANVLANSource(t *testing.T) {
	g := spanRig(t)
	g.monitor(2, MonitorSession{VLANs: map[uint16]SPANDir{10: SPANRx}, Destinations: []string{ifName(5)}})
	a := udpFrame(t, macA, bcast, 0, "vlan 10 on 1")
	c := udpFrame(t, macC, bcast, 10, "vlan 10 on the trunk")
	b := udpFrame(t, macB, bcast, 0, "vlan 20 on 3")
	g.send(1, a)
	g.send(4, c)
	g.send(3, b)
	expectFrames(t, g.got(), 5, a, retag(t, c, 0))
}

// TestSPANRefused: what a Catalyst refuses changes nothing.
func TestSPANRefused(t *testing.T) {
	g := spanRig(t)
	g.monitor(1, MonitorSession{Sources: map[string]SPANDir{ifName(1): SPANBoth}, Destinations: []string{ifName(5)}})
	for _, c := range []struct {
		id   int
		ms   MonitorSession
		want error
	}{
		{67, MonitorSession{Destinations: []string{ifName(2)}}, ErrSessionNumber},
		{2, MonitorSession{Sources: map[string]SPANDir{ifName(2): SPANRx}, VLANs: map[uint16]SPANDir{10: SPANRx}}, ErrSPANMixed},
		{2, MonitorSession{VLANs: map[uint16]SPANDir{10: SPANBoth}}, ErrSPANVLANTx},
		{2, MonitorSession{Sources: map[string]SPANDir{ifName(2): SPANRx}, Destinations: []string{ifName(1)}}, ErrSPANDestSource},
		{2, MonitorSession{Sources: map[string]SPANDir{ifName(2): SPANRx}, Destinations: []string{ifName(5)}}, ErrSPANDestInUse},
		{2, MonitorSession{Sources: map[string]SPANDir{ifName(5): SPANRx}, Destinations: []string{ifName(2)}}, ErrSPANSourceDest},
		{2, MonitorSession{Sources: map[string]SPANDir{ifName(2): SPANRx}, Destinations: []string{ifName(2)}}, ErrSPANSourceDest},
		{2, MonitorSession{Sources: map[string]SPANDir{"GigabitEthernet0/9": SPANRx}}, ErrNoSuchPort},
	} {
		if err := g.sw.SetMonitorSession(c.id, c.ms); !errors.Is(err, c.want) {
			t.Errorf("session %d %+v: %v, want %v", c.id, c.ms, err, c.want)
		}
	}
	if ms := g.sw.MonitorSessions(); len(ms) != 1 {
		t.Errorf("sessions after refusals: %v", ms)
	}
}

// TestSPANAllocatesNothing: with sessions copying both ways, forwarding
// still allocates nothing once the copy buffer exists.
func TestSPANAllocatesNothing(t *testing.T) {
	g := spanRig(t)
	g.send(2, udpFrame(t, macB, bcast, 0, "b"))
	g.monitor(1, MonitorSession{Sources: map[string]SPANDir{ifName(1): SPANBoth, ifName(2): SPANBoth}, Destinations: []string{ifName(5)}})
	sink := mem.New("sink", mem.Sink())
	g.sw.mu.Lock()
	g.sw.ports[4].backend, g.sw.ports[4].queues = sink, []port.Port{sink}
	g.sw.publishLocked()
	g.sw.mu.Unlock()
	g.assertNoAllocs("known unicast with SPAN", 1, 2, udpFrame(t, macA, macB, 0, "a to b"))
	if n := sink.TxFrames(); n < 2*300 {
		t.Errorf("destination got %d copies, want rx and tx of every frame", n)
	}
}

// TestSPANCopyBufferFull: received frames' copies that do not fit write
// the batch so far and go on, none lost; the tag-less copies of sent
// frames that do not fit are counted as the destination's output drops.
func TestSPANCopyBufferFull(t *testing.T) {
	g := spanRig(t)
	g.monitor(1, MonitorSession{Sources: map[string]SPANDir{ifName(1): SPANRx, ifName(4): SPANTx}, Destinations: []string{ifName(5)}})
	var batch [][]byte
	for i := range 10 {
		batch = append(batch, sized(t, macA, bcast, 0, 1000+i))
	}
	g.rx[ifName(1)].spanBuf = make([]byte, 4096) // three copies
	g.send(1, batch...)
	got := g.got()
	if len(got[5]) < len(batch) {
		t.Fatalf("destination got %d frames, want at least the %d rx copies", len(got[5]), len(batch))
	}
	// Every rx copy arrived, in order; each flush also wrote the tx
	// copies of its part of the batch that fit.
	k := 0
	for _, f := range got[5] {
		if k < len(batch) && bytes.Equal(f, batch[k]) {
			k++
		}
	}
	if k != len(batch) {
		t.Errorf("%d of %d rx copies arrived in order", k, len(batch))
	}
	txCopies := len(got[5]) - len(batch)
	if drops := int(g.counter(5, TxErrors)); txCopies+drops != len(batch) || drops == 0 {
		t.Errorf("tx copies %d + output drops %d, want %d with some drops", txCopies, drops, len(batch))
	}
}
