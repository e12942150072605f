package gso

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/l2sw/l2sw/packet"
)

// superFrame describes a test super-frame.
type superFrame struct {
	v6, udp, vlan bool
	payload       int
	mss           int
	tcpFlags      uint8 // FIN=1 PSH=8 CWR=0x80
}

func (sf superFrame) String() string {
	return fmt.Sprintf("v6=%v udp=%v vlan=%v payload=%d mss=%d flags=%#x", sf.v6, sf.udp, sf.vlan, sf.payload, sf.mss, sf.tcpFlags)
}

// build serializes the super-frame with gopacket (complete checksums, true
// lengths) and returns it with the virtio-net header a kernel would send,
// and the L4 checksum replaced by the pseudo-header sum as the kernel leaves
// it in a CHECKSUM_PARTIAL packet.
func (sf superFrame) build(t testing.TB, rng *rand.Rand) ([]byte, Header, []byte) {
	t.Helper()
	payload := make([]byte, sf.payload)
	for i := range payload {
		payload[i] = byte(rng.Uint32())
	}
	eth := &layers.Ethernet{
		SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2},
		EthernetType: layers.EthernetTypeIPv4,
	}
	var ls []gopacket.SerializableLayer
	ls = append(ls, eth)
	l3type := layers.EthernetTypeIPv4
	if sf.v6 {
		l3type = layers.EthernetTypeIPv6
	}
	if sf.vlan {
		eth.EthernetType = layers.EthernetTypeDot1Q
		ls = append(ls, &layers.Dot1Q{VLANIdentifier: 42, Type: l3type})
	} else {
		eth.EthernetType = l3type
	}
	var nl gopacket.NetworkLayer
	proto := layers.IPProtocolTCP
	if sf.udp {
		proto = layers.IPProtocolUDP
	}
	if sf.v6 {
		ip := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: proto,
			SrcIP: net.ParseIP("2001:db8::1"), DstIP: net.ParseIP("2001:db8::2")}
		ls, nl = append(ls, ip), ip
	} else {
		ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Id: 0xfffe, Flags: layers.IPv4DontFragment, Protocol: proto,
			SrcIP: net.IPv4(10, 0, 0, 1), DstIP: net.IPv4(10, 0, 0, 2)}
		ls, nl = append(ls, ip), ip
	}
	h := Header{Flags: FlagNeedsCsum, GSOSize: uint16(sf.mss)}
	if sf.udp {
		udp := &layers.UDP{SrcPort: 4000, DstPort: 5001}
		_ = udp.SetNetworkLayerForChecksum(nl)
		ls = append(ls, udp)
		h.GSOType, h.CsumOffset = uint8(GSOUDPL4), udpCsumOff
	} else {
		tcp := &layers.TCP{SrcPort: 40000, DstPort: 5201, Seq: 0xfffff000, Ack: 7, Window: 512,
			ACK: true, FIN: sf.tcpFlags&tcpFlagFIN != 0, PSH: sf.tcpFlags&tcpFlagPSH != 0, CWR: sf.tcpFlags&tcpFlagCWR != 0,
			Options: []layers.TCPOption{{OptionType: layers.TCPOptionKindNop}, {OptionType: layers.TCPOptionKindNop},
				{OptionType: layers.TCPOptionKindTimestamps, OptionLength: 10, OptionData: make([]byte, 8)}}}
		_ = tcp.SetNetworkLayerForChecksum(nl)
		ls = append(ls, tcp)
		h.GSOType, h.CsumOffset = uint8(GSOTCPv4), tcpCsumOff
		if sf.v6 {
			h.GSOType = uint8(GSOTCPv6)
		}
		if sf.tcpFlags&tcpFlagCWR != 0 {
			h.GSOType |= GSOECN
		}
	}
	ls = append(ls, gopacket.Payload(payload))
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatal(err)
	}
	frame := buf.Bytes()
	l3 := 14
	if sf.vlan {
		l3 += 4
	}
	l4 := l3 + 20
	if sf.v6 {
		l4 = l3 + 40
	}
	l4hdr := 32 // TCP with NOP, NOP, timestamps
	if sf.udp {
		l4hdr = 8
	}
	h.CsumStart = uint16(l4)
	h.HdrLen = uint16(l4 + l4hdr)
	partial := append([]byte(nil), frame...) // may carry Ethernet padding past the IP packet
	ps := pseudoSum(partial[l3:], sf.v6, uint8(proto), l4hdr+sf.payload)
	binary.BigEndian.PutUint16(partial[l4+int(h.CsumOffset):], packet.Fold(ps))
	return partial, h, frame
}

