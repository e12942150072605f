package dataplane

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/clock"
	"github.com/l2sw/l2sw/dataplane/gso"
	"github.com/l2sw/l2sw/dataplane/port"
	"github.com/l2sw/l2sw/dataplane/port/mem"
	"github.com/l2sw/l2sw/packet"
	"github.com/l2sw/l2sw/syslog"
)

// newOffloadRig is newRig with mem ports that support every offload where
// offload[i-1] is true (port i), as vnet TAPs do, and plain ones elsewhere.
func newOffloadRig(t testing.TB, offload ...bool) *rig {
	t.Helper()
	clk := clock.NewManual(1000 * time.Second)
	sw := New(Config{Clock: clk, CAM: cam.Config{}, Log: syslog.New(syslog.WithClock(func() time.Time { return time.Unix(0, clk.Nanos()) }))})
	g := &rig{t: t, sw: sw, clk: clk, ports: map[string]*mem.Port{}, rx: map[string]*Receiver{}}
	for i, o := range offload {
		var opts []mem.Option
		if o {
			opts = append(opts, mem.Offloads(port.OffloadAll))
		}
		p := mem.New(ifName(i+1), opts...)
		if err := sw.AddPort(ifName(i+1), p); err != nil {
			t.Fatal(err)
		}
		if got := p.Offload(); (got != 0) != o {
			t.Fatalf("port %d: offloads %v after AddPort", i+1, got)
		}
		g.ports[ifName(i+1)] = p
	}
	for i := range offload {
		r, err := sw.NewReceiver(ifName(i + 1))
		if err != nil {
			t.Fatal(err)
		}
		g.rx[ifName(i+1)] = r
	}
	return g
}

// sendOffload runs frames with their virtio-net headers, received on port
// i, through the pipeline, the headers in the headroom as a vnet TAP
// delivers them.
func (g *rig) sendOffload(i int, hs []gso.Header, frames ...[]byte) {
	r := g.rx[ifName(i)]
	bufs, sizes := r.Buffers()
	for k, f := range frames {
		hs[k].Encode(bufs[k][port.Headroom-gso.HeaderLen : port.Headroom])
		sizes[k] = copy(bufs[k][port.Headroom:], f)
	}
	r.Process(len(frames))
}

const (
	tsoMSS   = 1448
	tsoSeq   = 0xfffff000 // wraps inside the super-frame
	tsoIPID  = 0xfffe     // and so does the IP ID
	tcpHdr   = 32         // with NOP, NOP, timestamps
	tsoSport = 40000
)

// tsoFrame builds, with gopacket, one TCP segment of payload bytes from
// src to dst (tagged with vlan unless 0) as a kernel with TSO hands it to a
// vnet TAP: true IPv4 total length, the TCP checksum field holding only the
// pseudo-header sum, and a header saying GSOTCPv4, gso_size tsoMSS,
// NEEDS_CSUM at csum_start/csum_offset. mss 0 makes it a plain
// partial-checksum frame (GSONone) instead. It also returns the payload.
func tsoFrame(t testing.TB, src, dst net.HardwareAddr, sip, dip net.IP, vlan uint16, payload, mss int) ([]byte, gso.Header, []byte) {
	t.Helper()
	data := make([]byte, payload)
	for i := range data {
		data[i] = byte(i*7 + i>>8)
	}
	ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Id: tsoIPID, Flags: layers.IPv4DontFragment, Protocol: layers.IPProtocolTCP,
		SrcIP: sip.To4(), DstIP: dip.To4()}
	tcp := &layers.TCP{SrcPort: tsoSport, DstPort: 5201, Seq: tsoSeq, Ack: 1, Window: 1024, ACK: true, PSH: true,
		Options: []layers.TCPOption{{OptionType: layers.TCPOptionKindNop}, {OptionType: layers.TCPOptionKindNop},
			{OptionType: layers.TCPOptionKindTimestamps, OptionLength: 10, OptionData: make([]byte, 8)}}}
	_ = tcp.SetNetworkLayerForChecksum(ip)
	ls := []gopacket.SerializableLayer{&layers.Ethernet{SrcMAC: src, DstMAC: dst, EthernetType: layers.EthernetTypeIPv4}}
	l3 := 14
	if vlan != 0 {
		ls[0].(*layers.Ethernet).EthernetType = layers.EthernetTypeDot1Q
		ls = append(ls, &layers.Dot1Q{VLANIdentifier: vlan, Type: layers.EthernetTypeIPv4})
		l3 += 4
	}
	f := serialize(t, append(ls, ip, tcp, gopacket.Payload(data))...)
	l4 := l3 + 20
	// The pseudo-header sum, folded, not complemented: what the kernel
	// leaves in a CHECKSUM_PARTIAL packet.
	var acc uint32 = 6 + uint32(tcpHdr+payload)
	for i := 0; i < 8; i += 2 {
		acc += uint32(binary.BigEndian.Uint16(f[l3+12+i:]))
	}
	for acc>>16 != 0 {
		acc = acc&0xffff + acc>>16
	}
	binary.BigEndian.PutUint16(f[l4+16:], uint16(acc))
	h := gso.Header{Flags: gso.FlagNeedsCsum, CsumStart: uint16(l4), CsumOffset: 16}
	if mss > 0 {
		h.GSOType, h.GSOSize, h.HdrLen = uint8(gso.GSOTCPv4), uint16(mss), uint16(l4+tcpHdr)
	}
	return f, h, data
}

