package remote

import (
	"context"
	"errors"
	"fmt"
	"github.com/l2sw/l2sw/internal/syncbuf"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeCapturer streams "block N;" lines until its context ends, and
// remembers the request and that the context ended.
type fakeCapturer struct {
	mu    sync.Mutex
	req   CaptureRequest
	ended chan struct{}
}

func (f *fakeCapturer) StartCapture(req CaptureRequest) (func(context.Context, io.Writer) error, error) {
	if req.Filter == "bad" {
		return nil, errors.New(`filter "bad": access-list bad does not exist`)
	}
	f.mu.Lock()
	f.req = req
	f.mu.Unlock()
	return func(ctx context.Context, w io.Writer) error {
		defer close(f.ended)
		for i := 0; ; i++ {
			if req.Count > 0 && i == req.Count {
				return nil
			}
			if _, err := fmt.Fprintf(w, "block %d;", i); err != nil {
				return err
			}
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(time.Millisecond):
			}
		}
	}, nil
}

func startCaptureControl(t *testing.T, capt Capturer) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "l2sw.sock")
	ln, err := ListenControl(path)
	must(t, err, "ListenControl")
	e, _ := demoEngine(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ServeControlWith(ctx, ln, e, ControlOptions{Capture: capt}) }()
	t.Cleanup(func() { cancel(); <-done })
	return path
}

// TestCaptureStream: a capture connection carries its request to the
// Capturer and streams what it writes; with a count the switch ends it;
// cancelling the client ends the switch's side too (half-close) and the
// output holds only whole blocks. A refused request is an error before
// any byte.
func TestCaptureStream(t *testing.T) {
	fc := &fakeCapturer{ended: make(chan struct{})}
	path := startCaptureControl(t, fc)
	var out syncbuf.Buffer
	req := CaptureRequest{Interfaces: []string{"gi0/1"}, Points: []string{"drop"}, Filter: "ipv4 any any", Count: 3}
	if err := Capture(ctxT(t), path, req, &out); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "block 0;block 1;block 2;" {
		t.Errorf("counted capture: %q", got)
	}
	fc.mu.Lock()
	if fmt.Sprint(fc.req) != fmt.Sprint(req) {
		t.Errorf("the capturer got %+v, want %+v", fc.req, req)
	}
	fc.mu.Unlock()

	fc.ended = make(chan struct{})
	ctx, cancel := context.WithCancel(ctxT(t))
	var live syncbuf.Buffer
	errc := make(chan error, 1)
	go func() { errc <- Capture(ctx, path, CaptureRequest{}, &live) }()
	for !strings.Contains(live.String(), "block 5;") {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-errc; err != nil {
		t.Errorf("cancelled capture: %v", err)
	}
	select {
	case <-fc.ended:
	case <-time.After(5 * time.Second):
		t.Fatal("the switch's side did not end")
	}
	if got := live.String(); !strings.HasSuffix(got, ";") {
		t.Errorf("cancelled capture ends inside a block: %q", got[max(0, len(got)-20):])
	}

	if err := Capture(ctxT(t), path, CaptureRequest{Filter: "bad"}, io.Discard); err == nil || !strings.Contains(err.Error(), "access-list bad does not exist") {
		t.Errorf("refused capture: %v", err)
	}
	if err := Capture(ctxT(t), path, CaptureRequest{Points: []string{"sideways"}}, io.Discard); !errors.Is(err, ErrHeader) {
		t.Errorf("bad point: %v", err)
	}
}

// TestCaptureRefusedWithoutCapturer: a control socket served without a
// Capturer refuses capture connections with a reason.
func TestCaptureRefusedWithoutCapturer(t *testing.T) {
	cs := startControl(t)
	err := Capture(ctxT(t), cs.path, CaptureRequest{}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "does not serve captures") {
		t.Errorf("capture without a capturer: %v", err)
	}
}