// reserialize decodes a segment with gopacket and serializes its layers
// again with fixed lengths and computed checksums: a correct segment comes
// back byte for byte.
func reserialize(t *testing.T, seg []byte) (gopacket.Packet, []byte) {
	t.Helper()
	p := gopacket.NewPacket(seg, layers.LayerTypeEthernet, gopacket.Default)
	if el := p.ErrorLayer(); el != nil {
		t.Fatalf("gopacket cannot decode segment: %v", el.Error())
	}
	var ls []gopacket.SerializableLayer
	var nl gopacket.NetworkLayer
	for _, l := range p.Layers() {
		switch l := l.(type) {
		case *layers.Ethernet:
			ls = append(ls, l)
		case *layers.Dot1Q:
			ls = append(ls, l)
		case *layers.IPv4:
			ls, nl = append(ls, l), l
		case *layers.IPv6:
			ls, nl = append(ls, l), l
		case *layers.TCP:
			_ = l.SetNetworkLayerForChecksum(nl)
			ls = append(ls, l, gopacket.Payload(l.Payload))
		case *layers.UDP:
			_ = l.SetNetworkLayerForChecksum(nl)
			ls = append(ls, l, gopacket.Payload(l.Payload))
		}
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatal(err)
	}
	return p, buf.Bytes()
}

func newSegBufs(n, size int) ([][]byte, []int) {
	bufs := make([][]byte, n)
	for i := range bufs {
		bufs[i] = make([]byte, size)
	}
	return bufs, make([]int, n)
}

func TestSegmentAgainstGopacket(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cases := []superFrame{
		{payload: 65000, mss: 1448, tcpFlags: tcpFlagPSH},
		{payload: 65000, mss: 1448, tcpFlags: tcpFlagPSH | tcpFlagFIN | tcpFlagCWR},
		{v6: true, payload: 60000, mss: 1428, tcpFlags: tcpFlagPSH},
		{vlan: true, payload: 30001, mss: 1444},
		{v6: true, vlan: true, payload: 2 * 8948, mss: 8948},
		{payload: 1000, mss: 1448}, // one segment
		{payload: 1, mss: 1},
		{udp: true, payload: 14000, mss: 1472},
		{udp: true, v6: true, vlan: true, payload: 4001, mss: 1000},
	}
	for range 20 { // random shapes
		cases = append(cases, superFrame{v6: rng.IntN(2) == 0, udp: rng.IntN(3) == 0, vlan: rng.IntN(2) == 0,
			payload: 1 + rng.IntN(63000), mss: 500 + rng.IntN(8500), tcpFlags: uint8(rng.IntN(2))*tcpFlagFIN | tcpFlagPSH})
	}
	for _, sf := range cases {
		t.Run(sf.String(), func(t *testing.T) {
			frame, h, _ := sf.build(t, rng)
			orig := append([]byte(nil), frame...)
			want, err := Count(frame, h)
			if err != nil {
				t.Fatal(err)
			}
			bufs, sizes := newSegBufs(want, int(h.HdrLen)+sf.mss)
			n, err := Segment(frame, h, bufs, sizes)
			if err != nil || n != want || n != segments(sf.payload, sf.mss) {
				t.Fatalf("Segment = %d, %v; Count %d; want %d", n, err, want, segments(sf.payload, sf.mss))
			}
			if !bytes.Equal(frame, orig) {
				t.Fatal("Segment modified its input")
			}
			var joined []byte
			var firstSeq uint32
			for i := range n {
				seg := bufs[i][:sizes[i]]
				p, again := reserialize(t, seg)
				if !bytes.Equal(seg, again) {
					t.Fatalf("segment %d: lengths or checksums wrong:\n got %x\nwant %x", i, seg[:64], again[:64])
				}
				if ip, ok := p.NetworkLayer().(*layers.IPv4); ok && ip.Id != 0xfffe+uint16(i) {
					t.Errorf("segment %d: IPv4 ID %#x, want %#x", i, ip.Id, 0xfffe+uint16(i))
				}
				if tcp, ok := p.TransportLayer().(*layers.TCP); ok {
					if i == 0 {
						firstSeq = tcp.Seq
					}
					if tcp.Seq != firstSeq+uint32(len(joined)) {
						t.Errorf("segment %d: seq %#x, want %#x", i, tcp.Seq, firstSeq+uint32(len(joined)))
					}
					last := i == n-1
					if tcp.FIN != (last && sf.tcpFlags&tcpFlagFIN != 0) || tcp.PSH != (last && sf.tcpFlags&tcpFlagPSH != 0) ||
						tcp.CWR != (i == 0 && sf.tcpFlags&tcpFlagCWR != 0) || !tcp.ACK {
						t.Errorf("segment %d/%d: FIN=%v PSH=%v CWR=%v ACK=%v", i, n, tcp.FIN, tcp.PSH, tcp.CWR, tcp.ACK)
					}
				}
				pl := p.TransportLayer().LayerPayload()
				if len(pl) > sf.mss || (i < n-1 && len(pl) != sf.mss) {
					t.Errorf("segment %d: payload %d bytes, mss %d", i, len(pl), sf.mss)
				}
				joined = append(joined, pl...)
			}
			if !bytes.Equal(joined, orig[h.HdrLen:]) {
				t.Error("segments' payloads do not add up to the super-frame's")
			}
		})
	}
}

