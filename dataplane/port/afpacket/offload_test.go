package afpacket

import (
	"bytes"
	"encoding/binary"
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/l2sw/l2sw/dataplane/gso"
	"github.com/l2sw/l2sw/dataplane/port"
	"github.com/l2sw/l2sw/packet"
)

// udpHost gives the veth's host end 10.99.0.1 and a static neighbour
// 10.99.0.2 at switchMAC, and returns a UDP socket bound to 10.99.0.1:5555
// in the namespace: its datagrams leave through the veth with the
// offloads a veth has on (partial checksums; UDP_SEGMENT super-datagrams).
func udpHost(t *testing.T, l *vethLab) int {
	t.Helper()
	l.ns.AddAddr(l.peer, "10.99.0.1/24")
	l.ns.MustRun("ip", "neigh", "replace", "10.99.0.2", "lladdr", switchMAC.String(), "dev", l.peer)
	var fd int
	err := l.ns.Do(func() error {
		var err error
		fd, err = unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &unix.Timeval{Sec: 5}); err != nil {
			return err
		}
		return unix.Bind(fd, &unix.SockaddrInet4{Port: 5555, Addr: [4]byte{10, 99, 0, 1}})
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	return fd
}

func sendUDPTo(t *testing.T, fd int, payload []byte, segment int) {
	t.Helper()
	if err := unix.SetsockoptInt(fd, unix.SOL_UDP, unix.UDP_SEGMENT, segment); err != nil {
		t.Fatalf("UDP_SEGMENT: %v", err)
	}
	if err := unix.Sendto(fd, payload, 0, &unix.SockaddrInet4{Port: 9, Addr: [4]byte{10, 99, 0, 2}}); err != nil {
		t.Fatal(err)
	}
}

// readUDP reads until a UDP frame to port 9 arrives and returns it with
// its header.
func readUDP(t *testing.T, p *Port) ([]byte, gso.Header) {
	t.Helper()
	bufs, sizes := newBufs(8, p.BufferSize())
	deadline := time.Now().Add(promptly)
	for time.Now().Before(deadline) {
		ch := make(chan int, 1)
		go func() { n, _ := p.Read(bufs, sizes, port.Headroom); ch <- n }()
		var n int
		select {
		case n = <-ch:
		case <-time.After(promptly):
			t.Fatal("Read blocked")
		}
		for i := range n {
			f := bufs[i][port.Headroom : port.Headroom+sizes[i]]
			if len(f) >= 42 && binary.BigEndian.Uint16(f[12:]) == 0x0800 && f[23] == 17 && binary.BigEndian.Uint16(f[36:]) == 9 {
				h, _ := gso.Decode(bufs[i][port.Headroom-gso.HeaderLen:])
				return append([]byte(nil), f...), h
			}
		}
	}
	t.Fatal("no UDP frame")
	return nil, gso.Header{}
}

// udpChecksumOK verifies the UDP checksum of an IPv4/UDP frame.
func udpChecksumOK(f []byte) bool {
	ip := f[14:]
	l4 := ip[20:binary.BigEndian.Uint16(ip[2:])]
	sum := packet.Sum(0, ip[12:20]) + 17 + uint64(len(l4))
	return packet.Fold(packet.Sum(sum, l4)) == 0xffff
}

// TestOffloadsOffGivesPlainFrames: without offloads a partial checksum is
// completed and a super-frame (which the kernel never segments for a
// packet socket) is dropped and counted.
func TestOffloadsOffGivesPlainFrames(t *testing.T) {
	l := newVethLab(t, 0)
	p := l.open(t, Config{})
	fd := udpHost(t, l)
	sendUDPTo(t, fd, bytes.Repeat([]byte("a"), 3000), 1000) // super-datagram
	sendUDPTo(t, fd, []byte("small"), 0)
	f, h := readUDP(t, p)
	if len(f) != 14+20+8+5 || !udpChecksumOK(f) {
		t.Errorf("small datagram: %d bytes, checksum ok %v, header %v", len(f), udpChecksumOK(f), h)
	}
	if p.Drops() != 1 {
		t.Errorf("Drops() = %d, want the super-frame", p.Drops())
	}
}

// TestOffloadReadAndWrite: with offloads on, a super-frame arrives whole
// with its header in the headroom (shifted when its tag is put back), and
// WriteOffload sends one back that the host's stack receives as
// datagrams.
func TestOffloadReadAndWrite(t *testing.T) {
	l := newVethLab(t, 0)
	p := l.open(t, Config{})
	if got, err := p.SetOffload(port.OffloadAll); got != port.OffloadAll || err != nil {
		t.Fatalf("SetOffload = %v, %v", got, err)
	}
	if p.BufferSize() != port.Headroom+port.MaxSuperFrame {
		t.Errorf("BufferSize() = %d with TSO on", p.BufferSize())
	}
	fd := udpHost(t, l)
	payload := bytes.Repeat([]byte("0123456789"), 300)
	sendUDPTo(t, fd, payload, 1000)
	f, h := readUDP(t, p)
	if h.Type() != gso.GSOUDPL4 || h.GSOSize != 1000 || !h.NeedsCsum() || h.CsumStart != 34 || len(f) != 14+20+8+len(payload) {
		t.Fatalf("super-frame of %d bytes, header %v", len(f), h)
	}

	// Back to the host: swap the addresses and ports. The partial checksum
	// (the pseudo-header sum) and the IP checksum do not change.
	var hostMAC net.HardwareAddr
	_ = l.ns.Do(func() error {
		ifi, err := net.InterfaceByName(l.peer)
		if err == nil {
			hostMAC = ifi.HardwareAddr
		}
		return err
	})
	out := append([]byte(nil), f...)
	copy(out[0:6], hostMAC)
	copy(out[6:12], switchMAC)
	copy(out[26:30], f[30:34])
	copy(out[30:34], f[26:30])
	copy(out[34:36], f[36:38])
	copy(out[36:38], f[34:36])
	if n, err := p.WriteOffload([][]byte{out}, []gso.Header{h}); n != 1 || err != nil {
		t.Fatalf("WriteOffload: %d %v", n, err)
	}
	buf := make([]byte, 2000)
	for i := range 3 {
		n, err := unix.Read(fd, buf)
		if err != nil || n != 1000 || !bytes.Equal(buf[:n], payload[i*1000:(i+1)*1000]) {
			t.Fatalf("datagram %d at the host: %d bytes, %v", i, n, err)
		}
	}

	// A tagged super-frame, sent by a packet socket with virtio-net
	// headers on the host end (the kernel here may lack 802.1Q devices):
	// the header follows the tag put back in front of the IP header.
	tagged := tagged(f, 0x8100, 7)
	th := h
	th.CsumStart += 4
	if th.HdrLen != 0 {
		th.HdrLen += 4
	}
	var raw [gso.HeaderLen]byte
	th.Encode(raw[:])
	err := l.ns.Do(func() error {
		ifi, err := net.InterfaceByName(l.peer)
		if err != nil {
			return err
		}
		fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_VNET_HDR, 1); err != nil {
			return err
		}
		if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifi.Index}); err != nil {
			return err
		}
		_, err = unix.Write(fd, append(raw[:], tagged...))
		return err
	})
	if err != nil {
		t.Fatalf("sending a tagged super-frame: %v", err)
	}
	bufs, sizes := newBufs(8, p.BufferSize())
	deadline := time.Now().Add(promptly)
	for time.Now().Before(deadline) {
		n, err := p.Read(bufs, sizes, port.Headroom)
		if err != nil {
			t.Fatal(err)
		}
		for i := range n {
			f := bufs[i][port.Headroom : port.Headroom+sizes[i]]
			if len(f) > 18 && binary.BigEndian.Uint16(f[12:]) == 0x8100 && binary.BigEndian.Uint16(f[16:]) == 0x0800 {
				h, _ := gso.Decode(bufs[i][port.Headroom-gso.HeaderLen:])
				if h.Type() != gso.GSOUDPL4 || h.CsumStart != 38 || !bytes.Equal(f, tagged) {
					t.Errorf("tagged super-frame of %d bytes (want %d), header %v", len(f), len(tagged), h)
				}
				return
			}
		}
	}
	t.Error("no tagged super-frame")
}

// TestVnetOff: a port opened without virtio-net headers offers no offloads
// and still moves plain frames.
func TestVnetOff(t *testing.T) {
	l := newVethLab(t, 0)
	p := l.open(t, Config{NoVnet: true})
	if got, err := p.SetOffload(port.OffloadAll); got != 0 || err != nil {
		t.Errorf("SetOffload on vnet=off: %v %v", got, err)
	}
	if _, err := p.WriteOffload([][]byte{make([]byte, 60)}, []gso.Header{{}}); err == nil {
		t.Error("WriteOffload accepted on vnet=off")
	}
	ps := newPacketSocket(t, l.ns, l.peer)
	in := testFrame(switchMAC, hostMAC, 3, 200)
	ps.send(t, in)
	if got := readN(t, p, 1); len(got) != 1 || !bytes.Equal(got[0], in) {
		t.Errorf("read %d frames", len(got))
	}
	out := testFrame(hostMAC, switchMAC, 4, 200)
	if n, err := p.Write([][]byte{out}); n != 1 || err != nil {
		t.Fatalf("Write: %d %v", n, err)
	}
	if f := ps.recvTest(t); !bytes.Equal(f, out) {
		t.Error("the host received another frame")
	}
}
