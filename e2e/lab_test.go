package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/dataplane/port"
	"github.com/l2sw/l2sw/dataplane/port/tap"
	"github.com/l2sw/l2sw/internal/netns"
	"github.com/l2sw/l2sw/packet"
)

// promptly bounds every wait for something that should happen at once
// (a frame crossing the switch, an entry being learned).
const promptly = 5 * time.Second

// lab is one in-process switch with hosts attached to its ports.
type lab struct {
	t        *testing.T
	sw       *dataplane.Switch
	ports    int
	stopOnce sync.Once
}

// newLab starts an empty switch. It is stopped before the first host's
// namespace is deleted, so teardown does not look like links going down.
func newLab(t *testing.T) *lab {
	t.Helper()
	netns.RequireRoot(t)
	l := &lab{t: t, sw: dataplane.New(dataplane.Config{})}
	l.sw.Start()
	t.Cleanup(l.stop)
	return l
}

func (l *lab) stop() {
	l.stopOnce.Do(func() {
		if l.t.Failed() {
			for _, m := range l.sw.Log().Messages() {
				l.t.Logf("switch log: %s", m)
			}
		}
		if err := l.sw.Stop(); err != nil {
			l.t.Errorf("stopping the switch: %v", err)
		}
	})
}

// host is a namespace whose one interface is a TAP port of the switch.
type host struct {
	l      *lab
	name   string // for messages
	ns     *netns.NS
	ifname string
	port   string // the switch's interface name
	mac    packet.MAC
}

// access returns the settings of an access port in vlan.
func access(vlan uint16) dataplane.PortSettings {
	s := dataplane.DefaultPortSettings()
	s.AccessVLAN = vlan
	return s
}

// trunk returns the settings of a trunk port with the native VLAN and the
// allowed list given.
func trunk(native uint16, allowed ...uint16) dataplane.PortSettings {
	s := dataplane.DefaultPortSettings()
	s.Mode = dataplane.ModeTrunk
	s.NativeVLAN = native
	if len(allowed) > 0 {
		s.Allowed = dataplane.VLANSet{}
		for _, v := range allowed {
			s.Allowed.Add(v)
		}
	}
	return s
}

// addHost opens a TAP, attaches it as the next GigabitEthernet0/N with the
// settings given, then moves the TAP into a new namespace (IPv6 off, so the
// kernel adds no frames of its own), gives it mac and the addresses, and
// sets it up. The switch keeps using the descriptor it opened before the
// move: every test relies on that.
func (l *lab) addHost(name string, s dataplane.PortSettings, mac string, cidrs ...string) *host {
	l.t.Helper()
	return l.addHostTap(name, tap.Config{}, s, mac, cidrs...)
}

// addHostTap is addHost with the TAP opened as cfg says (its Name is
// chosen here).
func (l *lab) addHostTap(name string, cfg tap.Config, s dataplane.PortSettings, mac string, cidrs ...string) *host {
	l.t.Helper()
	return l.addHostWrapped(name, cfg, nil, s, mac, cidrs...)
}

// addHostWrapped is addHostTap with the switch given wrap(TAP) as the
// port's backend instead of the TAP itself (nil: the TAP).
func (l *lab) addHostWrapped(name string, cfg tap.Config, wrap func(*tap.Port) port.Port, s dataplane.PortSettings, mac string, cidrs ...string) *host {
	t := l.t
	t.Helper()
	hw, err := packet.ParseMAC(mac)
	if err != nil {
		t.Fatalf("host %s: %v", name, err)
	}
	ifname := netns.LinkName("e2e")
	cfg.Name = ifname
	p, err := tap.Open(cfg)
	if err != nil {
		t.Fatalf("host %s: %v", name, err)
	}
	var backend port.Port = p
	if wrap != nil {
		backend = wrap(p)
	}
	l.ports++
	portName := fmt.Sprintf("GigabitEthernet0/%d", l.ports)
	if err := l.sw.AddPort(portName, backend); err != nil {
		_ = p.Close()
		t.Fatalf("host %s: %v", name, err)
	}
	if _, err := l.sw.SetPortSettings(portName, s); err != nil {
		t.Fatalf("host %s: %v", name, err)
	}
	ns := netns.New(t)
	t.Cleanup(l.stop) // runs before the namespace (and the TAP) is deleted
	ns.DisableIPv6()
	ns.MoveLink(ifname)
	ns.MustRun("ip", "link", "set", "dev", ifname, "address", hw.Colon())
	for _, c := range cidrs {
		ns.AddAddr(ifname, c)
	}
	ns.LinkUp(ifname)
	return &host{l: l, name: name, ns: ns, ifname: ifname, port: portName, mac: hw}
}

// ping reports whether ip answers echo requests from h (at least one of
// count, each waited for up to a second).
func (h *host) ping(ip string, count int) error {
	out, err := h.ns.Run("ping", "-n", "-q", "-c", fmt.Sprint(count), "-i", "0.2", "-W", "1", ip)
	if err != nil {
		return fmt.Errorf("%s: %w\n%s", h.name, err, out)
	}
	return nil
}