func TestChecksumCompletesPartial(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, sf := range []superFrame{
		{payload: 1400}, {v6: true, payload: 777}, {udp: true, payload: 0}, {udp: true, vlan: true, v6: true, payload: 9000},
		{vlan: true, payload: 1},
	} {
		frame, h, want := sf.build(t, rng)
		h.GSOType, h.GSOSize = 0, 0
		if err := Checksum(frame, h); err != nil {
			t.Fatalf("%v: %v", sf, err)
		}
		if !bytes.Equal(frame, want) {
			t.Errorf("%v: checksum %x, want %x", sf, frame[h.CsumStart+h.CsumOffset:][:2], want[h.CsumStart+h.CsumOffset:][:2])
		}
		if err := Checksum(frame, Header{}); err != nil || !bytes.Equal(frame, want) {
			t.Errorf("Checksum without NeedsCsum changed the frame or failed: %v", err)
		}
	}
}

func TestSegmentRejects(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	frame, h, _ := superFrame{payload: 5000, mss: 1000}.build(t, rng)
	bufs, sizes := newSegBufs(8, 2000)
	bad := func(name string, f []byte, h Header, bufs [][]byte, want error) {
		t.Helper()
		if _, err := Segment(f, h, bufs, sizes); !errors.Is(err, want) {
			t.Errorf("%s: err %v, want %v", name, err, want)
		}
	}
	h2 := h
	h2.GSOSize = 0
	bad("zero gso_size", frame, h2, bufs, ErrBadOffload)
	h2 = h
	h2.GSOType = uint8(GSOUDP)
	bad("UFO", frame, h2, bufs, ErrUnsupported)
	h2 = h
	h2.GSOType = uint8(GSOTCPv6)
	bad("v6 type on v4 frame", frame, h2, bufs, ErrBadOffload)
	h2 = h
	h2.CsumStart += 4
	bad("csum_start past the IP header", frame, h2, bufs, ErrBadOffload)
	bad("truncated", frame[:30], h, bufs, ErrBadOffload)
	bad("4 buffers for 5 segments", frame, h, bufs[:4], ErrShortBuffer)
	small, _ := newSegBufs(8, 100)
	bad("buffers too small", frame, h, small, ErrShortBuffer)
}

func TestHeaderCodec(t *testing.T) {
	h := Header{Flags: FlagNeedsCsum, GSOType: uint8(GSOTCPv4) | GSOECN, HdrLen: 66, GSOSize: 1448, CsumStart: 34, CsumOffset: 16}
	var b [HeaderLen]byte
	h.Encode(b[:])
	if want := []byte{1, 0x81, 66, 0, 0xa8, 5, 34, 0, 16, 0}; !bytes.Equal(b[:], want) {
		t.Fatalf("Encode = %x, want %x (little-endian virtio_net_hdr)", b, want)
	}
	got, err := Decode(b[:])
	if err != nil || got != h {
		t.Fatalf("Decode = %+v, %v", got, err)
	}
	if _, err := Decode(b[:9]); !errors.Is(err, ErrShortHeader) {
		t.Errorf("Decode of 9 bytes: %v", err)
	}
	if h.Type() != GSOTCPv4 || !h.IsGSO() || h.Plain() || h.Type().String() != "tcpv4" {
		t.Errorf("Type %v IsGSO %v Plain %v", h.Type(), h.IsGSO(), h.Plain())
	}
	if s := h.Shift(4); s.CsumStart != 38 || s.HdrLen != 70 || s.CsumOffset != 16 {
		t.Errorf("Shift(4) = %+v", s)
	}
	if s := (Header{CsumStart: 3}).Shift(-4); s.CsumStart != 3 {
		t.Errorf("Shift changed a plain header: %+v", s)
	}
}

