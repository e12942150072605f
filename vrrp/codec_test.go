package vrrp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net/netip"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/l2sw/l2sw/packet"
)

var (
	src = netip.MustParseAddr("10.0.10.2")
	vip = netip.MustParseAddr("10.0.10.1")
)

func mustEncode(t testing.TB, a Advert) []byte {
	t.Helper()
	b := make([]byte, a.Len())
	if _, err := a.Encode(b, src, Group); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestEncodeDecodeV2(t *testing.T) {
	a := Advert{Version: 2, VRID: 7, Priority: 110, Interval: 1, AuthType: AuthText, Auth: TextAuth("cisco"),
		Addrs: []netip.Addr{vip, netip.MustParseAddr("10.0.10.3")}}
	b := mustEncode(t, a)
	// 8 header bytes, 2 addresses, 8 bytes of authentication data.
	if len(b) != 24 || b[0] != 0x21 || b[1] != 7 || b[2] != 110 || b[3] != 2 || b[4] != 1 || b[5] != 1 {
		t.Fatalf("encoded % x", b)
	}
	if !bytes.Equal(b[16:21], []byte("cisco")) {
		t.Errorf("auth data % x", b[16:])
	}
	// The v2 checksum covers the VRRP message alone.
	if packet.Checksum(b) != 0 {
		t.Errorf("checksum does not verify")
	}
	got, err := Decode(src, Group, b)
	if err != nil {
		t.Fatal(err)
	}
	if got.VRID != 7 || got.Priority != 110 || got.Interval != 1 || got.AuthType != 1 || got.Auth != a.Auth || len(got.Addrs) != 2 || got.Addrs[1] != a.Addrs[1] {
		t.Errorf("decoded %+v", got)
	}
	// gopacket's decoder agrees.
	var g layers.VRRPv2
	if err := g.DecodeFromBytes(b, gopacket.NilDecodeFeedback); err != nil {
		t.Fatal(err)
	}
	if g.Version != 2 || g.VirtualRtrID != 7 || g.Priority != 110 || g.CountIPAddr != 2 || g.AdverInt != 1 ||
		uint8(g.AuthType) != 1 || !g.IPAddress[0].Equal(vip.AsSlice()) || g.Checksum != binary.BigEndian.Uint16(b[6:]) {
		t.Errorf("gopacket decodes %+v", g)
	}
}

func TestEncodeDecodeV3PseudoHeader(t *testing.T) {
	a := Advert{Version: 3, VRID: 1, Priority: 100, Interval: 100, Addrs: []netip.Addr{vip}}
	b := mustEncode(t, a)
	if len(b) != 12 || b[0] != 0x31 || binary.BigEndian.Uint16(b[4:]) != 100 {
		t.Fatalf("encoded % x", b)
	}
	// The v3 checksum includes the IPv4 pseudo-header (RFC 5798 §5.2.8).
	ph := make([]byte, 0, 12+len(b))
	ph = append(ph, src.AsSlice()...)
	ph = append(ph, Group.AsSlice()...)
	ph = append(ph, 0, Protocol, 0, byte(len(b)))
	if packet.Checksum(append(ph, b...)) != 0 {
		t.Errorf("checksum with the pseudo-header does not verify")
	}
	if packet.Checksum(b) == 0 {
		t.Errorf("checksum verifies without the pseudo-header")
	}
	got, err := Decode(src, Group, b)
	if err != nil || got.Interval != 100 || got.Addrs[0] != vip {
		t.Fatalf("decoded %+v, %v", got, err)
	}
	// From another source the checksum fails.
	if _, err := Decode(netip.MustParseAddr("10.0.10.9"), Group, b); !errors.Is(err, ErrChecksum) {
		t.Errorf("other source: %v, want ErrChecksum", err)
	}
}

// carpAdvert is a CARP advertisement as ucarp sends it: version 2, type
// 1, then vhid, advskew, authlen 7, demote, algo, advbase, checksum,
// counter and a 20-byte HMAC.
func carpAdvert() []byte {
	b := make([]byte, 36)
	b[0], b[1], b[2], b[3], b[5] = 0x21, 7, 0, 7, 1
	binary.BigEndian.PutUint16(b[6:], packet.Checksum(b))
	return b
}

func TestDecodeRefusesCARP(t *testing.T) {
	if _, err := Decode(src, Group, carpAdvert()); !errors.Is(err, ErrLength) {
		t.Errorf("CARP advert: %v, want ErrLength", err)
	}
}

func TestDecodeErrors(t *testing.T) {
	good := mustEncode(t, Advert{Version: 2, VRID: 1, Priority: 100, Interval: 1, Addrs: []netip.Addr{vip}})
	mod := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	for _, tc := range []struct {
		name string
		b    []byte
		want error
	}{
		{"short", good[:7], ErrShort},
		{"type 2", mod(func(b []byte) []byte { b[0] = 0x22; return b }), ErrType},
		{"version 4", mod(func(b []byte) []byte { b[0] = 0x41; return b }), ErrVersion},
		{"no addresses", mod(func(b []byte) []byte { b[3] = 0; return b }), ErrNoAddrs},
		{"count too high", mod(func(b []byte) []byte { b[3] = 2; return b }), ErrLength},
		{"trailing byte", mod(func(b []byte) []byte { return append(b, 0) }), ErrLength},
		{"checksum", mod(func(b []byte) []byte { b[2]++; return b }), ErrChecksum},
	} {
		if _, err := Decode(src, Group, tc.b); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestFrameRoundTrip(t *testing.T) {
	a := Advert{Version: 3, VRID: 10, Priority: 120, Interval: 100, Addrs: []netip.Addr{vip}}
	f, err := Frame(&a, src)
	if err != nil {
		t.Fatal(err)
	}
	p := gopacket.NewPacket(f, layers.LayerTypeEthernet, gopacket.Default)
	eth := p.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
	ip := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
	if eth.SrcMAC.String() != "00:00:5e:00:01:0a" || eth.DstMAC.String() != "01:00:5e:00:00:12" {
		t.Errorf("MACs %s -> %s", eth.SrcMAC, eth.DstMAC)
	}
	if ip.TTL != 255 || ip.Protocol != 112 || !ip.SrcIP.Equal(src.AsSlice()) || !ip.DstIP.Equal(Group.AsSlice()) {
		t.Errorf("IP header %+v", ip)
	}
	if packet.Checksum(f[packet.EthLen:packet.EthLen+packet.IPv4Min]) != 0 {
		t.Errorf("IP header checksum")
	}
	r, err := ParseFrame(f)
	if err != nil {
		t.Fatal(err)
	}
	if r.Src != src || r.TTL != 255 || r.VRID != 10 || r.Priority != 120 || r.SrcMAC != packet.MAC(VirtualMAC(10)) {
		t.Errorf("parsed %+v", r)
	}
	// The same frame behind an 802.1Q tag.
	tagged := make([]byte, 0, len(f)+4)
	tagged = append(tagged, f[:12]...)
	tagged = append(tagged, 0x81, 0, 0, 10)
	tagged = append(tagged, f[12:]...)
	if r2, err := ParseFrame(tagged); err != nil || r2.VRID != 10 {
		t.Errorf("tagged: %+v, %v", r2, err)
	}
}

func TestParseFrameRefusesCARP(t *testing.T) {
	a := Advert{Version: 2, VRID: 7, Priority: 100, Interval: 1, Addrs: []netip.Addr{vip}}
	f, _ := Frame(&a, src)
	carp := carpAdvert()
	f = append(f[:packet.EthLen+packet.IPv4Min], carp...)
	packet.PutIPv4Header(f[packet.EthLen:], packet.IPv4Header{TTL: 255, Proto: Protocol, Src: src.As4(), Dst: Group.As4()})
	if _, err := ParseFrame(f); !errors.Is(err, ErrLength) {
		t.Errorf("CARP frame: %v, want ErrLength", err)
	}
}

// FuzzDecode checks that Decode never panics, that what it accepts
// encodes back to the same bytes, and that gopacket's VRRPv2 decoder reads
// the same fields from an accepted v2 message.
func FuzzDecode(f *testing.F) {
	f.Add(mustEncode(f, Advert{Version: 2, VRID: 1, Priority: 100, Interval: 1, Addrs: []netip.Addr{vip}}))
	f.Add(mustEncode(f, Advert{Version: 2, VRID: 9, Priority: 255, Interval: 3, AuthType: 1, Auth: TextAuth("k"), Addrs: []netip.Addr{vip, src}}))
	f.Add(mustEncode(f, Advert{Version: 3, VRID: 1, Priority: 0, Interval: 100, Addrs: []netip.Addr{vip}}))
	f.Add(carpAdvert())
	f.Add([]byte{0x21})
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := Decode(src, Group, b)
		if err != nil {
			return
		}
		out := make([]byte, a.Len())
		n, err := a.Encode(out, src, Group)
		if err != nil {
			if len(a.Addrs) > MaxAddrs {
				return
			}
			t.Fatalf("accepted %x but cannot encode it: %v", b, err)
		}
		// VRRPv3's reserved bits are ignored on receipt and sent as zero,
		// so only v2 comes back byte for byte, but for the checksum: 0xffff
		// and 0x0000 are both zero in one's complement.
		if a.Version == 2 && (!bytes.Equal(out[:6], b[:6]) || !bytes.Equal(out[8:n], b[8:])) {
			t.Fatalf("decode/encode changed %x to %x", b, out[:n])
		}
		if back, err := Decode(src, Group, out[:n]); err != nil || back.Interval != a.Interval || back.Priority != a.Priority || len(back.Addrs) != len(a.Addrs) {
			t.Fatalf("re-decoding %x: %+v, %v", out[:n], back, err)
		}
		if a.Version != 2 {
			return
		}
		var g layers.VRRPv2
		if err := g.DecodeFromBytes(b, gopacket.NilDecodeFeedback); err != nil {
			t.Fatalf("gopacket refuses %x: %v", b, err)
		}
		if g.VirtualRtrID != a.VRID || g.Priority != a.Priority || int(g.CountIPAddr) != len(a.Addrs) ||
			uint16(g.AdverInt) != a.Interval || uint8(g.AuthType) != a.AuthType {
			t.Fatalf("gopacket reads %+v, we read %+v", g, a)
		}
		for i, ip := range g.IPAddress {
			if !ip.Equal(a.Addrs[i].AsSlice()) {
				t.Fatalf("address %d: gopacket %s, we %s", i, ip, a.Addrs[i])
			}
		}
	})
}

// FuzzParseFrame checks that ParseFrame never panics on any frame and that
// what it accepts is an IPv4 advert to 224.0.0.18.
func FuzzParseFrame(f *testing.F) {
	for _, a := range []Advert{
		{Version: 2, VRID: 1, Priority: 100, Interval: 1, Addrs: []netip.Addr{vip}},
		{Version: 3, VRID: 200, Priority: 255, Interval: 100, Addrs: []netip.Addr{vip, src}},
	} {
		fr, err := Frame(&a, src)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(fr)
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseFrame(b)
		if err != nil {
			return
		}
		if len(r.Addrs) == 0 || (r.Version != 2 && r.Version != 3) {
			t.Fatalf("accepted %x as %+v", b, r)
		}
	})
}
