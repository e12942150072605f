package e2e

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/l2sw/l2sw/packet"
)

// steadyState is how long two first-hop-redundancy speakers must keep their
// roles. A switch that reflected advertisements back to their sender, or
// lost them, makes the backup preempt or the master step down within a few
// advertisement intervals (1 s here).
const steadyState = 30 * time.Second

// takeover bounds the time a backup takes to become master once the master
// is gone: the master-down interval is 3 advertisement intervals plus skew.
const takeover = 6 * time.Second

// daemon is a long-running program in a host's namespace, its output kept
// in a file for the failure message.
type daemon struct {
	cmd  *exec.Cmd
	log  string
	done chan struct{}
}

func (h *host) startDaemon(t *testing.T, name string, argv ...string) *daemon {
	t.Helper()
	path, err := exec.LookPath(argv[0])
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but %s is not installed (make test-deps)", argv[0])
		}
		t.Skipf("skipping: %s is not installed (make test-deps installs it)", argv[0])
	}
	argv[0] = path
	logPath := filepath.Join(t.TempDir(), name+".log")
	out, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	d := &daemon{log: logPath, done: make(chan struct{})}
	// ip netns exec execs the program: the PID is the daemon's.
	d.cmd = exec.Command("ip", append([]string{"netns", "exec", h.ns.Name}, argv...)...)
	d.cmd.Stdout, d.cmd.Stderr = out, out
	if err := d.cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	go func() { _ = d.cmd.Wait(); close(d.done) }()
	t.Cleanup(func() {
		d.stop(syscall.SIGTERM)
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			t.Logf("%s output:\n%s", name, b)
		}
	})
	return d
}

// stop signals the daemon and waits for it to exit (killing it if it takes
// more than a few seconds).
func (d *daemon) stop(sig syscall.Signal) {
	select {
	case <-d.done:
		return
	default:
	}
	_ = d.cmd.Process.Signal(sig)
	select {
	case <-d.done:
	case <-time.After(5 * time.Second):
		_ = d.cmd.Process.Kill()
		<-d.done
	}
}

// stateLog is a file the speakers' scripts append "<unix ns> <state>" to.
type stateLog string

type stateChange struct {
	at    time.Time
	state string
}

func (s stateLog) changes(t *testing.T) []stateChange {
	t.Helper()
	b, err := os.ReadFile(string(s))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []stateChange
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(line)
		if len(f) != 2 {
			continue
		}
		ns, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			t.Fatalf("state log %s: %q: %v", s, line, err)
		}
		out = append(out, stateChange{time.Unix(0, ns), f[1]})
	}
	return out
}

// state is the last state recorded ("" if none).
func (s stateLog) state(t *testing.T) string {
	c := s.changes(t)
	if len(c) == 0 {
		return ""
	}
	return c[len(c)-1].state
}

func (s stateLog) since(t *testing.T, from time.Time) []stateChange {
	var out []stateChange
	for _, c := range s.changes(t) {
		if !c.at.Before(from) {
			out = append(out, c)
		}
	}
	return out
}

// writeScript writes an executable shell script.
func writeScript(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
}

// fhrpLab is two speakers and a client in VLAN 1, with 10.0.0.100 the
// shared address.
type fhrpLab struct {
	*lab
	s1, s2, client *host
}

func newFHRPLab(t *testing.T) *fhrpLab {
	l := newLab(t)
	return &fhrpLab{
		lab:    l,
		s1:     l.addHost("speaker1", access(1), "02:00:00:00:06:01", "10.0.0.1/24"),
		s2:     l.addHost("speaker2", access(1), "02:00:00:00:06:02", "10.0.0.2/24"),
		client: l.addHost("client", access(1), "02:00:00:00:06:09", "10.0.0.9/24"),
	}
}

// reflected matches frames the receiver sent itself: its own source MAC,
// or its own IPv4 source address (CARP advertisements leave from the
// virtual MAC 0000.5e00.00XX, not the interface's).
func reflected(h *host, ip net.IP) func(frameRecord) bool {
	return func(f frameRecord) bool {
		d := f.data
		return f.src() == h.mac || (len(d) >= 30 && d[12] == 0x08 && d[13] == 0x00 && net.IP(d[26:30]).Equal(ip))
	}
}

