package e2e

import (
	"encoding/binary"
	"fmt"
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

// rawFrame is an Ethernet frame from src to dst of the local
// experimental EtherType carrying marker and a sequence number.
func rawFrame(dst, src packet.MAC, marker string, seq int) []byte {
	f := make([]byte, 64)
	putRawFrame(f, dst, src, marker, seq)
	return f
}

// putRawFrame writes rawFrame(dst, src, marker, seq) into f, in place.
func putRawFrame(f []byte, dst, src packet.MAC, marker string, seq int) {
	copy(f[0:6], dst[:])
	copy(f[6:12], src[:])
	binary.BigEndian.PutUint16(f[12:], 0x88b5)
	n := copy(f[14:], marker)
	binary.BigEndian.PutUint32(f[14+n:], uint32(seq))
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
	// The messages are logged just after the err-disable takes effect.
	wants := []string{
		"%PM-4-ERR_DISABLE: psecure-violation error detected on Gi0/1, putting Gi0/1 in err-disable state\n",
		"%PORT_SECURITY-2-PSECURE_VIOLATION: Security violation occurred, caused by MAC address 0200.0000.1699 on port GigabitEthernet0/1.\n",
	}
	var log strings.Builder
	poll(promptly, func() bool {
		log.Reset()
		for _, m := range l.sw.Log().Messages() {
			fmt.Fprintf(&log, "%%%s-%d-%s: %s\n", m.Facility, int(m.Severity), m.Mnemonic, m.Text)
		}
		for _, want := range wants {
			if !strings.Contains(log.String(), want) {
				return false
			}
		}
		return true
	})
	for _, want := range wants {
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
	s := a.floodSender(64)
	floodCPU.Lock()
	done := make(chan floodStats)
	go func() {
		done <- s.flood(20000, 5*time.Second, func(i int, f []byte) { putRawFrame(f, packet.BroadcastMAC, a.mac, "storm flood", i) })
	}()
	others := make(chan string)
	go func() { others <- c.pings("-q", "-c", "200", "-i", "0.02", "-W", "1", b.ip()) }()
	pings := a.pings("-q", "-c", "200", "-i", "0.02", "-W", "1", b.ip())
	other := <-others
	flood := <-done
	floodCPU.Unlock()
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
	t.Logf("broadcast flood: %v; %d arrived at b in bursts %v; the switch received %d broadcasts on %s, dropped %d for storm control, sent %d to %s (%d output drops)",
		flood, len(got), bursts, cnt.Get(dataplane.RxBroadcast), a.port, cnt.Get(dataplane.Drops(dataplane.ReasonStormControl)),
		bcnt.Get(dataplane.TxBroadcast), b.port, bcnt.Get(dataplane.TxErrors))
	if r := flood.Rate(); r < 0.9*float64(flood.Target) {
		t.Errorf("the broadcast flood reached %.0f pps, want 20,000 ± 10%%", r)
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