// checkSegments decodes every frame of segs with gopacket and checks they
// are the TCP segments of data cut at tsoMSS: sequence numbers, lengths,
// IPv4 IDs and total lengths, valid IPv4 and TCP checksums (gopacket
// recomputes both and must get the same bytes), PSH on the last only, the
// VLAN tag and TTL given.
func checkSegments(t testing.TB, segs [][]byte, data []byte, vlan uint16, ttl uint8) {
	t.Helper()
	want := (len(data) + tsoMSS - 1) / tsoMSS
	if len(segs) != want {
		t.Fatalf("%d segments, want %d", len(segs), want)
	}
	var joined []byte
	for i, seg := range segs {
		p := gopacket.NewPacket(seg, layers.LayerTypeEthernet, gopacket.Default)
		if el := p.ErrorLayer(); el != nil {
			t.Fatalf("segment %d: gopacket: %v", i, el.Error())
		}
		d1q, _ := p.Layer(layers.LayerTypeDot1Q).(*layers.Dot1Q)
		if (d1q != nil) != (vlan != 0) || (d1q != nil && d1q.VLANIdentifier != vlan) {
			t.Fatalf("segment %d: tag %+v, want VLAN %d", i, d1q, vlan)
		}
		ip, _ := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		tcp, _ := p.Layer(layers.LayerTypeTCP).(*layers.TCP)
		if ip == nil || tcp == nil {
			t.Fatalf("segment %d: not TCP/IPv4: %v", i, p)
		}
		n := min(tsoMSS, len(data)-i*tsoMSS)
		if int(ip.Length) != 20+tcpHdr+n || len(tcp.Payload) != n {
			t.Errorf("segment %d: IP length %d, payload %d, want %d", i, ip.Length, len(tcp.Payload), n)
		}
		if ip.Id != uint16(tsoIPID+i) || ip.TTL != ttl {
			t.Errorf("segment %d: IP ID %#x TTL %d, want %#x %d", i, ip.Id, ip.TTL, uint16(tsoIPID+i), ttl)
		}
		if tcp.Seq != uint32(tsoSeq+i*tsoMSS) {
			t.Errorf("segment %d: seq %#x, want %#x", i, tcp.Seq, uint32(tsoSeq+i*tsoMSS))
		}
		if tcp.PSH != (i == want-1) || !tcp.ACK {
			t.Errorf("segment %d/%d: PSH %v ACK %v", i, want, tcp.PSH, tcp.ACK)
		}
		ipSum, tcpSum := ip.Checksum, tcp.Checksum
		_ = tcp.SetNetworkLayerForChecksum(ip)
		buf := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{ComputeChecksums: true}, ip, tcp, gopacket.Payload(tcp.Payload)); err != nil {
			t.Fatal(err)
		}
		b := buf.Bytes()
		if got := binary.BigEndian.Uint16(b[10:]); got != ipSum {
			t.Errorf("segment %d: IPv4 checksum %#x, want %#x", i, ipSum, got)
		}
		if got := binary.BigEndian.Uint16(b[20+16:]); got != tcpSum {
			t.Errorf("segment %d: TCP checksum %#x, want %#x", i, tcpSum, got)
		}
		joined = append(joined, tcp.Payload...)
	}
	if !bytes.Equal(joined, data) {
		t.Error("the segments' payloads are not the super-frame's")
	}
}

// sentOffload returns what port i transmitted, with the headers.
func (g *rig) sentOffload(i int) ([][]byte, []gso.Header) {
	return g.ports[ifName(i)].SentOffload()
}

