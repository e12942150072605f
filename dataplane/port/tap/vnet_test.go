package tap

import (
	"bytes"
	"encoding/binary"
	"net"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"golang.org/x/sys/unix"

	"github.com/l2sw/l2sw/dataplane/gso"
	"github.com/l2sw/l2sw/dataplane/port"
	"github.com/l2sw/l2sw/internal/netns"
)

var (
	nsIP   = net.IPv4(10, 99, 0, 1).To4() // the namespace's address on the TAP
	peerIP = net.IPv4(10, 99, 0, 2).To4() // the switch side, answered by a static neighbour
)

// vnetHost opens a vnet TAP inside a namespace and gives the namespace an
// address and a static neighbour behind the TAP, so its stack sends IP.
func vnetHost(t *testing.T, off port.Offload) (*Port, *netns.NS) {
	t.Helper()
	p, ns := openInNamespace(t, Config{Vnet: VnetOn})
	if !p.Vnet() {
		t.Fatal("VnetOn opened a plain TAP")
	}
	got, err := p.SetOffload(off)
	if err != nil || (got|port.OffloadUSO)&off != off {
		t.Fatalf("SetOffload(%v) = %v, %v", off, got, err)
	}
	ns.AddAddr(p.Name(), "10.99.0.1/24")
	ns.MustRun("ip", "neigh", "replace", peerIP.String(), "lladdr", switchMAC.String(), "dev", p.Name())
	return p, ns
}

// sendUDP sends payload from the namespace to peerIP:9, as one UDP_SEGMENT
// (USO) super-datagram when segment > 0.
func sendUDP(t *testing.T, ns *netns.NS, payload []byte, segment int) {
	t.Helper()
	err := ns.Do(func() error {
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		if segment > 0 {
			if err := unix.SetsockoptInt(fd, unix.SOL_UDP, unix.UDP_SEGMENT, segment); err != nil {
				return err
			}
		}
		return unix.Sendto(fd, payload, 0, &unix.SockaddrInet4{Port: 9, Addr: [4]byte(peerIP)})
	})
	if err != nil {
		t.Fatalf("sending UDP in %s: %v", ns.Name, err)
	}
}

// readUDP reads frames until count IPv4/UDP frames to port 9 have arrived,
// returning them with their virtio-net headers.
func readUDP(t *testing.T, p *Port, count int) ([][]byte, []gso.Header) {
	t.Helper()
	bufs, sizes := newBufs(8)
	for i := range bufs {
		bufs[i] = make([]byte, p.BufferSize())
	}
	var frames [][]byte
	var hdrs []gso.Header
	deadline := time.After(promptly)
	for len(frames) < count {
		ch := make(chan int, 1)
		go func() { n, _ := p.Read(bufs, sizes, port.Headroom); ch <- n }()
		var n int
		select {
		case n = <-ch:
		case <-deadline:
			t.Fatalf("got %d of %d UDP frames", len(frames), count)
		}
		for i := range n {
			f := bufs[i][port.Headroom : port.Headroom+sizes[i]]
			if len(f) < 42 || binary.BigEndian.Uint16(f[12:]) != 0x0800 || f[23] != 17 || binary.BigEndian.Uint16(f[36:]) != 9 {
				continue
			}
			h, err := gso.Decode(bufs[i][port.Headroom-gso.HeaderLen:])
			if err != nil {
				t.Fatal(err)
			}
			frames = append(frames, append([]byte(nil), f...))
			hdrs = append(hdrs, h)
		}
	}
	return frames, hdrs
}

// checkUDP decodes f with gopacket and checks that its UDP checksum is
// correct by serializing it again.
func checkUDP(t *testing.T, f []byte) []byte {
	t.Helper()
	pk := gopacket.NewPacket(f, layers.LayerTypeEthernet, gopacket.Default)
	ip, _ := pk.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
	udp, _ := pk.Layer(layers.LayerTypeUDP).(*layers.UDP)
	if ip == nil || udp == nil {
		t.Fatalf("not IPv4/UDP: %v", pk)
	}
	want := udp.Checksum
	_ = udp.SetNetworkLayerForChecksum(ip)
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{ComputeChecksums: true}, udp, gopacket.Payload(udp.Payload)); err != nil {
		t.Fatal(err)
	}
	if got := binary.BigEndian.Uint16(buf.Bytes()[6:]); got != want {
		t.Errorf("UDP checksum %#04x, want %#04x", want, got)
	}
	return udp.Payload
}

