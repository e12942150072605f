package e2e

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/l2sw/l2sw/dataplane"
)

// TestSPANDestinationSeesBothDirections: with a's port a both-ways SPAN
// source, tcpdump on the analyzer's port sees every echo request a sends
// and every reply it gets, and the analyzer gets nothing else: no floods
// of b's frames beyond the copies, and what it sends goes nowhere.
func TestSPANDestinationSeesBothDirections(t *testing.T) {
	t.Parallel()
	l := newLab(t)
	a := l.addHost("a", access(10), "02:00:00:00:5a:01", "10.0.12.1/24")
	l.addHost("b", access(10), "02:00:00:00:5a:02", "10.0.12.2/24")
	m := l.addHost("m", access(10), "02:00:00:00:5a:03", "10.0.12.3/24")
	a.mustPing("10.0.12.2") // ARP settled: the capture sees only the pings below
	if err := l.sw.SetMonitorSession(1, dataplane.MonitorSession{
		Sources: map[string]dataplane.SPANDir{a.port: dataplane.SPANBoth}, Destinations: []string{m.port}}); err != nil {
		t.Fatal(err)
	}
	dump := m.startDaemon(t, "tcpdump", "tcpdump", "-i", m.ifname, "-n", "-l", "-U", "icmp")
	if !poll(promptly, func() bool { b, _ := os.ReadFile(dump.log); return strings.Contains(string(b), "listening on") }) {
		t.Fatal("tcpdump did not start")
	}
	if err := a.ping("10.0.12.2", 3); err != nil {
		t.Fatal(err)
	}
	req := regexp.MustCompile(`10\.0\.12\.1 > 10\.0\.12\.2: ICMP echo request`)
	rep := regexp.MustCompile(`10\.0\.12\.2 > 10\.0\.12\.1: ICMP echo reply`)
	var out string
	if !poll(promptly, func() bool {
		b, _ := os.ReadFile(dump.log)
		out = string(b)
		return len(req.FindAllString(out, -1)) >= 3 && len(rep.FindAllString(out, -1)) >= 3
	}) {
		t.Fatalf("tcpdump on the SPAN destination did not see both directions of 3 pings:\n%s", out)
	}

	// The analyzer's own traffic goes nowhere: its ping finds no one.
	if err := m.ping("10.0.12.2", 1); err == nil {
		t.Error("a host on the SPAN destination reached b")
	}
	if c := l.counters(m.port); c.Get(dataplane.Drops(dataplane.ReasonSPANDest)) == 0 {
		t.Error("frames received on the destination were not counted as span destination drops")
	}
}
