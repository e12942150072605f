package cli

import (
	"errors"
	"github.com/l2sw/l2sw/cli/remote"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/l2sw/l2sw/cli/engine"
)

// richConfig touches every configuration command.
var richConfig = []string{
	"configure terminal",
	"hostname Core-1",
	"enable secret Enable1",
	"username admin privilege 15 secret Admin1",
	"username ops secret Ops1",
	"vlan 10", "name Users", "vlan 20", "vlan 30", "name Voice", "exit",
	"interface gi0/1", "description Host A", "switchport mode access", "switchport access vlan 10",
	"interface gi0/2", "switchport access vlan 40", "shutdown",
	"interface range gi0/3 - 4", "switchport trunk encapsulation dot1q", "switchport mode trunk",
	"switchport trunk native vlan 99", "switchport trunk allowed vlan 10,20,30-35", "switchport trunk allowed vlan remove 33",
	"interface gi0/4", "speed 100", "duplex half", "switchport trunk allowed vlan none",
	"exit",
	"mac address-table aging-time 14400",
	"mac address-table aging-time 0 vlan 30",
	"mac address-table static 0011.2233.4455 vlan 10 interface gi0/1",
	"mac address-table static 0011.2233.4466 vlan 20 interface gi0/3",
	"end",
}

func TestRunningConfigRoundTrip(t *testing.T) {
	a := newRig(t)
	if res := a.run(richConfig...); res.Rejected {
		t.Fatalf("rich config rejected:\n%s", res.Output)
	}
	cfg := a.dev.RunningConfig()
	for _, want := range []string{
		"hostname Core-1\n", "enable secret 9 $9$", "username admin privilege 15 secret 9 $9$", "username ops secret 9 $9$",
		"vlan 30\n name Voice\n!\n", "vlan 40\n!\n", " switchport trunk allowed vlan 10,20,30-32,34,35\n",
		" switchport trunk allowed vlan none\n", " duplex half\n", "mac address-table aging-time 0 vlan 30\n",
		"mac address-table static 0011.2233.4466 vlan 20 interface GigabitEthernet0/3\n", "\nend\n",
	} {
		if !strings.Contains(cfg, want) {
			t.Errorf("running-config lacks %q:\n%s", want, cfg)
		}
	}
	b := newRig(t)
	if errs := b.dev.LoadConfig(strings.NewReader(cfg)); len(errs) > 0 {
		t.Fatalf("reloading the running-config: %v", errs)
	}
	if got := b.dev.RunningConfig(); got != cfg {
		t.Fatalf("round trip differs\n--- first\n%s\n--- reloaded\n%s", cfg, got)
	}
	// The show form with its header loads as well.
	c := newRig(t)
	if errs := c.dev.LoadConfig(strings.NewReader(a.out("show running-config"))); len(errs) > 0 {
		t.Fatalf("loading show running-config output: %v", errs)
	}
	if got := c.dev.RunningConfig(); got != cfg {
		t.Fatalf("show running-config round trip differs:\n%s", got)
	}
	// Secrets survive as hashes: the reloaded device accepts the passwords.
	if p, ok := b.dev.CheckLogin("admin", "Admin1"); !ok || p != 15 {
		t.Errorf("admin login after reload: %d %v", p, ok)
	}
	if p, ok := b.dev.CheckLogin("ops", "Ops1"); !ok || p != 1 {
		t.Errorf("ops login: %d %v", p, ok)
	}
	if _, ok := b.dev.CheckLogin("ops", "Admin1"); ok {
		t.Error("wrong password accepted")
	}
	if _, ok := b.dev.CheckLogin("nobody", "x"); ok {
		t.Error("unknown user accepted")
	}
	if b.dev.Hostname() != "Core-1" {
		t.Errorf("hostname %q", b.dev.Hostname())
	}
}

func TestDefaultConfigLoads(t *testing.T) {
	r := newRig(t)
	if errs := r.dev.LoadConfig(strings.NewReader(DefaultConfig)); len(errs) > 0 {
		t.Fatal(errs)
	}
	s, _ := r.sw.PortSettings("GigabitEthernet0/3")
	if s.AccessVLAN != 1 || s.Mode.String() != "access" {
		t.Errorf("settings %+v", s)
	}
	if r.dev.Hostname() != "Switch" {
		t.Error(r.dev.Hostname())
	}
	if len(r.sw.Log().Grep("CONFIG_I")) != 0 {
		t.Error("loading the startup-config logged CONFIG_I")
	}
}

