package e2e

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/l2sw/l2sw/cli"
	"github.com/l2sw/l2sw/internal/netns"
)

// discoveryWait bounds how long a neighbor takes to show up: one
// advertisement interval (5 s on l2sw, 1 s on lldpd) and a loaded machine.
const discoveryWait = 40 * time.Second

// runDiscovery puts the CLI over the lab's switch, configures it, and runs
// its CDP/LLDP runner until the test ends.
func (l *lab) runDiscovery(t *testing.T, lines ...string) *cli.Device {
	t.Helper()
	dev, _ := l.device(t)
	runCLI(t, dev, append(append([]string{"configure terminal"}, lines...), "end")...)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := dev.RunDiscovery(ctx); err != nil {
			t.Errorf("RunDiscovery: %v", err)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return dev
}

// waitShow polls a show command until its output matches every pattern,
// and returns the last output.
func waitShow(t *testing.T, dev *cli.Device, cmd string, patterns ...string) (string, bool) {
	t.Helper()
	var out string
	ok := poll(discoveryWait, func() bool {
		out = runCLI(t, dev, cmd)
		for _, p := range patterns {
			if !regexp.MustCompile(p).MatchString(out) {
				return false
			}
		}
		return true
	})
	return out, ok
}

// startLldpd runs lldpd on eth0 of h's namespace, with its own control
// socket (the file system is shared between namespaces) and a system name
// of its own; extra flags (-cc for CDP) are appended.
func startLldpd(t *testing.T, h *host, sysname string, flags ...string) (lldpcli func(args ...string) string) {
	t.Helper()
	// lldpd runs lldpcli as its unprivileged user: the directory of the
	// socket must be open to it, which t.TempDir's is not.
	dir, err := os.MkdirTemp("", "lldpe2e-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "lldpd.socket")
	conf := filepath.Join(dir, "lldpd.conf")
	if err := os.WriteFile(conf, []byte("configure system hostname "+sysname+"\n"+
		"configure lldp tx-interval 1\n"+
		"configure lldp portidsubtype ifname\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	argv := append([]string{"lldpd", "-d", "-I", "eth0", "-u", sock, "-O", conf}, flags...)
	h.startDaemon(t, "lldpd", argv...)
	return func(args ...string) string {
		out, _ := h.ns.Run(append([]string{"lldpcli", "-u", sock}, args...)...)
		return out
	}
}

// TestLLDPWithLldpd: lldpd in a namespace and l2sw see each other: lldpd
// names l2sw's hostname, port (Gi0/1, as IOS sends it) and management
// address; `show lldp neighbors [detail]` names the namespace's system, its
// port and address.
func TestLLDPWithLldpd(t *testing.T) {
	t.Parallel()
	l := newLab(t)
	h := l.addVethHost("lldphost", access(1), "02:00:00:11:d0:02", "10.77.0.2/24")
	other := l.addHost("lldpother", access(1), "02:00:00:11:d0:03", "10.77.0.3/24")
	onOther := other.capture()
	dev := l.runDiscovery(t, "hostname lldpsw1", "lldp run", "lldp timer 5",
		"interface Vlan1", "ip address 10.77.0.1 255.255.255.0", "no shutdown")
	lldpcli := startLldpd(t, h, "lldpns1")

	out, ok := waitShow(t, dev, "show lldp neighbors", `(?m)^lldpns1\s+Gi0/1\s+[0-9]+\s+.*eth0\s*$`)
	if !ok {
		t.Fatalf("show lldp neighbors never named lldpns1 on Gi0/1 with port eth0:\n%s", out)
	}
	if out, ok := waitShow(t, dev, "show lldp neighbors detail", `Local Intf: Gi0/1\n`, `Port id: eth0\n`,
		`System Name: lldpns1\n`, `    IP: 10.77.0.2\n`, `Chassis id: 0200\.0011\.d002\n`); !ok {
		t.Errorf("show lldp neighbors detail:\n%s", out)
	}

	var got string
	if !poll(discoveryWait, func() bool {
		got = lldpcli("show", "neighbors", "details")
		return regexp.MustCompile(`SysName:\s+lldpsw1`).MatchString(got) &&
			regexp.MustCompile(`PortID:\s+ifname Gi0/1`).MatchString(got)
	}) {
		t.Fatalf("lldpcli show neighbors never named lldpsw1 and Gi0/1:\n%s", got)
	}
	for _, p := range []string{`via: LLDP`, `MgmtIP:\s+10\.77\.0\.1`, `PortDescr:\s+GigabitEthernet0/1`, `Capability:\s+Bridge, on`,
		`SysDescr:\s+Cisco IOS Software, l2sw Software`, `VLAN:\s+1, pvid: yes`, `MAU oper type:\s+1000BaseTFD`, `Capability:\s+Router, on`} {
		if !regexp.MustCompile(p).MatchString(got) {
			t.Errorf("lldpcli show neighbors lacks %s:\n%s", p, got)
		}
	}

	// The switch consumed lldpd's frames: the other host on the VLAN got
	// none of them (it gets the switch's own, on its port).
	if got := onOther.matching(func(f frameRecord) bool { return f.src() == h.mac }); len(got) != 0 {
		t.Errorf("lldpd's frames were forwarded to another port: %v", got)
	}
	if got := onOther.matching(func(f frameRecord) bool { return [6]byte(f.dst()) == [6]byte{0x01, 0x80, 0xc2, 0, 0, 0x0e} }); len(got) == 0 {
		t.Error("the other port got no LLDP advertisement of the switch")
	}

	// `no lldp run` empties the table, and its shutdown LLDPDU makes lldpd
	// forget the switch at once, not at the 120 s holdtime.
	runCLI(t, dev, "configure terminal", "no lldp run", "end")
	if out := runCLI(t, dev, "show lldp neighbors"); out != "% LLDP is not enabled\n" {
		t.Errorf("after no lldp run: %q", out)
	}
	if !poll(10*time.Second, func() bool {
		got = lldpcli("show", "neighbors")
		return !strings.Contains(got, "lldpsw1")
	}) {
		t.Errorf("lldpd still lists the switch after no lldp run:\n%s", got)
	}
}

// TestCDPWithLldpd: lldpd speaking CDP (-cc) is a second, independent CDP
// implementation: each side decodes the other's advertisements, checksum
// included.
func TestCDPWithLldpd(t *testing.T) {
	t.Parallel()
	l := newLab(t)
	h := l.addVethHost("cdphost", access(1), "02:00:00:11:d1:02", "10.79.0.2/24")
	dev := l.runDiscovery(t, "hostname cdpsw9", "cdp timer 5",
		"interface Vlan1", "ip address 10.79.0.1 255.255.255.0", "no shutdown")
	lldpcli := startLldpd(t, h, "cdpns1", "-cc")

	if out, ok := waitShow(t, dev, "show cdp neighbors detail", `Device ID: cdpns1\n`, `Interface: GigabitEthernet0/1,  Port ID \(outgoing port\): eth0\n`,
		`IP address: 10\.79\.0\.2\n`); !ok {
		t.Errorf("show cdp neighbors detail never showed lldpd:\n%s", out)
	}
	if out := runCLI(t, dev, "show cdp traffic"); !strings.Contains(out, "Chksum error: 0,") {
		t.Errorf("lldpd's CDP failed our checksum:\n%s", out)
	}
	var got string
	if !poll(discoveryWait, func() bool {
		got = lldpcli("show", "neighbors")
		return regexp.MustCompile(`via: CDPv2`).MatchString(got) && regexp.MustCompile(`SysName:\s+cdpsw9`).MatchString(got)
	}) {
		t.Fatalf("lldpd never heard l2sw's CDP:\n%s", got)
	}
	if !regexp.MustCompile(`PortID:\s+ifname GigabitEthernet0/1`).MatchString(got) || !regexp.MustCompile(`10\.79\.0\.1`).MatchString(got) {
		t.Errorf("lldpd's view of l2sw's CDP:\n%s", got)
	}
}

// TestCDPBetweenTwoSwitches: two l2sw joined by a veth pair (afpacket
// ports) see each other in `show cdp neighbors`, with the peer's SVI
// address in the detail.
func TestCDPBetweenTwoSwitches(t *testing.T) {
	t.Parallel()
	l1, l2 := newLab(t), newLab(t)
	wire := netns.New(t)
	t.Cleanup(l1.stop)
	t.Cleanup(l2.stop)
	wire.DisableIPv6()
	wire.MustRun("ip", "link", "add", "cdpw1", "type", "veth", "peer", "name", "cdpw2")
	l1.ports++
	l1.attachAfpacket(wire, "cdpw1", "GigabitEthernet0/1", trunk(1))
	l2.ports++
	l2.attachAfpacket(wire, "cdpw2", "GigabitEthernet0/1", trunk(1))
	wire.LinkUp("cdpw1")
	wire.LinkUp("cdpw2")
	d1 := l1.runDiscovery(t, "hostname cdpsw1", "cdp timer 5", "interface Vlan1", "ip address 10.78.0.1 255.255.255.0", "no shutdown")
	d2 := l2.runDiscovery(t, "hostname cdpsw2", "cdp timer 5", "interface Vlan1", "ip address 10.78.0.2 255.255.255.0", "no shutdown")

	for _, c := range []struct {
		dev        *cli.Device
		peer, addr string
	}{{d1, "cdpsw2", "10.78.0.2"}, {d2, "cdpsw1", "10.78.0.1"}} {
		if out, ok := waitShow(t, c.dev, "show cdp neighbors", `(?m)^`+c.peer+`\s+Gig 0/1\s+1[0-9]{2}\s+R S I\s+L2SW-1T\s+Gig 0/1$`); !ok {
			t.Errorf("show cdp neighbors never showed %s:\n%s", c.peer, out)
		}
		if out, ok := waitShow(t, c.dev, "show cdp neighbors detail", `Device ID: `+c.peer+`\n`,
			`Management address\(es\): \n  IP address: `+regexp.QuoteMeta(c.addr)+`\n`, `Platform: cisco L2SW-1T,  Capabilities: Router Switch IGMP \n`); !ok {
			t.Errorf("show cdp neighbors detail:\n%s", out)
		}
	}
	// `no cdp enable` on one side: the other ages it out at the holdtime
	// (here 10 s).
	runCLI(t, d1, "configure terminal", "cdp holdtime 10", "end")
	runCLI(t, d2, "clear cdp table")
	if out, ok := waitShow(t, d2, "show cdp neighbors detail", `Holdtime : ([0-9]) sec`); !ok {
		t.Fatalf("the 10 s holdtime never arrived:\n%s", out)
	}
	runCLI(t, d1, "configure terminal", "interface gi0/1", "no cdp enable", "end")
	if out, ok := waitShow(t, d2, "show cdp neighbors", `Total cdp entries displayed : 0`); !ok {
		t.Errorf("cdpsw1 did not age out:\n%s", out)
	}
}
