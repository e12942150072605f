package dataplane

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"net"
	"net/netip"
	"testing"

	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/packet"
)

// TestPrefetchingTableForwardsTheSame: a CAM large enough that workers
// prefetch its lines for a batch (Receiver.prefetchCAM) forwards mixed
// batches — untagged, tagged, priority-tagged, runts and truncated tags,
// more frames than the prefetch distance — exactly as a small table does.
func TestPrefetchingTableForwardsTheSame(t *testing.T) {
	small := newRig(t, 4, cam.Config{})
	large := newRig(t, 4, cam.Config{Capacity: 1 << 20})
	if small.sw.cam.Prefetching() || !large.sw.cam.Prefetching() {
		t.Fatalf("Prefetching: small %v, large %v; want false, true", small.sw.cam.Prefetching(), large.sw.cam.Prefetching())
	}
	for _, g := range []*rig{small, large} {
		g.set(1, func(s *PortSettings) { s.AccessVLAN = 10 })
		g.set(2, func(s *PortSettings) { s.AccessVLAN = 10 })
		g.set(3, func(s *PortSettings) { s.Mode = ModeTrunk })
	}

	hosts := [][]byte{macA, macB, macC, mac("0000.0d00.000d"), mac("0000.0e00.000e")}
	rng := rand.New(rand.NewPCG(7, 7))
	batch := func() [][]byte {
		var fs [][]byte
		for len(fs) < 60 {
			src, dst := hosts[rng.IntN(len(hosts))], hosts[rng.IntN(len(hosts))]
			if rng.IntN(8) == 0 {
				dst = bcast
			}
			vlan := []uint16{0, 0, 10, 1, 20}[rng.IntN(5)]
			f := udpFrame(t, src, dst, vlan, "prefetch")
			switch rng.IntN(12) {
			case 0:
				f = f[:rng.IntN(18)] // a runt, or a tag cut short
			case 1:
				f = udpFrame(t, src, dst, 10, "priority-tagged")
				f[14], f[15] = 0xe0, 0 // priority 7, VID 0
			}
			fs = append(fs, f)
		}
		return fs
	}
	var forwarded uint64
	for round := range 6 {
		in := []int{1, 3, 2}[round%3]
		fs := batch()
		small.send(in, fs...)
		large.send(in, fs...)
		expectSameOutput(t, round, small, large)
	}
	expectSameCounters(t, small, large)
	for p := 1; p <= 4; p++ {
		cs := small.portCounters(p)
		forwarded += cs[Forwarded] - cs[UnknownUnicastFlooded]
	}
	if forwarded == 0 {
		t.Error("no frame was forwarded to a known destination: the batches test flooding only")
	}
	if small.sw.MACCount() != large.sw.MACCount() || small.sw.MACCount() == 0 {
		t.Errorf("learned %d entries with the small table, %d with the large one", small.sw.MACCount(), large.sw.MACCount())
	}
}

