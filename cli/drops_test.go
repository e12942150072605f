package cli

import (
	"regexp"
	"strings"
	"testing"
)

// big returns an untagged frame of n bytes.
func big(n int) []byte {
	f := frame("ffff.ffff.ffff", "0011.2233.4455", 0)
	return append(f, make([]byte, n-len(f))...)
}

func TestMTUCommands(t *testing.T) {
	r := newRig(t)
	r.out("configure terminal", "system mtu 9000", "interface gi0/1", "mtu 9198", "end")
	run := r.out("show running-config")
	for _, line := range []string{"\nsystem mtu 9000\n", "\ninterface GigabitEthernet0/1\n mtu 9198\n"} {
		if !strings.Contains(run, line) {
			t.Errorf("running-config lacks %q:\n%s", line, run)
		}
	}
	rows := parseFSM(t, "show_interfaces", r.out("show interfaces"))
	want(t, row(t, rows, "INTERFACE", "GigabitEthernet0/1"), map[string]any{"MTU": "9198"})
	want(t, row(t, rows, "INTERFACE", "GigabitEthernet0/2"), map[string]any{"MTU": "9000"})

	res := r.run("configure terminal", "interface gi0/1", "mtu 1499", "end")
	if !res.Rejected || !strings.Contains(res.Output, "% Invalid input detected at '^' marker.") {
		t.Errorf("mtu 1499 not refused:\n%s", res.Output)
	}
	r.out("configure terminal", "no system mtu", "interface gi0/1", "no mtu", "end")
	if run := r.out("show running-config"); strings.Contains(run, "mtu") {
		t.Errorf("mtu left in running-config:\n%s", run)
	}
}

// TestErrorCountersShown: runts and giants received on a port show in
// `show interfaces` (as TextFSM reads it), in `show interfaces counters
// errors` and in `show platform drops`, and `clear counters` clears them.
func TestErrorCountersShown(t *testing.T) {
	r := newRig(t)
	r.send("GigabitEthernet0/2", []byte{1, 2, 3})
	r.send("GigabitEthernet0/2", big(1600))
	r.send("GigabitEthernet0/2", big(1600))
	r.send("GigabitEthernet0/3", frame("ffff.ffff.ffff", "0011.2233.4455", 30)) // VLAN 30 on an access port

	rows := parseFSM(t, "show_interfaces", r.out("show interfaces gi0/2"))
	if len(rows) != 1 {
		t.Fatalf("%d rows", len(rows))
	}
	want(t, rows[0], map[string]any{"RUNTS": "1", "GIANTS": "2", "INPUT_ERRORS": "3"})

	errs := r.out("show interfaces counters errors")
	for _, re := range []string{
		`(?m)^Port        Align-Err     FCS-Err    Xmit-Err     Rcv-Err  UnderSize  OutDiscards$`,
		`(?m)^Gi0/2\s+0\s+0\s+0\s+3\s+0\s+0$`,
		`(?m)^Port      Single-Col  Multi-Col   Late-Col  Excess-Col  Carri-Sen      Runts     Giants$`,
		`(?m)^Gi0/2\s+0\s+0\s+0\s+0\s+0\s+1\s+2$`,
	} {
		if !regexp.MustCompile(re).MatchString(errs) {
			t.Errorf("counters errors lacks %s:\n%s", re, errs)
		}
	}
	drops := r.out("show platform drops")
	for _, re := range []string{`(?m)^giant\s+2$`, `(?m)^malformed: runt\s+1$`, `(?m)^vlan not allowed\s+1$`,
		`(?m)^port acl deny\s+0$`, `(?m)^Gi0/2\s+giant\s+2$`, `(?m)^Gi0/3\s+vlan not allowed\s+1$`} {
		if !regexp.MustCompile(re).MatchString(drops) {
			t.Errorf("show platform drops lacks %s:\n%s", re, drops)
		}
	}
	if one := r.out("show platform drops interface gi0/3"); strings.Contains(one, "Gi0/2") || !strings.Contains(one, "Gi0/3") {
		t.Errorf("show platform drops interface gi0/3:\n%s", one)
	}
	r.out("clear counters")
	if drops := r.out("show platform drops"); !regexp.MustCompile(`(?m)^giant\s+0$`).MatchString(drops) || strings.Contains(drops, "Gi0/2") {
		t.Errorf("clear counters left drops:\n%s", drops)
	}
}
