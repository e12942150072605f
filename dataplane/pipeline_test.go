package dataplane

import (
	"bytes"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/clock"
	"github.com/l2sw/l2sw/dataplane/port"
	"github.com/l2sw/l2sw/dataplane/port/mem"
	"github.com/l2sw/l2sw/internal/pkttest"
	"github.com/l2sw/l2sw/packet"
	"github.com/l2sw/l2sw/syslog"
)

// rig is a switch with mem ports driven synchronously: send runs the whole
// pipeline for one frame before returning, so assertions are exact.
type rig struct {
	t     testing.TB
	sw    *Switch
	clk   *clock.Manual
	ports map[string]*mem.Port
	rx    map[string]*Receiver
}

func ifName(i int) string { return fmt.Sprintf("GigabitEthernet0/%d", i) }

func newRig(t testing.TB, n int, camCfg cam.Config) *rig {
	t.Helper()
	clk := clock.NewManual(1000 * time.Second)
	sw := New(Config{Clock: clk, CAM: camCfg, Log: syslog.New(syslog.WithClock(func() time.Time { return time.Unix(0, clk.Nanos()) }))})
	g := &rig{t: t, sw: sw, clk: clk, ports: map[string]*mem.Port{}, rx: map[string]*Receiver{}}
	for i := 1; i <= n; i++ {
		p := mem.New(ifName(i))
		if err := sw.AddPort(ifName(i), p); err != nil {
			t.Fatal(err)
		}
		g.ports[ifName(i)] = p
	}
	for i := 1; i <= n; i++ {
		r, err := sw.NewReceiver(ifName(i))
		if err != nil {
			t.Fatal(err)
		}
		g.rx[ifName(i)] = r
	}
	return g
}

func (g *rig) set(i int, edit func(*PortSettings)) {
	g.t.Helper()
	s, err := g.sw.PortSettings(ifName(i))
	if err != nil {
		g.t.Fatal(err)
	}
	edit(&s)
	if _, err := g.sw.SetPortSettings(ifName(i), s); err != nil {
		g.t.Fatal(err)
	}
}

// send runs frames received on port i through the pipeline.
func (g *rig) send(i int, frames ...[]byte) {
	r := g.rx[ifName(i)]
	bufs, sizes := r.Buffers()
	for k, f := range frames {
		sizes[k] = copy(bufs[k][port.Headroom:], f)
	}
	r.Process(len(frames))
}

// got returns, per port number, the frames transmitted since the last call.
func (g *rig) got() map[int][][]byte {
	out := map[int][][]byte{}
	for i := 1; i <= len(g.ports); i++ {
		if s := g.ports[ifName(i)].Sent(); len(s) > 0 {
			out[i] = s
		}
	}
	return out
}

// expect checks that exactly the listed ports received exactly want, once.
func (g *rig) expect(want []byte, ports ...int) {
	g.t.Helper()
	got := g.got()
	set := map[int]bool{}
	for _, p := range ports {
		set[p] = true
		fr := got[p]
		if len(fr) != 1 || !bytes.Equal(fr[0], want) {
			g.t.Errorf("port %d received %d frames %x, want exactly %x", p, len(fr), fr, want)
		}
	}
	for p, fr := range got {
		if !set[p] {
			g.t.Errorf("port %d received %d unexpected frames", p, len(fr))
		}
	}
}

func (g *rig) counter(i int, c Counter) uint64 {
	g.t.Helper()
	pc, err := g.sw.Counters(ifName(i))
	if err != nil {
		g.t.Fatal(err)
	}
	return pc.Get(c)
}

func mac(s string) net.HardwareAddr {
	m, err := packet.ParseMAC(s)
	if err != nil {
		panic(err)
	}
	return net.HardwareAddr(m[:])
}

var (
	macA  = mac("0000.0a00.000a")
	macB  = mac("0000.0b00.000b")
	macC  = mac("0000.0c00.000c")
	bcast = mac("ffff.ffff.ffff")
)

func serialize(t testing.TB, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	return pkttest.Serialize(t, ls...)
}

