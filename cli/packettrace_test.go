package cli

import (
	"regexp"
	"strings"
	"testing"
)

// TestLivePacketTrace: with a condition on Gi0/1 and the trace started,
// the frames of Gi0/1 show in the summary as FWD or DROP with their reason
// and, one by one, with the stages they passed; other ports' frames and
// frames after the stop are not traced.
func TestLivePacketTrace(t *testing.T) {
	r := newRig(t)
	r.out("debug platform condition interface gi0/1 both", "debug platform packet-trace packet 16", "debug platform condition start")
	if c := r.out("show platform conditions"); !strings.Contains(c, "Conditional Debug Global State: Start") ||
		!regexp.MustCompile(`(?m)^GigabitEthernet0/1\s+both$`).MatchString(c) {
		t.Errorf("show platform conditions:\n%s", c)
	}
	r.send("GigabitEthernet0/1", frame("ffff.ffff.ffff", "0011.2233.4455", 0))
	r.send("GigabitEthernet0/1", frame("ffff.ffff.ffff", "0011.2233.4455", 30)) // VLAN 30 on an access port
	r.send("GigabitEthernet0/2", frame("ffff.ffff.ffff", "0011.2233.6666", 0))  // into Gi0/1 as well: egress matches
	r.send("GigabitEthernet0/3", frame("0011.2233.6666", "0011.2233.7777", 0))  // to Gi0/2 only: not traced
	sum := r.out("show platform packet-trace summary")
	for _, re := range []string{
		`(?m)^Pkt   Input             Output            State  Reason$`,
		`(?m)^0     Gi0/1             Gi0/2 \+2          FWD$`,
		`(?m)^1     Gi0/1             <none>            DROP   2   \(vlan not allowed\)$`,
		`(?m)^2     Gi0/2             Gi0/1 \+2          FWD$`,
	} {
		if !regexp.MustCompile(re).MatchString(sum) {
			t.Errorf("summary lacks %s:\n%s", re, sum)
		}
	}
	if n := strings.Count(sum, "\n"); n != 4 {
		t.Errorf("summary has %d lines, want a header and 3 packets:\n%s", n, sum)
	}
	one := r.out("show platform packet-trace packet 1")
	for _, want := range []string{"Packet: 1", "  Input     : GigabitEthernet0/1", "  State     : DROP 2   (vlan not allowed)",
		"  Feature: ingress\n    Result      : pass", "  Feature: vlan\n    Result      : drop (vlan not allowed)", "    VLAN tag    : 30"} {
		if !strings.Contains(one, want) {
			t.Errorf("packet 1 lacks %q:\n%s", want, one)
		}
	}
	zero := r.out("show platform packet-trace packet 0")
	for _, want := range []string{"  Feature: l2 lookup\n    Result      : flood", "  Feature: egress\n    Result      : forward\n    Output      : GigabitEthernet0/2\n    VLAN        : 1 untagged",
		"  Output    : GigabitEthernet0/2, GigabitEthernet0/3, GigabitEthernet0/4"} {
		if !strings.Contains(zero, want) {
			t.Errorf("packet 0 lacks %q:\n%s", want, zero)
		}
	}
	if res := r.run("show platform packet-trace packet 7"); !strings.Contains(res.Output, "Packet 7 not found") {
		t.Errorf("missing packet: %s", res.Output)
	}
	r.out("debug platform condition stop")
	r.send("GigabitEthernet0/1", frame("ffff.ffff.ffff", "0011.2233.4455", 0))
	if got := r.out("show platform packet-trace summary"); got != sum {
		t.Errorf("traced after stop:\n%s", got)
	}
	r.out("clear platform packet-trace statistics")
	if got := r.out("show platform packet-trace summary"); strings.Count(got, "\n") != 1 {
		t.Errorf("cleared trace:\n%s", got)
	}
	r.out("clear platform condition all")
	if c := r.out("show platform conditions"); strings.Contains(c, "GigabitEthernet0/1") {
		t.Errorf("conditions left:\n%s", c)
	}
}

// TestPacketTraceLimit: a linear trace stops at its limit; a circular one
// keeps the newest packets.
func TestPacketTraceLimit(t *testing.T) {
	r := newRig(t)
	r.out("debug platform condition interface gi0/1 ingress", "debug platform packet-trace packet 20", "debug platform condition start")
	for range 40 {
		r.send("GigabitEthernet0/1", frame("ffff.ffff.ffff", "0011.2233.4455", 0))
	}
	if n := strings.Count(r.out("show platform packet-trace summary"), "FWD"); n != 32 {
		t.Errorf("linear trace of 20 (rounded to 32) kept %d packets", n)
	}
	r.out("debug platform packet-trace packet 16 circular")
	for range 20 {
		r.send("GigabitEthernet0/1", frame("ffff.ffff.ffff", "0011.2233.4455", 0))
	}
	sum := r.out("show platform packet-trace summary")
	if n := strings.Count(sum, "FWD"); n != 16 || !regexp.MustCompile(`(?m)^19 `).MatchString(sum) || regexp.MustCompile(`(?m)^3 `).MatchString(sum) {
		t.Errorf("circular trace:\n%s", sum)
	}
}
