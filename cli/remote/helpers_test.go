package remote

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/cli/engine/enginetest"
)

// demoEngine is the engine test command set (show version, configure
// terminal, hostname, write memory, enable with a secret ...) plus a
// `show terminal` that reports the session's terminal geometry, so tests
// can see what a transport set.
func demoEngine(t testing.TB) (*engine.Engine, *enginetest.Config) {
	t.Helper()
	e, cfg := enginetest.New()
	err := e.Install(e.ExecMode(), engine.Command{Syntax: "show terminal", Level: engine.LevelUser,
		Run: func(c *engine.Ctx, _ engine.Args) error {
			c.Printf("Length: %d lines, Width: %d columns\n", c.State.Length(), c.State.Width())
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	return e, cfg
}

// streamReader collects what a session writes, for tests that wait for a
// prompt. The timeout only guards against a hung test.
type streamReader struct {
	t    testing.TB
	ch   chan string
	buf  strings.Builder
	done chan struct{}
}

func newStreamReader(t testing.TB, r io.Reader) *streamReader {
	s := &streamReader{t: t, ch: make(chan string, 1024), done: make(chan struct{})}
	go func() {
		defer close(s.ch)
		b := make([]byte, 64<<10)
		for {
			n, err := r.Read(b)
			if n > 0 {
				s.ch <- string(b[:n])
			}
			if err != nil {
				return
			}
		}
	}()
	return s
}

// until returns everything received up to and including the first
// occurrence of want, keeping the rest for the next call.
func (s *streamReader) until(want string) string {
	s.t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		cur := s.buf.String()
		if i := strings.Index(cur, want); i >= 0 {
			s.buf.Reset()
			s.buf.WriteString(cur[i+len(want):])
			return cur[:i+len(want)]
		}
		select {
		case chunk, ok := <-s.ch:
			if !ok {
				s.t.Fatalf("stream ended waiting for %q; got %q", want, cur)
			}
			s.buf.WriteString(chunk)
		case <-deadline:
			s.t.Fatalf("timed out waiting for %q; got %q", want, cur)
		}
	}
}

// eof waits for the end of the stream and returns what came before it.
func (s *streamReader) eof() string {
	s.t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case chunk, ok := <-s.ch:
			if !ok {
				return s.buf.String()
			}
			s.buf.WriteString(chunk)
		case <-deadline:
			s.t.Fatalf("stream did not end; got %q", s.buf.String())
		}
	}
}

// wait receives from ch or fails the test after a generous guard time.
func wait[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(20 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
	var zero T
	return zero
}

// ctxT returns a context cancelled at the end of the test.
func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return ctx
}

func must(t testing.TB, err error, what ...any) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", fmt.Sprint(what...), err)
	}
}
