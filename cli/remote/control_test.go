package remote

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/cli/engine/enginetest"
)

type controlServer struct {
	path   string
	eng    *engine.Engine
	cfg    *enginetest.Config
	cancel context.CancelFunc
	done   chan error
}

// startControl serves a demo engine on a control socket in a directory
// that does not exist yet.
func startControl(t testing.TB) *controlServer {
	t.Helper()
	path := filepath.Join(t.TempDir(), "run", "l2sw.sock")
	ln, err := ListenControl(path)
	must(t, err, "ListenControl")
	e, cfg := demoEngine(t)
	ctx, cancel := context.WithCancel(context.Background())
	cs := &controlServer{path: path, eng: e, cfg: cfg, cancel: cancel, done: make(chan error, 1)}
	go func() { cs.done <- ServeControl(ctx, ln, e) }()
	t.Cleanup(cs.stop)
	return cs
}

func (cs *controlServer) stop() {
	if cs.cancel == nil {
		return
	}
	cs.cancel()
	cs.cancel = nil
	if err := <-cs.done; err != nil {
		panic(fmt.Sprintf("ServeControl: %v", err))
	}
}

func execOut(t *testing.T, path string, lines ...string) (string, bool) {
	t.Helper()
	var b strings.Builder
	rejected, err := Exec(ctxT(t), path, lines, &b)
	must(t, err, "Exec")
	return b.String(), rejected
}

func TestControlSocketIsOwnerOnly(t *testing.T) {
	cs := startControl(t)
	fi, err := os.Lstat(cs.path)
	must(t, err, "stat socket")
	if fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o600 {
		t.Errorf("socket mode %v, want a socket with 0600", fi.Mode())
	}
	di, err := os.Stat(filepath.Dir(cs.path))
	must(t, err, "stat dir")
	if di.Mode().Perm() != 0o700 {
		t.Errorf("created parent dir mode %v, want 0700", di.Mode().Perm())
	}
	ents, err := os.ReadDir(filepath.Dir(cs.path))
	must(t, err, "readdir")
	if len(ents) != 1 {
		t.Errorf("parent dir holds %v, want only the socket (no temporary leftovers)", ents)
	}
	cs.stop()
	if _, err := os.Lstat(cs.path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket file left after shutdown: %v", err)
	}
}

func TestExecRunsLinesInPrivilegedExec(t *testing.T) {
	cs := startControl(t)
	out, rejected := execOut(t, cs.path, "show privilege", "configure terminal", "hostname Lab", "end", "show version")
	want := "Current privilege level is 15\n" +
		"Enter configuration commands, one per line.  End with CNTL/Z.\n" +
		"Cisco IOS Software, l2sw demo, Version 15.0(2)SE, RELEASE SOFTWARE (fc1)\n" +
		"Lab uptime is 1 minute\n"
	if out != want || rejected {
		t.Fatalf("exec output %q rejected=%v\nwant %q rejected=false", out, rejected, want)
	}
	out, rejected = execOut(t, cs.path, "show version", "show bogus", "show privilege")
	if !rejected {
		t.Error("a refused line must make the exec rejected")
	}
	wantErr := "show bogus\n     ^\n% Invalid input detected at '^' marker.\n\n"
	if !strings.Contains(out, wantErr) || !strings.HasSuffix(out, "Current privilege level is 15\n") {
		t.Errorf("exec with an error: %q, want the caret error %q and the lines after it", out, wantErr)
	}
	// Each exec is a fresh session: the previous one's mode does not leak.
	execOut(t, cs.path, "configure terminal")
	if out, _ := execOut(t, cs.path, "show privilege"); out != "Current privilege level is 15\n" {
		t.Errorf("a new exec did not start in privileged EXEC: %q", out)
	}
}

func TestExecRefusesBadLinesBeforeSending(t *testing.T) {
	cs := startControl(t)
	_, err := Exec(ctxT(t), cs.path, []string{"show version\nreload"}, new(strings.Builder))
	if !errors.Is(err, ErrHeader) || !strings.Contains(err.Error(), "control character") {
		t.Fatalf("line with a newline: %v, want a header error", err)
	}
	if _, err := Exec(ctxT(t), cs.path, nil, new(strings.Builder)); !errors.Is(err, ErrHeader) {
		t.Fatalf("no lines: %v", err)
	}
}

