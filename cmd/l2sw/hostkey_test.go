package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A host key file that others may read stops `l2sw run --ssh` with an
// error that says what to do.
func TestRunRefusesLooseHostKey(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "ssh_host_ed25519_key")
	d := startDaemon(t, "--config", filepath.Join(dir, "startup-config"), "--control", filepath.Join(dir, "s1"), "--port", "gi0/1=mem",
		"--ssh", "127.0.0.1:0", "--ssh-host-key", key)
	waitExec(t, d, filepath.Join(dir, "s1"), "show version")
	d.stop(t)
	if err := os.Chmod(key, 0o640); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(l2swBin, "run", "--config", filepath.Join(dir, "startup-config"), "--control", filepath.Join(dir, "s2"),
		"--port", "gi0/1=mem", "--ssh", "127.0.0.1:0", "--ssh-host-key", key).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "is mode 0640, readable by others than its owner; it must be 0600 (chmod 600 "+key+")") {
		t.Errorf("l2sw run with a 0640 host key: err=%v\n%s", err, out)
	}
}
