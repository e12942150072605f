package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/l2sw/l2sw/internal/netns"
)

func linkExists(name string) bool {
	return exec.Command("ip", "link", "show", "dev", name).Run() == nil
}

// TestRunOnTAPs: `l2sw run` creates its TAPs up, refuses a second switch on
// the same TAP with a clear error, and removes the TAPs it created on SIGTERM.
func TestRunOnTAPs(t *testing.T) {
	netns.RequireRoot(t)
	dir := t.TempDir()
	t1, t2 := netns.LinkName("l2t"), netns.LinkName("l2t")
	netns.CleanupLink(t, t1)
	netns.CleanupLink(t, t2)
	sock := filepath.Join(dir, "sock")
	d := startDaemon(t, "--config", filepath.Join(dir, "cfg"), "--control", sock,
		"--port", "gi0/1=tap:"+t1, "--port", "gi0/2=tap:"+t2+",mtu=9000")
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if out, err := execL2sw(t, sock, "show interfaces status"); err == nil && strings.Contains(out, "Gi0/2") {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	out, err := exec.Command("ip", "-o", "link", "show", "dev", t2).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "mtu 9000") || !strings.Contains(string(out), ",UP") {
		t.Fatalf("TAP %s not up with mtu 9000: %v %s\nstderr: %s", t2, err, out, d.stderr.String())
	}

	second := exec.Command(l2swBin, "run", "--config", filepath.Join(dir, "cfg"), "--control", filepath.Join(dir, "sock2"), "--port", "gi0/1=tap:"+t1)
	msg, err := second.CombinedOutput()
	if err == nil || !strings.Contains(string(msg), "in use") || strings.Contains(string(msg), "goroutine ") {
		t.Errorf("second switch on a held TAP: err=%v, output %q; want a clear 'in use' error", err, msg)
	}

	d.stop(t)
	if linkExists(t1) || linkExists(t2) {
		t.Error("TAPs created by l2sw were not removed at shutdown")
	}
}
