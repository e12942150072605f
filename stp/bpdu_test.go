package stp

import (
	"bytes"
	"encoding/hex"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

var sample = BPDU{Version: VersionSTP, Type: TypeConfig, Flags: FlagTC | FlagTCA,
	Root: MakeBridgeID(24586, [6]byte{0, 0x11, 0x22, 0x33, 0x44, 0x55}), Cost: 4,
	Bridge: MakeBridgeID(32778, [6]byte{0, 0x66, 0x77, 0x88, 0x99, 0xaa}), Port: 0x8002,
	MessageAge: 256, MaxAge: 20 * 256, HelloTime: 2 * 256, ForwardDelay: 15 * 256}

func TestBPDURoundTrip(t *testing.T) {
	for _, b := range []BPDU{sample, {Version: VersionSTP, Type: TypeTCN},
		{Version: VersionRSTP, Type: TypeRST, Flags: FlagProposal | 3<<flagRoleShift | FlagLearning, Root: sample.Root, Bridge: sample.Bridge, Port: 0x8001, MaxAge: 5120, HelloTime: 512, ForwardDelay: 3840}} {
		for _, enc := range []Encap{EncapIEEE, EncapSSTP} {
			for _, vid := range []uint16{0, 10} {
				f := AppendFrame(nil, enc, [6]byte{2, 0, 0, 0, 0, 1}, vid, 10, b)
				if len(f) < 60 {
					t.Errorf("frame of %d bytes", len(f))
				}
				got, err := ParseFrame(f)
				if err != nil {
					t.Fatalf("%v %v: %v", enc, b.Type, err)
				}
				if got.BPDU != b || got.Encap != enc || got.VID != vid {
					t.Errorf("round trip: %+v, want %+v", got, b)
				}
				if enc == EncapSSTP && b.Type != TypeTCN && got.PVID != 10 {
					t.Errorf("PVID %d", got.PVID)
				}
			}
		}
	}
}

// TestSSTPLayout: a PVST+ configuration BPDU is laid out as a Catalyst
// sends it: SNAP 00000c/010b, a one-byte pad after the 35-byte BPDU, the
// PVID TLV, length field 50.
func TestSSTPLayout(t *testing.T) {
	f := AppendFrame(nil, EncapSSTP, [6]byte{0, 0x66, 0x77, 0x88, 0x99, 0xaa}, 10, 10, sample)
	want := "01000ccccccd" + "0066778899aa" + "8100000a" + "0032" + "aaaa0300000c010b" +
		"00000000" + "81" + "600a001122334455" + "00000004" + "800a00667788 99aa" + "8002" + "0100" + "1400" + "0200" + "0f00" +
		"00" + "00000002000a"
	want = string(bytes.ReplaceAll([]byte(want), []byte(" "), nil))
	if got := hex.EncodeToString(f); got != want {
		t.Errorf("SSTP frame\n got %s\nwant %s", got, want)
	}
}

// TestAgainstGopacket: gopacket's STP layer reads the IEEE BPDUs we write
// as we meant them.
func TestAgainstGopacket(t *testing.T) {
	f := AppendFrame(nil, EncapIEEE, [6]byte{2, 0, 0, 0, 0, 1}, 0, 0, sample)
	pkt := gopacket.NewPacket(f, layers.LayerTypeEthernet, gopacket.Default)
	l, ok := pkt.Layer(layers.LayerTypeSTP).(*layers.STP)
	if !ok {
		t.Fatalf("gopacket found no STP layer: %v", pkt)
	}
	if l.Version != sample.Version || l.Type != sample.Type || l.Cost != sample.Cost || l.PortID != sample.Port ||
		l.MessageAge != sample.MessageAge || l.MaxAge != sample.MaxAge || l.HelloTime != sample.HelloTime || l.FDelay != sample.ForwardDelay {
		t.Errorf("gopacket read %+v", l)
	}
	if uint64(l.RouteID.Priority) != uint64(sample.Root.Priority()&0xf000) || uint64(l.RouteID.SysID) != uint64(sample.Root.Priority()&0x0fff) {
		t.Errorf("root id %+v, want priority %d", l.RouteID, sample.Root.Priority())
	}
	rm, bm := sample.Root.MAC(), sample.Bridge.MAC()
	if !bytes.Equal(l.RouteID.HwAddr, rm[:]) || !bytes.Equal(l.BridgeID.HwAddr, bm[:]) {
		t.Errorf("addresses %v %v", l.RouteID.HwAddr, l.BridgeID.HwAddr)
	}
	if !l.TC || !l.TCA {
		t.Errorf("flags: TC %v TCA %v", l.TC, l.TCA)
	}
}

func FuzzParseFrame(f *testing.F) {
	f.Add(AppendFrame(nil, EncapIEEE, [6]byte{2}, 0, 0, sample))
	f.Add(AppendFrame(nil, EncapSSTP, [6]byte{2}, 10, 10, sample))
	f.Add(AppendFrame(nil, EncapIEEE, [6]byte{2}, 0, 0, BPDU{Type: TypeTCN}))
	f.Add([]byte{1, 0x80, 0xc2, 0, 0, 0, 1, 2, 3, 4, 5, 6, 0, 7, 0x42, 0x42, 3, 0, 0, 0, 0x80})
	mst := sample
	mst.Version, mst.Type = VersionMSTP, TypeRST
	f.Add(append(AppendFrame(nil, EncapIEEE, [6]byte{2}, 0, 0, mst), make([]byte, 66)...))
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, err := ParseFrame(data)
		if err != nil {
			return
		}
		// What parses re-encodes to a frame that parses the same.
		again, err := ParseFrame(AppendFrame(nil, fr.Encap, fr.Src, fr.VID, fr.PVID, fr.BPDU))
		if err != nil || again.BPDU != fr.BPDU {
			t.Fatalf("re-encode: %v %+v vs %+v", err, again.BPDU, fr.BPDU)
		}
	})
}

// TestMSTBPDUReadAsCIST: an MSTP bridge's BPDU (version 3, with its MST
// extension after the RST part) is read as its CIST information, which is
// how an 802.1w bridge at a region boundary sees it.
func TestMSTBPDUReadAsCIST(t *testing.T) {
	mst := sample
	mst.Version, mst.Type = VersionMSTP, TypeRST
	body := mst.Append(nil)
	body = append(body, 0, 64) // version 3 length
	body = append(body, make([]byte, 64)...)
	f := append([]byte{0x01, 0x80, 0xc2, 0, 0, 0, 2, 0, 0, 0, 0, 1, 0, byte(3 + len(body))}, 0x42, 0x42, 3)
	f = append(f, body...)
	fr, err := ParseFrame(f)
	if err != nil {
		t.Fatal(err)
	}
	if fr.BPDU.Version != VersionMSTP || fr.BPDU.Root != sample.Root || fr.BPDU.Cost != sample.Cost {
		t.Errorf("MST BPDU read as %+v", fr.BPDU)
	}
}