// TestPrefetchingFIBRoutesTheSame: a FIB large enough that workers prefetch
// its leaves and prefix counters (Receiver.prefetchFrames and
// prefetchCounters) routes mixed batches exactly as a small FIB with the
// same routes for that traffic does: second- and third-level leaves, no
// route, TTL 1, bad checksums, runts and IPv4 headers cut short to the
// router MAC, tagged frames on a trunk, and plain bridged frames.
func TestPrefetchingFIBRoutesTheSame(t *testing.T) {
	small, large := newL3Rig(t), newL3Rig(t)
	nh := netip.MustParseAddr("10.0.20.2")
	routes := []string{"172.16.0.0/16", "172.17.5.0/24", "172.18.1.128/25", "172.18.1.0/24"}
	for _, g := range []*rig{small, large} {
		g.sw.SetCEFPrefixAccounting(true) // so that prefix counters are prefetched and compared
		g.learnHost(1, macA, ipA, net.IP{10, 0, 10, 1})
		g.learnHost(3, macB, net.IP{10, 0, 20, 2}, net.IP{10, 0, 20, 1})
		if err := g.sw.AddStaticARP(nh, packet.MAC(macB)); err != nil {
			t.Fatal(err)
		}
		for _, p := range routes {
			if err := g.sw.AddStaticRoute(StaticRoute{Prefix: netip.MustParsePrefix(p), NextHop: nh}); err != nil {
				t.Fatal(err)
			}
		}
		g.cpu()
		g.got()
	}
	// Filler the traffic never matches: one /24 in each of 8200 /16s, a
	// block each, is more than cef's prefetchMin of LPM blocks.
	var fill []StaticRoute
	for i := range 8200 {
		a := uint32(100<<24) + uint32(i)<<16
		fill = append(fill, StaticRoute{Prefix: netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), 0, 0}), 24), NextHop: nh})
	}
	if err := large.sw.AddStaticRoutes(fill); err != nil {
		t.Fatal(err)
	}
	if small.sw.l3.fib.Prefetching() || !large.sw.l3.fib.Prefetching() {
		t.Fatalf("FIB Prefetching: small %v, large %v; want false, true", small.sw.l3.fib.Prefetching(), large.sw.l3.fib.Prefetching())
	}

	dsts := []net.IP{{172, 16, 9, 9}, {172, 16, 200, 1}, {172, 17, 5, 77}, {172, 18, 1, 200}, {172, 18, 1, 20},
		{10, 0, 20, 2}, {8, 8, 8, 8}, {172, 17, 6, 1}}
	rng := rand.New(rand.NewPCG(9, 9))
	batch := func() [][]byte {
		var fs [][]byte
		for len(fs) < 60 {
			dst := dsts[rng.IntN(len(dsts))]
			ttl := uint8(64)
			if rng.IntN(10) == 0 {
				ttl = 1
			}
			f := udpTo(t, macA, small.routerMAC(), ipA, dst, ttl, []byte("prefetch"))
			switch rng.IntN(12) {
			case 0:
				f = f[:14+rng.IntN(24)] // an IPv4 header cut short
			case 1:
				f[14+10] ^= 0xff // bad header checksum
			case 2:
				f = udpFrame(t, macA, macC, 0, "bridged")
			case 3:
				f = retag(t, f, 10)
			}
			fs = append(fs, f)
		}
		return fs
	}
	for round := range 6 {
		in := []int{1, 4}[round%2]
		fs := batch()
		small.send(in, fs...)
		large.send(in, fs...)
		small.cpu()
		large.cpu()
		expectSameOutput(t, round, small, large)
	}
	expectSameCounters(t, small, large)
	ss, sl := small.sw.L3Stats(), large.sw.L3Stats()
	if ss.Routed == 0 || ss.CEF.Forwarded == 0 {
		t.Fatalf("nothing was routed: %+v", ss)
	}
	if ss.Routed != sl.Routed || ss.CEF != sl.CEF {
		t.Errorf("routed-path counters differ:\nsmall %+v\nlarge %+v", ss, sl)
	}
	for _, p := range routes {
		cs, cl := small.prefixCounters(p), large.prefixCounters(p)
		if cs != cl {
			t.Errorf("%s counted %v with the small FIB, %v with the large one", p, cs, cl)
		}
		if cs[0] == 0 {
			t.Errorf("no packet matched %s: the batches miss a level of the LPM", p)
		}
	}
	// The prefetching path allocates nothing, over batches long enough
	// for both of its stages.
	var routed [][]byte
	for i := range 40 {
		routed = append(routed, udpTo(t, macA, large.routerMAC(), ipA, dsts[i%5], 64, []byte("no allocs")))
	}
	large.assertNoAllocs("routing through a prefetching FIB", 1, 3, routed...)
}

// prefixCounters returns the packets and bytes counted against the FIB
// entry of prefix p.
func (g *rig) prefixCounters(p string) [2]uint64 {
	g.t.Helper()
	r := g.sw.l3.fib.Lookup(binary.BigEndian.Uint32(netip.MustParsePrefix(p).Addr().AsSlice()))
	if r.Entry.Prefix() != netip.MustParsePrefix(p) {
		g.t.Fatalf("%s looks up %v", p, r.Entry.Prefix())
	}
	pk, by := g.sw.l3.fib.Counters().Prefix(r.Entry)
	return [2]uint64{pk, by}
}

// expectSameOutput checks that the two four-port rigs transmitted the same
// frames, in the same order, on every port since the last call.
func expectSameOutput(t *testing.T, round int, small, large *rig) {
	t.Helper()
	gs, gl := small.got(), large.got()
	for p := 1; p <= 4; p++ {
		if len(gs[p]) != len(gl[p]) {
			t.Fatalf("round %d port %d: %d frames with the small table, %d with the large one", round, p, len(gs[p]), len(gl[p]))
		}
		for k := range gs[p] {
			if !bytes.Equal(gs[p][k], gl[p][k]) {
				t.Errorf("round %d port %d frame %d:\nsmall %x\nlarge %x", round, p, k, gs[p][k], gl[p][k])
			}
		}
	}
}

// expectSameCounters checks that every port of the two four-port rigs
// counted the same.
func expectSameCounters(t *testing.T, small, large *rig) {
	t.Helper()
	for p := 1; p <= 4; p++ {
		if cs, cl := small.portCounters(p), large.portCounters(p); cs != cl {
			t.Errorf("port %d counters differ:\nsmall %v\nlarge %v", p, cs, cl)
		}
	}
}
