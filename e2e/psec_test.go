package e2e

import (
	"encoding/binary"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/l2sw/l2sw/cli"
	"github.com/l2sw/l2sw/cli/term"
	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/packet"
)

// securityLab is three Linux hosts on access ports of VLAN 1 that know
// each other's MAC (no ARP, which is broadcast and would meet the storm
// levels), and a CLI over the switch.
func securityLab(t *testing.T, prefix string) (l *lab, a, b, c *host, conf func(lines ...string)) {
	t.Helper()
	l = newLab(t)
	a = l.addHost(prefix+"a", access(1), "0200.0000.1601", "10.0.16.1/24")
	b = l.addHost(prefix+"b", access(1), "0200.0000.1602", "10.0.16.2/24")
	c = l.addHost(prefix+"c", access(1), "0200.0000.1603", "10.0.16.3/24")
	for _, h := range []*host{a, b, c} {
		for _, o := range []*host{a, b, c} {
			if o != h {
				h.staticNeigh(o.ip(), o.mac)
			}
		}
	}
	dev := cli.NewDevice(l.sw, cli.Options{ConfigPath: filepath.Join(t.TempDir(), "startup-config")})
	conf = func(lines ...string) {
		t.Helper()
		all := append(append([]string{"configure terminal"}, lines...), "end")
		if res := term.RunBatch(dev.Engine(), all, term.BatchOptions{}); res.Rejected {
			t.Fatalf("%q refused:\n%s", lines, res.Output)
		}
	}
	return l, a, b, c, conf
}

// rawSender is a packet socket on h's interface for sending floods.
type rawSender struct {
	fd int
	to *unix.SockaddrLinklayer
}

func (h *host) rawSender() *rawSender {
	t := h.l.t
	t.Helper()
	s := &rawSender{fd: -1}
	err := h.ns.Do(func() error {
		ifi, err := net.InterfaceByName(h.ifname)
		if err != nil {
			return err
		}
		fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("packet socket: %w", err)
		}
		s.fd, s.to = fd, &unix.SockaddrLinklayer{Ifindex: ifi.Index, Halen: 6}
		return nil
	})
	if err != nil {
		t.Fatalf("%s: %v", h.name, err)
	}
	t.Cleanup(func() { unix.Close(s.fd) })
	return s
}

// flood sends frame(i) for i from 0 at pps frames a second for d, and
// returns how many it sent. A full socket buffer is waited out, not
// counted.
func (s *rawSender) flood(pps int, d time.Duration, frame func(i int) []byte) int {
	start := time.Now()
	sent := 0
	for {
		el := time.Since(start)
		if el >= d {
			return sent
		}
		for due := int(el.Seconds() * float64(pps)); sent < due; sent++ {
			if err := unix.Sendto(s.fd, frame(sent), 0, s.to); err != nil {
				time.Sleep(100 * time.Microsecond)
				break
			}
		}
		time.Sleep(200 * time.Microsecond)
	}
}

// rawFrame is an Ethernet frame from src to dst of the local
// experimental EtherType carrying marker and a sequence number.
func rawFrame(dst, src packet.MAC, marker string, seq int) []byte {
	f := make([]byte, 64)
	copy(f[0:6], dst[:])
	copy(f[6:12], src[:])
	binary.BigEndian.PutUint16(f[12:], 0x88b5)
	n := copy(f[14:], marker)
	binary.BigEndian.PutUint32(f[14+n:], uint32(seq))
	return f
}

// TestPortSecurityShutdownAndRecovery: with `switchport port-security`
// (maximum 1, violation shutdown) a second source MAC from the host
// err-disables its port with the IOS messages, and `errdisable recovery
// cause psecure-violation` brings it back after the interval, forwarding
// again.
func TestPortSecurityShutdownAndRecovery(t *testing.T) {
	t.Parallel()
	l, a, b, _, conf := securityLab(t, "psd")
	conf("interface "+a.port, "switchport mode access", "switchport port-security")
	a.mustPing(b.ip())
	a.sendRaw(rawFrame(b.mac, packet.MAC{0x02, 0, 0, 0, 0x16, 0x99}, "psec second mac", 0))
	if !poll(promptly, func() bool { return l.sw.ErrDisabledCause(a.port) == dataplane.CausePsecureViolation }) {
		t.Fatalf("a second MAC did not err-disable %s", a.port)
	}
	var log strings.Builder
	for _, m := range l.sw.Log().Messages() {
		fmt.Fprintf(&log, "%%%s-%d-%s: %s\n", m.Facility, int(m.Severity), m.Mnemonic, m.Text)
	}
	for _, want := range []string{
		"%PM-4-ERR_DISABLE: psecure-violation error detected on Gi0/1, putting Gi0/1 in err-disable state\n",
		"%PORT_SECURITY-2-PSECURE_VIOLATION: Security violation occurred, caused by MAC address 0200.0000.1699 on port GigabitEthernet0/1.\n",
	} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, log.String())
		}
	}
	if err := a.ping(b.ip(), 2); err == nil {
		t.Fatal("an err-disabled port still forwards")
	}
	conf("errdisable recovery cause psecure-violation", "errdisable recovery interval 30")
	start := time.Now()
	if !poll(60*time.Second, func() bool { return l.sw.ErrDisabledCause(a.port) == "" }) {
		t.Fatal("errdisable recovery did not bring the port back")
	}
	t.Logf("recovered %v after the recovery lines", time.Since(start).Round(time.Second))
	if out := a.pings("-q", "-c", "20", "-i", "0.05", "-W", "1", b.ip()); loss(t, out) != 0 {
		t.Fatalf("after recovery:\n%s", out)
	}
}

