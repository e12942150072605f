package e2e

import (
	"fmt"
	"math"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/l2sw/l2sw/cli"
	"github.com/l2sw/l2sw/cli/term"
)

// faultLab is two Linux hosts on access ports of VLAN 1 that know each
// other's MAC (no ARP: every frame a port sees is a ping), and a CLI over
// the switch to configure faults with.
func faultLab(t *testing.T) (a, b *host, conf func(lines ...string)) {
	t.Helper()
	l := newLab(t)
	a = l.addHost("a", access(1), "0200.0000.1501", "10.0.15.1/24")
	b = l.addHost("b", access(1), "0200.0000.1502", "10.0.15.2/24")
	a.staticNeigh("10.0.15.2", b.mac)
	b.staticNeigh("10.0.15.1", a.mac)
	dev := cli.NewDevice(l.sw, cli.Options{ConfigPath: filepath.Join(t.TempDir(), "startup-config")})
	conf = func(lines ...string) {
		t.Helper()
		all := append(append([]string{"configure terminal", "interface " + a.port}, lines...), "end")
		if res := term.RunBatch(dev.Engine(), all, term.BatchOptions{}); res.Rejected {
			t.Fatalf("%q refused:\n%s", lines, res.Output)
		}
	}
	return a, b, conf
}

var (
	pingLoss = regexp.MustCompile(`(\d+) packets transmitted, (\d+) received`)
	pingRTT  = regexp.MustCompile(`rtt min/avg/max/mdev = ([\d.]+)/([\d.]+)/`)
	pingSeq  = regexp.MustCompile(`icmp_seq=(\d+)`)
)

// pings runs ping in h's namespace and returns its output; a non-zero
// exit (some loss) is no error here.
func (h *host) pings(args ...string) string {
	out, _ := h.ns.Run(append([]string{"ping", "-n"}, args...)...)
	return out
}

// loss is the percentage of echo requests ping saw unanswered.
func loss(t *testing.T, out string) float64 {
	t.Helper()
	m := pingLoss.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no ping summary in:\n%s", out)
	}
	sent, _ := strconv.Atoi(m[1])
	got, _ := strconv.Atoi(m[2])
	return 100 * float64(sent-got) / float64(sent)
}

// avgRTT is ping's average round-trip time in milliseconds.
func avgRTT(t *testing.T, out string) float64 { t.Helper(); return rtt(t, out, 2) }

// minRTT is ping's shortest round-trip time in milliseconds.
func minRTT(t *testing.T, out string) float64 { t.Helper(); return rtt(t, out, 1) }

func rtt(t *testing.T, out string, field int) float64 {
	t.Helper()
	m := pingRTT.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no round-trip times in:\n%s", out)
	}
	v, _ := strconv.ParseFloat(m[field], 64)
	return v
}

// TestFaultDropPingLoss: `fault drop 50` on a host's port (frames the
// port receives, the default direction) loses 40-60% of 400 fast pings:
// each request crosses the port inbound once. `fault drop 50 both` also
// loses replies, so a ping survives only if its request and its reply
// both do: about 75% loss.
func TestFaultDropPingLoss(t *testing.T) {
	t.Parallel()
	a, b, conf := faultLab(t)
	if l := loss(t, a.pings("-q", "-c", "20", "-i", "0.01", "-W", "1", b.ip())); l != 0 {
		t.Fatalf("%.0f%% loss before any fault", l)
	}
	conf("fault drop 50")
	l := loss(t, a.pings("-q", "-c", "400", "-i", "0.002", "-W", "1", b.ip()))
	t.Logf("fault drop 50: %.1f%% of 400 pings lost", l)
	if l < 40 || l > 60 {
		t.Errorf("fault drop 50: %.1f%% ping loss, want 40-60%%", l)
	}
	conf("fault drop 50 both")
	l = loss(t, a.pings("-q", "-c", "400", "-i", "0.002", "-W", "1", b.ip()))
	t.Logf("fault drop 50 both: %.1f%% of 400 pings lost", l)
	if l < 65 || l > 85 {
		t.Errorf("fault drop 50 both: %.1f%% ping loss, want 65-85%%", l)
	}
	conf("no fault drop")
	if l := loss(t, a.pings("-q", "-c", "20", "-i", "0.01", "-W", "1", b.ip())); l != 0 {
		t.Errorf("%.0f%% loss after no fault drop", l)
	}
}