// TestOffloadSuperFrameL2 sends a TSO super-frame through known unicast and
// flood: offload ports get it unchanged with its header (shifted by a
// pushed or popped tag), plain ports get correct segments.
//
// Ports: 1 offload access, 2 offload access, 3 plain access, 4 offload
// trunk, 5 plain trunk; everything in VLAN 1 (the trunks' native VLAN is 99,
// so VLAN 1 leaves them tagged).
func TestOffloadSuperFrameL2(t *testing.T) {
	g := newOffloadRig(t, true, true, false, true, false)
	for _, i := range []int{4, 5} {
		g.set(i, func(s *PortSettings) { s.Mode, s.NativeVLAN = ModeTrunk, 99 })
	}
	if err := g.sw.SetVLAN(99, ""); err != nil {
		t.Fatal(err)
	}
	const payload = 64000
	sf, h, data := tsoFrame(t, macA, macB, ipA, ipB, 0, payload, tsoMSS)
	tagged, _, _ := tsoFrame(t, macA, macB, ipA, ipB, 1, payload, tsoMSS)
	hTagged := h.Shift(packet.TagLen)

	check := func(port int, wantFrame []byte, wantHdr gso.Header) {
		t.Helper()
		fs, hs := g.sentOffload(port)
		if len(fs) != 1 || !bytes.Equal(fs[0], wantFrame) || hs[0] != wantHdr {
			t.Errorf("port %d: %d frames (header %v), want the super-frame unchanged with header %v", port, len(fs), hs, wantHdr)
		}
	}
	checkPlain := func(port int, vlan uint16) {
		t.Helper()
		fs, hs := g.sentOffload(port)
		for i, h := range hs {
			if h != (gso.Header{}) {
				t.Errorf("port %d frame %d: header %v on a plain port", port, i, h)
			}
		}
		checkSegments(t, fs, data, vlan, 64)
	}

	t.Run("flood", func(t *testing.T) {
		g.sendOffload(1, []gso.Header{h}, sf)
		check(2, sf, h)
		checkPlain(3, 0)
		check(4, tagged, hTagged)
		checkPlain(5, 1)
		if n := g.ports[ifName(1)].Sent(); len(n) != 0 {
			t.Errorf("ingress port got %d frames back", len(n))
		}
	})
	// B answers from each port in turn so the next frame is known unicast.
	learnB := func(port int, vlan uint16) {
		f := udpFrame(t, macB, macA, vlan, "hi")
		g.send(port, f)
		g.got()
	}
	// What port p must get of the super-frame sent untagged from port 1:
	// it unchanged (offload ports; tagged on the trunk) or its segments.
	expectAt := func(port int, vlan uint16) {
		switch port {
		case 2:
			check(2, sf, h)
		case 4:
			check(4, tagged, hTagged)
		default:
			checkPlain(port, vlan)
		}
	}
	for _, c := range []struct {
		name string
		port int
		vlan uint16
	}{{"offload access", 2, 0}, {"plain access", 3, 0}, {"tag push to offload trunk", 4, 1}, {"tag push to plain trunk", 5, 1}} {
		t.Run("unicast to "+c.name, func(t *testing.T) {
			learnB(c.port, c.vlan)
			g.sendOffload(1, []gso.Header{h}, sf)
			expectAt(c.port, c.vlan)
		})
	}
	t.Run("unicast tag pop from trunk", func(t *testing.T) {
		learnB(2, 0)
		g.sendOffload(4, []gso.Header{hTagged}, tagged)
		check(2, sf, h)
		learnB(3, 0)
		g.sendOffload(4, []gso.Header{hTagged}, tagged)
		checkPlain(3, 0)
	})
	if c := g.counter(3, TxErrors) + g.counter(5, TxErrors) + g.counter(2, TxErrors) + g.counter(4, TxErrors); c != 0 {
		t.Errorf("%d transmit errors", c)
	}
}

// TestOffloadPartialChecksum: a frame with only a partial checksum goes
// unchanged to offload ports and completed to plain ones; the copy for the
// plain port must not disturb the frame the offload port gets.
func TestOffloadPartialChecksum(t *testing.T) {
	g := newOffloadRig(t, true, true, false)
	f, h, data := tsoFrame(t, macA, macB, ipA, ipB, 0, 1000, 0)
	orig := append([]byte(nil), f...)
	g.sendOffload(1, []gso.Header{h}, f) // flooded: unknown B
	fs, hs := g.sentOffload(2)
	if len(fs) != 1 || !bytes.Equal(fs[0], orig) || hs[0] != h {
		t.Errorf("offload port: %d frames, header %v; want the frame unchanged with %v", len(fs), hs, h)
	}
	fs, hs = g.sentOffload(3)
	if len(hs) == 1 && hs[0] != (gso.Header{}) {
		t.Errorf("plain port got header %v", hs[0])
	}
	checkSegments(t, fs, data, 0, 64)
}

