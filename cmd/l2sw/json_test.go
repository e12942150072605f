package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// startMemSwitch runs `l2sw run` on two mem ports and waits for its
// control socket.
func startMemSwitch(t *testing.T) (sock string, d *daemon) {
	t.Helper()
	dir := t.TempDir()
	sock = filepath.Join(dir, "ctl", "l2sw.sock")
	d = startDaemon(t, "--config", filepath.Join(dir, "startup-config"), "--control", sock,
		"--port", "gi0/1=mem", "--port", "gi0/2=mem")
	deadline := time.Now().Add(15 * time.Second)
	for {
		if _, err := execL2sw(t, sock, "show version"); err == nil {
			return sock, d
		}
		if time.Now().After(deadline) {
			t.Fatalf("no control socket:\n%s", d.stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// exitStatus runs l2sw and returns its exit status, stdout and stderr.
func exitStatus(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(l2swBin, args...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, stdout.String(), stderr.String()
	case errors.As(err, &ee):
		return ee.ExitCode(), stdout.String(), stderr.String()
	}
	t.Fatalf("l2sw %v: %v", args, err)
	return 0, "", ""
}

// TestExecJSON: `l2sw exec --json` answers the table shows with one JSON
// object per line, holding what the text shows hold (the same static MAC,
// ARP entry, routes, FIB entries, ACL entries, drop reasons); arguments
// and abbreviations work as in the CLI; a show without a JSON form is an
// error object and exit status 1.
func TestExecJSON(t *testing.T) {
	sock, _ := startMemSwitch(t)
	if out, err := execL2sw(t, sock, "configure terminal",
		"mac address-table static 0011.2233.4455 vlan 1 interface gi0/2",
		"interface vlan 1", "ip address 10.9.0.1 255.255.255.0", "no shutdown", "exit",
		"ip route 192.0.2.0 255.255.255.0 10.9.0.254",
		"ip access-list extended WEB", "permit tcp any any eq 80", "deny ip any any", "end"); err != nil {
		t.Fatalf("config: %v\n%s", err, out)
	}
	code, stdout, stderr := exitStatus(t, "exec", "--control", sock, "--json",
		"-c", "sh mac add vlan 1", "-c", "show ip arp", "-c", "show ip route", "-c", "show ip cef 10.9.0.0 255.255.255.0",
		"-c", "show access-lists WEB", "-c", "show platform drops interface gi0/1")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	var docs []map[string]json.RawMessage
	sc := bufio.NewScanner(strings.NewReader(stdout))
	for sc.Scan() {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q is not JSON: %v", sc.Text(), err)
		}
		docs = append(docs, m)
	}
	if len(docs) != 6 {
		t.Fatalf("%d JSON lines, want 6:\n%s", len(docs), stdout)
	}
	get := func(i int, key string, v any) {
		t.Helper()
		if err := json.Unmarshal(docs[i][key], v); err != nil {
			t.Fatalf("doc %d key %s: %v\n%s", i, key, err, stdout)
		}
	}
	var macs []struct {
		VLAN      int
		MAC, Type string
		Port      string
		All_VLANs bool `json:"all_vlans"`
	}
	get(0, "mac_address_table", &macs)
	found := false
	for _, m := range macs {
		if m.VLAN != 1 || m.All_VLANs {
			t.Errorf("vlan 1 filter let through %+v", m)
		}
		if m.MAC == "0011.2233.4455" && m.Type == "static" && m.Port == "GigabitEthernet0/2" {
			found = true
		}
	}
	if !found {
		t.Errorf("static MAC missing from %+v", macs)
	}
	var arp []struct {
		IP, MAC, Type, Interface string
		Age                      int `json:"age_minutes"`
	}
	get(1, "arp", &arp)
	if len(arp) != 1 || arp[0].IP != "10.9.0.1" || arp[0].Type != "interface" || arp[0].Interface != "Vlan1" || arp[0].Age != -1 {
		t.Errorf("arp = %+v", arp)
	}
	var routes []struct {
		Prefix, Type, Interface string
		NextHop                 string `json:"next_hop"`
	}
	get(2, "routes", &routes)
	want := map[string]string{"10.9.0.0/24": "connected Vlan1 ", "10.9.0.1/32": "local Vlan1 ", "192.0.2.0/24": "static  10.9.0.254"}
	for _, r := range routes {
		if got := r.Type + " " + r.Interface + " " + r.NextHop; want[r.Prefix] != got {
			t.Errorf("route %s = %q, want %q", r.Prefix, got, want[r.Prefix])
		}
		delete(want, r.Prefix)
	}
	if len(want) != 0 {
		t.Errorf("routes missing: %v", want)
	}
	var cef []struct {
		Prefix, Kind, Interface, Adjacency string
	}
	get(3, "cef", &cef)
	if len(cef) != 1 || cef[0].Prefix != "10.9.0.0/24" || cef[0].Kind != "attached" || cef[0].Interface != "Vlan1" || cef[0].Adjacency != "glean" {
		t.Errorf("cef = %+v", cef)
	}
	var acls []struct {
		Name, Type string
		Entries    []struct {
			Seq          int
			Action, Text string
			Matches      uint64
		}
	}
	get(4, "access_lists", &acls)
	if len(acls) != 1 || acls[0].Name != "WEB" || acls[0].Type != "extended" || len(acls[0].Entries) != 2 ||
		acls[0].Entries[0].Seq != 10 || acls[0].Entries[0].Text != "permit tcp any any eq www" || acls[0].Entries[1].Action != "deny" {
		t.Errorf("access lists = %+v", acls)
	}
	var drops struct {
		Drops []struct {
			Reason  string
			Packets uint64
		}
	}
	get(5, "platform_drops", &drops)
	text, _ := execL2sw(t, sock, "show platform drops interface gi0/1")
	if len(drops.Drops) == 0 || !strings.Contains(text, drops.Drops[0].Reason) {
		t.Errorf("drops = %+v, text:\n%s", drops, text)
	}

	code, stdout, _ = exitStatus(t, "exec", "--control", sock, "--json", "-c", "show version")
	var e struct {
		Command, Error string
		Known          []string `json:"json_commands"`
	}
	if err := json.Unmarshal([]byte(stdout), &e); code != 1 || err != nil || e.Command != "show version" ||
		!strings.Contains(e.Error, "% Invalid input") || len(e.Known) == 0 {
		t.Errorf("show version --json: exit %d, %q (%v)", code, stdout, err)
	}
}

// TestExitStatus: the exit statuses README documents: 0 done, 1 a CLI
// line rejected (or the command failed), 2 a usage error, 3 no switch on
// the control socket; --version and the completion scripts.
func TestExitStatus(t *testing.T) {
	sock, _ := startMemSwitch(t)
	none := filepath.Join(t.TempDir(), "none.sock")
	for _, tc := range []struct {
		args   []string
		code   int
		stdout string // prefix
		stderr string // substring
	}{
		{[]string{"exec", "--control", sock, "-c", "show clock"}, 0, "*", ""},
		{[]string{"exec", "--control", sock, "-c", "show bogus"}, 1, "show bogus\n", ""},
		{[]string{"exec", "--control", sock, "-c", "show clock", "-c", "show bogus", "-c", "show clock"}, 1, "*", ""},
		{[]string{"exec", "--control", sock, "-c", "show zork ?"}, 1, "show zork ?\n", ""},
		{[]string{"exec", "--control", sock, "-c", "show mac ?"}, 0, "  address-table", ""},
		{[]string{"exec", "--control", none, "-c", "show clock"}, 3, "", "no l2sw is running"},
		{[]string{"console", "--control", none}, 3, "", "no l2sw is running"},
		{[]string{"exec", "--control", sock}, 2, "", `required flag(s) "command" not set`},
		{[]string{"exec", "--bogus"}, 2, "", "unknown flag: --bogus"},
		{[]string{"bogus"}, 2, "", `unknown command "bogus"`},
		{[]string{"version", "extra"}, 2, "", "unknown command"},
		{[]string{"--version"}, 0, "l2sw ", ""},
		{[]string{"completion", "bash"}, 0, "# bash completion V2 for l2sw", ""},
		{[]string{"completion", "zsh"}, 0, "#compdef l2sw", ""},
		{[]string{"completion", "fish"}, 0, "# fish completion for l2sw", ""},
	} {
		code, stdout, stderr := exitStatus(t, tc.args...)
		if code != tc.code || !strings.HasPrefix(stdout, tc.stdout) || !strings.Contains(stderr, tc.stderr) {
			t.Errorf("l2sw %q: exit %d, stdout %.80q, stderr %q; want %d, %q..., ...%q...",
				tc.args, code, stdout, stderr, tc.code, tc.stdout, tc.stderr)
		}
	}
	_, v1, _ := exitStatus(t, "--version")
	_, v2, _ := exitStatus(t, "version")
	if v1 != v2 {
		t.Errorf("--version %q and version %q differ", v1, v2)
	}
	if _, err := os.Stat(none); err == nil {
		t.Error("a failed exec created a socket")
	}
}