func TestExecWithoutSwitch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "none.sock")
	_, err := Exec(ctxT(t), path, []string{"show version"}, new(strings.Builder))
	if err == nil || !strings.Contains(err.Error(), "no l2sw is running on "+path) {
		t.Fatalf("Exec without a switch: %v", err)
	}
}

func TestServerRefusesBadHeaders(t *testing.T) {
	cs := startControl(t)
	for _, tc := range []struct{ send, want string }{
		{"hello\n", "invalid character"},
		{`{"v":2,"mode":"exec","lines":["show version"]}` + "\n", "protocol version 2"},
		{`{"v":1,"mode":"shell"}` + "\n", `unknown mode "shell"`},
		{`{"v":1,"mode":"exec","lines":["x"],"sudo":true}` + "\n", "unknown field"},
		{`{"v":1,"mode":"exec"`, "connection closed inside the line"},
	} {
		c, err := net.Dial("unix", cs.path)
		must(t, err, "dial")
		c.Write([]byte(tc.send))
		c.(*net.UnixConn).CloseWrite()
		line, err := bufio.NewReader(c).ReadBytes('\n')
		c.Close()
		must(t, err, "read reply to ", tc.send)
		var rep Reply
		must(t, json.Unmarshal(line, &rep), "reply")
		if rep.OK || !strings.Contains(rep.Error, tc.want) {
			t.Errorf("header %q: reply %+v, want an error with %q", tc.send, rep, tc.want)
		}
	}
}

func TestSecondListenerRefusedWhileFirstAlive(t *testing.T) {
	cs := startControl(t)
	_, err := ListenControl(cs.path)
	if !errors.Is(err, ErrAlreadyRunning) || err.Error() != "another l2sw is running on "+cs.path {
		t.Fatalf("second listener: %v, want %q", err, "another l2sw is running on "+cs.path)
	}
	// The first switch is untouched.
	if out, _ := execOut(t, cs.path, "show privilege"); out != "Current privilege level is 15\n" {
		t.Fatalf("first switch after a refused second: %q", out)
	}
	cs.stop()
	ln, err := ListenControl(cs.path)
	must(t, err, "listen after the first stopped")
	ln.Close()
}

func TestStaleSocketIsReplaced(t *testing.T) {
	path := filepath.Join(t.TempDir(), "l2sw.sock")
	// A switch that died leaves its socket file behind.
	dead, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	must(t, err, "listen")
	dead.SetUnlinkOnClose(false)
	dead.Close()
	if _, err := os.Lstat(path); err != nil {
		t.Fatalf("setup: stale socket missing: %v", err)
	}
	ln, err := ListenControl(path)
	must(t, err, "ListenControl over a stale socket")
	defer ln.Close()
	e, _ := demoEngine(t)
	go ServeControl(ctxT(t), ln, e)
	if out, _ := execOut(t, path, "show privilege"); out != "Current privilege level is 15\n" {
		t.Fatalf("exec on the new socket: %q", out)
	}
}

func TestNonSocketPathIsLeftAlone(t *testing.T) {
	path := filepath.Join(t.TempDir(), "l2sw.sock")
	must(t, os.WriteFile(path, []byte("precious"), 0o644), "write")
	if _, err := ListenControl(path); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Fatalf("ListenControl over a regular file: %v", err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "precious" {
		t.Fatalf("regular file damaged: %q %v", b, err)
	}
}

func TestClosingListenerSparesSuccessorSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "l2sw.sock")
	ln, err := ListenControl(path)
	must(t, err, "listen")
	// Someone removed our socket and another switch took the path.
	os.Remove(path)
	ln2, err := ListenControl(path)
	must(t, err, "second listen")
	defer ln2.Close()
	ln.Close()
	if _, err := os.Lstat(path); err != nil {
		t.Fatalf("closing the first listener removed the successor's socket: %v", err)
	}
}

