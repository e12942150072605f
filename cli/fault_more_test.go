package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/l2sw/l2sw/dataplane/port/fault"
)

// TestFaultReflectKindsAndFlap: every reflect kind and the flap are
// configured, shown under their interface without a direction, and
// replaced by the next line of their kind.
func TestFaultReflectKindsAndFlap(t *testing.T) {
	r := newRig(t)
	for _, c := range []struct {
		kind string
		want fault.Reflect
	}{{"multicast", fault.ReflectMulticast}, {"broadcast", fault.ReflectBroadcast}, {"all", fault.ReflectAll}} {
		r.out("configure terminal", "interface gi0/3", "fault reflect "+c.kind, "end")
		if cfg, _, _ := r.sw.PortFaults("GigabitEthernet0/3"); cfg.Reflect != c.want {
			t.Errorf("fault reflect %s: %v", c.kind, cfg.Reflect)
		}
		if out := r.out("show running-config interface gi0/3"); !strings.Contains(out, "\n fault reflect "+c.kind+"\n") {
			t.Errorf("fault reflect %s: running-config\n%s", c.kind, out)
		}
	}
	r.out("configure terminal", "interface gi0/3", "fault flap 20", "fault flap 30", "end")
	if cfg, _, _ := r.sw.PortFaults("GigabitEthernet0/3"); cfg.Flap != 30*time.Second {
		t.Errorf("flap %v, want 30s", cfg.Flap)
	}
	out := r.out("show running-config interface gi0/3")
	if !strings.Contains(out, "\n fault reflect all\n fault flap 30\n") {
		t.Errorf("running-config\n%s", out)
	}
	res := r.run("configure terminal", "interface gi0/3", "fault flap 0", "fault flap 3601", "end")
	if c := strings.Count(res.Output, "% Invalid input detected at '^' marker."); c != 2 {
		t.Errorf("flap 0 and 3601: %d refusals:\n%s", c, res.Output)
	}
	r.out("configure terminal", "interface gi0/3", "no fault reflect", "no fault flap", "end")
	if cfg, _, _ := r.sw.PortFaults("GigabitEthernet0/3"); !cfg.IsZero() {
		t.Errorf("left %+v", cfg)
	}
	if st, _ := r.sw.Status("GigabitEthernet0/3"); !st.Up {
		t.Error("Gi0/3 down after no fault flap")
	}
}
