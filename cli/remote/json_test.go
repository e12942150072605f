package remote

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// fakeJSON answers exec --json requests with the lines it got.
type fakeJSON struct{}

func (fakeJSON) ExecJSON(lines []string) (string, bool) {
	return `{"lines":"` + strings.Join(lines, ",") + `"}` + "\n", lines[0] == "bad"
}

// TestExecJSON: a JSON exec reaches the server's JSONExecer with its lines
// and carries its rejection back; a server without one refuses JSON; JSON
// is for exec mode only; no server is ErrNoSwitch.
func TestExecJSON(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run", "l2sw.sock")
	ln, err := ListenControl(path)
	must(t, err, "ListenControl")
	e, _ := demoEngine(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ServeControlWith(ctx, ln, e, ControlOptions{JSON: fakeJSON{}}) }()
	defer func() { cancel(); <-done }()

	var b strings.Builder
	rejected, err := ExecJSON(ctxT(t), path, []string{"show a", "show b"}, &b)
	if err != nil || rejected || b.String() != `{"lines":"show a,show b"}`+"\n" {
		t.Errorf("ExecJSON: %v %v %q", err, rejected, b.String())
	}
	b.Reset()
	if rejected, err := ExecJSON(ctxT(t), path, []string{"bad"}, &b); err != nil || !rejected {
		t.Errorf("rejected line: %v %v", err, rejected)
	}

	plain := startControl(t)
	if _, err := ExecJSON(ctxT(t), plain.path, []string{"show a"}, &b); err == nil || !strings.Contains(err.Error(), "does not answer JSON") {
		t.Errorf("JSON from a server without JSON: %v", err)
	}
	if err := (Header{Version: ProtocolVersion, Mode: ModeConsole, JSON: true}).validate(); err == nil {
		t.Error("JSON accepted in console mode")
	}
	if _, err := Exec(ctxT(t), filepath.Join(t.TempDir(), "none.sock"), []string{"x"}, &b); !errors.Is(err, ErrNoSwitch) {
		t.Errorf("no switch: %v, want ErrNoSwitch", err)
	}
}