// udpFrame builds an untagged (vlan 0) or 802.1Q-tagged IPv4/UDP frame.
func udpFrame(t testing.TB, src, dst net.HardwareAddr, vlan uint16, payload string) []byte {
	eth := &layers.Ethernet{SrcMAC: src, DstMAC: dst, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: net.IP{10, 0, 0, 1}, DstIP: net.IP{10, 0, 0, 2}}
	udp := &layers.UDP{SrcPort: 1000, DstPort: 2000}
	_ = udp.SetNetworkLayerForChecksum(ip)
	if vlan == 0 {
		return serialize(t, eth, ip, udp, gopacket.Payload(payload))
	}
	eth.EthernetType = layers.EthernetTypeDot1Q
	tag := &layers.Dot1Q{VLANIdentifier: vlan, Type: layers.EthernetTypeIPv4}
	return serialize(t, eth, tag, ip, udp, gopacket.Payload(payload))
}

// tag and untag derive the expected egress bytes independently of the
// switch's own code: gopacket decodes and re-serialises.
func retag(t testing.TB, f []byte, vlan uint16) []byte {
	p := gopacket.NewPacket(f, layers.LayerTypeEthernet, gopacket.Default)
	eth := *p.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
	var rest []byte
	if d, ok := p.Layer(layers.LayerTypeDot1Q).(*layers.Dot1Q); ok {
		eth.EthernetType = d.Type
		rest = d.Payload
	} else {
		rest = eth.Payload
	}
	if vlan == 0 {
		return serialize(t, &eth, gopacket.Payload(rest))
	}
	inner := eth.EthernetType
	eth.EthernetType = layers.EthernetTypeDot1Q
	return serialize(t, &eth, &layers.Dot1Q{VLANIdentifier: vlan, Type: inner}, gopacket.Payload(rest))
}

func TestFloodLearnUnicast(t *testing.T) {
	g := newRig(t, 4, cam.Config{})
	ab := udpFrame(t, macA, macB, 0, "a to b")
	g.send(1, ab)
	g.expect(ab, 2, 3, 4) // unknown unicast: flooded, never back to port 1
	if g.counter(1, UnknownUnicastFlooded) != 1 {
		t.Errorf("unknown unicast flooded = %d", g.counter(1, UnknownUnicastFlooded))
	}
	ba := udpFrame(t, macB, macA, 0, "b to a")
	g.send(2, ba)
	g.expect(ba, 1) // A was learned on port 1
	g.send(1, ab)
	g.expect(ab, 2) // B learned on port 2
	if g.counter(2, TxFrames) != 2 || g.counter(1, RxUnicast) != 2 || g.counter(1, Forwarded) != 2 {
		t.Errorf("counters: tx2=%d rxu1=%d fwd1=%d", g.counter(2, TxFrames), g.counter(1, RxUnicast), g.counter(1, Forwarded))
	}
}

func TestBroadcastAndMulticastFlood(t *testing.T) {
	g := newRig(t, 3, cam.Config{})
	b := udpFrame(t, macA, bcast, 0, "bcast")
	g.send(2, b)
	g.expect(b, 1, 3)
	m := udpFrame(t, macA, mac("0100.5e00.0001"), 0, "mcast")
	g.send(2, m)
	g.expect(m, 1, 3)
	if g.counter(2, RxBroadcast) != 1 || g.counter(2, RxMulticast) != 1 || g.counter(1, TxBroadcast) != 1 || g.counter(3, TxMulticast) != 1 {
		t.Error("cast counters wrong")
	}
}

func TestFloodAgainAfterAging(t *testing.T) {
	g := newRig(t, 3, cam.Config{AgingTime: 10})
	g.send(2, udpFrame(t, macB, bcast, 0, "hello"))
	g.got()
	ab := udpFrame(t, macA, macB, 0, "x")
	g.send(1, ab)
	g.expect(ab, 2)
	g.clk.Advance(11 * time.Second)
	if n := g.sw.AgeNow(); n < 1 {
		t.Fatalf("AgeNow removed %d entries", n)
	}
	g.send(1, ab)
	g.expect(ab, 2, 3) // B aged out: flooded again
}

