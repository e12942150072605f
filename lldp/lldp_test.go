package lldp

import (
	"bytes"
	"errors"
	"net/netip"
	"reflect"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

func sample() *Frame {
	return &Frame{
		ChassisSubtype: ChassisMAC, ChassisID: []byte{0x02, 0x00, 0x00, 0x0a, 0x0b, 0x0c},
		PortSubtype: PortIfName, PortID: []byte("Gi0/1"), TTL: 120,
		PortDescription: "GigabitEthernet0/1", SystemName: "SW1",
		SystemDescription: "Cisco IOS Software, l2sw Software\nTechnical Support",
		HasCaps:           true, SystemCaps: CapBridge | CapRouter, EnabledCaps: CapBridge,
		MgmtAddrs: []netip.Addr{netip.MustParseAddr("10.0.0.1")}, MgmtIfIndex: 10,
		PortVLAN: 10,
		MACPHY:   &MACPHY{AutonegSupported: true, AutonegEnabled: true, Advertised: 0x6c01, MAU: 30},
	}
}

// TestAppendDecodedByGopacket: what Append builds, gopacket's LLDP decoder
// reads back field for field, the organizational TLVs included.
func TestAppendDecodedByGopacket(t *testing.T) {
	f := sample()
	frame := AppendEthernet(nil, [6]byte{0x02, 0, 0, 0x0a, 0x0b, 0x0c}, f)
	pkt := gopacket.NewPacket(frame, layers.LayerTypeEthernet, gopacket.Default)
	if el := pkt.ErrorLayer(); el != nil {
		t.Fatalf("gopacket: %v", el.Error())
	}
	l, ok := pkt.Layer(layers.LayerTypeLinkLayerDiscovery).(*layers.LinkLayerDiscovery)
	if !ok {
		t.Fatalf("no LLDP layer in %v", pkt)
	}
	if l.ChassisID.Subtype != layers.LLDPChassisIDSubTypeMACAddr || !bytes.Equal(l.ChassisID.ID, f.ChassisID) {
		t.Errorf("chassis ID %v", l.ChassisID)
	}
	if l.PortID.Subtype != layers.LLDPPortIDSubtypeIfaceName || string(l.PortID.ID) != "Gi0/1" {
		t.Errorf("port ID %v", l.PortID)
	}
	if l.TTL != 120 {
		t.Errorf("TTL %d", l.TTL)
	}
	info, ok := pkt.Layer(layers.LayerTypeLinkLayerDiscoveryInfo).(*layers.LinkLayerDiscoveryInfo)
	if !ok {
		t.Fatal("no LLDP info layer")
	}
	if info.PortDescription != f.PortDescription || info.SysName != "SW1" || info.SysDescription != f.SystemDescription {
		t.Errorf("strings %q %q %q", info.PortDescription, info.SysName, info.SysDescription)
	}
	sc := info.SysCapabilities
	if !sc.SystemCap.Bridge || !sc.SystemCap.Router || !sc.EnabledCap.Bridge || sc.EnabledCap.Router {
		t.Errorf("capabilities %+v", sc)
	}
	ma := info.MgmtAddress
	if ma.Subtype != layers.IANAAddressFamilyIPV4 || !bytes.Equal(ma.Address, []byte{10, 0, 0, 1}) || ma.InterfaceNumber != 10 || ma.InterfaceSubtype != layers.LLDPInterfaceSubtypeifIndex {
		t.Errorf("management address %+v", ma)
	}
	i1, err := info.Decode8021()
	if err != nil || i1.PVID != 10 {
		t.Errorf("802.1: %+v %v", i1, err)
	}
	i3, err := info.Decode8023()
	if err != nil || i3.MACPHYConfigStatus != (layers.LLDPMACPHYConfigStatus{AutoNegSupported: true, AutoNegEnabled: true, AutoNegCapability: 0x6c01, MAUType: 30}) {
		t.Errorf("802.3: %+v %v", i3, err)
	}
	if len(info.Unknown) != 0 {
		t.Errorf("gopacket did not know %v", info.Unknown)
	}
}

// TestDecodeRoundTrip: Decode reads back what Append wrote.
func TestDecodeRoundTrip(t *testing.T) {
	f := sample()
	got, err := Decode(Append(nil, f))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&got, f) {
		t.Errorf("got %+v\nwant %+v", got, *f)
	}
}

