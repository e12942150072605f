package dataplane

import (
	"net"
	"strings"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/dataplane/port"
	"github.com/l2sw/l2sw/dataplane/port/mem"
)

// lagRig is a rig of four ports with Port-channel1 over ports 2 and 3:
// port 1 and 4 are hosts, 2 and 3 the bundle's links.
func lagRig(t testing.TB) *rig {
	g := newRig(t, 4, cam.Config{})
	if err := g.sw.CreatePortChannel(1); err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{2, 3} {
		if err := g.sw.SetChannelGroup(ifName(i), 1); err != nil {
			t.Fatal(err)
		}
	}
	return g
}

func (g *rig) bundle(i int, on bool) {
	g.t.Helper()
	if err := g.sw.SetBundled(ifName(i), on); err != nil {
		g.t.Fatal(err)
	}
}

// srcMAC returns a unicast host MAC numbered k.
func srcMAC(k int) net.HardwareAddr { return net.HardwareAddr{0, 0, 0x10, 0, byte(k >> 8), byte(k)} }

func TestEtherChannelUnbundledMembersDoNotForward(t *testing.T) {
	g := lagRig(t)
	g.send(1, udpFrame(t, macA, bcast, 0, "before"))
	g.expect(udpFrame(t, macA, bcast, 0, "before"), 4) // the Port-channel is down, members do not flood
	g.send(2, udpFrame(t, macB, bcast, 0, "on a suspended member"))
	g.expect(nil)
	if g.counter(2, Drops(ReasonPortDown)) != 1 {
		t.Errorf("drop on an unbundled member not counted")
	}
	if st, _ := g.sw.Status("Port-channel1"); st.Up {
		t.Error("Port-channel up without bundled members")
	}
}

func TestEtherChannelOneLogicalPort(t *testing.T) {
	g := lagRig(t)
	g.bundle(2, true)
	g.bundle(3, true)
	if !strings.Contains(strings.Join(g.sw.Log().Grep("Port-channel1"), "\n"), "%LINK-3-UPDOWN: Interface Port-channel1, changed state to up") {
		t.Errorf("log: %q", g.sw.Log().Grep("Port-channel1"))
	}
	if n := len(g.sw.Log().Grep("LINEPROTO-5-UPDOWN: Line protocol on Interface Port-channel1, changed state to up")); n != 1 {
		t.Errorf("%d line protocol up messages", n)
	}

	// A broadcast floods to the host port and to one member of the bundle.
	b := udpFrame(t, macA, bcast, 0, "flood")
	g.send(1, b)
	got := g.got()
	if len(got[4]) != 1 || len(got[2])+len(got[3]) != 1 {
		t.Fatalf("flood reached %v", counts(got))
	}

	// A frame received on a member enters as the Port-channel: learned
	// there, flooded to both hosts, never back into the bundle.
	fromB := udpFrame(t, macB, bcast, 0, "from b")
	g.send(3, fromB)
	got = g.got()
	if len(got[1]) != 1 || len(got[4]) != 1 || len(got[2])+len(got[3]) != 0 {
		t.Fatalf("flood from a member reached %v", counts(got))
	}
	if p, ok := g.sw.MACPort(1, pkt(macB)); !ok || p != "Port-channel1" {
		t.Fatalf("macB learned on %q", p)
	}
	// The same source on the other member is no move.
	g.send(2, fromB)
	g.got()
	if p, _ := g.sw.MACPort(1, pkt(macB)); p != "Port-channel1" {
		t.Fatalf("macB on %q after arriving on the other member", p)
	}
	// Known unicast to the Port-channel leaves on one member; to a host
	// behind it from the other member is filtered (same port).
	g.send(1, udpFrame(t, macA, macB, 0, "to b"))
	got = g.got()
	if len(got[2])+len(got[3]) != 1 || len(got[4]) != 0 {
		t.Fatalf("unicast to the Port-channel reached %v", counts(got))
	}
	g.send(1, udpFrame(t, macC, macB, 0, "learn c"))
	g.got()
	g.send(3, udpFrame(t, macA, macB, 0, "hairpin"))
	if got := g.got(); len(got) != 0 {
		t.Fatalf("frame for the Port-channel sent from it reached %v", counts(got))
	}
}

func counts(m map[int][][]byte) map[int]int {
	out := map[int]int{}
	for k, v := range m {
		out[k] = len(v)
	}
	return out
}

func pkt(m net.HardwareAddr) (p [6]byte) { copy(p[:], m); return p }