// TestOffloadMixedBatch: plain frames and super-frames in one batch keep
// their order on a plain port, including more segments than the scratch
// buffers hold (a small gso_size).
func TestOffloadMixedBatch(t *testing.T) {
	g := newOffloadRig(t, true, false)
	small := udpFrame(t, macA, macB, 0, "before")
	sf, h, data := tsoFrame(t, macA, macB, ipA, ipB, 0, 20000, tsoMSS)
	tiny, th, tdata := tsoFrame(t, macA, macB, ipA, ipB, 0, 200*64, 64) // 200 segments > segScratch
	after := udpFrame(t, macA, macB, 0, "after")
	g.sendOffload(1, []gso.Header{{}, h, th, {}}, small, sf, tiny, after)
	fs := g.ports[ifName(2)].Sent()
	nsf := (len(data) + tsoMSS - 1) / tsoMSS
	if len(fs) != 1+nsf+200+1 {
		t.Fatalf("%d frames, want %d", len(fs), 1+nsf+200+1)
	}
	if !bytes.Equal(fs[0], small) || !bytes.Equal(fs[len(fs)-1], after) {
		t.Error("plain frames out of order")
	}
	checkSegments(t, fs[1:1+nsf], data, 0, 64)
	// The tiny-MSS frame: check counts and payload, checkSegments assumes tsoMSS.
	var joined []byte
	for i, s := range fs[1+nsf : 1+nsf+200] {
		p := gopacket.NewPacket(s, layers.LayerTypeEthernet, gopacket.Default)
		tcp, _ := p.Layer(layers.LayerTypeTCP).(*layers.TCP)
		if tcp == nil || tcp.Seq != uint32(tsoSeq+i*64) {
			t.Fatalf("tiny segment %d: %v", i, p)
		}
		joined = append(joined, tcp.Payload...)
	}
	if !bytes.Equal(joined, tdata) {
		t.Error("tiny segments' payload differs")
	}
}

// TestOffloadRoutedSuperFrame: a super-frame to the router MAC is
// segmented and every segment routed (TTL 63, MACs rewritten), not routed
// as one 64 KiB packet that the MTU check would turn into "fragmentation
// needed".
func TestOffloadRoutedSuperFrame(t *testing.T) {
	g := newOffloadRig(t, true, true, false, true)
	g.setUpL3()
	g.learnHost(1, macA, ipA, net.IP{10, 0, 10, 1})
	g.learnHost(3, macB, ipB, net.IP{10, 0, 20, 1})
	sf, h, data := tsoFrame(t, macA, g.routerMAC(), ipA, ipB, 0, 30000, tsoMSS)
	g.sendOffload(1, []gso.Header{h}, sf)
	fs := g.ports[ifName(3)].Sent()
	checkSegments(t, fs, data, 0, 63)
	for i, f := range fs {
		if !bytes.Equal(f[0:6], macB) || !bytes.Equal(f[6:12], g.routerMAC()) {
			t.Fatalf("segment %d: MACs %x", i, f[:12])
		}
	}
	if s := g.sw.L3Stats(); s.Routed != uint64(len(fs)) || s.FragNeeded != 0 {
		t.Errorf("routed %d frag-needed %d, want %d and 0", s.Routed, s.FragNeeded, len(fs))
	}
	// A partial checksum only: completed, then routed.
	f, hp, pdata := tsoFrame(t, macA, g.routerMAC(), ipA, ipB, 0, 900, 0)
	g.sendOffload(1, []gso.Header{hp}, f)
	checkSegments(t, g.ports[ifName(3)].Sent(), pdata, 0, 63)
	// B behind the trunk (an offload port): the router still sends
	// plain, tagged segments.
	g.send(4, retag(t, udpTo(t, macB, bcast, ipB, ipA, 64, nil), 20))
	g.got()
	g.sendOffload(1, []gso.Header{h}, sf)
	fs, hs := g.sentOffload(4)
	for _, h := range hs {
		if h != (gso.Header{}) {
			t.Fatalf("routed segment with header %v", h)
		}
	}
	checkSegments(t, fs, data, 20, 63)
}