func TestStartupConfigBadLine(t *testing.T) {
	r := newRig(t)
	path := filepath.Join(t.TempDir(), "startup-config")
	text := "hostname Edge\n!\nvlan 10\n name Users\n frobnicate now\n!\ninterface GigabitEthernet0/2\n switchport access vlan 10\n speed 42\n!\nmac address-table aging-time 600\nend\n"
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	err := r.dev.LoadConfigFile(path)
	if err == nil {
		t.Fatal("bad lines not reported")
	}
	msg := err.Error()
	for _, want := range []string{
		"startup-config line 5: % Invalid input detected at '^' marker. [frobnicate now]",
		"startup-config line 9: % Invalid input detected at '^' marker. [speed 42]",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if r.dev.Hostname() != "Edge" || r.sw.MACAgingTime() != 600 {
		t.Error("lines around the bad ones were not applied")
	}
	if s, _ := r.sw.PortSettings("GigabitEthernet0/2"); s.AccessVLAN != 10 {
		t.Errorf("interface config after a bad line: %+v", s)
	}
	if err := r.dev.LoadConfigFile(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestSaveAtomic(t *testing.T) {
	r := newRig(t)
	r.out("configure terminal", "hostname First", "end")
	if err := r.dev.Save(); err != nil {
		t.Fatal(err)
	}
	first, err := os.ReadFile(r.path)
	if err != nil || !strings.Contains(string(first), "hostname First\n") {
		t.Fatalf("saved %q, %v", first, err)
	}
	if fi, _ := os.Stat(r.path); fi.Mode().Perm() != 0o600 {
		t.Errorf("startup-config mode %v", fi.Mode())
	}
	dir := filepath.Dir(r.path)
	r.out("configure terminal", "hostname Second", "end")
	// Fail the write: take the directory's write permission away, or, for
	// root who ignores permissions, make the final rename fail.
	if os.Geteuid() != 0 {
		if err := os.Chmod(dir, 0o500); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(dir, 0o700)
		if err := r.dev.Save(); err == nil {
			t.Fatal("save into a read-only directory succeeded")
		}
	} else {
		bad := newRig(t)
		bad.dev.opts.ConfigPath = filepath.Join(dir, "no-such-dir", "startup-config")
		if err := bad.dev.Save(); err == nil {
			t.Fatal("save into a missing directory succeeded")
		}
		// A rename that fails (target is a non-empty directory) must
		// leave no temporary file and keep the old content elsewhere.
		target := filepath.Join(dir, "occupied")
		if err := os.MkdirAll(filepath.Join(target, "x"), 0o700); err != nil {
			t.Fatal(err)
		}
		r2 := newRig(t)
		r2.dev.opts.ConfigPath = target
		if err := r2.dev.Save(); err == nil {
			t.Fatal("rename over a directory succeeded")
		}
		if _, err := os.Stat(filepath.Join(target, "x")); err != nil {
			t.Errorf("failed save damaged the old content: %v", err)
		}
	}
	after, _ := os.ReadFile(r.path)
	if string(after) != string(first) {
		t.Errorf("failed save changed the file:\n%s", after)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
	res := r.run("write memory")
	if os.Geteuid() != 0 && !res.Rejected {
		t.Errorf("write memory into a read-only dir not rejected:\n%s", res.Output)
	}
}

func TestSaveWithoutPath(t *testing.T) {
	r := newRig(t)
	r.dev.opts.ConfigPath = ""
	if err := r.dev.Save(); !errors.Is(err, ErrNoStartupPath) {
		t.Errorf("save without path: %v", err)
	}
	res := r.run("write mem")
	if !res.Rejected || !strings.Contains(res.Output, "%Error") {
		t.Errorf("write mem without path:\n%s", res.Output)
	}
}

// TestExecRejection is what `l2sw exec` turns into its exit status.
func TestExecRejection(t *testing.T) {
	r := newRig(t)
	for _, tc := range []struct {
		lines    []string
		rejected bool
	}{
		{[]string{"show version"}, false},
		{[]string{"configure terminal", "vlan 10", "name X", "end"}, false},
		{[]string{"show vlan brif"}, true},
		{[]string{"configure terminal", "interface gi0/1", "switchport access vlan 5000"}, true},
		{[]string{"configure terminal", "no vlan 1"}, true},
		{[]string{"configure terminal", "interface gi0/1"}, false},
		{[]string{"show mac address-table interface"}, true},
	} {
		if got := r.run(tc.lines...).Rejected; got != tc.rejected {
			t.Errorf("%q: rejected=%v, want %v", tc.lines, got, tc.rejected)
		}
	}
}

func TestConfigMessageOrigin(t *testing.T) {
	r := newRig(t)
	st := r.dev.Engine().NewState(engine.LevelPrivileged)
	SetOrigin(st, Origin{Line: "vty0", User: "admin", Addr: "192.0.2.7"})
	var out strings.Builder
	for _, l := range []string{"configure terminal", "hostname X", "end"} {
		r.dev.Engine().Exec(st, l, &out, -1)
	}
	got := r.sw.Log().Grep("CONFIG_I")
	if len(got) != 1 || !strings.HasSuffix(got[0], "%SYS-5-CONFIG_I: Configured from console by admin on vty0 (192.0.2.7)") {
		t.Errorf("messages %q", got)
	}
	// Leaving a sub-mode for (config) is not leaving configuration.
	r.run("configure terminal", "interface gi0/1", "exit", "vlan 5", "exit")
	if n := len(r.sw.Log().Grep("CONFIG_I")); n != 1 {
		t.Errorf("%d CONFIG_I messages after a batch that never left config", n)
	}
	r.run("configure terminal", "interface gi0/1", "end")
	if n := len(r.sw.Log().Grep("Configured from console by console")); n != 1 {
		t.Errorf("console CONFIG_I count %d", n)
	}
}

// A session opened by cli/remote over SSH is named in configuration
// messages without the transport knowing about this package.
func TestConfigMessageOriginFromRemoteSession(t *testing.T) {
	r := newRig(t)
	st := r.dev.Engine().NewState(engine.LevelPrivileged)
	st.Values[remote.ValueLine] = "vty"
	st.Values[remote.ValueUser] = "netops"
	st.Values[remote.ValueAddr] = "127.0.0.1:50122"
	var out strings.Builder
	for _, l := range []string{"configure terminal", "hostname Y", "end"} {
		r.dev.Engine().Exec(st, l, &out, -1)
	}
	got := r.sw.Log().Grep("CONFIG_I")
	if len(got) != 1 || !strings.HasSuffix(got[0], "Configured from console by netops on vty0 (127.0.0.1)") {
		t.Errorf("messages %q", got)
	}
}
