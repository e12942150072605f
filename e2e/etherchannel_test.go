package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/l2sw/l2sw/cli"
	"github.com/l2sw/l2sw/cli/term"
	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/internal/netns"
	"github.com/l2sw/l2sw/packet"
)

// ecLab is a lab switch with a base MAC (the LACP system ID) whose CLI
// and LACP runner run as the daemon runs them.
type ecLab struct {
	*lab
	dev *cli.Device
}

func newECLab(t *testing.T, base packet.MAC) *ecLab {
	t.Helper()
	netns.RequireRoot(t)
	l := &lab{t: t, sw: dataplane.New(dataplane.Config{BaseMAC: base})}
	l.sw.Start()
	t.Cleanup(l.stop)
	return &ecLab{lab: l}
}

// startCLI builds the device over the ports attached so far and starts
// LACP; cmds are configuration lines.
func (e *ecLab) startCLI(cmds ...string) {
	e.dev = cli.NewDevice(e.sw, cli.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); e.dev.RunLACP(ctx) }()
	e.t.Cleanup(func() { cancel(); <-done })
	e.exec(append(append([]string{"configure terminal"}, cmds...), "end")...)
}

func (e *ecLab) exec(lines ...string) string {
	e.t.Helper()
	res := term.RunBatch(e.dev.Engine(), lines, term.BatchOptions{})
	if res.Rejected {
		e.t.Fatalf("%q rejected:\n%s", lines, res.Output)
	}
	return res.Output
}

// waitSummary polls show etherchannel summary until every want is in it.
func (e *ecLab) waitSummary(timeout time.Duration, want ...string) bool {
	return poll(timeout, func() bool {
		s := e.exec("show etherchannel summary")
		for _, w := range want {
			if !strings.Contains(s, w) {
				return false
			}
		}
		return true
	})
}

// busier returns which of two ports counted more of counter c since the
// snapshot before.
func (e *ecLab) busier(before map[string]uint64, c dataplane.Counter, ports ...string) string {
	best, most := ports[0], uint64(0)
	for _, p := range ports {
		pc := e.counters(p)
		if d := pc.Get(c) - before[p]; d > most {
			best, most = p, d
		}
	}
	return best
}

func (e *ecLab) snapshot(c dataplane.Counter, ports ...string) map[string]uint64 {
	m := map[string]uint64{}
	for _, p := range ports {
		pc := e.counters(p)
		m[p] = pc.Get(c)
	}
	return m
}

