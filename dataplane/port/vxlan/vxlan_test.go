package vxlan

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/l2sw/l2sw/dataplane/port"
	"github.com/l2sw/l2sw/internal/netns"
	"github.com/l2sw/l2sw/packet"
)

func TestParseSpec(t *testing.T) {
	c, err := ParseSpec("42,remote=192.0.2.7,local=192.0.2.1,mtu=9000,dstport=8472")
	if err != nil {
		t.Fatal(err)
	}
	if c.VNI != 42 || c.Remote != netip.MustParseAddr("192.0.2.7") || c.Local != netip.MustParseAddr("192.0.2.1") || c.MTU != 9000 || c.DstPort != 8472 {
		t.Fatalf("%+v", c)
	}
	if got := c.Spec(); got != "42,remote=192.0.2.7,local=192.0.2.1,dstport=8472,mtu=9000" {
		t.Fatalf("Spec() = %q", got)
	}
	for _, bad := range []string{"", "x", "42", "42,remote=::1", "16777216,remote=192.0.2.1", "42,remote=192.0.2.1,ttl=300",
		"42,remote=192.0.2.1,mtu=100", "42,remote=192.0.2.1,color=red", "42,remote=192.0.2.1,dstport=70000", "42,remote"} {
		if _, err := ParseSpec(bad); err == nil {
			t.Errorf("ParseSpec(%q) accepted", bad)
		}
	}
}

func FuzzParseSpec(f *testing.F) {
	for _, s := range []string{"42,remote=192.0.2.7", "1,remote=10.0.0.1,local=10.0.0.2,ttl=5,mtu=9000,batch=8", "x,y=z", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseSpec(s)
		if err != nil {
			return
		}
		// What it accepts, it renders back to the same configuration.
		c2, err := ParseSpec(c.Spec())
		if err != nil || c2 != c {
			t.Fatalf("%q: %+v, round trip %+v %v", s, c, c2, err)
		}
	})
}

// frameTo builds an inner Ethernet/IPv4/UDP frame.
func frameTo(t testing.TB, sport uint16, payload string) []byte {
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: net.IP{10, 0, 0, 1}, DstIP: net.IP{10, 0, 0, 2}}
	udp := &layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: 9}
	_ = udp.SetNetworkLayerForChecksum(ip)
	b := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(b, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, udp, gopacket.Payload(payload)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func readOne(t testing.TB, p *Port) []byte {
	t.Helper()
	bufs := [][]byte{make([]byte, port.BufferSize)}
	sizes := []int{0}
	done := make(chan error, 1)
	go func() {
		_, err := p.Read(bufs, sizes, port.Headroom)
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("nothing received")
	}
	return bufs[0][port.Headroom : port.Headroom+sizes[0]]
}

// TestWireFormatAgainstGopacket: what the port sends is a VXLAN datagram
// gopacket decodes to the VNI and the frame unchanged, with a source port
// per flow from the dynamic range; what gopacket builds, the port reads;
// datagrams of another VNI are counted and skipped.
func TestWireFormatAgainstGopacket(t *testing.T) {
	netns.RequireRoot(t)
	a, err := Open(Config{VNI: 4242, Remote: netip.MustParseAddr("127.0.0.3"), Local: netip.MustParseAddr("127.0.0.2"), DstPort: 14789})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	peer, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IP{127, 0, 0, 3}, Port: 14789})
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	srcPorts := map[uint16]int{}
	for i, sport := range []uint16{1000, 1000, 2000, 3000} {
		f := frameTo(t, sport, "flow")
		if n, err := a.Write([][]byte{f}); n != 1 || err != nil {
			t.Fatalf("write %d: %d %v", i, n, err)
		}
		buf := make([]byte, 2000)
		_ = peer.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, from, err := peer.ReadFromUDP(buf)
		if err != nil {
			t.Fatal(err)
		}
		if from.Port < srcLo {
			t.Fatalf("source port %d outside the dynamic range", from.Port)
		}
		srcPorts[uint16(from.Port)] = int(sport)
		pk := gopacket.NewPacket(buf[:n], layers.LayerTypeVXLAN, gopacket.Default)
		vx, ok := pk.Layer(layers.LayerTypeVXLAN).(*layers.VXLAN)
		if !ok || !vx.ValidIDFlag || vx.VNI != 4242 || !bytes.Equal(vx.Payload, f) {
			t.Fatalf("datagram %d decodes as %v", i, pk)
		}
	}
	if len(srcPorts) < 2 {
		t.Fatalf("three flows all left from one source port: %v", srcPorts)
	}

	// The other way: gopacket builds, the port reads.
	send := func(vni uint32, payload []byte) {
		b := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(b, gopacket.SerializeOptions{}, &layers.VXLAN{ValidIDFlag: true, VNI: vni}, gopacket.Payload(payload)); err != nil {
			t.Fatal(err)
		}
		if _, err := peer.WriteToUDP(b.Bytes(), &net.UDPAddr{IP: net.IP{127, 0, 0, 2}, Port: 14789}); err != nil {
			t.Fatal(err)
		}
	}
	in := frameTo(t, 5, "from the remote VTEP")
	send(7, frameTo(t, 5, "another segment"))
	send(4242, in)
	if got := readOne(t, a); !bytes.Equal(got, in) {
		t.Fatalf("read %x, want %x", got, in)
	}
	if s := a.Stats(); s.RxBad != 1 || s.RxFrames != 1 || s.TxFrames != 4 {
		t.Fatalf("stats %+v", s)
	}
}