// TestDecodeGopacketBuilt: a frame serialized by gopacket (another
// implementation's encoder) decodes here.
func TestDecodeGopacketBuilt(t *testing.T) {
	l := &layers.LinkLayerDiscovery{
		ChassisID: layers.LLDPChassisID{Subtype: layers.LLDPChassisIDSubTypeLocal, ID: []byte("host1")},
		PortID:    layers.LLDPPortID{Subtype: layers.LLDPPortIDSubtypeMACAddr, ID: []byte{2, 0, 0, 0, 0, 9}},
		TTL:       120,
		Values: []layers.LinkLayerDiscoveryValue{
			{Type: layers.LLDPTLVSysName, Value: []byte("lab-host"), Length: 8},
			{Type: layers.LLDPTLVPortDescription, Value: []byte("eth0"), Length: 4},
		},
	}
	buf := gopacket.NewSerializeBuffer()
	if err := l.SerializeTo(buf, gopacket.SerializeOptions{FixLengths: true}); err != nil {
		t.Fatal(err)
	}
	f, err := Decode(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if f.SystemName != "lab-host" || f.PortDescription != "eth0" || f.TTL != 120 ||
		IDString(f.PortSubtype, f.PortID, false) != "0200.0000.0009" || IDString(f.ChassisSubtype, f.ChassisID, true) != "host1" {
		t.Errorf("decoded %+v", f)
	}
}

// TestDecodeRefusesMalformed: truncated TLVs and missing mandatory TLVs
// are errors, not panics or half frames.
func TestDecodeRefusesMalformed(t *testing.T) {
	good := Append(nil, sample())
	for _, c := range []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, ErrMandatory},
		{"cut in a TLV", good[:10], ErrTruncated},
		{"one byte", good[:1], ErrTruncated},
		{"no TTL", Append(nil, sample())[:2+7+2+6], ErrMandatory},
		{"port first", append([]byte{TypePortID << 1, 2, 5, 'x'}, good...), ErrMandatory},
		{"short chassis", []byte{TypeChassisID << 1, 1, 4}, ErrBadTLV},
	} {
		if _, err := Decode(c.b); !errors.Is(err, c.want) {
			t.Errorf("%s: err %v, want %v", c.name, err, c.want)
		}
	}
}

func TestCapabilitiesString(t *testing.T) {
	if s := (CapRouter | CapBridge).String(); s != "B,R" {
		t.Errorf("got %q", s)
	}
	if s := (CapTelephone | CapBridge).String(); s != "B,T" {
		t.Errorf("got %q", s)
	}
}

// FuzzDecode: no input panics Decode, and what decodes encodes to an
// LLDPDU that decodes the same.
func FuzzDecode(f *testing.F) {
	f.Add(Append(nil, sample()))
	f.Add(Append(nil, &Frame{ChassisSubtype: ChassisLocal, ChassisID: []byte("x"), PortSubtype: PortLocal, PortID: []byte("y")}))
	f.Add([]byte{0x02, 0x07, 0x04, 1, 2, 3, 4, 5, 6})
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := Decode(b)
		if err != nil {
			return
		}
		again, err := Decode(Append(nil, &fr))
		if err != nil {
			t.Fatalf("re-encoded frame does not decode: %v", err)
		}
		if again.SystemName != clip(fr.SystemName, 255) || again.TTL != fr.TTL || !bytes.Equal(again.PortID, fr.PortID) || again.PortVLAN != fr.PortVLAN {
			t.Fatalf("round trip changed the frame: %+v -> %+v", fr, again)
		}
	})
}