func TestVnetOffloadsOffGivesPlainFrames(t *testing.T) {
	netns.RequireRoot(t)
	p, ns := vnetHost(t, 0)
	payload := bytes.Repeat([]byte("0123456789"), 300)
	sendUDP(t, ns, payload, 1000)
	frames, hdrs := readUDP(t, p, 3)
	for i, f := range frames {
		if !hdrs[i].Plain() {
			t.Errorf("frame %d: header %v with offloads off", i, hdrs[i])
		}
		if got := checkUDP(t, f); !bytes.Equal(got, payload[i*1000:(i+1)*1000]) {
			t.Errorf("frame %d: wrong payload", i)
		}
	}
	if p.BufferSize() != port.BufferSize {
		t.Errorf("BufferSize %d with offloads off", p.BufferSize())
	}
}

func TestVnetReadsSuperFrame(t *testing.T) {
	netns.RequireRoot(t)
	p, ns := vnetHost(t, port.OffloadAll)
	if p.Offload()&port.OffloadUSO == 0 {
		t.Skip("kernel without USO on TAP (before 6.2)")
	}
	if p.BufferSize() < port.Headroom+port.MaxSuperFrame {
		t.Fatalf("BufferSize %d with TSO on", p.BufferSize())
	}
	payload := make([]byte, 20000)
	for i := range payload {
		payload[i] = byte(i * 7)
	}
	sendUDP(t, ns, payload, 1400)
	frames, hdrs := readUDP(t, p, 1)
	f, h := frames[0], hdrs[0]
	if h.Type() != gso.GSOUDPL4 || h.GSOSize != 1400 || !h.NeedsCsum() || len(f) != 14+20+8+len(payload) {
		t.Fatalf("got a %d-byte frame with header %v, want one USO super-frame", len(f), h)
	}
	segs, sizes := make([][]byte, 20), make([]int, 20)
	for i := range segs {
		segs[i] = make([]byte, 1500)
	}
	n, err := gso.Segment(f, h, segs, sizes)
	if err != nil || n != 15 {
		t.Fatalf("Segment = %d, %v", n, err)
	}
	var joined []byte
	for i := range n {
		joined = append(joined, checkUDP(t, segs[i][:sizes[i]])...)
	}
	if !bytes.Equal(joined, payload) {
		t.Error("segments do not carry the datagram's payload")
	}

	// A small datagram comes with a partial checksum that gso.Checksum completes.
	sendUDP(t, ns, []byte("partial"), 0)
	frames, hdrs = readUDP(t, p, 1)
	if !hdrs[0].NeedsCsum() || hdrs[0].IsGSO() {
		t.Fatalf("header %v, want a partial checksum", hdrs[0])
	}
	if err := gso.Checksum(frames[0], hdrs[0]); err != nil {
		t.Fatal(err)
	}
	checkUDP(t, frames[0])
}

// udpFrameTo builds an IPv4/UDP frame from peerIP to nsIP:port with a
// correct checksum, and returns where the checksum is.
func udpFrameTo(t *testing.T, dport uint16, payload []byte) ([]byte, int) {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: switchMAC, DstMAC: hostMAC, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: peerIP, DstIP: nsIP}
	udp := &layers.UDP{SrcPort: 4000, DstPort: layers.UDPPort(dport)}
	_ = udp.SetNetworkLayerForChecksum(ip)
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, udp, gopacket.Payload(payload)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), 14 + 20 + 6
}

