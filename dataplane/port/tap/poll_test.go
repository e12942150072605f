package tap

import (
	"errors"
	"testing"
	"time"

	"github.com/l2sw/l2sw/dataplane/port"
	"github.com/l2sw/l2sw/internal/netns"
)

// TestSpinnerBudget: empty spins shrink the budget to nothing, a park that
// a longer spin would have shortened grows it back, and a spin that sees a
// frame keeps it.
func TestSpinnerBudget(t *testing.T) {
	const max = 200 * time.Microsecond
	s := spinner{max: max, budget: max}
	spinOut := func() {
		t.Helper()
		for i := 0; s.again(); i++ {
			if i > 1e7 {
				t.Fatal("a spin never ends")
			}
		}
	}
	for i, want := range []time.Duration{max / 2, max / 4, max / 8, max / 16, 0} {
		spinOut()
		if s.budget != want {
			t.Fatalf("after %d empty spins the budget is %v, want %v", i+1, s.budget, want)
		}
	}
	if s.timeouts != 5 || s.spins != 5 {
		t.Errorf("spins %d timeouts %d, want 5 and 5", s.spins, s.timeouts)
	}
	// Budget 0: parks at once; a frame soon after the park grows it.
	if s.again() {
		t.Fatal("spins with no budget")
	}
	s.arrived()
	if s.budget != max/16 {
		t.Fatalf("a short park grew the budget to %v, want %v", s.budget, max/16)
	}
	// A long park does not.
	s.budget = max / 16
	spinOut()
	s.parkedAt -= int64(2 * max)
	s.arrived()
	if s.budget != 0 {
		t.Errorf("a park longer than the limit grew the budget to %v", s.budget)
	}
	// A frame during the spin keeps the budget.
	s.budget = max
	if !s.again() {
		t.Fatal("does not spin with a budget")
	}
	s.arrived()
	if s.budget != max || s.caught != 1 || s.until != 0 {
		t.Errorf("caught a frame: budget %v caught %d until %d", s.budget, s.caught, s.until)
	}
}

// TestPollCatchesFrame: with Poll, a Read that finds the queue empty reads
// on and returns a frame that arrives meanwhile without parking; one that
// arrives after the spin still wakes it from the netpoller.
func TestPollCatchesFrame(t *testing.T) {
	netns.RequireRoot(t)
	p, ns := openInNamespace(t, Config{Poll: MaxPoll})
	ps := newPacketSocket(t, ns, p.Name())
	ch := readAsync(p, 4)
	time.Sleep(time.Millisecond)
	ps.send(t, testFrame(switchMAC, hostMAC, 1, 60))
	if r := waitRead(t, ch, promptly); r.err != nil || len(r.frames) != 1 {
		t.Fatalf("Read returned %d frames, err %v", len(r.frames), r.err)
	}
	if p.spin.caught != 1 {
		t.Errorf("the spin caught %d frames, want 1 (spins %d, timeouts %d)", p.spin.caught, p.spin.spins, p.spin.timeouts)
	}
	ch = readAsync(p, 4)
	time.Sleep(3 * MaxPoll)
	ps.send(t, testFrame(switchMAC, hostMAC, 2, 60))
	if r := waitRead(t, ch, promptly); r.err != nil || len(r.frames) != 1 {
		t.Fatalf("after the spin: Read returned %d frames, err %v", len(r.frames), r.err)
	}
	if p.spin.timeouts != 1 || p.spin.budget != MaxPoll/2 {
		t.Errorf("after an empty spin: timeouts %d budget %v, want 1 and %v", p.spin.timeouts, p.spin.budget, MaxPoll/2)
	}
}

// TestPollClose: Close ends a spinning Read.
func TestPollClose(t *testing.T) {
	netns.RequireRoot(t)
	p := openTest(t, Config{Poll: MaxPoll})
	ch := readAsync(p, 4)
	time.Sleep(time.Millisecond)
	_ = p.Close()
	if r := waitRead(t, ch, promptly); !errors.Is(r.err, port.ErrClosed) {
		t.Fatalf("Read after Close: %v, want ErrClosed", r.err)
	}
}

func TestPollConfig(t *testing.T) {
	for _, d := range []time.Duration{-1, MaxPoll + 1} {
		c := Config{Name: "l2tpoll", Poll: d}
		if err := c.normalize(); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("Poll %v: %v, want ErrInvalidConfig", d, err)
		}
	}
}
