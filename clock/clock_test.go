package clock

import (
	"testing"
	"time"
)

func TestManual(t *testing.T) {
	m := NewManual(10 * time.Second)
	if Seconds(m) != 10 {
		t.Fatalf("Seconds = %d", Seconds(m))
	}
	m.Advance(1500 * time.Millisecond)
	if Seconds(m) != 11 || m.Nanos() != int64(11500*time.Millisecond) {
		t.Fatalf("after Advance: %d", m.Nanos())
	}
	m.Set(time.Hour)
	if Seconds(m) != 3600 {
		t.Fatalf("after Set: %d", Seconds(m))
	}
}

func TestCoarseAdvancesOnlyWhenUpdated(t *testing.T) {
	c := NewCoarse()
	a := c.Nanos()
	if a <= 0 {
		t.Fatalf("initial reading %d, want > 0", a)
	}
	time.Sleep(2 * time.Millisecond)
	if c.Nanos() != a {
		t.Fatal("coarse clock moved without Update")
	}
	c.Update()
	if c.Nanos() <= a {
		t.Fatal("Update did not advance the clock")
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { c.Run(time.Millisecond, stop); close(done) }()
	b := c.Nanos()
	deadline := time.Now().Add(2 * time.Second)
	for c.Nanos() == b && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	close(stop)
	<-done
	if c.Nanos() == b {
		t.Fatal("Run never advanced the clock")
	}
}