// Many sources spread over both members; one flow always takes one
// member; a member that leaves gets nothing and the bundle stays up.
func TestEtherChannelHashAndRebalance(t *testing.T) {
	g := lagRig(t)
	g.bundle(2, true)
	g.bundle(3, true)
	g.send(2, udpFrame(t, macB, bcast, 0, "learn b"))
	g.got()
	per := map[int]int{}
	for k := 0; k < 64; k++ {
		f := udpFrame(t, srcMAC(k), macB, 0, "x")
		first := -1
		for rep := 0; rep < 3; rep++ {
			g.send(1, f)
			got := g.got()
			for p := range got {
				if first >= 0 && p != first {
					t.Fatalf("source %d took ports %d and %d", k, first, p)
				}
				first = p
			}
		}
		per[first]++
	}
	if per[2] < 10 || per[3] < 10 || per[2]+per[3] != 64 {
		t.Fatalf("src-mac spread %v", per)
	}
	g.bundle(2, false)
	if st, _ := g.sw.Status("Port-channel1"); !st.Up {
		t.Fatal("Port-channel went down with one member left")
	}
	for k := 0; k < 16; k++ {
		g.send(1, udpFrame(t, srcMAC(k), macB, 0, "x"))
	}
	if got := g.got(); len(got[3]) != 16 || len(got[2]) != 0 {
		t.Fatalf("after member 2 left: %v", counts(got))
	}
	if p, _ := g.sw.MACPort(1, pkt(macB)); p != "Port-channel1" {
		t.Fatal("the Port-channel's addresses were flushed when a member left")
	}
	// The last member's link goes down: the Port-channel goes down.
	g.sw.setLinkState(g.sw.ports[2], false)
	if st, _ := g.sw.Status("Port-channel1"); st.Up {
		t.Fatal("Port-channel up with no forwarding member")
	}
	if len(g.sw.Log().Grep("%LINK-3-UPDOWN: Interface Port-channel1, changed state to down")) != 1 {
		t.Errorf("no down message: %q", g.sw.Log().Grep("Port-channel1"))
	}
}

func TestEtherChannelIPHash(t *testing.T) {
	g := lagRig(t)
	g.bundle(2, true)
	g.bundle(3, true)
	g.sw.SetLoadBalance(LoadBalanceDstIP)
	g.send(2, udpFrame(t, macB, bcast, 0, "learn b"))
	g.got()
	per := map[int]int{}
	for k := 0; k < 64; k++ {
		eth := &layers.Ethernet{SrcMAC: macA, DstMAC: macB, EthernetType: layers.EthernetTypeIPv4}
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: net.IP{10, 0, 0, 1}, DstIP: net.IP{10, 0, 1, byte(k)}}
		udp := &layers.UDP{SrcPort: 1, DstPort: 2}
		_ = udp.SetNetworkLayerForChecksum(ip)
		g.send(1, serialize(t, eth, ip, udp, gopacket.Payload("x")))
		for p := range g.got() {
			per[p]++
		}
	}
	if per[2] < 10 || per[3] < 10 {
		t.Fatalf("dst-ip spread with one source MAC: %v", per)
	}
}

// The Port-channel's switchport configuration is its members': a trunk
// Port-channel tags on whichever member a frame takes.
func TestEtherChannelMembersInheritTrunk(t *testing.T) {
	g := lagRig(t)
	if err := g.sw.SetVLAN(10, ""); err != nil {
		t.Fatal(err)
	}
	s, _ := g.sw.PortSettings("Port-channel1")
	s.Mode = ModeTrunk
	if _, err := g.sw.SetPortSettings("Port-channel1", s); err != nil {
		t.Fatal(err)
	}
	if ms, _ := g.sw.PortSettings(ifName(2)); ms.Mode != ModeTrunk {
		t.Fatal("member did not take the Port-channel's mode")
	}
	g.set(1, func(p *PortSettings) { p.AccessVLAN = 10 })
	g.bundle(2, true)
	g.bundle(3, true)
	f := udpFrame(t, macA, bcast, 0, "vlan 10")
	g.send(1, f)
	got := g.got()
	want := retag(t, f, 10)
	var sent [][]byte
	sent = append(append(sent, got[2]...), got[3]...)
	if len(sent) != 1 || string(sent[0]) != string(want) {
		t.Fatalf("trunk member sent %x, want %x", sent, want)
	}
	// And takes VLAN 10 tagged frames in.
	g.send(3, udpFrame(t, macB, bcast, 10, "tagged in"))
	if got := g.got(); len(got[1]) != 1 {
		t.Fatalf("tagged frame from a member: %v", counts(got))
	}
}