// iperfDuring runs a TCP stream for secs seconds from client to server's
// ip, calls cut once it carries data, and returns the bytes the server
// received; the stream must complete.
func iperfDuring(t *testing.T, server, client *host, ip string, secs int, cut func()) float64 {
	t.Helper()
	if _, err := exec.LookPath("iperf3"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but iperf3 is missing (make test-deps installs it)")
		}
		t.Skip("skipping: iperf3 is not installed (make test-deps)")
	}
	server.ns.Start("iperf3", "-s", "-B", ip)
	if !poll(5*time.Second, func() bool {
		out, _ := server.ns.Run("ss", "-ltn")
		return strings.Contains(out, ip+":5201")
	}) {
		t.Fatal("iperf3 server did not listen")
	}
	var out bytes.Buffer
	cmd := exec.Command("ip", "netns", "exec", client.ns.Name, "iperf3", "-c", ip, "-t", itoa(secs), "-J", "--connect-timeout", "3000")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	time.Sleep(time.Duration(secs) * time.Second / 3)
	cut()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("iperf3 across the cut failed: %v\n%s", err, out.String())
		}
	case <-time.After(time.Duration(secs+30) * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("iperf3 did not finish:\n%s", out.String())
	}
	var res struct {
		End struct {
			SumReceived struct {
				Bytes   float64 `json:"bytes"`
				Seconds float64 `json:"seconds"`
			} `json:"sum_received"`
		} `json:"end"`
		Error string `json:"error"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil || res.Error != "" || res.End.SumReceived.Bytes == 0 {
		t.Fatalf("iperf3: %v %s\n%s", err, res.Error, out.String())
	}
	return res.End.SumReceived.Bytes
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// checkBundleSurvived asserts the Port-channel stayed up through the cut
// and the cut member left it.
func (e *ecLab) checkBundleSurvived(cut string) {
	t := e.t
	t.Helper()
	if !e.waitSummary(10*time.Second, "Po1(SU)", shortName(cut)+"(D)") {
		t.Errorf("after cutting %s:\n%s", cut, e.exec("show etherchannel summary"))
	}
	if got := e.sw.Log().Grep("Interface Port-channel1, changed state to down"); len(got) != 0 {
		t.Errorf("the Port-channel went down: %q", got)
	}
	if got := e.sw.Log().Grep("%EC-5-UNBUNDLED: Interface " + shortName(cut) + " left the port-channel Po1"); len(got) != 1 {
		t.Errorf("no UNBUNDLED for %s: %q", cut, e.sw.Log().Grep("EC-5"))
	}
}

var ecMembers = []string{"GigabitEthernet0/1", "GigabitEthernet0/2"}

// TestEtherChannelLinuxBond is the acceptance test of EtherChannel: a
// Linux bond (802.3ad, lacp_rate fast, miimon 100) of two veths bundles
// with Port-channel1 over two afpacket ports, and a TCP stream from the
// bond to a host on another port completes while the bond's busy link is
// cut, the bundle staying up.
func TestEtherChannelLinuxBond(t *testing.T) {
	netns.RequireRoot(t)
	bond := netns.New(t)
	bond.DisableIPv6()
	if out, err := bond.Run("ip", "link", "add", "bond0", "type", "bond", "mode", "802.3ad", "lacp_rate", "fast", "miimon", "100"); err != nil {
		// A kernel capability no package installs: skipped even in CI.
		t.Skipf("skipping: this kernel has no bonding driver (%s)", strings.TrimSpace(out))
	}
	e := newECLab(t, packet.MAC{0x00, 0x1e, 0x14, 0xec, 0x00, 0x00})
	t.Cleanup(e.stop)
	for i, name := range []string{"ec1", "ec2"} {
		bond.MustRun("ip", "link", "add", name, "type", "veth", "peer", "name", name+"sw")
		bond.MustRun("ip", "link", "set", name, "master", "bond0")
		e.ports++
		e.attachAfpacket(bond, name+"sw", ecMembers[i], access(1))
	}
	bond.MustRun("ip", "link", "set", "bond0", "address", "02:00:00:00:ec:01")
	bond.AddAddr("bond0", "10.73.0.1/24")
	bond.LinkUp("bond0")
	srv := e.addVethHost("srv", access(1), "02:00:00:00:ec:02", "10.73.0.2/24")
	e.startCLI("interface range gi0/1 - 2", "lacp rate fast", "channel-group 1 mode active")

	if !e.waitSummary(30*time.Second, "Po1(SU)", "Gi0/1(P)", "Gi0/2(P)") {
		out, _ := bond.Run("cat", "/proc/net/bonding/bond0")
		t.Fatalf("no bundle with the Linux bond:\n%s\n%s\n%s", e.exec("show etherchannel summary"), e.exec("show lacp neighbor"), out)
	}
	if nb := e.exec("show lacp neighbor"); !strings.Contains(nb, "0200.0000.ec01") {
		t.Errorf("show lacp neighbor does not name the bond:\n%s", nb)
	}
	client := &host{l: e.lab, name: "bond", ns: bond, ifname: "bond0"}
	client.mustPing("10.73.0.2")

	var cut string
	before := e.snapshot(dataplane.RxBytes, ecMembers...)
	got := iperfDuring(t, srv, client, "10.73.0.2", 6, func() {
		cut = e.busier(before, dataplane.RxBytes, ecMembers...)
		veth := map[string]string{ecMembers[0]: "ec1", ecMembers[1]: "ec2"}[cut]
		bond.MustRun("ip", "link", "set", veth, "down")
	})
	t.Logf("%.0f MB crossed the bundle; cut %s", got/1e6, cut)
	e.checkBundleSurvived(cut)
}

// TestEtherChannelBetweenSwitches: two switches joined by two veth links
// bundle them with LACP, and a TCP stream between their hosts completes
// while the link that carries it is cut, both Port-channels staying up.
func TestEtherChannelBetweenSwitches(t *testing.T) {
	netns.RequireRoot(t)
	a := newECLab(t, packet.MAC{0x00, 0x1e, 0x14, 0xec, 0x0a, 0x00})
	b := newECLab(t, packet.MAC{0x00, 0x1e, 0x14, 0xec, 0x0b, 0x00})
	wire := netns.New(t)
	t.Cleanup(a.stop)
	t.Cleanup(b.stop)
	wire.DisableIPv6()
	for i, n := range []string{"ec1", "ec2"} {
		wire.MustRun("ip", "link", "add", n+"a", "type", "veth", "peer", "name", n+"b")
		a.ports++
		a.attachAfpacket(wire, n+"a", ecMembers[i], access(1))
		b.ports++
		b.attachAfpacket(wire, n+"b", ecMembers[i], access(1))
	}
	ha := a.addVethHost("ha", access(1), "02:00:00:00:ec:0a", "10.73.1.1/24")
	hb := b.addVethHost("hb", access(1), "02:00:00:00:ec:0b", "10.73.1.2/24")
	for _, e := range []*ecLab{a, b} {
		e.startCLI("interface range gi0/1 - 2", "lacp rate fast", "channel-group 1 mode active")
	}
	for _, e := range []*ecLab{a, b} {
		if !e.waitSummary(30*time.Second, "Po1(SU)", "Gi0/1(P)", "Gi0/2(P)") {
			t.Fatalf("no bundle:\n%s\n%s", e.exec("show etherchannel summary"), e.exec("show lacp internal"))
		}
	}
	if nb := a.exec("show lacp neighbor"); !strings.Contains(nb, "001e.14ec.0b00") {
		t.Errorf("switch A's neighbors are not switch B:\n%s", nb)
	}
	ha.mustPing("10.73.1.2")
	if got := a.macPort(1, hb.mac); got != "Port-channel1" {
		t.Errorf("hb learned on %q, want Port-channel1", got)
	}

	var cut string
	before := a.snapshot(dataplane.TxBytes, ecMembers...)
	got := iperfDuring(t, hb, ha, "10.73.1.2", 6, func() {
		cut = a.busier(before, dataplane.TxBytes, ecMembers...)
		veth := map[string]string{ecMembers[0]: "ec1a", ecMembers[1]: "ec2a"}[cut]
		wire.MustRun("ip", "link", "set", veth, "down")
	})
	t.Logf("%.0f MB crossed the bundle; cut %s", got/1e6, cut)
	a.checkBundleSurvived(cut)
	b.checkBundleSurvived(cut)
}

// ovsBond is an Open vSwitch (userspace datapath, no kernel module) in its
// own namespace with an LACP bond of two veths: an LACP speaker that is
// not l2sw's, for kernels without the bonding driver.
type ovsBond struct {
	ns  *netns.NS
	dir string
	env []string
}

func newOVSBond(t *testing.T) *ovsBond {
	t.Helper()
	for _, b := range []string{"ovsdb-tool", "ovsdb-server", "ovs-vswitchd", "ovs-vsctl", "ovs-appctl", "ethtool"} {
		if _, err := exec.LookPath(b); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("CI=true but %s is missing (make test-deps installs openvswitch-switch)", b)
			}
			t.Skipf("skipping: %s is not installed (make test-deps)", b)
		}
	}
	o := &ovsBond{ns: netns.New(t), dir: t.TempDir()}
	o.ns.DisableIPv6()
	o.env = []string{"env", "OVS_RUNDIR=" + o.dir, "OVS_LOGDIR=" + o.dir, "OVS_DBDIR=" + o.dir}
	db, sock := o.dir+"/conf.db", o.dir+"/db.sock"
	if out, err := exec.Command("ovsdb-tool", "create", db, "/usr/share/openvswitch/vswitch.ovsschema").CombinedOutput(); err != nil {
		t.Fatalf("ovsdb-tool: %v\n%s", err, out)
	}
	o.ns.Start(append(o.env, "ovsdb-server", db, "--remote=punix:"+sock, "--unixctl="+o.dir+"/ovsdb.ctl", "--log-file="+o.dir+"/ovsdb.log")...)
	if !poll(10*time.Second, func() bool { _, err := os.Stat(sock); return err == nil }) {
		t.Fatal("ovsdb-server did not start")
	}
	o.vsctl(t, "--no-wait", "init")
	o.ns.Start(append(o.env, "ovs-vswitchd", "unix:"+sock, "--unixctl="+o.dir+"/vswitchd.ctl", "--log-file="+o.dir+"/vswitchd.log")...)
	t.Cleanup(func() {
		if t.Failed() {
			log, _ := os.ReadFile(o.dir + "/vswitchd.log")
			t.Logf("ovs-vswitchd log:\n%s", log)
		}
	})
	return o
}

func (o *ovsBond) vsctl(t *testing.T, args ...string) string {
	t.Helper()
	return o.ns.MustRun(append(append(o.env, "ovs-vsctl", "--db=unix:"+o.dir+"/db.sock", "--timeout=20"), args...)...)
}

func (o *ovsBond) lacpShow() string {
	out, _ := o.ns.Run(append(o.env, "ovs-appctl", "-t", o.dir+"/vswitchd.ctl", "lacp/show", "bond0")...)
	return out
}

// TestEtherChannelOpenVSwitch: an Open vSwitch LACP bond (active, fast)
// of two veths bundles with Port-channel1 over two afpacket ports, both
// sides agree, and a TCP stream from the OVS bridge's host port to a host
// on another port completes while the busy link is cut.
func TestEtherChannelOpenVSwitch(t *testing.T) {
	netns.RequireRoot(t)
	o := newOVSBond(t)
	e := newECLab(t, packet.MAC{0x00, 0x1e, 0x14, 0xec, 0x0c, 0x00})
	t.Cleanup(e.stop)
	for i, name := range []string{"ec1", "ec2"} {
		o.ns.MustRun("ip", "link", "add", name, "type", "veth", "peer", "name", name+"sw")
		o.ns.LinkUp(name)
		e.ports++
		e.attachAfpacket(o.ns, name+"sw", ecMembers[i], access(1))
	}
	srv := e.addVethHost("srv", access(1), "02:00:00:00:ec:32", "10.73.2.2/24")
	// LACP runs before the bond speaks, so that its first LACPDUs are
	// taken, not flooded back to it (it would see a loop).
	e.startCLI("interface range gi0/1 - 2", "lacp rate fast", "channel-group 1 mode active")
	// The userspace datapath reads the bond's links with a plain packet
	// socket and completes no checksum: the server sends whole segments.
	srv.ns.MustRun("ethtool", "-K", "eth0", "tx", "off", "tso", "off", "gso", "off")
	o.vsctl(t, "add-br", "br0", "--", "set", "bridge", "br0", "datapath_type=netdev", "other_config:hwaddr=02:00:00:00:ec:31")
	o.vsctl(t, "add-bond", "br0", "bond0", "ec1", "ec2", "lacp=active", "other_config:lacp-time=fast", "bond_mode=balance-tcp")
	o.ns.AddAddr("br0", "10.73.2.1/24")
	o.ns.LinkUp("br0")

	if !e.waitSummary(40*time.Second, "Po1(SU)", "Gi0/1(P)", "Gi0/2(P)") {
		t.Fatalf("no bundle with Open vSwitch:\n%s\n%s\n%s", e.exec("show etherchannel summary"), e.exec("show lacp neighbor"), o.lacpShow())
	}
	if !poll(10*time.Second, func() bool { return strings.Count(o.lacpShow(), "current attached") == 2 }) {
		t.Errorf("Open vSwitch does not see both links attached:\n%s", o.lacpShow())
	}
	if s := o.lacpShow(); !strings.Contains(s, "partner sys_id: 00:1e:14:ec:0c:00") || !strings.Contains(s, "partner key: 1") {
		t.Errorf("Open vSwitch's partner is not l2sw:\n%s", s)
	}
	client := &host{l: e.lab, name: "ovs", ns: o.ns, ifname: "br0"}
	client.mustPing("10.73.2.2")

	var cut string
	before := e.snapshot(dataplane.RxBytes, ecMembers...)
	got := iperfDuring(t, srv, client, "10.73.2.2", 6, func() {
		cut = e.busier(before, dataplane.RxBytes, ecMembers...)
		veth := map[string]string{ecMembers[0]: "ec1", ecMembers[1]: "ec2"}[cut]
		o.ns.MustRun("ip", "link", "set", veth, "down")
	})
	t.Logf("%.0f MB crossed the bundle; cut %s", got/1e6, cut)
	e.checkBundleSurvived(cut)
}
