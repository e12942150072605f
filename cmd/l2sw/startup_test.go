package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// waitExec runs lines on the daemon behind sock until the control socket
// answers, and returns the output.
func waitExec(t *testing.T, d *daemon, sock string, lines ...string) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		out, err := execL2sw(t, sock, lines...)
		if err == nil {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("exec %q: %v\n%s\nstderr:\n%s", lines, err, out, d.stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestRunStartupConfigNeverLosesALine starts the daemon on a startup-config
// with a 2 MiB line in the middle, beside temporary files that killed saves
// left: the line is refused and logged alone, every other line applies, the
// temporary files are gone, and write memory keeps a backup.
func TestRunStartupConfigNeverLosesALine(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "ctl", "l2sw.sock")
	cfg := filepath.Join(dir, "startup-config")
	text := "hostname Big\nvlan 10\n name Before\n" +
		"description " + strings.Repeat("x", 2<<20) + "\n" +
		"vlan 20\n name After\nmac address-table aging-time 700\nend\n"
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{".startup-config.tmp1234", ".startup-config.tmpbak99"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("half a config"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	d := startDaemon(t, "--config", cfg, "--control", sock, "--port", "gi0/1=mem")
	out := waitExec(t, d, sock, "show running-config", "show logging")
	for _, want := range []string{"hostname Big\n", "vlan 10\n name Before\n", "vlan 20\n name After\n", "mac address-table aging-time 700\n",
		"%PARSER-4-BADCFG: startup-config line 4 rejected: % Line too long (2097164 bytes, at most 65536) [description xxx"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%.3000s", want, out)
		}
	}
	for _, n := range []string{".startup-config.tmp1234", ".startup-config.tmpbak99"} {
		if _, err := os.Stat(filepath.Join(dir, n)); !os.IsNotExist(err) {
			t.Errorf("%s survived the start: %v", n, err)
		}
	}
	if out := waitExec(t, d, sock, "write memory"); !strings.Contains(out, "[OK]") {
		t.Errorf("write memory: %q", out)
	}
	if bak, err := os.ReadFile(cfg + ".bak"); err != nil || string(bak) != text {
		t.Errorf("startup-config.bak is not the previous file (%d bytes, %v)", len(bak), err)
	}
	d.stop(t)
	if !strings.Contains(d.stderr.String(), "1 line(s) rejected") {
		t.Errorf("stderr lacks the summary:\n%.2000s", d.stderr.String())
	}
}