func TestSegmentAllocs(t *testing.T) {
	frame, h, _ := superFrame{payload: 64000, mss: 1448}.build(t, rand.New(rand.NewPCG(7, 8)))
	bufs, sizes := newSegBufs(64, 1600)
	if a := testing.AllocsPerRun(50, func() {
		if _, err := Segment(frame, h, bufs, sizes); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Errorf("Segment allocates %v times per call", a)
	}
}

func BenchmarkSegment64K(b *testing.B) {
	frame, h, _ := superFrame{payload: 64000, mss: 1448}.build(b, rand.New(rand.NewPCG(7, 8)))
	bufs, sizes := newSegBufs(64, 1600)
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	var n int
	for b.Loop() {
		n, _ = Segment(frame, h, bufs, sizes)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/segment")
}

func BenchmarkChecksum1500(b *testing.B) {
	frame, h, _ := superFrame{payload: 1448}.build(b, rand.New(rand.NewPCG(9, 10)))
	h.GSOType = 0
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		_ = Checksum(frame, h)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/frame")
}

// FuzzSegment feeds arbitrary frames and headers: Segment and Checksum must
// never panic, and every segment must fit the buffer it was given.
func FuzzSegment(f *testing.F) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, sf := range []superFrame{{payload: 3000, mss: 1000}, {v6: true, udp: true, vlan: true, payload: 2500, mss: 700}} {
		frame, h, _ := sf.build(f, rng)
		var hb [HeaderLen]byte
		h.Encode(hb[:])
		f.Add(append(hb[:], frame...))
	}
	bufs, sizes := newSegBufs(16, 1200)
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := Decode(b)
		if err != nil {
			return
		}
		frame := b[HeaderLen:]
		n, err := Segment(frame, h, bufs, sizes)
		if err == nil {
			for i := range n {
				if sizes[i] > len(bufs[i]) || sizes[i] < 14 {
					t.Fatalf("segment %d size %d", i, sizes[i])
				}
			}
		}
		_ = Checksum(append([]byte(nil), frame...), h)
	})
}

// TestSegmentFromChunks cuts super-frames a few segments at a time, as the
// switch does with its fixed scratch buffers, and checks the result is
// Segment's byte for byte (IP IDs, sequence numbers and FIN/PSH/CWR depend
// on the segment's index in the whole frame, not in the chunk).
func TestSegmentFromChunks(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, sf := range []superFrame{
		{payload: 65000, mss: 1448, tcpFlags: tcpFlagPSH | tcpFlagFIN | tcpFlagCWR},
		{v6: true, vlan: true, payload: 9000, mss: 536, tcpFlags: tcpFlagPSH},
		{udp: true, payload: 14000, mss: 1472},
		{payload: 100, mss: 1448},
	} {
		frame, h, _ := sf.build(t, rng)
		want, _ := Count(frame, h)
		all, allSizes := newSegBufs(want, int(h.HdrLen)+sf.mss)
		if _, err := Segment(frame, h, all, allSizes); err != nil {
			t.Fatal(err)
		}
		for _, chunk := range []int{1, 3, 7, want} {
			bufs, sizes := newSegBufs(chunk, int(h.HdrLen)+sf.mss)
			got := 0
			for done := false; !done; {
				n, d, err := SegmentFrom(frame, h, got, bufs, sizes)
				if err != nil || n == 0 {
					t.Fatalf("%v chunk %d: SegmentFrom(%d) = %d, %v", sf, chunk, got, n, err)
				}
				for j := range n {
					if !bytes.Equal(bufs[j][:sizes[j]], all[got+j][:allSizes[got+j]]) {
						t.Fatalf("%v chunk %d: segment %d differs from Segment's", sf, chunk, got+j)
					}
				}
				got += n
				done = d
			}
			if got != want {
				t.Errorf("%v chunk %d: %d segments, want %d", sf, chunk, got, want)
			}
		}
	}
}
