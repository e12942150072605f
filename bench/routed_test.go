package bench

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/packet"
)

// routedBed: port 1 access VLAN 10 (the senders), port 2 access VLAN 20
// (the next hop 10.0.20.2 behind it), n static /24 routes via that next hop.
func routedBed(b *testing.B, prefixes int) (*bed, []netip.Prefix) {
	b.Helper()
	bd := newBed(b, 2, 1<<12)
	sw := bd.sw
	for i, v := range []uint16{10, 20} {
		s, err := sw.PortSettings(ifName(i + 1))
		if err != nil {
			b.Fatal(err)
		}
		s.AccessVLAN = v
		if _, err := sw.SetPortSettings(ifName(i+1), s); err != nil {
			b.Fatal(err)
		}
		if err := sw.CreateSVI(v); err != nil {
			b.Fatal(err)
		}
		if err := sw.SetSVIAddress(v, netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 0, byte(v), 1}), 24), false); err != nil {
			b.Fatal(err)
		}
	}
	nh := netip.MustParseAddr("10.0.20.2")
	if err := sw.AddStaticARP(nh, packet.MACFromUint64(hostMAC(2))); err != nil {
		b.Fatal(err)
	}
	// The next hop's MAC is learned on port 2, the sender's on port 1.
	bd.learnOn(b, 2, hostMAC(2))
	bd.learnOn(b, 1, hostMAC(1))
	// Both are hosts, learned where they sent from: neither may be the
	// router's own address (see benchBaseMAC).
	for i, v := range []uint16{10, 20} {
		if p, ok := sw.MACPort(v, packet.MACFromUint64(hostMAC(i+1))); !ok || p != ifName(i+1) {
			b.Fatalf("host %d in VLAN %d is on %q (%v), want %s", i+1, v, p, ok, ifName(i+1))
		}
	}
	pfx := make([]netip.Prefix, prefixes)
	rs := make([]dataplane.StaticRoute, prefixes)
	for i := range pfx {
		a := uint32(11<<24) + uint32(i)<<8 // 11.0.0.0/24, 11.0.1.0/24, ...: clear of 10/8 and the martians
		pfx[i] = netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), 0}), 24)
		rs[i] = dataplane.StaticRoute{Prefix: pfx[i], NextHop: nh}
	}
	if err := sw.AddStaticRoutes(rs); err != nil {
		b.Fatal(err)
	}
	return bd, pfx
}

// learnOn has mac send one broadcast frame on port i.
func (bd *bed) learnOn(b *testing.B, i int, mac uint64) {
	r, err := bd.sw.NewReceiver(ifName(i))
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	bufs, sizes := r.Buffers()
	sizes[0] = copy(bufs[0][64:], frame64(mac, 0xffffffffffff))
	r.Process(1)
}

// runWarm is run with every frame sent once before timing, by the same
// receiver, so that its FIB counter pages (allocated on first use, once per
// 1024 prefixes) and the caches are in their steady state.
func (bd *bed) runWarm(b *testing.B, ingress string, frames [][]byte) {
	b.Helper()
	r, err := bd.sw.NewReceiver(ingress)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	bufs, sizes := r.Buffers()
	nb := len(frames) / batch
	feed := func(i int) {
		fs := frames[(i%nb)*batch:]
		for k := 0; k < batch; k++ {
			sizes[k] = copy(bufs[k][64:], fs[k])
		}
		r.Process(batch)
	}
	for i := range nb {
		feed(i)
	}
	b.ReportAllocs()
	settle()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		feed(i)
	}
	b.StopTimer()
	perFrame := float64(b.Elapsed().Nanoseconds()) / float64(b.N*batch)
	b.ReportMetric(perFrame, "ns/frame")
	b.ReportMetric(1e9/perFrame, "frames/s")
}

// routedFrame64 is a 64-byte IPv4/UDP frame to the router MAC for dst.
func routedFrame64(src, router uint64, dst netip.Addr) []byte {
	f := frame64(src, router)
	ip := f[14:]
	d := dst.As4()
	copy(ip[16:20], d[:])
	ip[10], ip[11] = 0, 0
	binary.BigEndian.PutUint16(ip[10:], ipChecksum(ip[:20]))
	return f
}

func ipChecksum(h []byte) uint16 {
	var s uint32
	for i := 0; i < len(h); i += 2 {
		s += uint32(binary.BigEndian.Uint16(h[i:]))
	}
	for s > 0xffff {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}

// BenchmarkForwardRouted: 64-byte IPv4 frames from VLAN 10 routed to VLAN 20
// through a FIB of 1k, 100k and 1M static prefixes: parse, source refresh,
// FIB lookup, adjacency rewrite, TTL and checksum, CAM lookup of the next
// hop, enqueue and one Write per batch.
func BenchmarkForwardRouted(b *testing.B) {
	for _, n := range []int{1000, 100000, 1000000} {
		name := fmt.Sprintf("prefixes=%dk", n/1000)
		if n >= 1000000 {
			name = fmt.Sprintf("prefixes=%dM", n/1000000)
		}
		b.Run(name, func(b *testing.B) {
			bd, pfx := routedBed(b, n)
			router := bd.sw.RouterMAC().Uint64()
			rng := rand.New(rand.NewPCG(2, uint64(n)))
			frames := make([][]byte, activeFlows)
			for i := range frames {
				p := pfx[rng.IntN(len(pfx))]
				a := p.Addr().As4()
				a[3] = byte(1 + rng.IntN(254))
				frames[i] = routedFrame64(hostMAC(1), router, netip.AddrFrom4(a))
			}
			// TTL is decremented in place in the receive buffers, which
			// are refilled from frames every batch: each frame starts at 64.
			bd.runWarm(b, ifName(1), frames)
			if got := bd.sinks[1].TxFrames(); got < uint64((b.N+activeFlows/batch)*batch) {
				b.Fatalf("egress got %d frames, want %d", got, b.N*batch)
			}
		})
	}
}
