package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/l2sw/l2sw/cli"
)

// The l2sw VRRP speaker against keepalived (Debian's, multicast adverts,
// no unicast peers) in a namespace on the same VLAN, with a client that
// pings the virtual address: the election both ways and the failover
// both ways, for VRRPv2 and VRRPv3.

// vrrpVIP is the virtual address of the group; l2sw's SVI is .2,
// keepalived's host .3 and the client .9.
const vrrpVIP = "10.0.31.1"

// vrrpSlack is what a loaded machine may add to a master-down interval.
const vrrpSlack = 2 * time.Second

// vrrpLab is the switch with its CLI and runner, keepalived's host and
// the client.
type vrrpLab struct {
	t      *testing.T
	l      *lab
	dev    *cli.Device
	ka     *host
	client *host
	dir    string
	v3     bool
	stop   context.CancelFunc // the l2sw speaker's runner
	done   chan struct{}
}

func newVRRPLab(t *testing.T, version int) *vrrpLab {
	requireToolOrSkip(t, "keepalived")
	l := newLab(t)
	vl := &vrrpLab{t: t, l: l, dir: t.TempDir()}
	vl.ka = l.addHost("vrrp-keepalived", access(10), "02:00:00:00:31:03", "10.0.31.3/24")
	vl.client = l.addHost("vrrp-client", access(10), "02:00:00:00:31:09", "10.0.31.9/24")
	vl.dev, _ = l.device(t)
	// VRRPv2 in the classic IOS lines, VRRPv3 in the IOS-XE form.
	vl.v3 = version == 3
	if vl.v3 {
		runCLI(t, vl.dev, "configure terminal", "fhrp version vrrp v3", "interface Vlan10", "ip address 10.0.31.2 255.255.255.0",
			"vrrp 1 address-family ipv4", "address "+vrrpVIP+" primary", "exit-vrrp", "end")
	} else {
		runCLI(t, vl.dev, "configure terminal", "interface Vlan10", "ip address 10.0.31.2 255.255.255.0", "vrrp 1 ip "+vrrpVIP, "end")
	}
	t.Cleanup(vl.stopL2sw)
	return vl
}

// requireToolOrSkip skips (or fails under CI=true) without a program.
func requireToolOrSkip(t *testing.T, name string) {
	t.Helper()
	if _, err := os.Stat("/usr/sbin/" + name); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but %s is not installed (make test-deps)", name)
		}
		t.Skipf("skipping: %s is not installed (make test-deps installs it)", name)
	}
}

// setPriority sets l2sw's priority for the group.
func (vl *vrrpLab) setPriority(p int) {
	if vl.v3 {
		runCLI(vl.t, vl.dev, "configure terminal", "interface Vlan10", "vrrp 1 address-family ipv4", fmt.Sprintf("priority %d", p), "end")
		return
	}
	runCLI(vl.t, vl.dev, "configure terminal", "interface Vlan10", fmt.Sprintf("vrrp 1 priority %d", p), "end")
}

// startL2sw runs the speaker, as `l2sw run` does under its context.
func (vl *vrrpLab) startL2sw() {
	ctx, cancel := context.WithCancel(context.Background())
	vl.stop, vl.done = cancel, make(chan struct{})
	done := vl.done
	go func() {
		defer close(done)
		if err := vl.dev.RunVRRP(ctx); err != nil {
			vl.t.Errorf("RunVRRP: %v", err)
		}
	}()
}

// stopL2sw stops the speaker: its master resigns with priority 0.
func (vl *vrrpLab) stopL2sw() {
	if vl.stop != nil {
		vl.stop()
		<-vl.done
		vl.stop = nil
	}
}

// l2swState is the group's state in `show vrrp brief`.
func (vl *vrrpLab) l2swState() string {
	out := runCLI(vl.t, vl.dev, "show vrrp brief")
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) > 0 && f[0] == "Vl10" {
			for _, s := range []string{"Master", "Backup", "Init", "MASTER", "BACKUP", "INIT"} {
				for _, w := range f {
					if w == s {
						return strings.ToUpper(s)
					}
				}
			}
		}
	}
	return ""
}

