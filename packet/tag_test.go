package packet

import (
	"bytes"
	"encoding/binary"
	"net"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// TestTagPushPop: a pushed tag decodes in gopacket as the 802.1Q header
// with the VLAN and payload of the original; popping it, in place or by
// copy, gives the original frame back, padded to MinFrame.
func TestTagPushPop(t *testing.T) {
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{0, 1, 2, 3, 4, 5}, DstMAC: net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, EthernetType: layers.EthernetTypeIPv4}
	buf := gopacket.NewSerializeBuffer()
	payload := gopacket.Payload(bytes.Repeat([]byte{0xab}, 50))
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{}, eth, payload); err != nil {
		t.Fatal(err)
	}
	orig := buf.Bytes()
	const head = 8
	b := make([]byte, head+len(orig)+TagLen)
	copy(b[head:], orig)
	start := PushTag(b, head, 0x2000|42) // PCP 1, VLAN 42
	tagged := b[start : head+len(orig)]
	check := func(what string, f []byte) {
		t.Helper()
		p := gopacket.NewPacket(f, layers.LayerTypeEthernet, gopacket.Default)
		d, ok := p.Layer(layers.LayerTypeDot1Q).(*layers.Dot1Q)
		if !ok || d.VLANIdentifier != 42 || d.Priority != 1 || d.Type != layers.EthernetTypeIPv4 {
			t.Fatalf("%s: no 802.1Q VLAN 42 PCP 1 in %x", what, f)
		}
		if e := p.Layer(layers.LayerTypeEthernet).(*layers.Ethernet); !bytes.Equal(e.SrcMAC, eth.SrcMAC) || !bytes.Equal(e.DstMAC, eth.DstMAC) {
			t.Fatalf("%s: addresses moved wrong: %x", what, f)
		}
		if !bytes.Equal(f[EthLen+TagLen:], orig[EthLen:]) {
			t.Fatalf("%s: payload changed", what)
		}
	}
	check("PushTag", tagged)
	c := make([]byte, len(orig)+TagLen)
	c = c[:CopyPushTag(c, orig, 0x2000|42)]
	check("CopyPushTag", c)

	u := make([]byte, len(tagged))
	if n := CopyPopTag(u, tagged); !bytes.Equal(u[:n], orig) {
		t.Fatalf("CopyPopTag: %x, want %x", u[:n], orig)
	}
	s := PopTag(b, start)
	if got := Pad(b, s, head+len(orig)); !bytes.Equal(got, orig) {
		t.Fatalf("PopTag: %x, want %x", got, orig)
	}

	SetOuterTCI(c, 7)
	if p := gopacket.NewPacket(c, layers.LayerTypeEthernet, gopacket.Default); p.Layer(layers.LayerTypeDot1Q).(*layers.Dot1Q).VLANIdentifier != 7 {
		t.Fatal("SetOuterTCI did not set the VLAN")
	}
}

// TestPadToMinFrame: a short frame is zero-padded to 60 bytes; a longer
// one is left as it is.
func TestPadToMinFrame(t *testing.T) {
	b := bytes.Repeat([]byte{0xee}, 100)
	f := Pad(b, 10, 30)
	if len(f) != MinFrame || !bytes.Equal(f[20:], make([]byte, MinFrame-20)) || f[19] != 0xee {
		t.Fatalf("Pad: %x", f)
	}
	if f := Pad(b, 0, 80); len(f) != 80 {
		t.Fatalf("Pad of a long frame: %d bytes", len(f))
	}
}

func TestTagged(t *testing.T) {
	untagged := make([]byte, MinFrame)
	binary.BigEndian.PutUint16(untagged[EthType:], TypeIPv4)
	tagged := make([]byte, MinFrame+TagLen)
	CopyPushTag(tagged, untagged, 10)
	qinq := append([]byte(nil), tagged...)
	binary.BigEndian.PutUint16(qinq[EthType:], TypeQinQ)
	for _, c := range []struct {
		f    []byte
		want bool
	}{{untagged, false}, {tagged, true}, {qinq, true}, {tagged[:EthLen], false}, {nil, false}} {
		if got := Tagged(c.f); got != c.want {
			t.Errorf("Tagged(% x) = %v, want %v", c.f, got, c.want)
		}
	}
}