func TestVnetWriteOffload(t *testing.T) {
	netns.RequireRoot(t)
	p, ns := vnetHost(t, port.OffloadAll)
	if p.Offload()&port.OffloadUSO == 0 {
		t.Skip("kernel without USO on TAP (before 6.2)")
	}
	// The TAP's MAC must be the frames' destination for the stack to take them.
	ns.MustRun("ip", "link", "set", "dev", p.Name(), "address", hostMAC.String())
	var sock int
	if err := ns.Do(func() error {
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		sock = fd
		if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &unix.Timeval{Sec: 5}); err != nil {
			return err
		}
		return unix.Bind(fd, &unix.SockaddrInet4{Port: 7000, Addr: [4]byte(nsIP)})
	}); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(sock)
	recv := func() []byte {
		t.Helper()
		b := make([]byte, 65536)
		n, _, err := unix.Recvfrom(sock, b, 0)
		if err != nil {
			t.Fatalf("namespace socket: %v", err)
		}
		return b[:n]
	}

	// A partial checksum (the pseudo-header sum only) is accepted because
	// the header says so.
	f, csum := udpFrameTo(t, 7000, []byte("needs csum"))
	binary.BigEndian.PutUint16(f[csum:], 0x1234)
	h := gso.Header{Flags: gso.FlagNeedsCsum, CsumStart: 34, CsumOffset: 6}
	if n, err := p.WriteOffload([][]byte{f}, []gso.Header{h}); n != 1 || err != nil {
		t.Fatalf("WriteOffload: %d %v", n, err)
	}
	// (0x1234 is not the pseudo-header sum, so the datagram arrives with a
	// checksum the stack never verifies: CHECKSUM_PARTIAL is trusted.)
	if got := recv(); string(got) != "needs csum" {
		t.Errorf("received %q", got)
	}

	// A USO super-frame is segmented by the kernel into 3 datagrams.
	payload := bytes.Repeat([]byte("abcdefghij"), 250)
	f, _ = udpFrameTo(t, 7000, payload)
	h = gso.Header{Flags: gso.FlagNeedsCsum, GSOType: uint8(gso.GSOUDPL4), GSOSize: 1000, HdrLen: 42, CsumStart: 34, CsumOffset: 6}
	if n, err := p.WriteOffload([][]byte{f}, []gso.Header{h}); n != 1 || err != nil {
		t.Fatalf("WriteOffload super-frame: %d %v", n, err)
	}
	for i := range 3 {
		if got := recv(); !bytes.Equal(got, payload[i*1000:min((i+1)*1000, len(payload))]) {
			t.Errorf("datagram %d: %d bytes, wrong payload", i, len(got))
		}
	}

	// Plain Write sends a zero header: a frame with a correct checksum.
	f, _ = udpFrameTo(t, 7000, []byte("plain"))
	if n, err := p.Write([][]byte{f}); n != 1 || err != nil {
		t.Fatalf("Write: %d %v", n, err)
	}
	if got := recv(); string(got) != "plain" {
		t.Errorf("received %q", got)
	}
}

func TestVnetOffPlainTapRefusesOffloads(t *testing.T) {
	netns.RequireRoot(t)
	p, _ := openInNamespace(t, Config{Vnet: VnetOff})
	if p.Vnet() {
		t.Fatal("VnetOff opened a vnet TAP")
	}
	if got, err := p.SetOffload(port.OffloadAll); got != 0 || err != nil {
		t.Errorf("SetOffload on a plain TAP = %v, %v", got, err)
	}
	f := testFrame(hostMAC, switchMAC, 1, 64)
	n, err := p.WriteOffload([][]byte{f, f}, []gso.Header{{}, {Flags: gso.FlagNeedsCsum}})
	if n != 1 || err != nil || p.Stats().TxErrors != 1 {
		t.Errorf("WriteOffload = %d, %v, TxErrors %d; want the partial-checksum frame dropped", n, err, p.Stats().TxErrors)
	}
}

func TestVnetWriteAllocs(t *testing.T) {
	netns.RequireRoot(t)
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	p, _ := openInNamespace(t, Config{Vnet: VnetOn})
	frames := [][]byte{testFrame(hostMAC, switchMAC, 1, 64)}
	hdrs := []gso.Header{{}}
	if a := testing.AllocsPerRun(100, func() {
		_, _ = p.Write(frames)
		_, _ = p.WriteOffload(frames, hdrs)
	}); a != 0 {
		t.Errorf("vnet Write allocates %v times per call", a)
	}
}

func TestVnetModeString(t *testing.T) {
	for m, want := range map[VnetMode]string{VnetAuto: "auto", VnetOn: "on", VnetOff: "off", 7: "VnetMode(7)"} {
		if m.String() != want {
			t.Errorf("%d.String() = %q, want %q", m, m.String(), want)
		}
	}
	if _, err := Open(Config{Name: "x", Vnet: 7}); err == nil {
		t.Error("Open accepted VnetMode(7)")
	}
}
