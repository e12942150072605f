package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/l2sw/l2sw/dataplane/port/fault"
)

// TestFaultCommands: the fault family configures the port's faults, shows
// in the running configuration under its interface (and loads back the
// same), fills `show platform faults` with what each fault did, and `no
// fault KIND` removes one fault in one direction or both.
func TestFaultCommands(t *testing.T) {
	r := newRig(t)
	r.out("configure terminal",
		"interface gi0/1",
		"fault seed 7",
		"fault drop 50 both",
		"fault delay 50 jitter 5",
		"fault dup 10 both",
		"fault corrupt 5 out",
		"fault reorder 20 both",
		"fault rate-limit 1000 out",
		"fault reflect multicast",
		"interface gi0/2",
		"fault drop 100 out",
		"interface gi0/4",
		"fault drop 30",
		"fault flap 3600",
		"end")
	got, _, err := r.sw.PortFaults("GigabitEthernet0/1")
	if err != nil {
		t.Fatal(err)
	}
	want := fault.Config{
		In:      fault.Faults{Drop: 50, Delay: 50 * time.Millisecond, Jitter: 5 * time.Millisecond, Duplicate: 10, Reorder: 20},
		Out:     fault.Faults{Drop: 50, Duplicate: 10, Corrupt: 5, Reorder: 20, RateLimit: 1000},
		Reflect: fault.ReflectMulticast, Seed: 7, Seeded: true,
	}
	if got != want {
		t.Errorf("Gi0/1 faults:\n%+v\nwant\n%+v", got, want)
	}
	wantRun := `!
interface GigabitEthernet0/1
 fault seed 7
 fault drop 50 both
 fault delay 50 jitter 5
 fault duplicate 10 both
 fault corrupt 5 out
 fault reorder 20 both
 fault rate-limit 1000 out
 fault reflect multicast
end

`
	if out := r.out("show running-config interface gi0/1"); !strings.HasSuffix(out, wantRun) {
		t.Errorf("show running-config interface gi0/1:\n%s\nwant it to end with:\n%s", out, wantRun)
	}

	// A broadcast from Gi0/3 is flooded to Gi0/2, whose drop 100 out
	// loses it (a caller-driven receiver writes through the fault
	// wrapper), and to Gi0/1, where seed 7 makes drop 50 keep it and
	// duplicate 10 send it twice, every run.
	r.send("GigabitEthernet0/3", frame("ffff.ffff.ffff", "0000.0000.0003", 0))
	wantShow := `Interface  Direction Fault      Parameters           Frames affected
---------- --------- ---------- -------------------- ---------------
Gi0/1      both      drop       50%                                0
Gi0/1      in        delay      50 ms jitter 5 ms                  0
Gi0/1      both      duplicate  10%                                1
Gi0/1      out       corrupt    5%                                 0
Gi0/1      both      reorder    20%                                0
Gi0/1      out       rate-limit 1000 pps                           0
Gi0/1      in        reflect    multicast                          0
Gi0/2      out       drop       100%                               1
Gi0/4      in        drop       30%                                0
Gi0/4      both      flap       3600 s                             1

Gi0/1: random choices seeded with 7
`
	if out := r.out("show platform faults"); out != wantShow {
		t.Errorf("show platform faults:\n%s\nwant:\n%s", out, wantShow)
	}
	if out := r.out("show platform faults interface gi0/2"); !strings.Contains(out, "Gi0/2      out       drop       100%                               1\n") || strings.Contains(out, "Gi0/1") {
		t.Errorf("show platform faults interface gi0/2:\n%s", out)
	}

	// Round trip: the running configuration loads back the same.
	cfg := r.dev.RunningConfig()
	b := newRig(t)
	if errs := b.dev.LoadConfig(strings.NewReader(cfg)); len(errs) > 0 {
		t.Fatalf("reloading the running-config: %v", errs)
	}
	if got := b.dev.RunningConfig(); got != cfg {
		t.Errorf("round trip differs\n--- first\n%s\n--- reloaded\n%s", cfg, got)
	}

	r.out("configure terminal", "interface gi0/1",
		"no fault drop in", "no fault delay", "no fault duplicate", "no fault corrupt", "no fault reorder 20",
		"default fault rate-limit", "no fault reflect", "no fault seed", "end")
	if out := r.out("show running-config interface gi0/1"); !strings.HasSuffix(out, "interface GigabitEthernet0/1\n fault drop 50 out\nend\n\n") {
		t.Errorf("after the no forms:\n%s", out)
	}
	if st, _ := r.sw.Status("GigabitEthernet0/4"); st.Up {
		t.Error("Gi0/4 is up with fault flap 3600 just configured")
	}
	if got := r.sw.Log().Grep("%LINK-3-UPDOWN: Interface GigabitEthernet0/4, changed state to down"); len(got) != 1 {
		t.Errorf("the flap logged %q", got)
	}
	r.out("configure terminal", "interface gi0/4", "no fault flap", "no fault drop", "end")
	if st, _ := r.sw.Status("GigabitEthernet0/4"); !st.Up {
		t.Error("Gi0/4 is still down after no fault flap")
	}
	if got := r.sw.Log().Grep("%LINEPROTO-5-UPDOWN: Line protocol on Interface GigabitEthernet0/4, changed state to up"); len(got) != 1 {
		t.Errorf("no fault flap logged %q", got)
	}
	r.out("configure terminal", "interface range gi0/1 - 2", "no fault drop", "end")
	for _, n := range []string{"GigabitEthernet0/1", "GigabitEthernet0/2"} {
		if c, _, _ := r.sw.PortFaults(n); !c.IsZero() || c.Seeded {
			t.Errorf("%s still has faults: %+v", n, c)
		}
	}
	if strings.Contains(r.dev.RunningConfig(), "fault") {
		t.Errorf("running-config still has fault lines:\n%s", r.dev.RunningConfig())
	}
}

// TestFaultCommandErrors: out-of-range and unknown parameters get the IOS
// errors and change nothing.
func TestFaultCommandErrors(t *testing.T) {
	r := newRig(t)
	for _, c := range []struct{ line, want string }{
		{"fault drop 101", "% Invalid input detected at '^' marker."},
		{"fault drop 0", "% Invalid input detected at '^' marker."},
		{"fault delay 10001", "% Invalid input detected at '^' marker."},
		{"fault delay 50 jitter 10001", "% Invalid input detected at '^' marker."},
		{"fault reflect unicast", "% Invalid input detected at '^' marker."},
		{"fault drop 5 sideways", "% Invalid input detected at '^' marker."},
		{"fault rate-limit 0", "% Invalid input detected at '^' marker."},
		{"fault drop", "% Incomplete command."},
		{"fault", "% Incomplete command."},
		{"fault d 5", "% Ambiguous command:"},
	} {
		res := r.run("configure terminal", "interface gi0/1", c.line, "end")
		if !res.Rejected || !strings.Contains(res.Output, c.want) {
			t.Errorf("%q: rejected %v, output:\n%s\nwant %q", c.line, res.Rejected, res.Output, c.want)
		}
	}
	if c, _, _ := r.sw.PortFaults("GigabitEthernet0/1"); !c.IsZero() {
		t.Errorf("refused lines left faults: %+v", c)
	}
	if strings.Contains(r.dev.RunningConfig(), "fault") {
		t.Error("refused lines left fault lines in the running-config")
	}
}