// TestOffloadAllocatesNothing: a super-frame forwarded to an offload port,
// and one segmented for a plain port, allocate nothing per frame.
func TestOffloadAllocatesNothing(t *testing.T) {
	for _, tc := range []struct {
		name    string
		offload bool
	}{{"to offload port", true}, {"segmented", false}} {
		t.Run(tc.name, func(t *testing.T) {
			g := newOffloadRig(t, true, tc.offload)
			g.send(2, udpFrame(t, macB, macA, 0, "learn"))
			var opts []mem.Option
			if tc.offload {
				opts = append(opts, mem.Offloads(port.OffloadAll))
			}
			sink := mem.New("sink", append(opts, mem.Sink())...)
			if _, err := sink.SetOffload(port.OffloadAll); err != nil {
				t.Fatal(err)
			}
			g.sw.mu.Lock()
			g.sw.ports[1].backend, g.sw.ports[1].queues = sink, []port.Port{sink}
			g.sw.publishLocked()
			g.sw.mu.Unlock()
			sf, h, _ := tsoFrame(t, macA, macB, ipA, ipB, 0, 64000, tsoMSS)
			r := g.rx[ifName(1)]
			bufs, sizes := r.Buffers()
			allocs := testing.AllocsPerRun(100, func() {
				h.Encode(bufs[0][port.Headroom-gso.HeaderLen:])
				sizes[0] = copy(bufs[0][port.Headroom:], sf)
				r.Process(1)
			})
			if allocs != 0 {
				t.Errorf("%v allocations per super-frame", allocs)
			}
			per := uint64(1)
			if !tc.offload {
				per = (64000 + tsoMSS - 1) / tsoMSS
			}
			if got := sink.TxFrames(); got < 100*per {
				t.Errorf("sink got %d frames, want at least %d", got, 100*per)
			}
		})
	}
}

// FuzzOffloadPipeline sends any frame with any virtio-net header into a
// switch of offload and plain ports, access and trunk, with SVIs: nothing
// may panic, every frame is received once, and a plain port is never
// handed a header.
func FuzzOffloadPipeline(f *testing.F) {
	g := newOffloadRig(f, true, true, false, true, false)
	g.set(1, func(s *PortSettings) { s.AccessVLAN = 10 })
	g.set(2, func(s *PortSettings) { s.AccessVLAN = 10 })
	g.set(3, func(s *PortSettings) { s.AccessVLAN = 10 })
	g.set(4, func(s *PortSettings) { s.Mode = ModeTrunk })
	g.set(5, func(s *PortSettings) { s.AccessVLAN = 20 })
	for _, v := range []uint16{10, 20} {
		if err := g.sw.CreateSVI(v); err != nil {
			f.Fatal(err)
		}
		if err := g.sw.SetSVIAddress(v, netip.MustParsePrefix(fmt.Sprintf("10.0.%d.1/24", v)), false); err != nil {
			f.Fatal(err)
		}
	}
	g.learnHost(5, macB, ipB, net.IP{10, 0, 20, 1})
	add := func(p uint8, fr []byte, h gso.Header) {
		var hb [gso.HeaderLen]byte
		h.Encode(hb[:])
		f.Add(p, hb[:], fr)
	}
	sf, h, _ := tsoFrame(f, macA, macB, ipA, ipB, 0, 9000, tsoMSS)
	add(0, sf, h)
	rsf, rh, _ := tsoFrame(f, macA, g.routerMAC(), ipA, ipB, 0, 5000, 1000)
	add(0, rsf, rh)
	tsf, th, _ := tsoFrame(f, macA, macB, ipA, ipB, 10, 3000, 500)
	add(3, tsf, th.Shift(4))
	pf, ph, _ := tsoFrame(f, macA, macB, ipA, ipB, 0, 100, 0)
	add(1, pf, ph)
	add(2, udpFrame(f, macA, bcast, 0, "plain"), gso.Header{})
	f.Fuzz(func(t *testing.T, p uint8, hb []byte, fr []byte) {
		if len(fr) > port.MaxSuperFrame || len(hb) < gso.HeaderLen {
			return
		}
		h, _ := gso.Decode(hb)
		in := int(p%5) + 1
		before := g.portCounters(in)
		if g.ports[ifName(in)].Offload() != 0 {
			g.sendOffload(in, []gso.Header{h}, fr)
		} else if len(fr) <= port.MaxFrame {
			g.send(in, fr)
		} else {
			return
		}
		g.cpu()
		for _, i := range []int{3, 5} {
			if _, hs := g.sentOffload(i); len(hs) > 0 {
				for _, h := range hs {
					if h != (gso.Header{}) {
						t.Fatalf("plain port %d handed header %v", i, h)
					}
				}
			}
		}
		g.got()
		if rx := g.portCounters(in)[RxFrames] - before[RxFrames]; rx != 1 {
			t.Fatalf("port %d: rx %d", in, rx)
		}
	})
}