// run drives the scenario both protocols share: speaker 1 becomes master
// alone, speaker 2 joins as backup, the roles hold for steadyState with no
// advertisement reflected, the client reaches the shared address; then
// speaker 1 is stopped and speaker 2 takes over within takeover and the
// client reaches the shared address through it.
func (fl *fhrpLab) run(t *testing.T, master, backup string, start func(h *host, states stateLog) *daemon, stopSig syscall.Signal) {
	dir := t.TempDir()
	st1, st2 := stateLog(filepath.Join(dir, "speaker1.states")), stateLog(filepath.Join(dir, "speaker2.states"))
	cap1, cap2 := fl.s1.capture(), fl.s2.capture()

	d1 := start(fl.s1, st1)
	if !poll(takeover+5*time.Second, func() bool { return st1.state(t) == master }) {
		t.Fatalf("speaker1 alone did not become %s (states %v)", master, st1.changes(t))
	}
	start(fl.s2, st2)
	// Let speaker 2 hear a few advertisements and settle as backup.
	if !poll(takeover, func() bool { return st2.state(t) == backup }) {
		t.Fatalf("speaker2 did not settle as %s (states %v; speaker1 %v)", backup, st2.changes(t), st1.changes(t))
	}
	if !capWaitAdverts(cap2, net.IPv4(10, 0, 0, 1), promptly) {
		t.Fatalf("speaker2 received no advertisement from speaker1")
	}

	steady := time.Now()
	time.Sleep(steadyState)
	if c := st1.since(t, steady); len(c) != 0 {
		t.Errorf("speaker1 changed state during the steady state: %v", c)
	}
	if c := st2.since(t, steady); len(c) != 0 {
		t.Errorf("speaker2 changed state during the steady state: %v", c)
	}
	if s1, s2 := st1.state(t), st2.state(t); s1 != master || s2 != backup {
		t.Errorf("after the steady state speaker1 is %s and speaker2 is %s, want exactly one %s", s1, s2, master)
	}
	for _, tc := range []struct {
		h   *host
		cap *capture
		ip  net.IP
	}{{fl.s1, cap1, net.IPv4(10, 0, 0, 1)}, {fl.s2, cap2, net.IPv4(10, 0, 0, 2)}} {
		if got := tc.cap.matching(reflected(tc.h, tc.ip)); len(got) != 0 {
			t.Errorf("%s received %d of its own frames back from the switch", tc.h.name, len(got))
		}
	}
	if err := fl.client.ping("10.0.0.100", 2); err != nil {
		t.Errorf("the client cannot reach the shared address on the master: %v", err)
	}
	if t.Failed() {
		return
	}

	stopped := time.Now()
	d1.stop(stopSig)
	if !poll(takeover, func() bool { return st2.state(t) == master }) {
		t.Fatalf("speaker2 did not take over within %v of speaker1 stopping (states %v)", takeover, st2.changes(t))
	}
	t.Logf("speaker2 took over %v after speaker1 stopped", time.Since(stopped).Round(time.Millisecond))
	// The new master announces the address with gratuitous ARP, which the
	// switch floods; the client's next pings go to speaker2.
	if !poll(promptly, func() bool { return fl.client.ping("10.0.0.100", 1) == nil }) {
		t.Errorf("the client cannot reach the shared address after the takeover")
	}
	if got := fl.macPort(1, fl.s2.mac); got != fl.s2.port {
		t.Errorf("speaker2 is on %q, want %s", got, fl.s2.port)
	}
}

// capWaitAdverts waits for an advertisement (IP protocol 112 to 224.0.0.18)
// from the speaker at IPv4 address from.
func capWaitAdverts(c *capture, from net.IP, timeout time.Duration) bool {
	return c.waitFor(1, timeout, func(f frameRecord) bool {
		d := f.data
		return len(d) >= 34 && d[12] == 0x08 && d[13] == 0x00 && d[23] == 112 &&
			net.IP(d[26:30]).Equal(from) && net.IP(d[30:34]).Equal(net.IPv4(224, 0, 0, 18))
	})
}