// TestGiantsAndForeignSources: a frame over the underlay MTU is dropped and
// counted; a datagram from an address that is not the remote VTEP is
// skipped.
func TestGiantsAndForeignSources(t *testing.T) {
	netns.RequireRoot(t)
	a, err := Open(Config{VNI: 1, Remote: netip.MustParseAddr("127.0.0.5"), Local: netip.MustParseAddr("127.0.0.4"), DstPort: 14790, MTU: 1500})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	big := make([]byte, 1500-Overhead+1)
	fits := frameTo(t, 1, string(make([]byte, 1500-Overhead-42)))
	if n, _ := a.Write([][]byte{big, fits}); n != 1 {
		t.Fatalf("sent %d, want only the frame that fits", n)
	}
	if s := a.Stats(); s.TxGiants != 1 || s.TxErrors != 1 {
		t.Fatalf("stats %+v", s)
	}
	stranger, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IP{127, 0, 0, 6}})
	if err != nil {
		t.Fatal(err)
	}
	defer stranger.Close()
	hdr := []byte{flagI, 0, 0, 0, 0, 0, 1, 0}
	if _, err := stranger.WriteToUDP(append(hdr, frameTo(t, 1, "spoofed")...), &net.UDPAddr{IP: net.IP{127, 0, 0, 4}, Port: 14790}); err != nil {
		t.Fatal(err)
	}
	remote, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IP{127, 0, 0, 5}})
	if err != nil {
		t.Fatal(err)
	}
	defer remote.Close()
	want := frameTo(t, 1, "genuine")
	if _, err := remote.WriteToUDP(append(hdr, want...), &net.UDPAddr{IP: net.IP{127, 0, 0, 4}, Port: 14790}); err != nil {
		t.Fatal(err)
	}
	if got := readOne(t, a); !bytes.Equal(got, want) {
		t.Fatalf("read %x", got)
	}
	if s := a.Stats(); s.RxForeign != 1 {
		t.Fatalf("stats %+v", s)
	}
	a.Close()
	bufs, sizes := [][]byte{make([]byte, port.BufferSize)}, []int{0}
	if _, err := a.Read(bufs, sizes, port.Headroom); !errors.Is(err, port.ErrClosed) {
		t.Fatalf("read after close: %v", err)
	}
}

// TestCompletePartial: a segment whose checksum field holds the
// pseudo-header sum (what a veth-underlay sender leaves) gets the checksum
// gopacket computes; complete segments and other frames are left alone.
func TestCompletePartial(t *testing.T) {
	for _, sport := range []uint16{1, 2, 3, 40000} {
		good := frameTo(t, sport, "payload of a partial checksum")
		partial := bytes.Clone(good)
		ip := partial[14:]
		l4 := ip[20:]
		pseudo := packet.Sum(0, ip[12:20]) + uint64(ip[9]) + uint64(len(l4))
		binary.BigEndian.PutUint16(l4[6:], packet.Fold(pseudo))
		completePartial(partial)
		if !bytes.Equal(partial, good) {
			t.Fatalf("completed %x, want %x", partial, good)
		}
		same := bytes.Clone(good)
		completePartial(same)
		if !bytes.Equal(same, good) {
			t.Fatal("a complete segment was changed")
		}
	}
	completePartial([]byte{1, 2, 3}) // too short: no panic
}

func FuzzCompletePartial(f *testing.F) {
	f.Add(frameTo(f, 7, "seed"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		completePartial(b) // never panics, whatever the frame
	})
}