// mustPing fails the test unless ip answers h.
func (h *host) mustPing(ip string) {
	h.l.t.Helper()
	if err := h.ping(ip, 2); err != nil {
		h.l.t.Errorf("%s cannot reach %s: %v", h.name, ip, err)
	}
}

// staticNeigh pins ip to mac in h's neighbour table, so h never ARPs for it.
func (h *host) staticNeigh(ip string, mac packet.MAC) {
	h.l.t.Helper()
	h.ns.MustRun("ip", "neigh", "replace", ip, "lladdr", mac.Colon(), "dev", h.ifname, "nud", "permanent")
}

// macPort is where the switch has h's MAC in vlan ("" if nowhere).
func (l *lab) macPort(vlan uint16, mac packet.MAC) string {
	p, _ := l.sw.MACPort(vlan, mac)
	return p
}

// waitMACPort waits until (vlan, mac) is on port (port "" waits for the
// entry to be gone) and returns how long that took.
func (l *lab) waitMACPort(vlan uint16, mac packet.MAC, port string, timeout time.Duration) (time.Duration, bool) {
	start := time.Now()
	ok := poll(timeout, func() bool { return l.macPort(vlan, mac) == port })
	return time.Since(start), ok
}

func (l *lab) counters(port string) dataplane.PortCounters {
	l.t.Helper()
	c, err := l.sw.Counters(port)
	if err != nil {
		l.t.Fatal(err)
	}
	return c
}

// poll calls cond every 20 ms until it holds or timeout passes.
func poll(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// frameRecord is one frame a capture saw arrive on its interface.
// The kernel strips a received frame's 802.1Q tag into metadata before
// packet sockets see it; vlan and tagged come from PACKET_AUXDATA.
type frameRecord struct {
	data   []byte
	at     time.Time // when the kernel queued it on the capture socket
	tagged bool
	vlan   uint16
}

func (f frameRecord) dst() packet.MAC { return packet.MAC(f.data[0:6]) }
func (f frameRecord) src() packet.MAC { return packet.MAC(f.data[6:12]) }

// String tells a frame apart in a failure message: when it arrived, its
// addresses and what gopacket makes of its layers.
func (f frameRecord) String() string {
	p := gopacket.NewPacket(f.data, layers.LayerTypeEthernet, gopacket.NoCopy)
	var names []string
	for _, l := range p.Layers() {
		names = append(names, l.LayerType().String())
		if icmp, ok := l.(*layers.ICMPv4); ok {
			names = append(names, icmp.TypeCode.String())
		}
	}
	return fmt.Sprintf("%s %s > %s %v", f.at.Format("15:04:05.000000"), f.src(), f.dst(), names)
}

// capture records every frame that arrives on one interface of a namespace
// (not the ones the host sends), through a packet socket: no tcpdump to
// start, wait for and parse.
type capture struct {
	fd     int
	mu     sync.Mutex
	frames []frameRecord
	since  time.Time // reset's cut: frames queued earlier are forgotten
	quit   chan struct{}
	done   chan struct{}
}

func (h *host) capture() *capture {
	t := h.l.t
	t.Helper()
	c := &capture{fd: -1, quit: make(chan struct{}), done: make(chan struct{})}
	err := h.ns.Do(func() error {
		ifi, err := net.InterfaceByName(h.ifname)
		if err != nil {
			return err
		}
		// Protocol 0 receives nothing until bind names the interface, so
		// no frame of another interface slips in between.
		fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("packet socket: %w", err)
		}
		if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifi.Index}); err != nil {
			unix.Close(fd)
			return fmt.Errorf("bind packet socket to %s: %w", h.ifname, err)
		}
		if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_AUXDATA, 1); err != nil {
			unix.Close(fd)
			return fmt.Errorf("PACKET_AUXDATA: %w", err)
		}
		// The kernel's arrival time, not the reader's: a frame still queued
		// when reset runs must not count as arriving after it.
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1); err != nil {
			unix.Close(fd)
			return fmt.Errorf("SO_TIMESTAMPNS: %w", err)
		}
		c.fd = fd
		return nil
	})
	if err != nil {
		t.Fatalf("capture on %s: %v", h.name, err)
	}
	// A short receive timeout lets the reader notice quit; the descriptor
	// is closed only after the reader is gone.
	tv := unix.Timeval{Usec: 50_000}
	if err := unix.SetsockoptTimeval(c.fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		unix.Close(c.fd)
		t.Fatalf("capture on %s: %v", h.name, err)
	}
	go c.run()
	t.Cleanup(c.close)
	return c
}

func (c *capture) run() {
	defer close(c.done)
	buf := make([]byte, 65536)
	oob := make([]byte, 256)
	for {
		select {
		case <-c.quit:
			return
		default:
		}
		n, oobn, _, from, err := unix.Recvmsg(c.fd, buf, oob, 0)
		if err != nil {
			if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
				continue
			}
			return
		}
		if sll, ok := from.(*unix.SockaddrLinklayer); ok && sll.Pkttype == unix.PACKET_OUTGOING {
			continue
		}
		if n < 14 {
			continue
		}
		rec := frameRecord{data: bytes.Clone(buf[:n])}
		rec.tagged, rec.vlan, rec.at = socketAux(oob[:oobn])
		c.mu.Lock()
		if !rec.at.Before(c.since) {
			c.frames = append(c.frames, rec)
		}
		c.mu.Unlock()
	}
}

