package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/l2sw/l2sw/packet"
)

// TestLoadBaseMAC: made once and kept; a second owner of the same file gets
// a temporary address of its own; --base-mac wins and writes nothing; a
// damaged file is reported, not silently replaced.
func TestLoadBaseMAC(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "sub", "startup-config") // the directory is made
	var warnings []string
	warn := func(s string) { warnings = append(warnings, s) }

	first, err := loadBaseMAC(cfg, "", warn)
	if err != nil || len(warnings) != 0 {
		t.Fatalf("first boot: %v, warnings %q", err, warnings)
	}
	m := first.mac
	if m.IsZero() || m.IsMulticast() || m[0]&0x02 == 0 || m[5] != 0 {
		t.Errorf("generated %s: want a locally administered unicast address ending in 00", m.Colon())
	}
	b, err := os.ReadFile(cfg + baseMACSuffix)
	if err != nil || string(b) != m.Colon()+"\n" {
		t.Errorf("MAC file holds %q (%v), want %q", b, err, m.Colon())
	}

	// A second switch on the same config while the first runs.
	second, err := loadBaseMAC(cfg, "", warn)
	if err != nil || second.mac == m || second.mac.IsZero() || second.file != nil {
		t.Errorf("second switch: %s %v; want its own temporary address", second.mac.Colon(), err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "held by another running l2sw") {
		t.Errorf("warnings %q", warnings)
	}
	first.release()

	// A restart finds the address it made.
	again, err := loadBaseMAC(cfg, "", warn)
	if err != nil || again.mac != m {
		t.Errorf("after a restart: %s %v, want %s", again.mac.Colon(), err, m.Colon())
	}
	again.release()

	// Another config in the same directory is another chassis.
	other, err := loadBaseMAC(filepath.Join(dir, "sub", "lab2.cfg"), "", warn)
	if err != nil || other.mac == m {
		t.Errorf("a second config in the same directory: %s %v, want another address", other.mac.Colon(), err)
	}
	other.release()

	flagged, err := loadBaseMAC(filepath.Join(dir, "flagged"), "001e.147a.0000", warn)
	if err != nil || flagged.mac != (packet.MAC{0x00, 0x1e, 0x14, 0x7a, 0, 0}) {
		t.Errorf("--base-mac: %s %v", flagged.mac.Colon(), err)
	}
	if _, err := os.Stat(filepath.Join(dir, "flagged") + baseMACSuffix); !os.IsNotExist(err) {
		t.Errorf("--base-mac wrote a MAC file: %v", err)
	}
	for _, bad := range []string{"01:00:5e:00:00:01", "0000.0000.0000", "zz"} {
		if _, err := loadBaseMAC(cfg, bad, warn); err == nil {
			t.Errorf("--base-mac %q accepted", bad)
		}
	}

	damaged := filepath.Join(dir, "damaged")
	if err := os.WriteFile(damaged+baseMACSuffix, []byte("garbage\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	warnings = nil
	d, err := loadBaseMAC(damaged, "", warn)
	if err != nil || d.mac.IsZero() || len(warnings) != 1 || !strings.Contains(warnings[0], "remove it") {
		t.Errorf("damaged file: %s %v %q", d.mac.Colon(), err, warnings)
	}
	if b, _ := os.ReadFile(damaged + baseMACSuffix); string(b) != "garbage\n" {
		t.Errorf("the damaged file was overwritten: %q", b)
	}
}

func TestRandomBaseMAC(t *testing.T) {
	all1 := bytes.NewReader(bytes.Repeat([]byte{0xff}, 5))
	m, err := randomBaseMAC(all1)
	if err != nil || m != (packet.MAC{0xfe, 0xff, 0xff, 0xff, 0xff, 0x00}) {
		t.Errorf("randomBaseMAC(ff...) = %s %v", m.Colon(), err)
	}
	if _, err := randomBaseMAC(bytes.NewReader(nil)); err == nil {
		t.Error("no error from an empty random source")
	}
}

// FuzzParseBaseMAC: no panic on any text, and an accepted address is
// unicast and reads back from its colon form.
func FuzzParseBaseMAC(f *testing.F) {
	for _, s := range []string{"02:1c:aa:bb:cc:00", "001e.147a.0000", "01:00:5e:00:00:01", "", "02-00-00-00-00-01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := parseBaseMAC(s)
		if err != nil {
			return
		}
		if m.IsZero() || m.IsMulticast() {
			t.Fatalf("%q accepted as %s", s, m.Colon())
		}
		if again, err := parseBaseMAC(m.Colon()); err != nil || again != m {
			t.Fatalf("%q -> %s does not read back: %s %v", s, m.Colon(), again.Colon(), err)
		}
	})
}

var baseMACLine = regexp.MustCompile(`Base ethernet MAC Address\s+: ([0-9A-F:]{17})`)

// TestTwoSwitchesTwoBaseMACs runs the binary: two switches on one machine
// (on configs in one directory, and on the very same config) show different
// base MACs in show version, and a restarted switch shows its old one.
func TestTwoSwitchesTwoBaseMACs(t *testing.T) {
	dir := t.TempDir()
	start := func(name, cfg string, extra ...string) (*daemon, string) {
		t.Helper()
		sock := filepath.Join(dir, name+".sock")
		d := startDaemon(t, append([]string{"--config", cfg, "--control", sock, "--port", "gi0/1=mem"}, extra...)...)
		deadline := time.Now().Add(15 * time.Second)
		for time.Now().Before(deadline) {
			out, _ := execL2sw(t, sock, "show version")
			if m := baseMACLine.FindStringSubmatch(out); m != nil {
				return d, m[1]
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("%s: no base MAC in show version\nstderr:\n%s", name, d.stderr.String())
		return nil, ""
	}
	cfg1, cfg2 := filepath.Join(dir, "lab1.cfg"), filepath.Join(dir, "lab2.cfg")
	d1, mac1 := start("sw1", cfg1)
	d2, mac2 := start("sw2", cfg2)
	d3, mac3 := start("sw3", cfg1) // the same startup-config as sw1
	if mac1 == mac2 || mac1 == mac3 || mac2 == mac3 {
		t.Errorf("base MACs %s %s %s: two switches share one", mac1, mac2, mac3)
	}
	if !strings.Contains(d3.stderr.String(), "temporary base MAC") {
		t.Errorf("the switch sharing sw1's config did not say its MAC is temporary:\n%s", d3.stderr.String())
	}
	d3.stop(t)
	d1.stop(t)
	d2.stop(t)
	d1, again := start("sw1", cfg1)
	if again != mac1 {
		t.Errorf("sw1 restarted with base MAC %s, had %s", again, mac1)
	}
	d1.stop(t)

	d4, mac4 := start("sw4", filepath.Join(dir, "lab4.cfg"), "--base-mac", "00:1e:14:7a:00:00")
	if mac4 != "00:1E:14:7A:00:00" {
		t.Errorf("--base-mac: show version says %s", mac4)
	}
	// SVIs answer with the base MAC.
	out, err := execL2sw(t, filepath.Join(dir, "sw4.sock"), "configure terminal", "interface vlan 1", "ip address 10.0.0.1 255.255.255.0", "end", "show interfaces vlan 1")
	if err != nil || !strings.Contains(out, "001e.147a.0000") {
		t.Errorf("show interfaces vlan 1 does not show the base MAC: %v\n%s", err, out)
	}
	d4.stop(t)
}