// TestFaultDropSeededRepeats: with `fault seed 1` the same pings lose the
// same sequence numbers every run (the seed restarts with every fault
// line; the hosts send nothing but the pings).
func TestFaultDropSeededRepeats(t *testing.T) {
	t.Parallel()
	a, b, conf := faultLab(t)
	answered := func() []int {
		conf("fault seed 1", "fault drop 50")
		var seqs []int
		for _, m := range pingSeq.FindAllStringSubmatch(a.pings("-c", "100", "-i", "0.005", "-W", "1", b.ip()), -1) {
			n, _ := strconv.Atoi(m[1])
			seqs = append(seqs, n)
		}
		return seqs
	}
	first, second := answered(), answered()
	if len(first) < 30 || len(first) > 70 {
		t.Errorf("%d of 100 pings answered, want about half", len(first))
	}
	if !slices.Equal(first, second) {
		t.Errorf("two seeded runs answered different pings:\n%v\n%v", first, second)
	}
}

// TestFaultDelayRTT: `fault delay 50` (inbound, the default) adds 50 ms
// ± 10% to the round-trip time; `fault delay 50 both` delays the request
// and the reply, 100 ms.
func TestFaultDelayRTT(t *testing.T) {
	t.Parallel()
	a, b, conf := faultLab(t)
	base := avgRTT(t, a.pings("-q", "-c", "20", "-i", "0.01", "-W", "1", b.ip()))
	for _, c := range []struct {
		line string
		add  float64
	}{{"fault delay 50", 50}, {"fault delay 50 both", 100}} {
		conf(c.line)
		rtt := avgRTT(t, a.pings("-q", "-c", "20", "-i", "0.05", "-W", "2", b.ip()))
		t.Logf("%s: RTT %.2f ms, %.2f ms without", c.line, rtt, base)
		if added := rtt - base; math.Abs(added-c.add) > c.add/10 {
			t.Errorf("%s: RTT %.2f ms, %.2f ms without; added %.2f ms, want %.0f ± %.0f", c.line, rtt, base, added, c.add, c.add/10)
		}
	}
	// The shortest RTT shows the delay is gone (an average would also
	// show the scheduling hiccups of a busy test machine).
	conf("no fault delay")
	out := a.pings("-c", "10", "-i", "0.01", "-W", "1", b.ip())
	if rtt := minRTT(t, out); rtt > base+5 {
		t.Errorf("shortest RTT %.2f ms after no fault delay, %.2f ms on average before:\n%s", rtt, base, out)
	}
}

// TestFaultReflectMulticast: with `fault reflect multicast` on a host's
// port, the multicast frames the host sends (a VRRP/CARP advert's
// addresses) come back to it, as from a reflecting virtual switch, and
// still reach the other host; its broadcasts do not come back. `no fault
// reflect` ends it.
func TestFaultReflectMulticast(t *testing.T) {
	t.Parallel()
	a, b, conf := faultLab(t)
	capA, capB := a.capture(), b.capture()
	mcast := func() []byte {
		f := make([]byte, 60)
		copy(f, []byte{0x01, 0x00, 0x5e, 0x00, 0x00, 0x12})
		copy(f[6:], a.mac[:])
		f[12], f[13] = 0x88, 0xb5
		return f
	}()
	bcast := append([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, mcast[6:]...)
	fromA := func(dst byte) func(frameRecord) bool {
		return func(f frameRecord) bool { return f.src() == a.mac && f.data[0] == dst }
	}
	conf("fault reflect multicast")
	for range 3 {
		a.sendRaw(mcast)
		a.sendRaw(bcast)
	}
	if !capA.waitFor(3, promptly, fromA(0x01)) {
		t.Errorf("%d of 3 multicast frames came back to the sender", len(capA.matching(fromA(0x01))))
	}
	if !capB.waitFor(3, promptly, fromA(0x01)) || !capB.waitFor(3, promptly, fromA(0xff)) {
		t.Errorf("the other host got %d multicast and %d broadcast frames, want 3 each",
			len(capB.matching(fromA(0x01))), len(capB.matching(fromA(0xff))))
	}
	if n := len(capA.matching(fromA(0xff))); n != 0 {
		t.Errorf("%d broadcast frames came back, want none", n)
	}
	if _, st, _ := a.l.sw.PortFaults(a.port); st.Reflected != 3 {
		t.Errorf("reflected %d frames, want 3", st.Reflected)
	}
	conf("no fault reflect")
	capA.reset()
	a.sendRaw(mcast)
	if !capB.waitFor(4, promptly, fromA(0x01)) {
		t.Fatal("the multicast frame after no fault reflect did not reach the other host")
	}
	time.Sleep(50 * time.Millisecond)
	if n := len(capA.matching(fromA(0x01))); n != 0 {
		t.Errorf("%d frames came back after no fault reflect", n)
	}
}

// ip is h's first IPv4 address.
func (h *host) ip() string {
	out := h.ns.MustRun("ip", "-4", "-o", "addr", "show", "dev", h.ifname)
	f := strings.Fields(out)
	for i, w := range f {
		if w == "inet" && i+1 < len(f) {
			addr, _, _ := strings.Cut(f[i+1], "/")
			return addr
		}
	}
	panic(fmt.Sprintf("host %s has no IPv4 address: %s", h.name, out))
}