// startKeepalived runs keepalived with the priority given; its state
// changes go to the returned log.
func (vl *vrrpLab) startKeepalived(version, priority int) (*daemon, stateLog) {
	t := vl.t
	name := fmt.Sprintf("ka-v%d-p%d", version, priority)
	states := stateLog(filepath.Join(vl.dir, name+".states"))
	notify := filepath.Join(vl.dir, name+"-notify.sh")
	writeScript(t, notify, fmt.Sprintf("echo \"$(date +%%s%%N) $3\" >> %s\n", states))
	conf := filepath.Join(vl.dir, name+".conf")
	cfg := fmt.Sprintf(`global_defs {
	router_id %s
	script_user root
	vrrp_version %d
	vrrp_garp_master_delay 1
}
vrrp_instance L2SW {
	state BACKUP
	interface %s
	virtual_router_id 1
	priority %d
	advert_int 1
	virtual_ipaddress {
		%s/24
	}
	notify %s
}
`, name, version, vl.ka.ifname, priority, vrrpVIP, notify)
	if err := os.WriteFile(conf, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	d := vl.ka.startDaemon(t, "keepalived-"+name, "keepalived",
		"--vrrp", "--dont-fork", "--log-console", "--log-detail", "--use-file="+conf,
		"--pid="+filepath.Join(vl.dir, name+".pid"),
		"--vrrp_pid="+filepath.Join(vl.dir, name+"-vrrp.pid"),
		"--checkers_pid="+filepath.Join(vl.dir, name+"-checkers.pid"))
	return d, states
}

// waitRoles waits for l2sw and keepalived to hold the states given.
func (vl *vrrpLab) waitRoles(l2sw, ka string, kaStates stateLog, timeout time.Duration) bool {
	return poll(timeout, func() bool { return vl.l2swState() == l2sw && kaStates.state(vl.t) == ka })
}

// clientReachesVIP waits until the client's pings to the virtual address
// are answered again and says which MAC answered.
func (vl *vrrpLab) clientReachesVIP(who string) {
	t := vl.t
	t.Helper()
	if !poll(promptly, func() bool { return vl.client.ping(vrrpVIP, 1) == nil }) {
		t.Fatalf("the client cannot reach %s with %s master", vrrpVIP, who)
	}
}

// clientNeigh is the MAC the client has for the virtual address.
func (vl *vrrpLab) clientNeigh() string {
	out, _ := vl.client.ns.Run("ip", "neigh", "show", vrrpVIP, "dev", vl.client.ifname)
	return out
}

func runVRRPKeepalived(t *testing.T, version int) {
	vl := newVRRPLab(t, version)
	vmac := "00:00:5e:00:01:01"
	// l2sw at 150 is master when it starts first, keepalived at 100 backup.
	vl.setPriority(150)
	vl.startL2sw()
	if !poll(5*time.Second+vrrpSlack, func() bool { return vl.l2swState() == "MASTER" }) {
		t.Fatalf("l2sw alone did not become master:\n%s", runCLI(t, vl.dev, "show vrrp"))
	}
	ka, kaStates := vl.startKeepalived(version, 100)
	if !vl.waitRoles("MASTER", "BACKUP", kaStates, 10*time.Second) {
		t.Fatalf("l2sw %s, keepalived %v; want Master and BACKUP\n%s", vl.l2swState(), kaStates.changes(t), runCLI(t, vl.dev, "show vrrp"))
	}
	// Stable for a few adverts: neither side flaps.
	steady := time.Now()
	time.Sleep(4 * time.Second)
	if c := kaStates.since(t, steady); len(c) != 0 || vl.l2swState() != "MASTER" {
		t.Fatalf("not stable: keepalived %v, l2sw %s", c, vl.l2swState())
	}
	show := runCLI(t, vl.dev, "show vrrp")
	if !strings.Contains(show, "Master Router is 10.0.31.2 (local), priority is 150") {
		t.Errorf("show vrrp with l2sw master:\n%s", show)
	}
	vl.clientReachesVIP("l2sw")
	if n := vl.clientNeigh(); !strings.Contains(n, vmac) {
		t.Errorf("the client has %q for %s, want the virtual MAC %s", n, vrrpVIP, vmac)
	}

	// Failover to keepalived: l2sw's speaker stops (and resigns).
	stopped := time.Now()
	vl.stopL2sw()
	mdi := 3*time.Second + 156*time.Second/256 // keepalived at 100, 1 s adverts
	if !poll(mdi+vrrpSlack, func() bool { return kaStates.state(t) == "MASTER" }) {
		t.Fatalf("keepalived did not take over within %v (states %v)", mdi+vrrpSlack, kaStates.changes(t))
	}
	t.Logf("keepalived master %v after l2sw stopped", time.Since(stopped).Round(time.Millisecond))
	vl.clientReachesVIP("keepalived")
	if n := vl.clientNeigh(); !strings.Contains(n, vl.ka.mac.Colon()) {
		t.Errorf("the client has %q for %s, want keepalived's MAC %s", n, vrrpVIP, vl.ka.mac.Colon())
	}
	if gws := vl.l.sw.VirtualGateways(); len(gws) != 0 {
		t.Errorf("the stopped speaker still owns %+v", gws)
	}

	// l2sw comes back at 150 and preempts keepalived.
	vl.startL2sw()
	if !vl.waitRoles("MASTER", "BACKUP", kaStates, 4*time.Second+vrrpSlack) {
		t.Fatalf("l2sw did not preempt: l2sw %s, keepalived %v", vl.l2swState(), kaStates.changes(t))
	}
	vl.clientReachesVIP("l2sw again")

	// The other way: keepalived at 200 is master, l2sw at 150 backup.
	ka.stop(syscall.SIGTERM)
	_, kaStates = vl.startKeepalived(version, 200)
	if !vl.waitRoles("BACKUP", "MASTER", kaStates, 10*time.Second) {
		t.Fatalf("l2sw %s, keepalived %v; want Backup and MASTER\n%s", vl.l2swState(), kaStates.changes(t), runCLI(t, vl.dev, "show vrrp"))
	}
	show = runCLI(t, vl.dev, "show vrrp")
	if !strings.Contains(show, "Master Router is 10.0.31.3, priority is 200") {
		t.Errorf("show vrrp with keepalived master:\n%s", show)
	}
	vl.clientReachesVIP("keepalived")

	// Failover to l2sw: keepalived's host drops off the network without a
	// word (its link goes down: a SIGKILL would not do, keepalived's VRRP
	// child resigns when its parent dies), and l2sw takes over after its
	// master-down interval.
	stopped = time.Now()
	vl.ka.ns.MustRun("ip", "link", "set", "dev", vl.ka.ifname, "down")
	mdi = 3*time.Second + 106*time.Second/256
	if !poll(mdi+vrrpSlack, func() bool { return vl.l2swState() == "MASTER" }) {
		t.Fatalf("l2sw did not take over within %v:\n%s", mdi+vrrpSlack, runCLI(t, vl.dev, "show vrrp"))
	}
	took := time.Since(stopped)
	t.Logf("l2sw master %v after keepalived's host went away", took.Round(time.Millisecond))
	if took < mdi-500*time.Millisecond {
		t.Errorf("l2sw took over after %v, before the master-down interval %v", took, mdi)
	}
	vl.clientReachesVIP("l2sw")
	if n := vl.clientNeigh(); !strings.Contains(n, vmac) {
		t.Errorf("after the takeover the client has %q for %s, want %s (gratuitous ARP)", n, vrrpVIP, vmac)
	}
	var logs []string
	for _, m := range vl.l.sw.Log().Messages() {
		if strings.Contains(m.String(), "%VRRP-6-STATE") {
			logs = append(logs, m.String())
		}
	}
	want := "%VRRP-6-STATECHANGE: Vl10 Grp 1 state Backup -> Master"
	if version == 3 {
		want = "%VRRP-6-STATE: Vlan10 IPv4 group 1 state BACKUP -> MASTER"
	}
	if last := logs[len(logs)-1]; !strings.HasSuffix(last, want) {
		t.Errorf("last state change %q, want %q", last, want)
	}
}

// TestVRRPv2AgainstKeepalived runs the election and the failovers with
// VRRPv2 (RFC 3768) on both sides.
func TestVRRPv2AgainstKeepalived(t *testing.T) {
	t.Parallel()
	runVRRPKeepalived(t, 2)
}

// TestVRRPv3AgainstKeepalived is the same with VRRPv3 (RFC 5798, IPv4),
// `fhrp version vrrp v3` on l2sw and vrrp_version 3 in keepalived.
func TestVRRPv3AgainstKeepalived(t *testing.T) {
	t.Parallel()
	runVRRPKeepalived(t, 3)
}