func TestConcurrentControlSessions(t *testing.T) {
	cs := startControl(t)
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 1; i <= n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var b strings.Builder
			rejected, err := Exec(context.Background(), cs.path, []string{
				"configure terminal",
				fmt.Sprintf("interface GigabitEthernet0/%d", i),
				fmt.Sprintf("description session %d", i),
				"end", "show privilege"}, &b)
			switch {
			case err != nil:
				errs <- err
			case rejected || !strings.HasSuffix(b.String(), "Current privilege level is 15\n"):
				errs <- fmt.Errorf("session %d: rejected=%v %q", i, rejected, b.String())
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	conf := cs.cfg.Render("")
	for i := 1; i <= n; i++ {
		if want := fmt.Sprintf(" description session %d\n", i); !strings.Contains(conf, want) {
			t.Errorf("running config lacks %q:\n%s", want, conf)
		}
	}
}

// consoleClient runs Console over pipes (not a terminal).
type consoleClient struct {
	in   *os.File // what the user types
	out  *streamReader
	done chan error
}

func startConsole(t *testing.T, ctx context.Context, path string) *consoleClient {
	t.Helper()
	inR, inW, err := os.Pipe()
	must(t, err, "pipe")
	outR, outW, err := os.Pipe()
	must(t, err, "pipe")
	c := &consoleClient{in: inW, out: newStreamReader(t, outR), done: make(chan error, 1)}
	go func() {
		err := Console(ctx, path, inR, outW)
		outW.Close()
		c.done <- err
	}()
	t.Cleanup(func() { inW.Close(); inR.Close(); outR.Close() })
	return c
}

func (c *consoleClient) send(t *testing.T, s string) {
	t.Helper()
	_, err := c.in.WriteString(s)
	must(t, err, "type ", s)
}

func TestConsoleOverPipes(t *testing.T) {
	cs := startControl(t)
	c := startConsole(t, ctxT(t), cs.path)
	if got := c.out.until("#"); got != "Switch#" {
		t.Fatalf("console starts with %q, want the privileged prompt", got)
	}
	c.send(t, "show privilege\n")
	if got := c.out.until("Switch#"); got != "show privilege\r\nCurrent privilege level is 15\r\nSwitch#" {
		t.Fatalf("show privilege: %q", got)
	}
	c.send(t, "conf t\n")
	if got := c.out.until("Switch(config)#"); got != "conf t\r\nEnter configuration commands, one per line.  End with CNTL/Z.\r\nSwitch(config)#" {
		t.Fatalf("conf t: %q", got)
	}
	// A second console at the same time has its own mode.
	c2 := startConsole(t, ctxT(t), cs.path)
	c2.out.until("Switch#")
	c2.send(t, "show terminal\n")
	if got := c2.out.until("Switch#"); !strings.Contains(got, "Length: 24 lines") {
		t.Fatalf("second console: %q", got)
	}
	c.send(t, "hostname Con\nend\n")
	c.out.until("Con#")
	c.send(t, "exit\n")
	if got := c.out.eof(); got != "exit\r\n" {
		t.Fatalf("after exit: %q", got)
	}
	if err := wait(t, c.done, "Console to return after exit"); err != nil {
		t.Fatalf("Console after exit: %v", err)
	}
	// End of input ends the other session too.
	c2.in.Close()
	if err := wait(t, c2.done, "Console to return at EOF"); err != nil {
		t.Fatalf("Console at EOF: %v", err)
	}
}

func TestConsoleEndsWhenServerStops(t *testing.T) {
	cs := startControl(t)
	c := startConsole(t, ctxT(t), cs.path)
	c.out.until("Switch#")
	cs.stop()
	if err := wait(t, c.done, "Console to return when the switch stops"); err != nil {
		t.Fatalf("Console: %v", err)
	}
}

func TestConsoleContextCancel(t *testing.T) {
	cs := startControl(t)
	ctx, cancel := context.WithCancel(context.Background())
	c := startConsole(t, ctx, cs.path)
	c.out.until("Switch#")
	cancel()
	if err := wait(t, c.done, "Console to return on cancel"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Console after cancel: %v", err)
	}
}