// TestCARPUcarp runs two ucarp speakers with the same vhid and password.
func TestCARPUcarp(t *testing.T) {
	t.Parallel()
	fl := newFHRPLab(t)
	dir := t.TempDir()
	start := func(h *host, states stateLog) *daemon {
		up, down := filepath.Join(dir, h.name+"-up.sh"), filepath.Join(dir, h.name+"-down.sh")
		// ucarp calls the scripts with the interface and the address.
		writeScript(t, up, fmt.Sprintf("echo \"$(date +%%s%%N) MASTER\" >> %s\nip addr add \"$2\"/24 dev \"$1\" 2>/dev/null\nexit 0\n", states))
		writeScript(t, down, fmt.Sprintf("echo \"$(date +%%s%%N) BACKUP\" >> %s\nip addr del \"$2\"/24 dev \"$1\" 2>/dev/null\nexit 0\n", states))
		return h.startDaemon(t, "ucarp-"+h.name, "ucarp",
			"--interface="+h.ifname, "--srcip="+strings.TrimSuffix(h.addr(t), "/24"),
			"--vhid=7", "--pass=l2sw-e2e", "--addr=10.0.0.100", "--advbase=1",
			"--upscript="+up, "--downscript="+down)
	}
	// SIGKILL: the master vanishes without a word, the backup notices the
	// missing advertisements.
	fl.run(t, "MASTER", "BACKUP", start, syscall.SIGKILL)
	// ucarp sends its advertisements from 0000.5e00.00<vhid> (not VRRP's
	// 0000.5e00.01XX); that entry follows the mastership to speaker2 with
	// the new master's first advertisement (up to one advbase after its
	// state change).
	if vmac := (packet.MAC{0, 0, 0x5e, 0, 0, 7}); !t.Failed() {
		if _, ok := fl.waitMACPort(1, vmac, fl.s2.port, promptly); !ok {
			t.Errorf("the CARP virtual MAC %s is on %q after the takeover, want %s", vmac, fl.macPort(1, vmac), fl.s2.port)
		}
	}
}

// TestVRRPKeepalived runs two keepalived VRRPv2 speakers (VRRP only, no
// virtual MAC), priorities 150 and 100, in the foreground with their pid
// files in the test's directory.
func TestVRRPKeepalived(t *testing.T) {
	t.Parallel()
	fl := newFHRPLab(t)
	dir := t.TempDir()
	prio := map[string]int{"speaker1": 150, "speaker2": 100}
	start := func(h *host, states stateLog) *daemon {
		notify := filepath.Join(dir, h.name+"-notify.sh")
		// keepalived calls notify with: type, instance name, state, priority.
		writeScript(t, notify, fmt.Sprintf("echo \"$(date +%%s%%N) $3\" >> %s\n", states))
		conf := filepath.Join(dir, h.name+".conf")
		cfg := fmt.Sprintf(`global_defs {
	router_id %s
	script_user root
	vrrp_garp_master_delay 1
}
vrrp_instance L2SW {
	state BACKUP
	interface %s
	virtual_router_id 7
	priority %d
	advert_int 1
	authentication {
		auth_type PASS
		auth_pass l2sw
	}
	virtual_ipaddress {
		10.0.0.100/24
	}
	notify %s
}
`, h.name, h.ifname, prio[h.name], notify)
		if err := os.WriteFile(conf, []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		return h.startDaemon(t, "keepalived-"+h.name, "keepalived",
			"--vrrp", "--dont-fork", "--log-console", "--log-detail", "--use-file="+conf,
			"--pid="+filepath.Join(dir, h.name+".pid"),
			"--vrrp_pid="+filepath.Join(dir, h.name+"-vrrp.pid"),
			"--checkers_pid="+filepath.Join(dir, h.name+"-checkers.pid"))
	}
	// SIGTERM: keepalived resigns with a priority-0 advertisement.
	fl.run(t, "MASTER", "BACKUP", start, syscall.SIGTERM)
}

// addr is h's first IPv4 address in CIDR form.
func (h *host) addr(t *testing.T) string {
	t.Helper()
	out := h.ns.MustRun("ip", "-4", "-o", "addr", "show", "dev", h.ifname)
	f := strings.Fields(out)
	for i, w := range f {
		if w == "inet" && i+1 < len(f) {
			return f[i+1]
		}
	}
	t.Fatalf("%s has no IPv4 address: %s", h.name, out)
	return ""
}
