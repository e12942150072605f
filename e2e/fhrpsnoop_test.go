package e2e

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/l2sw/l2sw/cli"
	"github.com/l2sw/l2sw/cli/term"
)

// The acceptance case of the reflecting virtual switch: a real pair of
// speakers (ucarp, keepalived) on two ports, the switch snooping their
// adverts; `fault reflect multicast` on the master's port sends the
// master its own adverts back, `show platform fhrp` and the log name that
// port, and `no fault reflect multicast` ends it.
//
// What the pair does with its reflected adverts: Linux speakers do not
// flap. The kernel drops an IPv4 packet whose source is one of its own
// addresses as a martian before keepalived's raw socket sees it, and
// ucarp's capture filter is "proto 112 and src host not <srcip>". The
// field case flaps because the BSDs' in-kernel CARP takes its own advert
// for a master's. The test counts the state transitions each speaker logs
// and holds them to that.
//
// A pair does flap when the backup stops hearing the master (fault drop
// 100 out on its port): the duplicate-master tests show the snooper
// naming both masters of the group.

// fhrpSteady is how long the pair must keep its roles: 60 s, or under
// CI=false what L2SW_E2E_FHRP_STEADY says (a Go duration) to shorten a
// local run.
func fhrpSteady(t *testing.T) time.Duration {
	if os.Getenv("CI") != "true" {
		if v := os.Getenv("L2SW_E2E_FHRP_STEADY"); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				t.Fatalf("L2SW_E2E_FHRP_STEADY=%q: %v", v, err)
			}
			return d
		}
	}
	return 60 * time.Second
}

// speakerKind is how to run one implementation and read its log.
type speakerKind struct {
	name       string
	start      func(t *testing.T, h *host, dir string, prio int) *daemon
	transition *regexp.Regexp // a state change in its output; group 1 the new state
}

var ucarpKind = speakerKind{
	name: "ucarp",
	start: func(t *testing.T, h *host, dir string, prio int) *daemon {
		// advskew: the lower, the preferred master.
		return h.startDaemon(t, "ucarp-"+h.name, "ucarp",
			"--interface="+h.ifname, "--srcip="+strings.TrimSuffix(h.addr(t), "/24"),
			"--vhid=7", "--pass=l2sw-e2e", "--addr=10.0.0.100", "--advbase=1",
			fmt.Sprintf("--advskew=%d", 200-prio), "--upscript=/bin/true", "--downscript=/bin/true")
	},
	transition: regexp.MustCompile(`Switching to state: (\w+)`),
}

