package packet

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"net"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

func buildPacket(t testing.TB, payloadLen int, df bool, opts []layers.IPv4Option, ttl uint8) []byte {
	t.Helper()
	ip := &layers.IPv4{Version: 4, TTL: ttl, Protocol: layers.IPProtocolUDP, Id: 0x1234,
		SrcIP: net.IPv4(10, 1, 1, 5), DstIP: net.IPv4(10, 9, 0, 1), Options: opts}
	if df {
		ip.Flags = layers.IPv4DontFragment
	}
	payload := make([]byte, payloadLen)
	for i := range payload {
		payload[i] = byte(i * 7)
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ip, gopacket.Payload(payload)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDecTTLIncrementalChecksum(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for i := 0; i < 2000; i++ {
		p := buildPacket(t, rng.IntN(100), false, nil, uint8(2+rng.IntN(254)))
		// Random header fields so that every checksum shape occurs.
		binary.BigEndian.PutUint16(p[4:], uint16(rng.Uint32()))
		p[1] = byte(rng.Uint32())
		p[10], p[11] = 0, 0
		binary.BigEndian.PutUint16(p[10:], Checksum(p[:20]))
		ttl := p[8]
		if !DecTTL(p) {
			t.Fatal("DecTTL refused")
		}
		if p[8] != ttl-1 {
			t.Fatalf("ttl %d -> %d", ttl, p[8])
		}
		if Checksum(p[:20]) != 0 {
			t.Fatalf("checksum wrong after DecTTL: %x", p[:20])
		}
		pk := gopacket.NewPacket(p, layers.LayerTypeIPv4, gopacket.Default)
		ip4 := pk.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		want := ip4.Checksum
		ip4.Checksum = 0
		hdr := append([]byte(nil), p[:20]...)
		hdr[10], hdr[11] = 0, 0
		if Checksum(hdr) != want {
			t.Fatalf("gopacket checksum %x, full recompute %x", want, Checksum(hdr))
		}
	}
	p := buildPacket(t, 10, false, nil, 1)
	before := append([]byte(nil), p...)
	if DecTTL(p) || !bytes.Equal(p, before) {
		t.Fatal("TTL 1 forwarded or modified")
	}
}

func TestFragmentAgainstGopacket(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	opts := [][]layers.IPv4Option{
		nil,
		// Security (type 130, copied) + record route (type 7, not copied).
		{{OptionType: 130, OptionLength: 4, OptionData: []byte{1, 2}}, {OptionType: 7, OptionLength: 7, OptionData: []byte{4, 0, 0, 0, 0}}},
	}
	out := make([][]byte, 64)
	for i := range out {
		out[i] = make([]byte, 1600)
	}
	lens := make([]int, 64)
	for i := 0; i < 300; i++ {
		o := opts[i%2]
		p := buildPacket(t, 1+rng.IntN(4000), false, o, 64)
		mtu := 68 + rng.IntN(1500-68)
		n, err := FragmentIPv4(p, mtu, out, lens)
		if err != nil {
			t.Fatalf("fragment %d bytes to %d: %v", len(p), mtu, err)
		}
		var data []byte
		for f := 0; f < n; f++ {
			fb := out[f][:lens[f]]
			if len(fb) > mtu {
				t.Fatalf("fragment %d is %d bytes > mtu %d", f, len(fb), mtu)
			}
			pk := gopacket.NewPacket(fb, layers.LayerTypeIPv4, gopacket.Default)
			ip4, ok := pk.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
			if !ok || pk.ErrorLayer() != nil && n == 1 {
				t.Fatalf("fragment %d does not decode: %v", f, pk.ErrorLayer())
			}
			if Checksum(fb[:int(ip4.IHL)*4]) != 0 {
				t.Fatalf("fragment %d bad checksum", f)
			}
			if int(ip4.Length) != len(fb) || ip4.Id != 0x1234 {
				t.Fatalf("fragment %d length %d/%d id %x", f, ip4.Length, len(fb), ip4.Id)
			}
			if int(ip4.FragOffset)*8 != len(data) {
				t.Fatalf("fragment %d offset %d, want %d", f, int(ip4.FragOffset)*8, len(data))
			}
			mf := ip4.Flags&layers.IPv4MoreFragments != 0
			if mf != (f < n-1) {
				t.Fatalf("fragment %d/%d MF=%v", f, n, mf)
			}
			if f < n-1 && (len(fb)-int(ip4.IHL)*4)%8 != 0 {
				t.Fatalf("fragment %d data not a multiple of 8", f)
			}
			if o != nil && n > 1 {
				hasRR := false
				for _, op := range ip4.Options {
					if op.OptionType == 7 {
						hasRR = true
					}
				}
				if hasRR != (f == 0) {
					t.Fatalf("fragment %d: record route (not copied) present=%v", f, hasRR)
				}
			}
			data = append(data, fb[int(ip4.IHL)*4:]...)
		}
		ihl := int(p[0]&0xf) * 4
		if !bytes.Equal(data, p[ihl:]) {
			t.Fatalf("reassembled payload differs (n=%d mtu=%d)", n, mtu)
		}
	}
	// DF set: the caller must send ICMP fragmentation needed.
	p := buildPacket(t, 2000, true, nil, 64)
	if _, err := FragmentIPv4(p, 1500, out, lens); !errors.Is(err, ErrDontFragment) {
		t.Fatalf("DF: %v", err)
	}
	if _, err := FragmentIPv4(buildPacket(t, 2000, false, nil, 64), 1500, out[:1], lens); !errors.Is(err, ErrShortBuffer) {
		t.Fatalf("short: %v", err)
	}
	if n := testing.AllocsPerRun(100, func() { FragmentIPv4(buildPacketNoT(), 576, out, lens) }); n > 0 {
		t.Fatalf("allocs %v", n)
	}
}

var fixed = func() []byte {
	p := make([]byte, 3000)
	p[0] = 0x45
	binary.BigEndian.PutUint16(p[2:], 3000)
	p[8] = 64
	return p
}()

func buildPacketNoT() []byte { return fixed }

func FuzzFragment(f *testing.F) {
	f.Add([]byte{0x45, 0, 0, 40, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}, 28)
	out := make([][]byte, 256)
	for i := range out {
		out[i] = make([]byte, 2048)
	}
	lens := make([]int, 256)
	f.Fuzz(func(t *testing.T, p []byte, mtu int) {
		if mtu < 0 || mtu > 2048 {
			return
		}
		n, err := FragmentIPv4(p, mtu, out, lens)
		if err != nil {
			return
		}
		for i := 0; i < n; i++ {
			if lens[i] > mtu && n > 1 {
				t.Fatalf("fragment over mtu")
			}
		}
	})
}

// TestChecksumMatchesWordSum checks the 32-bit-word checksum against the
// textbook 16-bit one's-complement sum for every length up to 64 bytes.
func TestChecksumMatchesWordSum(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 0; n <= 64; n++ {
		for range 200 {
			h := make([]byte, n)
			for i := range h {
				h[i] = byte(rng.Uint32())
				if rng.IntN(8) == 0 {
					h[i] = 0xff // carries
				}
			}
			var sum uint32
			for i := 0; i+1 < n; i += 2 {
				sum += uint32(h[i])<<8 | uint32(h[i+1])
			}
			if n%2 == 1 {
				sum += uint32(h[n-1]) << 8
			}
			for sum > 0xffff {
				sum = sum&0xffff + sum>>16
			}
			if got, want := Checksum(h), ^uint16(sum); got != want {
				t.Fatalf("len %d %x: %#04x, want %#04x", n, h, got, want)
			}
		}
	}
}

// TestHeaderChecksumOK checks the inline 20-byte header check against
// Checksum on headers with a right checksum, a wrong one, all-ones and
// all-zero words (the carries, and the one's-complement zeros), and every
// header gopacket computes the checksum of.
func TestHeaderChecksumOK(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	check := func(h []byte) {
		t.Helper()
		if got, want := HeaderChecksumOK(h), Checksum(h) == 0; got != want {
			t.Fatalf("%x: HeaderChecksumOK %v, Checksum says %v", h, got, want)
		}
	}
	for range 20000 {
		h := make([]byte, IPv4Min)
		for i := range h {
			switch rng.IntN(4) {
			case 0:
				h[i] = 0xff
			case 1:
				h[i] = 0
			default:
				h[i] = byte(rng.Uint32())
			}
		}
		check(h)
		binary.BigEndian.PutUint16(h[IPv4Checksum:], 0)
		binary.BigEndian.PutUint16(h[IPv4Checksum:], Checksum(h))
		if !HeaderChecksumOK(h) {
			t.Fatalf("%x: a computed checksum fails", h)
		}
		h[rng.IntN(IPv4Min)] ^= byte(1 + rng.IntN(255))
		check(h)
	}
	check(make([]byte, IPv4Min))
	check(bytes.Repeat([]byte{0xff}, IPv4Min))
	for _, ttl := range []uint8{1, 64, 255} {
		p := buildPacket(t, 100, ttl%2 == 0, nil, ttl)
		if !HeaderChecksumOK(p[:IPv4Min]) {
			t.Fatalf("gopacket's header %x fails", p[:IPv4Min])
		}
	}
}

func FuzzHeaderChecksumOK(f *testing.F) {
	f.Add(buildPacket(f, 0, false, nil, 64)[:IPv4Min])
	f.Fuzz(func(t *testing.T, h []byte) {
		if len(h) < IPv4Min {
			return
		}
		h = h[:IPv4Min]
		if got, want := HeaderChecksumOK(h), Checksum(h) == 0; got != want {
			t.Fatalf("%x: HeaderChecksumOK %v, Checksum says %v", h, got, want)
		}
	})
}