func TestMACMoveFollowsHost(t *testing.T) {
	g := newRig(t, 3, cam.Config{})
	g.send(1, udpFrame(t, macA, bcast, 0, "a here"))
	g.got()
	g.send(3, udpFrame(t, macA, bcast, 0, "a moved"))
	g.got()
	ca := udpFrame(t, macC, macA, 0, "to a")
	g.send(2, ca)
	g.expect(ca, 3)
}

func TestZeroSourceForwardedNotLearned(t *testing.T) {
	g := newRig(t, 3, cam.Config{})
	zero := mac("0000.0000.0000")
	g.send(1, udpFrame(t, macB, bcast, 0, "b"))
	g.got()
	f := udpFrame(t, zero, macB, 0, "from nobody")
	g.send(2, f)
	g.expect(f, 1) // still forwarded to B
	back := udpFrame(t, macB, zero, 0, "to nobody")
	g.send(1, back)
	g.expect(back, 2, 3) // zero MAC never learned: flooded
	if g.counter(2, ZeroSourceForwarded) != 1 {
		t.Error("zero source counter")
	}
	lines := g.sw.Log().Grep("%SYS-4-P2_WARN: 1/Filtering MAC address 00-00-00-00-00-00 on port Gi0/2 from host table")
	if len(lines) != 1 {
		t.Errorf("P2_WARN lines: %q", lines)
	}
}

func TestMulticastSourceDropped(t *testing.T) {
	g := newRig(t, 2, cam.Config{})
	g.send(1, udpFrame(t, mac("0100.5e00.0001"), bcast, 0, "bad"))
	g.expect(nil)
	if g.counter(1, DropInvalidSource) != 1 {
		t.Error("invalid source not counted")
	}
}

func TestSamePortFiltered(t *testing.T) {
	g := newRig(t, 2, cam.Config{})
	g.send(1, udpFrame(t, macA, bcast, 0, "a"), udpFrame(t, macB, bcast, 0, "b"))
	g.got()
	g.send(1, udpFrame(t, macA, macB, 0, "a to b on a hub"))
	g.expect(nil)
	if g.counter(1, DropSamePort) != 1 {
		t.Error("same-port filter not counted")
	}
}

func TestVLANIsolation(t *testing.T) {
	g := newRig(t, 4, cam.Config{})
	for _, i := range []int{1, 2} {
		g.set(i, func(s *PortSettings) { s.AccessVLAN = 10 })
	}
	g.set(3, func(s *PortSettings) { s.AccessVLAN = 20 })
	b := udpFrame(t, macA, bcast, 0, "vlan 10")
	g.send(1, b)
	g.expect(b, 2)
	// The same MAC in another VLAN is another CAM entry.
	g.send(3, udpFrame(t, macC, macA, 0, "vlan 20 to A"))
	g.expect(nil) // only member of VLAN 20 is the ingress port
	if vs := g.sw.VLANs(); len(vs) != 3 || vs[1].Name != "VLAN0010" {
		t.Errorf("VLANs auto-created: %+v", vs)
	}
}

func TestTrunkTaggingAndNative(t *testing.T) {
	g := newRig(t, 4, cam.Config{})
	g.set(1, func(s *PortSettings) { s.AccessVLAN = 10 })
	g.set(2, func(s *PortSettings) { s.AccessVLAN = 20 })
	g.set(3, func(s *PortSettings) { s.Mode = ModeTrunk; s.NativeVLAN = 1 })
	// port 4 stays access VLAN 1 (the trunk's native VLAN)

	a10 := udpFrame(t, macA, bcast, 0, "from access 10")
	g.send(1, a10)
	g.expect(retag(t, a10, 10), 3) // tagged on the trunk

	t20 := udpFrame(t, macC, bcast, 20, "tagged 20 from trunk")
	g.send(3, t20)
	g.expect(retag(t, t20, 0), 2) // untagged on the access port

	native := udpFrame(t, macC, bcast, 0, "untagged on trunk = native")
	g.send(3, native)
	g.expect(native, 4)

	// Known unicast across the trunk, both directions (in-place tag push/pop).
	ua := udpFrame(t, macB, macA, 10, "to A via trunk")
	g.send(3, ua)
	g.expect(retag(t, ua, 0), 1)
	g.send(1, udpFrame(t, macA, macB, 0, "to B via trunk"))
	g.expect(retag(t, udpFrame(t, macA, macB, 0, "to B via trunk"), 10), 3)

	// A trunk that does not allow VLAN 10 drops it and counts.
	g.set(3, func(s *PortSettings) { s.Allowed = VLANSet{}; s.Allowed.Add(1); s.Allowed.Add(20) })
	g.send(3, udpFrame(t, macB, bcast, 10, "not allowed"))
	g.expect(nil)
	if g.counter(3, DropVLANNotAllowed) != 1 {
		t.Error("not-allowed VLAN not counted")
	}
	g.send(1, a10) // and VLAN 10 floods no longer reach it
	g.expect(nil)
}

