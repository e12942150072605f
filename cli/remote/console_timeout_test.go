package remote

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// TestConsoleExecTimeout: an idle console session is closed after the
// console line's exec-timeout; typing restarts the timer.
func TestConsoleExecTimeout(t *testing.T) {
	path := filepath.Join(t.TempDir(), "l2sw.sock")
	ln, err := ListenControl(path)
	must(t, err, "ListenControl")
	e, _ := demoEngine(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- ServeControlWith(ctx, ln, e, ControlOptions{ConsoleTimeout: func() time.Duration { return 300 * time.Millisecond }})
	}()
	t.Cleanup(func() { cancel(); <-done })
	c := startConsole(t, ctxT(t), path)
	c.out.until("Switch#")
	start := time.Now()
	for range 3 { // activity keeps the session
		time.Sleep(150 * time.Millisecond)
		c.send(t, "\n")
		c.out.until("Switch#")
	}
	if err := wait(t, c.done, "Console to end after the exec-timeout"); err != nil {
		t.Fatalf("Console: %v", err)
	}
	if el := time.Since(start); el < 600*time.Millisecond {
		t.Fatalf("the session ended after %v despite input", el)
	}
}