// socketAux reads the 802.1Q tag the kernel stripped from a received frame
// and the time the kernel queued it (now, if the message carries none).
func socketAux(oob []byte) (tagged bool, vlan uint16, at time.Time) {
	at = time.Now()
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return false, 0, at
	}
	for _, m := range msgs {
		switch {
		case m.Header.Level == unix.SOL_PACKET && m.Header.Type == unix.PACKET_AUXDATA && len(m.Data) >= int(unsafe.Sizeof(unix.TpacketAuxdata{})):
			aux := (*unix.TpacketAuxdata)(unsafe.Pointer(&m.Data[0]))
			if aux.Status&unix.TP_STATUS_VLAN_VALID != 0 {
				tagged, vlan = true, aux.Vlan_tci&0x0fff
			}
		case m.Header.Level == unix.SOL_SOCKET && m.Header.Type == unix.SO_TIMESTAMPNS && len(m.Data) >= int(unsafe.Sizeof(unix.Timespec{})):
			ts := (*unix.Timespec)(unsafe.Pointer(&m.Data[0]))
			at = time.Unix(ts.Unix())
		}
	}
	return tagged, vlan, at
}

func (c *capture) close() {
	select {
	case <-c.quit:
		return
	default:
	}
	close(c.quit)
	<-c.done
	unix.Close(c.fd)
}

// matching returns the frames seen so far that match.
func (c *capture) matching(match func(frameRecord) bool) []frameRecord {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []frameRecord
	for _, f := range c.frames {
		if match(f) {
			out = append(out, f)
		}
	}
	return out
}

// waitFor waits until at least n matching frames have been seen.
func (c *capture) waitFor(n int, timeout time.Duration, match func(frameRecord) bool) bool {
	return poll(timeout, func() bool { return len(c.matching(match)) >= n })
}

// reset forgets the frames that reached the interface so far, including
// those still queued for the reader.
func (c *capture) reset() {
	c.mu.Lock()
	c.frames = nil
	c.since = time.Now()
	c.mu.Unlock()
}

// sendRaw sends frame as is (addresses included) out of h's interface
// through a packet socket: the way to send what the kernel would never
// make, such as an all-zero source MAC.
func (h *host) sendRaw(frame []byte) {
	t := h.l.t
	t.Helper()
	err := h.ns.Do(func() error {
		ifi, err := net.InterfaceByName(h.ifname)
		if err != nil {
			return err
		}
		fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("packet socket: %w", err)
		}
		defer unix.Close(fd)
		to := &unix.SockaddrLinklayer{Ifindex: ifi.Index, Halen: 6}
		copy(to.Addr[:], frame[0:6])
		return unix.Sendto(fd, frame, 0, to)
	})
	if err != nil {
		t.Fatalf("%s: sending a raw frame: %v", h.name, err)
	}
}

// udp opens a UDP socket bound to laddr inside h's namespace; it stays
// there whichever goroutine uses it.
func (h *host) udp(laddr string) *net.UDPConn {
	t := h.l.t
	t.Helper()
	var conn *net.UDPConn
	err := h.ns.Do(func() error {
		a, err := net.ResolveUDPAddr("udp4", laddr)
		if err != nil {
			return err
		}
		conn, err = net.ListenUDP("udp4", a)
		return err
	})
	if err != nil {
		t.Fatalf("%s: %v", h.name, err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// sendUDP sends one datagram from conn to addr.
func sendUDP(t *testing.T, conn *net.UDPConn, addr string, payload string) {
	t.Helper()
	a, err := net.ResolveUDPAddr("udp4", addr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.WriteToUDP([]byte(payload), a); err != nil {
		t.Fatalf("send to %s: %v", addr, err)
	}
}

// receiveUDP waits for a datagram carrying payload on conn.
func receiveUDP(conn *net.UDPConn, payload string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	buf := make([]byte, 2048)
	for {
		if err := conn.SetReadDeadline(deadline); err != nil {
			return err
		}
		n, _, err := conn.ReadFromUDP(buf)
		if err != nil {
			return fmt.Errorf("waiting for %q: %w", payload, err)
		}
		if string(buf[:n]) == payload {
			return nil
		}
	}
}

// containsPayload matches frames whose bytes contain marker.
func containsPayload(marker string) func(frameRecord) bool {
	return func(f frameRecord) bool { return bytes.Contains(f.data, []byte(marker)) }
}

// macs lists entries for messages.
func macs(es []dataplane.MACEntry) string {
	var b strings.Builder
	for _, e := range es {
		fmt.Fprintf(&b, "\n  vlan %d %s %s", e.VLAN, e.MAC, e.Port)
	}
	return b.String()
}