func TestTaggedFrameOnAccessPort(t *testing.T) {
	g := newRig(t, 2, cam.Config{})
	g.set(1, func(s *PortSettings) { s.AccessVLAN = 10 })
	g.set(2, func(s *PortSettings) { s.AccessVLAN = 10 })
	g.send(1, udpFrame(t, macA, bcast, 30, "wrong vlan tag"))
	g.expect(nil)
	if g.counter(1, DropVLANNotAllowed) != 1 {
		t.Error("tagged frame of another VLAN on an access port not dropped")
	}
	prio := udpFrame(t, macA, bcast, 0, "priority tagged")
	// 802.1p priority tag: VID 0, PCP 5.
	p := gopacket.NewPacket(prio, layers.LayerTypeEthernet, gopacket.Default)
	eth := *p.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
	eth.EthernetType = layers.EthernetTypeDot1Q
	pt := serialize(t, &eth, &layers.Dot1Q{Priority: 5, VLANIdentifier: 0, Type: layers.EthernetTypeIPv4}, gopacket.Payload(eth.Payload))
	g.send(1, pt)
	g.expect(prio, 2) // classified to the access VLAN, leaves untagged
}

func TestShutdownAndMalformed(t *testing.T) {
	g := newRig(t, 3, cam.Config{})
	g.send(1, []byte{1, 2, 3})
	g.expect(nil)
	if g.counter(1, DropMalformed) != 1 {
		t.Error("runt not counted")
	}
	g.set(2, func(s *PortSettings) { s.Shutdown = true })
	b := udpFrame(t, macA, bcast, 0, "x")
	g.send(1, b)
	g.expect(b, 3)
	g.send(2, b)
	g.expect(nil)
	if g.counter(2, DropPortDown) != 1 {
		t.Error("frame on a shut port not counted")
	}
	if len(g.sw.Log().Grep("Interface GigabitEthernet0/2, changed state to administratively down")) != 1 {
		t.Error("no LINK-3-UPDOWN for shutdown")
	}
}

func TestClearCounters(t *testing.T) {
	g := newRig(t, 2, cam.Config{})
	g.send(1, udpFrame(t, macA, bcast, 0, "x"))
	if err := g.sw.ClearCounters(""); err != nil {
		t.Fatal(err)
	}
	if g.counter(1, RxFrames) != 0 || g.counter(2, TxFrames) != 0 {
		t.Error("counters not cleared")
	}
	g.send(1, udpFrame(t, macA, bcast, 0, "x"))
	if g.counter(1, RxFrames) != 1 {
		t.Error("counting after clear")
	}
}

func TestKnownUnicastAllocatesNothing(t *testing.T) {
	g := newRig(t, 2, cam.Config{})
	g.send(2, udpFrame(t, macB, bcast, 0, "b"))
	g.assertNoAllocs("known unicast", 1, 2, udpFrame(t, macA, macB, 0, "a to b"))
}

// assertNoAllocs sends the batch fs into port in repeatedly and fails
// unless the pipeline allocates nothing and every frame leaves on port out,
// whose recorder is swapped for a sink so that its copies do not count.
func (g *rig) assertNoAllocs(what string, in, out int, fs ...[]byte) {
	g.t.Helper()
	sink := mem.New("sink", mem.Sink())
	g.sw.mu.Lock()
	g.sw.ports[out-1].backend, g.sw.ports[out-1].queues = sink, []port.Port{sink}
	g.sw.publishLocked()
	g.sw.mu.Unlock()
	r := g.rx[ifName(in)]
	bufs, sizes := r.Buffers()
	const runs = 300
	allocs := testing.AllocsPerRun(runs, func() {
		for i, f := range fs {
			sizes[i] = copy(bufs[i][port.Headroom:], f)
		}
		r.Process(len(fs))
	})
	if allocs != 0 {
		g.t.Errorf("%s allocates %v per batch of %d", what, allocs, len(fs))
	}
	if want := uint64(runs * len(fs)); sink.TxFrames() < want {
		g.t.Errorf("%s: egress got %d of %d frames", what, sink.TxFrames(), want)
	}
}

