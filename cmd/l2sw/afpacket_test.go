package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/l2sw/l2sw/internal/netns"
)

// TestRunOnVeth: `l2sw run --port gi0/1=afpacket:VETH` attaches an existing
// veth end, and the port follows its peer's link: down and up again with
// the IOS messages, as a cable pulled and plugged back.
func TestRunOnVeth(t *testing.T) {
	netns.RequireRoot(t)
	dir := t.TempDir()
	v, peer := netns.LinkName("l2v"), netns.LinkName("l2p")
	netns.MustHost(t, "ip", "link", "add", v, "type", "veth", "peer", "name", peer)
	netns.CleanupLink(t, v)
	netns.MustHost(t, "ip", "link", "set", "dev", peer, "up")
	sock := filepath.Join(dir, "sock")
	d := startDaemon(t, "--config", filepath.Join(dir, "cfg"), "--control", sock, "--port", "gi0/1=afpacket:"+v)
	waitOutput := func(cmd, want string) {
		t.Helper()
		var out string
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			out, _ = execL2sw(t, sock, cmd)
			if strings.Contains(out, want) {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("%q never showed %q; last output:\n%s\nstderr:\n%s", cmd, want, out, d.stderr.String())
	}
	waitOutput("show interfaces status", "connected")
	if out := netns.MustHost(t, "ip", "-d", "link", "show", "dev", v); !strings.Contains(out, "promiscuity 1") {
		t.Errorf("the veth is not promiscuous under l2sw:\n%s", out)
	}
	netns.MustHost(t, "ip", "link", "set", "dev", peer, "down")
	waitOutput("show logging", "%LINK-3-UPDOWN: Interface GigabitEthernet0/1, changed state to down")
	waitOutput("show interfaces status", "notconnect")
	netns.MustHost(t, "ip", "link", "set", "dev", peer, "up")
	waitOutput("show logging", "%LINK-3-UPDOWN: Interface GigabitEthernet0/1, changed state to up")
	waitOutput("show interfaces status", "connected")
	d.stop(t)
	if !linkExists(v) {
		t.Error("l2sw removed the veth it attached; it must leave an afpacket netdev in place")
	}
}