var keepalivedKind = speakerKind{
	name: "keepalived",
	start: func(t *testing.T, h *host, dir string, prio int) *daemon {
		conf := filepath.Join(dir, h.name+".conf")
		cfg := fmt.Sprintf(`global_defs {
	router_id %s
}
vrrp_instance FHRPSNOOP {
	state BACKUP
	interface %s
	virtual_router_id 7
	priority %d
	advert_int 1
	virtual_ipaddress {
		10.0.0.100/24
	}
}
`, h.name, h.ifname, prio)
		if err := os.WriteFile(conf, []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		return h.startDaemon(t, "keepalived-"+h.name, "keepalived",
			"--vrrp", "--dont-fork", "--log-console", "--use-file="+conf,
			"--pid="+filepath.Join(dir, h.name+".pid"),
			"--vrrp_pid="+filepath.Join(dir, h.name+"-vrrp.pid"),
			"--checkers_pid="+filepath.Join(dir, h.name+"-checkers.pid"))
	},
	transition: regexp.MustCompile(`Entering (\w+) STATE`),
}

// transitions are the states a daemon's output says it entered.
func (d *daemon) transitions(t *testing.T, re *regexp.Regexp) []string {
	t.Helper()
	b, err := os.ReadFile(d.log)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range re.FindAllStringSubmatch(string(b), -1) {
		out = append(out, strings.ToUpper(m[1]))
	}
	return out
}

func last(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[len(s)-1]
}

func TestCARPReflectedAdverts(t *testing.T) {
	t.Parallel()
	reflectedPair(t, ucarpKind)
}

func TestVRRPKeepalivedReflectedAdverts(t *testing.T) {
	t.Parallel()
	reflectedPair(t, keepalivedKind)
}

func reflectedPair(t *testing.T, kind speakerKind) {
	fl := newFHRPLab(t)
	dev := cli.NewDevice(fl.sw, cli.Options{ConfigPath: filepath.Join(t.TempDir(), "startup-config")})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go dev.RunFHRPSnoop(ctx)
	exec := func(lines ...string) string {
		t.Helper()
		res := term.RunBatch(dev.Engine(), lines, term.BatchOptions{})
		if res.Rejected {
			t.Fatalf("%q refused:\n%s", lines, res.Output)
		}
		return res.Output
	}
	show := func() string { return exec("show platform fhrp") }
	dir := t.TempDir()

	d1 := kind.start(t, fl.s1, dir, 150)
	if !poll(takeover+5*time.Second, func() bool { return last(d1.transitions(t, kind.transition)) == "MASTER" }) {
		t.Fatalf("speaker1 alone did not become master: %v", d1.transitions(t, kind.transition))
	}
	d2 := kind.start(t, fl.s2, dir, 100)
	if !poll(takeover, func() bool { return last(d2.transitions(t, kind.transition)) == "BACKUP" }) {
		t.Fatalf("speaker2 did not settle as backup: %v", d2.transitions(t, kind.transition))
	}
	// Settled: speaker 1's adverts reach speaker 2 and the snooper.
	if !capWaitAdverts(fl.s2.capture(), net.IPv4(10, 0, 0, 1), promptly) {
		t.Fatal("speaker2 received no advertisement from speaker1")
	}
	n1, n2 := len(d1.transitions(t, kind.transition)), len(d2.transitions(t, kind.transition))
	transitionsSince := func() (a, b []string) {
		return d1.transitions(t, kind.transition)[n1:], d2.transitions(t, kind.transition)[n2:]
	}
	steady := fhrpSteady(t)
	time.Sleep(steady)
	if a, b := transitionsSince(); len(a)+len(b) != 0 {
		t.Errorf("the pair changed state during %v of steady state: speaker1 %v, speaker2 %v", steady, a, b)
	}
	p1 := shortName(fl.s1.port)
	row := regexp.MustCompile(`(?m)^(CARP|VRRPv2) +7 .* Master +\d+ ` + regexp.QuoteMeta(p1) + ` +1 +[\d.]+ .* 10\.0\.0\.1 +0$`)
	if out := show(); !row.MatchString(out) || strings.Contains(out, "Reflected adverts") || strings.Contains(out, "more than one") {
		t.Errorf("show platform fhrp in the steady state, want speaker1 the master on %s, nothing reflected, no duplicate:\n%s", p1, out)
	}

	// The master's port reflects.
	cap1 := fl.s1.capture()
	exec("configure terminal", "interface "+fl.s1.port, "fault reflect multicast", "end")
	reflectedRow := regexp.MustCompile(`(?m)^Interface +Reflected adverts\n` + regexp.QuoteMeta(p1) + ` +(\d+)$`)
	if !poll(promptly+2*time.Second, func() bool { return reflectedRow.MatchString(show()) }) {
		t.Fatalf("show platform fhrp does not name %s as reflecting:\n%s", p1, show())
	}
	want := "reflected back to its sender on " + fl.s1.port
	if logs := fl.sw.Log().Grep("%FHRP-4-REFLECTED"); len(logs) == 0 || !strings.Contains(logs[0], want) {
		t.Errorf("REFLECTED messages %q, want one ending %q", logs, want)
	}
	if !cap1.waitFor(2, promptly, reflected(fl.s1, net.IPv4(10, 0, 0, 1))) {
		t.Errorf("speaker1 did not hear its own adverts back")
	}
	time.Sleep(min(steady, 15*time.Second))
	a, b := transitionsSince()
	t.Logf("with %s reflecting: speaker1 entered %v, speaker2 %v; %d adverts came back to speaker1",
		p1, a, b, len(cap1.matching(reflected(fl.s1, net.IPv4(10, 0, 0, 1)))))
	if len(a)+len(b) != 0 {
		t.Errorf("%s changed state with its own adverts reflected (Linux speakers ignore them): speaker1 %v, speaker2 %v", kind.name, a, b)
	}
	out := show()
	m := reflectedRow.FindStringSubmatch(out)
	if m == nil || m[1] == "1" {
		t.Errorf("show platform fhrp, want several adverts reflected on %s:\n%s", p1, out)
	}

	// No more reflection: the count stops, the pair stays as it was.
	exec("configure terminal", "interface "+fl.s1.port, "no fault reflect multicast", "end")
	time.Sleep(time.Second) // a reflection under way when the line was typed
	before := reflectedRow.FindStringSubmatch(show())
	time.Sleep(min(steady, 10*time.Second))
	after := reflectedRow.FindStringSubmatch(show())
	if before == nil || after == nil || before[1] != after[1] {
		t.Errorf("reflections went on after no fault reflect multicast: %v then %v", before, after)
	}
	if a, b := transitionsSince(); len(a)+len(b) != 0 {
		t.Errorf("state changes: speaker1 %v, speaker2 %v", a, b)
	}
	if last(d1.transitions(t, kind.transition)) != "MASTER" || last(d2.transitions(t, kind.transition)) != "BACKUP" {
		t.Errorf("at the end speaker1 is %q and speaker2 %q", last(d1.transitions(t, kind.transition)), last(d2.transitions(t, kind.transition)))
	}
	if logs := fl.sw.Log().Grep("%FHRP-4-DUPLICATE_ACTIVE"); len(logs) != 0 {
		t.Errorf("duplicate masters logged: %q", logs)
	}
}

// shortName is the short interface name show output uses (Gi0/1).
func shortName(long string) string {
	return strings.Replace(long, "GigabitEthernet", "Gi", 1)
}

func TestCARPDuplicateMasters(t *testing.T) {
	t.Parallel()
	duplicateMasters(t, ucarpKind)
}

func TestVRRPKeepalivedDuplicateMasters(t *testing.T) {
	t.Parallel()
	duplicateMasters(t, keepalivedKind)
}

// duplicateMasters: with `fault drop 100 out` on the backup's port the
// backup hears no master, takes over, and the group has two masters:
// the snooper logs DUPLICATE_ACTIVE naming both ports and shows the
// group. `no fault drop` lets the backup hear the preferred master again
// and step back.
func duplicateMasters(t *testing.T, kind speakerKind) {
	fl := newFHRPLab(t)
	dev := cli.NewDevice(fl.sw, cli.Options{ConfigPath: filepath.Join(t.TempDir(), "startup-config")})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go dev.RunFHRPSnoop(ctx)
	exec := func(lines ...string) string {
		t.Helper()
		res := term.RunBatch(dev.Engine(), lines, term.BatchOptions{})
		if res.Rejected {
			t.Fatalf("%q refused:\n%s", lines, res.Output)
		}
		return res.Output
	}
	dir := t.TempDir()
	d1 := kind.start(t, fl.s1, dir, 150)
	if !poll(takeover+5*time.Second, func() bool { return last(d1.transitions(t, kind.transition)) == "MASTER" }) {
		t.Fatalf("speaker1 alone did not become master: %v", d1.transitions(t, kind.transition))
	}
	d2 := kind.start(t, fl.s2, dir, 100)
	if !poll(takeover, func() bool { return last(d2.transitions(t, kind.transition)) == "BACKUP" }) {
		t.Fatalf("speaker2 did not settle as backup: %v", d2.transitions(t, kind.transition))
	}
	exec("configure terminal", "interface "+fl.s2.port, "fault drop 100 out", "end")
	if !poll(takeover, func() bool { return last(d2.transitions(t, kind.transition)) == "MASTER" }) {
		t.Fatalf("speaker2 hearing nothing did not take over: %v", d2.transitions(t, kind.transition))
	}
	want := fmt.Sprintf("group 7 in vlan 1 has 2 masters: 10.0.0.1 on %s, 10.0.0.2 on %s", fl.s1.port, fl.s2.port)
	if !poll(promptly, func() bool {
		logs := fl.sw.Log().Grep("%FHRP-4-DUPLICATE_ACTIVE")
		return len(logs) == 1 && strings.HasSuffix(logs[0], want)
	}) {
		t.Errorf("DUPLICATE_ACTIVE messages %q, want one ending %q", fl.sw.Log().Grep("%FHRP-4-DUPLICATE_ACTIVE"), want)
	}
	group := fmt.Sprintf("7 in vlan 1: 10.0.0.1 on %s, 10.0.0.2 on %s\n", shortName(fl.s1.port), shortName(fl.s2.port))
	if out := exec("show platform fhrp"); !strings.Contains(out, "Groups with more than one active or master:\n") || !strings.Contains(out, group) {
		t.Errorf("show platform fhrp with two masters:\n%s", out)
	}
	exec("configure terminal", "interface "+fl.s2.port, "no fault drop", "end")
	if !poll(takeover, func() bool { return last(d2.transitions(t, kind.transition)) == "BACKUP" }) {
		t.Fatalf("speaker2 did not step back: %v", d2.transitions(t, kind.transition))
	}
	// The group is back to one master once speaker2's last advert is
	// older than its hold time.
	if !poll(2*takeover, func() bool { return !strings.Contains(exec("show platform fhrp"), "more than one") }) {
		t.Errorf("show platform fhrp still shows two masters:\n%s", exec("show platform fhrp"))
	}
	if last(d1.transitions(t, kind.transition)) != "MASTER" {
		t.Errorf("speaker1 ended %v", d1.transitions(t, kind.transition))
	}
}

// TestFHRPAdvertsReflectedByAPeer: a host that sends every frame to
// 224.0.0.18 back where it came from (tc mirred on its ingress: the
// reflecting virtual switch outside l2sw) makes the CARP master's adverts
// come back in on the host's port moments after the master sent them.
// The snooper names that port, leaves the speaker on its own, and stops
// counting when the reflection ends.
func TestFHRPAdvertsReflectedByAPeer(t *testing.T) {
	t.Parallel()
	fl := newFHRPLab(t)
	dev := cli.NewDevice(fl.sw, cli.Options{ConfigPath: filepath.Join(t.TempDir(), "startup-config")})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go dev.RunFHRPSnoop(ctx)
	show := func() string {
		return term.RunBatch(dev.Engine(), []string{"show platform fhrp"}, term.BatchOptions{}).Output
	}
	d1 := ucarpKind.start(t, fl.s1, t.TempDir(), 150)
	if !poll(takeover+5*time.Second, func() bool { return last(d1.transitions(t, ucarpKind.transition)) == "MASTER" }) {
		t.Fatalf("speaker1 did not become master: %v", d1.transitions(t, ucarpKind.transition))
	}
	r := fl.client
	r.ns.MustRun("tc", "qdisc", "add", "dev", r.ifname, "ingress")
	r.ns.MustRun("tc", "filter", "add", "dev", r.ifname, "parent", "ffff:", "protocol", "ip", "u32",
		"match", "ip", "dst", "224.0.0.18/32", "action", "mirred", "egress", "redirect", "dev", r.ifname)
	want := fmt.Sprintf("%%FHRP-4-REFLECTED: CARP group 7 advert from 10.0.0.1 (0000.5e00.0007) in vlan 1, heard on %s, came back in on %s",
		fl.s1.port, r.port)
	if !poll(promptly, func() bool {
		logs := fl.sw.Log().Grep("%FHRP-4-REFLECTED")
		return len(logs) > 0 && strings.HasSuffix(logs[0], want)
	}) {
		t.Fatalf("REFLECTED messages %q, want %q", fl.sw.Log().Grep("%FHRP-4-REFLECTED"), want)
	}
	reflectedRow := regexp.MustCompile(`(?m)^Interface +Reflected adverts\n` + regexp.QuoteMeta(shortName(r.port)) + ` +(\d+)$`)
	speakerRow := regexp.MustCompile(`(?m)^CARP +7 .* Master +\d+ ` + regexp.QuoteMeta(shortName(fl.s1.port)) + ` +1 .* 10\.0\.0\.1 +[1-9]\d*$`)
	if !poll(promptly, func() bool { out := show(); return reflectedRow.MatchString(out) && speakerRow.MatchString(out) }) {
		t.Errorf("show platform fhrp, want %s reflecting and the speaker still on %s:\n%s", shortName(r.port), shortName(fl.s1.port), show())
	}
	r.ns.MustRun("tc", "qdisc", "del", "dev", r.ifname, "ingress")
	time.Sleep(time.Second)
	before := reflectedRow.FindStringSubmatch(show())
	time.Sleep(3 * time.Second)
	if after := reflectedRow.FindStringSubmatch(show()); before == nil || after == nil || before[1] != after[1] {
		t.Errorf("reflections went on after the peer stopped: %v then %v", before, after)
	}
}