func TestWorkersForwardConcurrently(t *testing.T) {
	sw := New(Config{})
	ports := make([]*mem.Port, 4)
	for i := range ports {
		ports[i] = mem.New(ifName(i + 1))
		if err := sw.AddPort(ifName(i+1), ports[i]); err != nil {
			t.Fatal(err)
		}
	}
	sw.Start()
	defer sw.Stop()
	const n = 500
	srcs := []net.HardwareAddr{macA, macB, macC, mac("0000.0d00.000d")}
	for i, p := range ports {
		for k := 0; k < n; k++ {
			p.Inject(udpFrame(t, srcs[i], srcs[(i+1)%4], 0, "x"))
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var rx uint64
		for i := range ports {
			c, _ := sw.Counters(ifName(i + 1))
			rx += c.Get(RxFrames)
		}
		if rx == 4*n {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	var rx, fwd uint64
	for i := range ports {
		c, _ := sw.Counters(ifName(i + 1))
		rx += c.Get(RxFrames)
		fwd += c.Get(Forwarded)
	}
	if rx != 4*n || fwd != 4*n {
		t.Fatalf("rx %d forwarded %d, want %d", rx, fwd, 4*n)
	}
	if !strings.Contains(ports[0].String(), "mem:") {
		t.Error("String")
	}
}

// A port added after another was removed reuses its id; it must start from
// zero, not inherit the old port's counters.
func TestReaddedPortStartsWithZeroCounters(t *testing.T) {
	g := newRig(t, 2, cam.Config{})
	g.send(1, udpFrame(t, macA, bcast, 0, "x"))
	g.rx[ifName(2)].Close()
	if err := g.sw.RemovePort(ifName(2)); err != nil {
		t.Fatal(err)
	}
	if err := g.sw.AddPort("GigabitEthernet0/9", mem.New("new")); err != nil {
		t.Fatal(err)
	}
	c, err := g.sw.Counters("GigabitEthernet0/9")
	if err != nil {
		t.Fatal(err)
	}
	if c.Get(TxFrames) != 0 || c.Get(RxFrames) != 0 {
		t.Errorf("new port inherited counters: tx %d rx %d", c.Get(TxFrames), c.Get(RxFrames))
	}
}

// TestCountedBeforeTransmitted: whoever sees a frame leave the switch also
// sees it counted, on the ingress and the egress port. Tests and users poll
// counters after a host got a frame; counts published after the write
// raced with them.
func TestCountedBeforeTransmitted(t *testing.T) {
	g := newRig(t, 3, cam.Config{})
	var atWrite []PortCounters
	g.ports[ifName(2)].OnWrite(func() {
		in, err := g.sw.Counters(ifName(1))
		if err != nil {
			t.Error(err)
		}
		out, err := g.sw.Counters(ifName(2))
		if err != nil {
			t.Error(err)
		}
		atWrite = append(atWrite, in, out)
	})
	g.send(1, udpFrame(t, macA, macB, 0, "a to b"), udpFrame(t, macA, macB, 0, "again"))
	if len(atWrite) != 2 {
		t.Fatalf("port 2 was written %d times, want once", len(atWrite)/2)
	}
	in, out := atWrite[0], atWrite[1]
	if in.Get(RxFrames) != 2 || in.Get(UnknownUnicastFlooded) != 2 {
		t.Errorf("at the write, port 1 counted rx %d, flooded %d; want 2 and 2", in.Get(RxFrames), in.Get(UnknownUnicastFlooded))
	}
	if out.Get(TxFrames) != 2 {
		t.Errorf("at the write, port 2 counted tx %d, want 2", out.Get(TxFrames))
	}
}
