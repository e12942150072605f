package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/l2sw/l2sw/internal/netns"
)

// TestReattachDeletedDevices: a veth (AF_PACKET port) and a TAP deleted
// under a running switch take their ports down; created again with the
// same names, they are re-attached, with the port's configuration, and
// forward again.
func TestReattachDeletedDevices(t *testing.T) {
	netns.RequireRoot(t)
	dir := t.TempDir()
	h1, h2 := netns.New(t), netns.New(t)
	h1.DisableIPv6()
	h2.DisableIPv6()
	v, tp := netns.LinkName("rav"), netns.LinkName("rat")
	// h1 sits on the veth: its end moves into h1 as eth0.
	addVeth := func() {
		netns.MustHost(t, "ip", "link", "add", v, "type", "veth", "peer", "name", "eth0", "netns", h1.Name)
		netns.MustHost(t, "ip", "link", "set", v, "up")
		h1.AddAddr("eth0", "10.74.0.1/24")
		h1.LinkUp("eth0")
	}
	addVeth()
	netns.CleanupLink(t, v)
	sock := filepath.Join(dir, "sock")
	// Edge ports: a port that comes back forwards at once, without
	// spanning tree's 30 s of listening and learning.
	if err := os.WriteFile(filepath.Join(dir, "cfg"), []byte("spanning-tree portfast default\nend\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, "--config", filepath.Join(dir, "cfg"), "--control", sock,
		"--port", "gi0/1=afpacket:"+v, "--port", "gi0/2=tap:"+tp)
	waitOutput := func(cmd, want string, within time.Duration) {
		t.Helper()
		var out string
		deadline := time.Now().Add(within)
		for time.Now().Before(deadline) {
			out, _ = execL2sw(t, sock, cmd)
			if strings.Contains(out, want) {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("%q never showed %q; last output:\n%s\nstderr:\n%s", cmd, want, out, d.stderr.String())
	}
	waitOutput("show interfaces status", "Gi0/2", 10*time.Second)
	// h2 takes the TAP: moved into h2, it keeps working under l2sw.
	putTap := func() {
		netns.MustHost(t, "ip", "link", "set", tp, "netns", h2.Name)
		// The same MAC each time, so that h1's neighbour entry stays right.
		h2.MustRun("ip", "link", "set", tp, "address", "02:00:00:00:74:02")
		h2.AddAddr(tp, "10.74.0.2/24")
		h2.LinkUp(tp)
	}
	putTap()
	// Configuration that must survive the re-attach.
	if out, err := execL2sw(t, sock, "conf t", "interface gi0/1", "description to h1", "end"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	ping := func(what string) {
		t.Helper()
		var out string
		var err error
		for range 30 {
			if out, err = h1.Run("ping", "-c", "1", "-W", "1", "10.74.0.2"); err == nil {
				return
			}
		}
		t.Fatalf("%s: h1 cannot reach h2: %v\n%s\nl2sw:\n%s", what, err, out, d.stderr.String())
	}
	ping("at start")

	// The veth goes away and comes back.
	netns.MustHost(t, "ip", "link", "del", v)
	waitOutput("show logging", "%LINK-3-UPDOWN: Interface GigabitEthernet0/1, changed state to down", 10*time.Second)
	addVeth()
	waitOutput("show logging | include Gi.*0/1, changed state to up", "changed state to up", 15*time.Second)
	ping("after the veth came back")
	if out, _ := execL2sw(t, sock, "show running-config interface gi0/1"); !strings.Contains(out, "description to h1") {
		t.Fatalf("the re-attached port lost its configuration:\n%s", out)
	}

	// The TAP is deleted (its namespace's end) and created again as a
	// persistent TAP of that name, as a VM manager would.
	h2.MustRun("ip", "link", "del", tp)
	waitOutput("show logging", "%LINK-3-UPDOWN: Interface GigabitEthernet0/2, changed state to down", 10*time.Second)
	netns.MustHost(t, "ip", "tuntap", "add", "dev", tp, "mode", "tap", "vnet_hdr")
	back := time.Now()
	netns.CleanupLink(t, tp)
	waitOutput("show logging | include Gi.*0/2, changed state to up", "changed state to up", 15*time.Second)
	attached := time.Since(back)
	putTap()
	// The acceptance: a TAP recreated under its name forwards again
	// within 2 s. The switch's part is noticing and re-attaching it; the
	// host's (moving it, addressing it) follows, and the first ping after
	// it must pass.
	if out, err := h1.Run("ping", "-c", "1", "-W", "1", "10.74.0.2"); err != nil {
		t.Errorf("the first ping after the TAP came back was lost: %v\n%s", err, out)
	}
	t.Logf("the recreated TAP was re-attached %v after it appeared, and forwarded %v after", attached.Round(time.Millisecond), time.Since(back).Round(time.Millisecond))
	if attached > 2*time.Second {
		t.Errorf("the recreated TAP was re-attached %v after it appeared, want within 2 s", attached)
	}
	ping("after the TAP came back")
	d.stop(t)
}