// TestPortSecurityRestrictUnderMACFlood: a flood of random source MACs on
// a port with `maximum 1` and `violation restrict` learns none of them: the
// CAM keeps the host's own entry only, the violations are counted, and
// pings between the other hosts, and from the host itself, keep 0% loss.
func TestPortSecurityRestrictUnderMACFlood(t *testing.T) {
	t.Parallel()
	l, a, b, c, conf := securityLab(t, "psr")
	conf("interface "+a.port, "switchport mode access", "switchport port-security", "switchport port-security violation restrict")
	a.mustPing(b.ip())
	c.mustPing(b.ip())
	s := a.rawSender()
	done := make(chan int)
	go func() {
		done <- s.flood(50000, 3*time.Second, func(i int) []byte {
			src := packet.MACFromUint64(0x020000000000 | uint64(i+1)*2654435761&0xffffffffff)
			return rawFrame(b.mac, src, "psec flood", i)
		})
	}()
	other := c.pings("-q", "-c", "100", "-i", "0.02", "-W", "1", b.ip())
	sent := <-done
	// The secured host's own pings after its flood: during it they share
	// the host's TAP queue with 50,000 frames a second, which the host's
	// kernel may overflow before the switch sees them.
	own := a.pings("-q", "-c", "50", "-i", "0.02", "-W", "1", b.ip())
	st, err := l.sw.PortSecurity(a.port)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("flood: %d frames sent, %d violations", sent, st.Violations)
	if loss(t, other) != 0 || loss(t, own) != 0 {
		t.Errorf("ping loss during the flood: other hosts %.0f%%, the secured host %.0f%%", loss(t, other), loss(t, own))
	}
	entries, _ := l.sw.MACEntries(dataplane.MACFilter{Port: a.port})
	if len(entries) != 1 || entries[0].MAC != a.mac {
		t.Errorf("the secured port's CAM entries: %s; want only %s", macs(entries), a.mac)
	}
	if st.Violations < uint64(sent)/2 {
		t.Errorf("%d violations for %d flood frames", st.Violations, sent)
	}
	if l.sw.ErrDisabledCause(a.port) != "" {
		t.Error("restrict err-disabled the port")
	}
}

// TestStormControlLimitsBroadcastFlood: `storm-control broadcast level pps
// 1000` passes 1000 ± 15% broadcasts a second of a 20,000 pps flood (as
// counted at another host), and unicast pings across the port keep 0%
// loss.
func TestStormControlLimitsBroadcastFlood(t *testing.T) {
	t.Parallel()
	l, a, b, c, conf := securityLab(t, "stc")
	conf("interface "+a.port, "storm-control broadcast level pps 1000")
	bcap := b.capture()
	// Room for a whole second's burst (1000 frames in some 50 ms) in the
	// capture socket, whose default buffer holds a few hundred.
	if err := unix.SetsockoptInt(bcap.fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 16<<20); err != nil {
		t.Fatalf("capture buffer: %v", err)
	}
	s := a.rawSender()
	done := make(chan int)
	go func() {
		done <- s.flood(20000, 5*time.Second, func(i int) []byte { return rawFrame(packet.BroadcastMAC, a.mac, "storm flood", i) })
	}()
	others := make(chan string)
	go func() { others <- c.pings("-q", "-c", "200", "-i", "0.02", "-W", "1", b.ip()) }()
	pings := a.pings("-q", "-c", "200", "-i", "0.02", "-W", "1", b.ip())
	other := <-others
	sent := <-done
	time.Sleep(200 * time.Millisecond)
	got := bcap.matching(containsPayload("storm flood"))
	// The switch passes the first 1000 of each second of its clock: the
	// frames arrive in bursts, one a second; the first and last may be
	// cut by the flood's start and end, and a flood that starts just
	// before a second ends runs its first two bursts together.
	var bursts []int
	for i, f := range got {
		if i == 0 || f.at.Sub(got[i-1].at) > 300*time.Millisecond {
			bursts = append(bursts, 0)
		}
		bursts[len(bursts)-1]++
	}
	cnt, _ := l.sw.Counters(a.port)
	bcnt, _ := l.sw.Counters(b.port)
	t.Logf("sent %d broadcasts in 5 s, %d arrived at b in bursts %v; the switch received %d broadcasts on %s, dropped %d for storm control, sent %d to %s (%d output drops)",
		sent, len(got), bursts, cnt.Get(dataplane.RxBroadcast), a.port, cnt.Get(dataplane.Drops(dataplane.ReasonStormControl)),
		bcnt.Get(dataplane.TxBroadcast), b.port, bcnt.Get(dataplane.TxErrors))
	if sent < 50000 {
		t.Skipf("the sender reached %d pps only (loaded machine): too slow to measure a 1000 pps limit", sent/5)
	}
	if len(bursts) < 3 {
		t.Fatalf("bursts %v: want one a second", bursts)
	}
	for _, n := range bursts[1 : len(bursts)-1] {
		if n < 850 || n > 1150 {
			t.Errorf("a whole second passed %d broadcasts, want 1000 ± 15%% (bursts %v)", n, bursts)
		}
	}
	if loss(t, other) != 0 {
		t.Errorf("ping loss between other hosts during the storm:\n%s", other)
	}
	// Pings across the storm port share the host's TAP queue with the
	// flood: on a loaded machine the host's kernel may drop some before
	// the switch reads them. The switch must have forwarded every echo
	// request it received.
	if l := loss(t, pings); l != 0 {
		if got := cnt.Get(dataplane.RxUnicast); got >= 200 {
			t.Errorf("unicast ping loss across the storm port (%.1f%%) although the switch received %d unicast frames:\n%s", l, got, pings)
		} else {
			t.Logf("%.1f%% ping loss across the storm port, lost in the host before the switch (it received %d of 200 requests)", l, got)
		}
	}
}
