package cdp

import (
	"encoding/hex"
	"errors"
	"net/netip"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

func sample() *Packet {
	return &Packet{
		Version: 2, TTL: 180, DeviceID: "SW1",
		Addresses: []netip.Addr{netip.MustParseAddr("10.0.0.1")},
		PortID:    "GigabitEthernet0/1", HasCaps: true, Capabilities: CapRouter | CapSwitch | CapIGMP,
		Software: "Cisco IOS Software, l2sw Software (L2SW-UNIVERSALK9-M), Version 15.0(2)SE, RELEASE SOFTWARE (fc1)",
		Platform: "cisco L2SW-4T", HasVTPDomain: true, HasNativeVLAN: true, NativeVLAN: 1, HasDuplex: true, FullDuplex: true,
		MgmtAddresses: []netip.Addr{netip.MustParseAddr("10.0.0.1")},
	}
}

func catalyst2950(t *testing.T) []byte {
	t.Helper()
	h, err := os.ReadFile("testdata/c2950.hex")
	if err != nil {
		t.Fatal(err)
	}
	b, err := hex.DecodeString(strings.TrimSpace(string(h)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDecodeCatalyst2950: a real Catalyst's advertisement (odd length,
// so the odd-byte checksum rule is exercised) verifies and decodes.
func TestDecodeCatalyst2950(t *testing.T) {
	pl, err := Payload(catalyst2950(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(pl)%2 != 1 {
		t.Fatalf("the sample has an even length %d: it tests nothing", len(pl))
	}
	p, err := Decode(pl)
	if err != nil {
		t.Fatal(err)
	}
	if p.DeviceID != "myswitch" || p.PortID != "FastEthernet0/1" || p.Platform != "cisco WS-C2950-12" ||
		p.Capabilities != CapSwitch|CapIGMP || p.VTPDomain != "MYDOMAIN" || p.NativeVLAN != 1 || !p.FullDuplex ||
		!reflect.DeepEqual(p.Addresses, []netip.Addr{netip.MustParseAddr("192.168.0.253")}) ||
		!reflect.DeepEqual(p.MgmtAddresses, p.Addresses) || p.TTL != 180 {
		t.Errorf("decoded %+v", p)
	}
	if p.Capabilities.Words() != "Switch IGMP" || p.Capabilities.Codes() != "S I" {
		t.Errorf("capabilities %q %q", p.Capabilities.Words(), p.Capabilities.Codes())
	}
	// Its checksum is what Checksum computes with the field zeroed.
	c := append([]byte(nil), pl...)
	want := uint16(c[2])<<8 | uint16(c[3])
	c[2], c[3] = 0, 0
	if got := Checksum(c); got != want {
		t.Errorf("checksum %#04x, the Catalyst sent %#04x", got, want)
	}
	pl[10] ^= 1
	if _, err := Decode(pl); !errors.Is(err, ErrChecksum) {
		t.Errorf("a changed byte decodes: %v", err)
	}
}

// TestAppendDecodedByGopacket: the frame AppendFrame builds is read by
// gopacket's CDP decoder, through its LLC and SNAP layers.
func TestAppendDecodedByGopacket(t *testing.T) {
	p := sample()
	frame := AppendFrame(nil, [6]byte{2, 0, 0, 0, 0, 1}, p)
	pkt := gopacket.NewPacket(frame, layers.LayerTypeEthernet, gopacket.Default)
	if el := pkt.ErrorLayer(); el != nil {
		t.Fatalf("gopacket: %v", el.Error())
	}
	info, ok := pkt.Layer(layers.LayerTypeCiscoDiscoveryInfo).(*layers.CiscoDiscoveryInfo)
	if !ok {
		t.Fatalf("no CDP info layer: %v", pkt)
	}
	hdr := pkt.Layer(layers.LayerTypeCiscoDiscovery).(*layers.CiscoDiscovery)
	if hdr.Version != 2 || hdr.TTL != 180 {
		t.Errorf("header %+v", hdr)
	}
	c := info.Capabilities
	if info.DeviceID != "SW1" || info.PortID != "GigabitEthernet0/1" || info.Platform != p.Platform || info.Version != p.Software ||
		!c.L3Router || !c.L2Switch || !c.IGMPFilter || c.IsHost || info.NativeVLAN != 1 || !info.FullDuplex || info.VTPDomain != "" {
		t.Errorf("gopacket read %+v", info)
	}
	if len(info.Addresses) != 1 || info.Addresses[0].String() != "10.0.0.1" || len(info.MgmtAddresses) != 1 || info.MgmtAddresses[0].String() != "10.0.0.1" {
		t.Errorf("addresses %v %v", info.Addresses, info.MgmtAddresses)
	}
	if len(info.Unknown) != 0 {
		t.Errorf("gopacket did not know %v", info.Unknown)
	}
}

// TestRoundTripOddAndEven: packets of both parities verify.
func TestRoundTripOddAndEven(t *testing.T) {
	for _, id := range []string{"SW1", "SW12", "SW\xff", "SW1\x80x"} {
		p := sample()
		p.DeviceID = id
		got, err := Decode(Append(nil, p))
		if err != nil {
			t.Fatalf("%q: %v", id, err)
		}
		if !reflect.DeepEqual(&got, p) {
			t.Errorf("got %+v\nwant %+v", got, *p)
		}
	}
}

// TestPayloadIgnoresPadding: a short frame padded to 60 bytes decodes.
func TestPayloadIgnoresPadding(t *testing.T) {
	f := AppendFrame(nil, [6]byte{2, 0, 0, 0, 0, 1}, &Packet{TTL: 10, DeviceID: "a", PortID: "b"})
	for len(f) < 60 {
		f = append(f, 0)
	}
	pl, err := Payload(f)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := Decode(pl); err != nil || p.DeviceID != "a" {
		t.Errorf("%+v %v", p, err)
	}
	if _, err := Payload(f[:20]); !errors.Is(err, ErrNotCDP) {
		t.Errorf("short frame: %v", err)
	}
}

func withChecksum(b []byte) []byte {
	b[2], b[3] = 0, 0
	c := Checksum(b)
	b[2], b[3] = byte(c>>8), byte(c)
	return b
}

func TestDecodeRefusesMalformed(t *testing.T) {
	for _, c := range []struct {
		name string
		b    []byte
		want error
	}{
		{"short", []byte{2, 180}, ErrShort},
		{"version", withChecksum([]byte{3, 180, 0, 0}), ErrVersion},
		{"TLV cut", withChecksum([]byte{2, 180, 0, 0, 0, 1, 0, 9, 'a'}), ErrTLV},
		{"TLV length 2", withChecksum([]byte{2, 180, 0, 0, 0, 1, 0, 2}), ErrTLV},
		{"addresses cut", withChecksum([]byte{2, 180, 0, 0, 0, 2, 0, 10, 0, 0, 0, 1, 1, 1}), ErrTLV},
	} {
		if _, err := Decode(c.b); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

// FuzzDecode: nothing panics Decode, and a decoded packet re-encodes to
// one that decodes the same.
func FuzzDecode(f *testing.F) {
	f.Add(Append(nil, sample()))
	f.Add(withChecksum([]byte{2, 180, 0, 0, 0, 2, 0, 17, 0, 0, 0, 1, 1, 1, 0xcc, 0, 4, 10, 0, 0, 1}))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) >= 4 {
			b = withChecksum(append([]byte(nil), b...)) // reach the TLVs
		}
		p, err := Decode(b)
		if err != nil {
			return
		}
		again, err := Decode(Append(nil, &p))
		if err != nil {
			t.Fatalf("re-encoded packet does not decode: %v", err)
		}
		if again.DeviceID != clip(p.DeviceID) || again.PortID != clip(p.PortID) || again.NativeVLAN != p.NativeVLAN || len(again.Addresses) != len(p.Addresses) {
			t.Fatalf("round trip changed the packet: %+v -> %+v", p, again)
		}
	})
}
