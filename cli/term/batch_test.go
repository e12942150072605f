package term

import (
	"testing"

	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/cli/engine/enginetest"
)

func TestRunBatch(t *testing.T) {
	e, cfg := enginetest.New()
	r := RunBatch(e, []string{"configure terminal", "hostname B1", "interface gi0/1", "description x", "end"}, BatchOptions{})
	if r.Rejected || r.Output != "Enter configuration commands, one per line.  End with CNTL/Z.\n" {
		t.Fatalf("batch: %+v", r)
	}
	if cfg.Hostname != "B1" || cfg.Ifaces["GigabitEthernet0/1"].Description != "x" {
		t.Fatalf("config not applied: %+v", cfg)
	}
	r = RunBatch(e, []string{"show foo", "show version"}, BatchOptions{})
	if !r.Rejected || r.Outcomes[0].Status != engine.StatusInvalid || r.Outcomes[1].Status != engine.StatusOK {
		t.Fatalf("rejected line not reported: %+v", r)
	}
	if want := "show foo\n     ^\n% Invalid input detected at '^' marker.\n\n"; r.Output[:len(want)] != want {
		t.Fatalf("caret without echo: %q", r.Output)
	}
	r = RunBatch(e, []string{"show foo"}, BatchOptions{Echo: true})
	if want := "B1#show foo\n        ^\n% Invalid input detected at '^' marker.\n\n"; r.Output != want {
		t.Fatalf("caret with echo: %q", r.Output)
	}
	// enable reads its secret from the next line.
	cfg.Secret = "pw"
	r = RunBatch(e, []string{"enable", "pw", "show privilege"}, BatchOptions{Level: engine.LevelUser})
	if r.Rejected || r.Output != "Password: \nCurrent privilege level is 15\n" {
		t.Fatalf("enable in batch: %+v", r)
	}
	r = RunBatch(e, []string{"enable", "a", "b", "c", "show privilege"}, BatchOptions{Level: engine.LevelUser})
	if !r.Rejected || r.Output != "Password: \nPassword: \nPassword: \n% Bad secrets\n\nCurrent privilege level is 1\n" {
		t.Fatalf("bad secrets in batch: %q", r.Output)
	}
}
