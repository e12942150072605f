package cli

import (
	"strings"
	"testing"
	"time"
)

// TestInterfaceRates: show interfaces reports rates from the sampled
// counters, named for the port's load-interval, and when the port last
// received.
func TestInterfaceRates(t *testing.T) {
	r := newRig(t)
	r.out("configure terminal", "interface gi0/1", "load-interval 30", "end")
	if !strings.Contains(r.dev.RunningConfig(), "interface GigabitEthernet0/1\n load-interval 30\n") {
		t.Errorf("running-config lacks load-interval:\n%s", r.dev.RunningConfig())
	}
	r.dev.sampleRates(r.now)
	// 100 frames of 60 bytes in each 5 s sample for a minute: 12 samples.
	f := frame("ffff.ffff.ffff", "0000.0000.0a01", 0)
	for i := 1; i <= 12; i++ {
		for range 100 {
			r.send("GigabitEthernet0/1", f)
		}
		r.now = r.now.Add(5 * time.Second)
		r.dev.sampleRates(r.now)
	}
	r.now = r.now.Add(3 * time.Second)
	out := r.out("show interfaces gi0/1")
	// 20 frames/s and 9600 bits/s at steady state; after 60 s of a 30 s
	// interval the average is 1-e^-2 = 86% of the way there.
	for _, want := range []string{"  30 second input rate 8", " bits/sec, 17 packets/sec\n", "  Last input 00:00:03, output never"} {
		if !strings.Contains(out, want) {
			t.Errorf("show interfaces gi0/1 lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(r.out("show interfaces gi0/2"), "  5 minute input rate 0 bits/sec, 0 packets/sec\n") {
		t.Error("an idle port with the default load-interval")
	}
	if res := r.run("configure terminal", "interface gi0/1", "load-interval 45", "end"); !res.Rejected {
		t.Error("load-interval 45 accepted")
	}
}
