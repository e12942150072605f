package afpacket

import (
	"encoding/binary"
	"fmt"
	"net"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/l2sw/l2sw/dataplane/port"
	"github.com/l2sw/l2sw/internal/netns"
)

const promptly = 5 * time.Second

// testEtherType marks the frames tests send (IEEE local experimental), so
// the kernel drops them without reacting.
const testEtherType = 0x88b5

var (
	switchMAC = net.HardwareAddr{0x02, 0x00, 0x5e, 0x10, 0x00, 0x01}
	hostMAC   = net.HardwareAddr{0x02, 0x00, 0x5e, 0x10, 0x00, 0x02}
)

// vethLab is a veth pair in a fresh namespace (IPv6 off, so the kernel
// sends nothing of its own): the port attaches to sw, the test plays the
// host on peer.
type vethLab struct {
	ns       *netns.NS
	sw, peer string
}

func newVethLab(t testing.TB, mtu int) *vethLab {
	t.Helper()
	netns.RequireRoot(t)
	ns := netns.New(t)
	ns.DisableIPv6()
	l := &vethLab{ns: ns, sw: "sw0", peer: "host0"}
	ns.MustRun("ip", "link", "add", l.sw, "type", "veth", "peer", "name", l.peer)
	if mtu != 0 {
		ns.MustRun("ip", "link", "set", "dev", l.sw, "mtu", fmt.Sprint(mtu))
		ns.MustRun("ip", "link", "set", "dev", l.peer, "mtu", fmt.Sprint(mtu))
	}
	ns.LinkUp(l.peer)
	return l
}

// open attaches the switch side and closes it in t.Cleanup.
func (l *vethLab) open(t testing.TB, cfg Config) *Port {
	t.Helper()
	return l.openOn(t, l.sw, cfg)
}

func (l *vethLab) openOn(t testing.TB, name string, cfg Config) *Port {
	t.Helper()
	cfg.Name = name
	var p *Port
	err := l.ns.Do(func() error {
		var err error
		p, err = Open(cfg)
		return err
	})
	if err != nil {
		t.Fatalf("Open(%+v) in %s: %v", cfg, l.ns.Name, err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// testFrame builds a frame of our test EtherType carrying seq, size bytes
// long, with a recognisable payload.
func testFrame(dst, src net.HardwareAddr, seq uint32, size int) []byte {
	f := make([]byte, size)
	copy(f[0:6], dst)
	copy(f[6:12], src)
	binary.BigEndian.PutUint16(f[12:14], testEtherType)
	binary.BigEndian.PutUint32(f[14:18], seq)
	for i := 18; i < size; i++ {
		f[i] = byte(i + int(seq))
	}
	return f
}

// tagged inserts 802.1Q-style tags (tpid, tci pairs, outermost first)
// after the MAC addresses of f.
func tagged(f []byte, tags ...uint16) []byte {
	out := append([]byte(nil), f[:12]...)
	for _, v := range tags {
		out = binary.BigEndian.AppendUint16(out, v)
	}
	return append(out, f[12:]...)
}

func testSeq(f []byte) (uint32, bool) {
	off := 12
	for off+4 <= len(f) {
		switch binary.BigEndian.Uint16(f[off : off+2]) {
		case 0x8100, 0x88a8:
			off += 4
			continue
		case testEtherType:
			if off+6 > len(f) {
				return 0, false
			}
			return binary.BigEndian.Uint32(f[off+2 : off+6]), true
		}
		return 0, false
	}
	return 0, false
}

func newBufs(n, size int) ([][]byte, []int) {
	bufs := make([][]byte, n)
	for i := range bufs {
		bufs[i] = make([]byte, size)
	}
	return bufs, make([]int, n)
}

type readResult struct {
	frames [][]byte
	err    error
}

// readAsync runs one Read in a goroutine and delivers its result.
func readAsync(p port.Port, batch int) <-chan readResult {
	ch := make(chan readResult, 1)
	go func() {
		bufs, sizes := newBufs(batch, port.BufferSize)
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

// readN reads until n frames have arrived or promptly passes.
func readN(t testing.TB, p *Port, n int) [][]byte {
	t.Helper()
	var out [][]byte
	deadline := time.Now().Add(promptly)
	for len(out) < n && time.Now().Before(deadline) {
		r := waitRead(t, readAsync(p, 64), promptly)
		if r.err != nil {
			t.Fatalf("Read: %v", r.err)
		}
		out = append(out, r.frames...)
	}
	return out
}

// packetSocket is a plain AF_PACKET socket on the host side of the veth,
// independent of the code under test: what it sends the port receives, and
// it receives what the port writes, with the tag the kernel stripped
// reported through PACKET_AUXDATA.
type packetSocket struct{ fd int }

func newPacketSocket(t testing.TB, ns *netns.NS, ifname string) *packetSocket {
	t.Helper()
	var ps packetSocket
	err := ns.Do(func() error {
		ifi, err := net.InterfaceByName(ifname)
		if err != nil {
			return err
		}
		fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		ps.fd = fd
		for _, o := range []int{unix.PACKET_QDISC_BYPASS, unix.PACKET_IGNORE_OUTGOING, unix.PACKET_AUXDATA} {
			if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, o, 1); err != nil {
				return fmt.Errorf("setsockopt %d: %w", o, err)
			}
		}
		if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &unix.Timeval{Sec: 5}); err != nil {
			return err
		}
		return unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifi.Index})
	})
	if err != nil {
		if ps.fd > 0 {
			unix.Close(ps.fd)
		}
		t.Fatalf("packet socket on %s: %v", ifname, err)
	}
	t.Cleanup(func() { unix.Close(ps.fd) })
	return &ps
}

func (ps *packetSocket) send(t testing.TB, f []byte) {
	t.Helper()
	if _, err := unix.Write(ps.fd, f); err != nil {
		t.Fatalf("packet socket send (%d bytes): %v", len(f), err)
	}
}

// recvTest returns the next frame of our test EtherType, with the tag the
// kernel stripped put back, skipping other frames.
func (ps *packetSocket) recvTest(t testing.TB) []byte {
	t.Helper()
	buf := make([]byte, 65536)
	oob := make([]byte, 256)
	for {
		n, oobn, _, _, err := unix.Recvmsg(ps.fd, buf, oob, 0)
		if err != nil {
			t.Fatalf("packet socket receive: %v", err)
		}
		f := append([]byte(nil), buf[:n]...)
		msgs, _ := unix.ParseSocketControlMessage(oob[:oobn])
		for _, m := range msgs {
			if m.Header.Level == unix.SOL_PACKET && m.Header.Type == unix.PACKET_AUXDATA {
				aux := (*unix.TpacketAuxdata)(unsafe.Pointer(&m.Data[0]))
				if aux.Status&unix.TP_STATUS_VLAN_VALID != 0 {
					tpid := uint16(0x8100)
					if aux.Status&unix.TP_STATUS_VLAN_TPID_VALID != 0 {
						tpid = aux.Vlan_tpid
					}
					f = tagged(f, tpid, aux.Vlan_tci)
				}
			}
		}
		if _, ok := testSeq(f); ok {
			return f
		}
	}
}
