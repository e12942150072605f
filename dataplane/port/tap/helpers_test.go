package tap

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/l2sw/l2sw/dataplane/port"
	"github.com/l2sw/l2sw/internal/netns"
)

// testEtherType marks the frames tests send (IEEE local experimental), so
// the kernel drops them without reacting.
const testEtherType = 0x88b5

var (
	switchMAC = net.HardwareAddr{0x02, 0x00, 0x5e, 0x10, 0x00, 0x01}
	hostMAC   = net.HardwareAddr{0x02, 0x00, 0x5e, 0x10, 0x00, 0x02}
)

// openTest opens a TAP with a unique name and closes it in t.Cleanup.
func openTest(t testing.TB, cfg Config) *Port {
	t.Helper()
	if cfg.Name == "" {
		cfg.Name = netns.LinkName("l2t")
	}
	p, err := Open(cfg)
	if err != nil {
		t.Fatalf("Open(%+v): %v", cfg, err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// inNamespace moves an open TAP into a fresh namespace with IPv6 off (no
// unsolicited frames) and sets it up there.
func inNamespace(t testing.TB, p *Port) *netns.NS {
	t.Helper()
	ns := netns.New(t)
	ns.DisableIPv6()
	ns.MoveLink(p.Name())
	ns.LinkUp(p.Name())
	return ns
}

// openInNamespace opens a TAP directly inside a fresh namespace with IPv6
// off, so the kernel queues no unsolicited frames (router solicitations, MLD)
// for it: what a test reads is what it sent. The TAP is created in the
// namespace of the thread that opens /dev/net/tun.
func openInNamespace(t testing.TB, cfg Config) (*Port, *netns.NS) {
	t.Helper()
	ns := netns.New(t)
	ns.DisableIPv6()
	var p *Port
	err := ns.Do(func() error {
		if cfg.Name == "" {
			cfg.Name = netns.LinkName("l2t")
		}
		var err error
		p, err = Open(cfg)
		return err
	})
	if err != nil {
		t.Fatalf("Open(%+v) in %s: %v", cfg, ns.Name, err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p, ns
}

// linkInfo is the part of `ip -j link show` the tests read.
type linkInfo struct {
	Name  string   `json:"ifname"`
	Flags []string `json:"flags"`
	MTU   int      `json:"mtu"`
}

func showLink(t testing.TB, name string) (linkInfo, bool) {
	t.Helper()
	out, err := netns.Host(t.Context(), "ip", "-j", "link", "show", "dev", name)
	if err != nil {
		if strings.Contains(out, "does not exist") {
			return linkInfo{}, false
		}
		t.Fatalf("%v\n%s", err, out)
	}
	var links []linkInfo
	if err := json.Unmarshal([]byte(out), &links); err != nil || len(links) != 1 {
		t.Fatalf("parsing ip -j link show %s: %v\n%s", name, err, out)
	}
	return links[0], true
}

func hasFlag(l linkInfo, flag string) bool {
	for _, f := range l.Flags {
		if f == flag {
			return true
		}
	}
	return false
}

// testFrame builds a frame of our test EtherType carrying seq.
func testFrame(dst, src net.HardwareAddr, seq uint32, size int) []byte {
	f := make([]byte, size)
	copy(f[0:6], dst)
	copy(f[6:12], src)
	binary.BigEndian.PutUint16(f[12:14], testEtherType)
	binary.BigEndian.PutUint32(f[14:18], seq)
	return f
}

func testSeq(f []byte) (uint32, bool) {
	if len(f) < 18 || binary.BigEndian.Uint16(f[12:14]) != testEtherType {
		return 0, false
	}
	return binary.BigEndian.Uint32(f[14:18]), true
}

// udpFrame builds an IPv4/UDP frame from 10.99.0.2 to 10.99.0.1 whose flow
// (and so its kernel hash) is chosen by the source port.
func udpFrame(dst, src net.HardwareAddr, srcPort uint16) []byte {
	f := make([]byte, 14+20+8+18)
	copy(f[0:6], dst)
	copy(f[6:12], src)
	binary.BigEndian.PutUint16(f[12:14], 0x0800)
	ip := f[14:34]
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:4], uint16(len(f)-14))
	ip[8], ip[9] = 64, 17
	copy(ip[12:16], []byte{10, 99, 0, 2})
	copy(ip[16:20], []byte{10, 99, 0, 1})
	udp := f[34:42]
	binary.BigEndian.PutUint16(udp[0:2], srcPort)
	binary.BigEndian.PutUint16(udp[2:4], 9)
	binary.BigEndian.PutUint16(udp[4:6], uint16(len(f)-34))
	return f
}

// arpRequest builds an Ethernet/IPv4 ARP request "who has target, tell sender".
func arpRequest(senderMAC net.HardwareAddr, sender, target net.IP) []byte {
	f := make([]byte, 60) // minimum frame without FCS
	copy(f[0:6], []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	copy(f[6:12], senderMAC)
	binary.BigEndian.PutUint16(f[12:14], 0x0806)
	a := f[14:]
	binary.BigEndian.PutUint16(a[0:2], 1)      // Ethernet
	binary.BigEndian.PutUint16(a[2:4], 0x0800) // IPv4
	a[4], a[5] = 6, 4
	binary.BigEndian.PutUint16(a[6:8], 1) // request
	copy(a[8:14], senderMAC)
	copy(a[14:18], sender.To4())
	copy(a[24:28], target.To4())
	return f
}

// arpReply reports whether f is an ARP reply from ip to mac and, if so, the
// MAC it announces.
func arpReply(f []byte, ip net.IP, mac net.HardwareAddr) (net.HardwareAddr, bool) {
	if len(f) < 42 || binary.BigEndian.Uint16(f[12:14]) != 0x0806 {
		return nil, false
	}
	a := f[14:]
	if binary.BigEndian.Uint16(a[6:8]) != 2 || !net.IP(a[14:18]).Equal(ip.To4()) {
		return nil, false
	}
	if net.HardwareAddr(a[18:24]).String() != mac.String() {
		return nil, false
	}
	return net.HardwareAddr(append([]byte(nil), a[8:14]...)), true
}

// readResult is one Read call's outcome, copied out of the buffers.
type readResult struct {
	frames [][]byte
	err    error
}

// newBufs allocates a batch of receive buffers.
func newBufs(n int) ([][]byte, []int) {
	bufs := make([][]byte, n)
	for i := range bufs {
		bufs[i] = make([]byte, port.BufferSize)
	}
	return bufs, make([]int, n)
}

// readAsync runs one Read in a goroutine and delivers its result.
func readAsync(p port.Port, batch int) <-chan readResult {
	ch := make(chan readResult, 1)
	go func() {
		bufs, sizes := newBufs(batch)
		n, err := p.Read(bufs, sizes, port.Headroom)
		var r readResult
		for i := range n {
			r.frames = append(r.frames, append([]byte(nil), bufs[i][port.Headroom:port.Headroom+sizes[i]]...))
		}
		r.err = err
		ch <- r
	}()
	return ch
}

// waitRead waits for a readAsync result or fails the test after d.
func waitRead(t testing.TB, ch <-chan readResult, d time.Duration) readResult {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(d):
		t.Fatalf("Read did not return within %v", d)
		return readResult{}
	}
}

// packetSocket is an AF_PACKET socket bound to one interface: what it sends
// leaves through the interface (so the TAP's reader receives it), and it
// receives what the TAP's writer injects.
type packetSocket struct {
	fd int
}

// newPacketSocket opens a packet socket on ifname inside ns. It bypasses the
// qdisc, so a send has reached the TAP's queue when it returns, and ignores
// its own outgoing frames.
func newPacketSocket(t testing.TB, ns *netns.NS, ifname string) *packetSocket {
	t.Helper()
	var ps packetSocket
	err := ns.Do(func() error {
		ifi, err := net.InterfaceByName(ifname)
		if err != nil {
			return err
		}
		fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_ALL)))
		if err != nil {
			return fmt.Errorf("socket: %w", err)
		}
		ps.fd = fd
		if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_QDISC_BYPASS, 1); err != nil {
			return fmt.Errorf("PACKET_QDISC_BYPASS: %w", err)
		}
		if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_IGNORE_OUTGOING, 1); err != nil {
			return fmt.Errorf("PACKET_IGNORE_OUTGOING: %w", err)
		}
		if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &unix.Timeval{Sec: 5}); err != nil {
			return fmt.Errorf("SO_RCVTIMEO: %w", err)
		}
		return unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifi.Index})
	})
	if err != nil {
		if ps.fd > 0 {
			unix.Close(ps.fd)
		}
		t.Fatalf("packet socket on %s in %s: %v", ifname, ns.Name, err)
	}
	t.Cleanup(func() { unix.Close(ps.fd) })
	return &ps
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

func (ps *packetSocket) send(t testing.TB, f []byte) {
	t.Helper()
	if _, err := unix.Write(ps.fd, f); err != nil {
		t.Fatalf("packet socket send: %v", err)
	}
}

// recvTest returns the next frame of our test EtherType (skipping others).
func (ps *packetSocket) recvTest(t testing.TB, buf []byte) []byte {
	t.Helper()
	for {
		n, err := unix.Read(ps.fd, buf)
		if err != nil {
			t.Fatalf("packet socket receive: %v", err)
		}
		if _, ok := testSeq(buf[:n]); ok {
			return buf[:n]
		}
	}
}

func linkExists(name string) bool {
	_, err := os.Stat("/sys/class/net/" + name)
	return err == nil
}
