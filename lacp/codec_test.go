package lacp

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// standardFrame is an LACPDU laid out by hand from 802.1AX Figure 6-7 (as
// a Linux bond sends it): actor system priority 65535, system
// 02:00:00:00:00:01, key 9, port priority 255, port 1, state 0x3f
// (active, short timeout, aggregatable, in sync, collecting,
// distributing); partner priority 32768, system 00:11:22:33:44:55, key 1,
// port priority 32768, port 0x102, state 0x3d; collector max delay 0.
var standardFrame = strings.Join([]string{
	"0180c2000002", "020000000001", "8809", // Ethernet
	"01", "01", // subtype LACP, version 1
	"01", "14", "ffff", "020000000001", "0009", "00ff", "0001", "3f", "000000", // actor TLV
	"02", "14", "8000", "001122334455", "0001", "8000", "0102", "3d", "000000", // partner TLV
	"03", "10", "0000", strings.Repeat("00", 12), // collector TLV
	"00", "00", strings.Repeat("00", 50), // terminator, reserved
}, "")

func TestParseStandardFrame(t *testing.T) {
	f, _ := hex.DecodeString(standardFrame)
	if len(f) != FrameLen {
		t.Fatalf("hand-made frame is %d bytes, want %d", len(f), FrameLen)
	}
	p, err := Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	want := PDU{
		Actor:   Info{SystemPriority: 0xffff, System: [6]byte{2, 0, 0, 0, 0, 1}, Key: 9, PortPriority: 255, Port: 1, State: 0x3f},
		Partner: Info{SystemPriority: 0x8000, System: [6]byte{0, 0x11, 0x22, 0x33, 0x44, 0x55}, Key: 1, PortPriority: 0x8000, Port: 0x102, State: 0x3d},
	}
	if p != want {
		t.Fatalf("Parse = %+v\nwant    %+v", p, want)
	}
	if got := want.Append(nil, [6]byte{2, 0, 0, 0, 0, 1}); !bytes.Equal(got, f) {
		t.Fatalf("Append:\n got %x\nwant %x", got, f)
	}
	if s := want.Actor.State.String(); s != "Activity|Timeout|Aggregation|Sync|Collecting|Distributing" {
		t.Errorf("state string %q", s)
	}
}

func TestParseRejects(t *testing.T) {
	good, _ := hex.DecodeString(standardFrame)
	cases := []struct {
		name string
		edit func([]byte) []byte
		want error
	}{
		{"short", func(b []byte) []byte { return b[:40] }, ErrShort},
		{"ethertype", func(b []byte) []byte { b[12] = 0x08; b[13] = 0; return b }, ErrNotSlow},
		{"marker", func(b []byte) []byte { b[14] = SubtypeMarker; return b }, ErrSubtype},
		{"version 0", func(b []byte) []byte { b[15] = 0; return b }, ErrVersion},
		{"actor length", func(b []byte) []byte { b[17] = 19; return b }, ErrTLV},
		{"partner type", func(b []byte) []byte { b[36] = 9; return b }, ErrTLV},
		{"collector length", func(b []byte) []byte { b[57] = 0; return b }, ErrTLV},
	}
	for _, c := range cases {
		f := c.edit(bytes.Clone(good))
		if _, err := Parse(f); !errors.Is(err, c.want) {
			t.Errorf("%s: err %v, want %v", c.name, err, c.want)
		}
	}
	// A later version with a longer frame is still taken (802.1AX 6.4.2.3).
	f := bytes.Clone(good)
	f[15] = 2
	f = append(f, 0xaa, 0xbb)
	if _, err := Parse(f); err != nil {
		t.Errorf("version 2: %v", err)
	}
}

// FuzzParse holds the decoder to never panicking and to reading back what
// it encodes.
func FuzzParse(f *testing.F) {
	std, _ := hex.DecodeString(standardFrame)
	f.Add(std)
	f.Add(std[:60])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Parse(b)
		if err != nil {
			return
		}
		var src [6]byte
		copy(src[:], b[6:12])
		q, err := Parse(p.Append(nil, src))
		if err != nil || q != p {
			t.Fatalf("round trip: %+v → %+v, %v", p, q, err)
		}
	})
}