func TestEtherChannelCountersAndRows(t *testing.T) {
	g := lagRig(t)
	g.bundle(2, true)
	g.send(2, udpFrame(t, macB, bcast, 0, "in"))
	g.got()
	c, err := g.sw.Counters("Port-channel1")
	if err != nil {
		t.Fatal(err)
	}
	if c.Get(RxFrames) != 1 {
		t.Errorf("Port-channel rx %d, want its member's 1", c.Get(RxFrames))
	}
	pcs := g.sw.PortChannels()
	if len(pcs) != 1 || pcs[0].Group != 1 || !pcs[0].Up || len(pcs[0].Members) != 2 || !pcs[0].Members[0].Bundled || pcs[0].Members[1].Bundled {
		t.Fatalf("rows %+v", pcs)
	}
	if err := g.sw.SetChannelGroup(ifName(2), 0); err != nil {
		t.Fatal(err)
	}
	if st, _ := g.sw.Status("Port-channel1"); st.Up {
		t.Fatal("Port-channel up after its only bundled member left")
	}
	// A port that left forwards on its own again.
	g.send(1, udpFrame(t, macA, bcast, 0, "x"))
	if got := g.got(); len(got[2]) != 1 || len(got[3]) != 0 {
		t.Fatalf("after leaving: %v", counts(got))
	}
	if err := g.sw.RemovePortChannel(1); err != nil {
		t.Fatal(err)
	}
	if g.sw.ChannelGroup(ifName(3)) != 0 {
		t.Fatal("member kept a removed channel")
	}
}

func TestEtherChannelForwardAllocs(t *testing.T) {
	g := lagRig(t)
	g.bundle(2, true)
	g.bundle(3, true)
	g.send(2, udpFrame(t, macB, bcast, 0, "learn"))
	g.send(1, udpFrame(t, macA, bcast, 0, "learn"))
	g.got()
	sinks := map[int]*mem.Port{}
	g.sw.mu.Lock()
	for _, i := range []int{1, 2, 3} {
		sinks[i] = mem.New("sink", mem.Sink())
		g.sw.ports[i-1].backend, g.sw.ports[i-1].queues = sinks[i], []port.Port{sinks[i]}
	}
	g.sw.publishLocked()
	g.sw.mu.Unlock()
	toB, toA := udpFrame(t, macA, macB, 0, "x"), udpFrame(t, macB, macA, 0, "y")
	const runs = 300
	in1, in3 := g.rx[ifName(1)], g.rx[ifName(3)]
	n := testing.AllocsPerRun(runs, func() {
		for _, x := range []struct {
			r *Receiver
			f []byte
		}{{in1, toB}, {in3, toA}} {
			bufs, sizes := x.r.Buffers()
			sizes[0] = copy(bufs[0][port.Headroom:], x.f)
			x.r.Process(1)
		}
	})
	if n != 0 {
		t.Errorf("forwarding through a Port-channel allocates %v per run", n)
	}
	if got := sinks[2].TxFrames() + sinks[3].TxFrames(); got < runs {
		t.Errorf("bundle sent %d of %d", got, runs)
	}
	if sinks[1].TxFrames() < runs {
		t.Errorf("host port got %d of %d from the bundle", sinks[1].TxFrames(), runs)
	}
}

// FuzzEtherChannel runs arbitrary frames into a switch with a bundle over
// ports 2 and 3 (IP hash): nothing panics, a frame never goes back into
// the bundle it came from, and a bundle gets at most one copy.
func FuzzEtherChannel(f *testing.F) {
	g := lagRig(f)
	g.bundle(2, true)
	g.bundle(3, true)
	g.sw.SetLoadBalance(LoadBalanceSrcDstIP)
	f.Add(uint8(0), udpFrame(f, macA, bcast, 0, "flood"))
	f.Add(uint8(1), udpFrame(f, macB, macA, 0, "from the bundle"))
	f.Add(uint8(2), udpFrame(f, macC, bcast, 7, "tagged"))
	f.Add(uint8(1), []byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, p uint8, frame []byte) {
		in := []int{1, 2, 3, 4}[p%4]
		if len(frame) > 9000 {
			return
		}
		g.send(in, frame)
		got := g.got()
		lag := len(got[2]) + len(got[3])
		if (in == 2 || in == 3) && lag != 0 {
			t.Fatalf("a frame from the bundle went back into it: %v", counts(got))
		}
		if lag > 1 {
			t.Fatalf("the bundle got %d copies of one frame", lag)
		}
	})
}
