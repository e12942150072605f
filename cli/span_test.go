package cli

import (
	"strings"
	"testing"

	"github.com/l2sw/l2sw/dataplane"
)

// TestMonitorSession: SPAN sessions are configured with IOS lines, shown in
// the Catalyst layout, kept in the running configuration, and copy frames
// to their destination; a refused line changes nothing.
func TestMonitorSession(t *testing.T) {
	r := newRigN(t, 6)
	r.out("configure terminal",
		"monitor session 1 source interface gi0/1 - 2 , gi0/5 rx",
		"monitor session 1 source interface gi0/3",
		"monitor session 1 destination interface gi0/4 encapsulation replicate",
		"monitor session 2 source vlan 10,20-21 rx",
		"end")
	want := `Session 1
---------
Type                   : Local Session
Source Ports           : 
    RX Only            : Gi0/1-2,Gi0/5
    Both               : Gi0/3
Destination Ports      : Gi0/4
    Encapsulation      : Replicate
          Ingress      : Disabled

Session 2
---------
Type                   : Local Session
Source VLANs           : 
    RX Only            : 10,20-21

`
	if got := r.out("show monitor session all"); got != want {
		t.Errorf("show monitor session all:\n%s\nwant:\n%s", got, want)
	}
	if got := r.out("show monitor"); got != want {
		t.Errorf("show monitor differs from show monitor session all:\n%s", got)
	}
	if got := r.out("show monitor session 2"); got != want[strings.Index(want, "Session 2"):] {
		t.Errorf("show monitor session 2:\n%s", got)
	}
	cfg := r.out("show running-config")
	for _, line := range []string{
		"monitor session 1 source interface Gi0/1 - 2 , Gi0/5 rx\n",
		"monitor session 1 source interface Gi0/3\n",
		"monitor session 1 destination interface Gi0/4 encapsulation replicate\n",
		"monitor session 2 source vlan 10,20-21 rx\n",
	} {
		if !strings.Contains(cfg, line) {
			t.Errorf("running-config lacks %q:\n%s", line, cfg)
		}
	}

	// A flood from Gi0/1 reaches Gi0/4 twice, as Gi0/1's rx copy and as
	// the copy of what Gi0/3 sent, and never itself.
	before, _ := r.sw.Counters("GigabitEthernet0/4")
	r.send("GigabitEthernet0/1", frame("ffff.ffff.ffff", "0011.2233.4455", 0))
	after, _ := r.sw.Counters("GigabitEthernet0/4")
	if n := after.Get(dataplane.TxFrames) - before.Get(dataplane.TxFrames); n != 2 {
		t.Errorf("destination sent %d frames for one flood from a source, want 2 copies", n)
	}

	// Refused: a source as a destination, VLAN tx, a destination as a
	// source, mixing kinds. Nothing changes.
	for _, line := range []string{
		"monitor session 3 destination interface gi0/1",
		"monitor session 2 source vlan 30 tx",
		"monitor session 3 source interface gi0/4",
		"monitor session 1 source vlan 30 rx",
		"monitor session 3 destination interface vlan 10",
		"monitor session 67 destination interface gi0/6",
	} {
		res := r.run("configure terminal", line, "end")
		if !res.Rejected || !strings.Contains(res.Output, "%") {
			t.Errorf("%q was not refused:\n%s", line, res.Output)
		}
	}
	if got := r.out("show monitor session all"); got != want {
		t.Errorf("a refused line changed the sessions:\n%s", got)
	}

	// no: one direction, one source, a destination, a whole session.
	r.out("configure terminal",
		"no monitor session 1 source interface gi0/3 tx",
		"no monitor session 1 source interface gi0/5",
		"no monitor session 2",
		"end")
	got := r.out("show monitor session all")
	for _, want := range []string{"    RX Only            : Gi0/1-3\n", "Destination Ports      : Gi0/4\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("after no: lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "Session 2") || strings.Contains(got, "Gi0/5") {
		t.Errorf("after no: %s", got)
	}
	r.out("configure terminal", "no monitor session all", "end")
	if got := r.out("show monitor"); got != "No SPAN configured.\n" {
		t.Errorf("after no monitor session all: %q", got)
	}
	if strings.Contains(r.out("show running-config"), "monitor session") {
		t.Error("running-config keeps a removed session")
	}
}
