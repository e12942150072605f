package remote

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/sys/unix"
)

// flakyListener fails its first n accepts with err, as a process out of
// file descriptors sees EMFILE, then accepts from the real listener.
type flakyListener struct {
	net.Listener
	fails atomic.Int32
	err   error
}

func (l *flakyListener) Accept() (net.Conn, error) {
	if l.fails.Add(-1) >= 0 {
		return nil, l.err
	}
	return l.Listener.Accept()
}

type logSink struct {
	mu   sync.Mutex
	msgs []string
}

func (s *logSink) logf(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, strings.TrimSpace(fmt.Sprintf(format, args...)))
}

func (s *logSink) grep(sub string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, m := range s.msgs {
		if strings.Contains(m, sub) {
			out = append(out, m)
		}
	}
	return out
}

// Accept errors (EMFILE) no longer end the control socket: the loop backs
// off, logs once, and serves the next connection.
func TestControlAcceptErrorsBackOff(t *testing.T) {
	e, _ := demoEngine(t)
	path := filepath.Join(t.TempDir(), "ctl.sock")
	ln, err := ListenControl(path)
	must(t, err, "listen")
	fl := &flakyListener{Listener: ln, err: &net.OpError{Op: "accept", Net: "unix", Err: syscall.EMFILE}}
	fl.fails.Store(8)
	var sink logSink
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ServeControlWith(ctx, fl, e, ControlOptions{Logf: sink.logf}) }()
	var out strings.Builder
	if _, err := Exec(ctxT(t), path, []string{"show version"}, &out); err != nil {
		t.Fatalf("exec after accept errors: %v", err)
	}
	if !strings.Contains(out.String(), "Version") {
		t.Errorf("output %q", out.String())
	}
	if got := sink.grep("too many open files"); len(got) != 1 {
		t.Errorf("want one rate-limited accept error in the log, got %q", got)
	}
	cancel()
	if err := wait(t, done, "Serve to return"); err != nil {
		t.Errorf("Serve: %v", err)
	}
}

// startLimitedSSH serves the demo engine over SSH with the limits given.
func startLimitedSSH(t *testing.T, lim Limits) (addr string, hostKey ssh.PublicKey, srv *SSHServer, sink *logSink) {
	t.Helper()
	e, _ := demoEngine(t)
	sink = &logSink{}
	srv, err := NewSSHServer(e, SSHConfig{Auth: testUsers, Logf: sink.logf, Limits: lim})
	must(t, err, "NewSSHServer")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err, "listen")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return ln.Addr().String(), srv.HostKey(), srv, sink
}

func login(addr string, key ssh.PublicKey) error {
	c, err := ssh.Dial("tcp", addr, &ssh.ClientConfig{User: "admin", Auth: []ssh.AuthMethod{ssh.Password("adminpw")},
		HostKeyCallback: ssh.FixedHostKey(key), Timeout: 5 * time.Second})
	if err != nil {
		return err
	}
	defer c.Close()
	sess, err := c.NewSession()
	if err != nil {
		return err
	}
	_, err = sess.Output("show version")
	return err
}

// closedSoon reports whether the server closes c within d.
func closedSoon(c net.Conn, d time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, c) // the server's banner, then EOF if closed
	return err == nil
}

// Unauthenticated connections beyond Full are refused at once, the others
// are dropped after AuthTimeout, and then a valid user logs in.
func TestSSHMaxStartupsAndAuthTimeout(t *testing.T) {
	addr, key, srv, sink := startLimitedSSH(t, Limits{Start: 3, Rate: 50, Full: 6, AuthTimeout: time.Second})
	var conns []net.Conn
	for i := 0; i < 30; i++ {
		c, err := net.Dial("tcp", addr)
		must(t, err, "dial")
		defer c.Close()
		conns = append(conns, c)
	}
	time.Sleep(200 * time.Millisecond)
	if n := srv.gate.inPhase(); n < 3 || n > 6 {
		t.Errorf("%d connections held before authentication, want 3..6", n)
	}
	refused := 0
	for _, c := range conns {
		if closedSoon(c, 100*time.Millisecond) {
			refused++
		}
	}
	if refused < 24 {
		t.Errorf("%d of 30 stalled connections refused at once, want at least 24", refused)
	}
	if len(sink.grep("MaxStartups 3:50:6")) == 0 {
		t.Errorf("refusals not logged: %q", sink.msgs)
	}
	// AuthTimeout frees the held ones; a valid user gets in.
	if !poll(5*time.Second, func() bool { return srv.gate.inPhase() == 0 }) {
		t.Fatalf("%d connections still held after the auth timeout", srv.gate.inPhase())
	}
	if err := login(addr, key); err != nil {
		t.Errorf("valid login after the stalled connections: %v", err)
	}
}

func TestSSHPerSourceStartups(t *testing.T) {
	addr, key, srv, _ := startLimitedSSH(t, Limits{Start: 100, Rate: 30, Full: 100, PerSource: 2, AuthTimeout: 10 * time.Second})
	for i := 0; i < 5; i++ {
		c, err := net.Dial("tcp", addr)
		must(t, err, "dial")
		defer c.Close()
	}
	time.Sleep(200 * time.Millisecond)
	if n := srv.gate.inPhase(); n != 2 {
		t.Errorf("%d held from one source, want 2", n)
	}
	if err := login(addr, key); err == nil {
		t.Error("a third connection from the same source got in while two stall")
	}
	// Another source (::1 if the host has it) is not affected by the cap;
	// the gate is checked directly so the test does not need IPv6.
	if _, ok := srv.gate.enter(netip.MustParseAddr("192.0.2.1")); !ok {
		t.Error("another source refused")
	}
}

// raiseNoFile raises the soft RLIMIT_NOFILE to the hard limit and returns
// how many descriptors a test may spend.
func raiseNoFile(t *testing.T) int {
	var lim unix.Rlimit
	must(t, unix.Getrlimit(unix.RLIMIT_NOFILE, &lim), "getrlimit")
	lim.Cur = lim.Max
	_ = unix.Setrlimit(unix.RLIMIT_NOFILE, &lim)
	must(t, unix.Getrlimit(unix.RLIMIT_NOFILE, &lim), "getrlimit")
	return int(lim.Cur)
}

// A flood of thousands of connections (many held open, never
// authenticating) costs the server a bounded number of goroutines, and a
// valid user logs in as soon as it stops.
func TestSSHConnectionFlood(t *testing.T) {
	n := 5000
	if avail := raiseNoFile(t); avail/3 < n {
		n = avail / 3 // client and server ends live in this process
	}
	if testing.Short() {
		n = min(n, 500)
	}
	addr, key, srv, _ := startLimitedSSH(t, Limits{})
	var (
		mu    sync.Mutex
		conns []net.Conn
		wg    sync.WaitGroup
		peak  atomic.Int64
	)
	stopPeak := make(chan struct{})
	go func() {
		for {
			select {
			case <-stopPeak:
				return
			case <-time.After(5 * time.Millisecond):
				if v := int64(srv.gate.inPhase()); v > peak.Load() {
					peak.Store(v)
				}
			}
		}
	}()
	sem := make(chan struct{}, 200)
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := net.DialTimeout("tcp", addr, 5*time.Second)
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}()
	}
	wg.Wait()
	close(stopPeak)
	if p := peak.Load(); p > int64(DefaultLimits().Full) {
		t.Errorf("%d connections held before authentication, limit %d", p, DefaultLimits().Full)
	}
	for _, c := range conns {
		c.Close()
	}
	t.Logf("%d connections opened, at most %d held pre-auth", len(conns), peak.Load())
	ok := poll(10*time.Second, func() bool { return login(addr, key) == nil })
	if !ok {
		t.Errorf("valid login after the flood: %v", login(addr, key))
	}
}

// poll calls cond until it holds or timeout passes.
func poll(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// An authenticated connection that opens no session is closed after the
// auth timeout, so it cannot sit on a vty line.
func TestSSHNoSessionTimeout(t *testing.T) {
	addr, key, _, _ := startLimitedSSH(t, Limits{Start: 10, Rate: 30, Full: 100, AuthTimeout: time.Second})
	c, err := ssh.Dial("tcp", addr, &ssh.ClientConfig{User: "admin", Auth: []ssh.AuthMethod{ssh.Password("adminpw")},
		HostKeyCallback: ssh.FixedHostKey(key), Timeout: 5 * time.Second})
	must(t, err, "dial")
	defer c.Close()
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("a connection without a session stayed open")
	}
}

// One source may open PerSourceBurst connections at once, then
// PerSourceRate a second, however quickly it closes them.
func TestGatePerSourceRate(t *testing.T) {
	g := newGate(Limits{PerSourceRate: 2, PerSourceBurst: 3})
	now := time.Unix(1000, 0)
	g.now = func() time.Time { return now }
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	try := func(src netip.Addr) bool {
		leave, ok := g.enter(src)
		if ok {
			leave()
		}
		return ok
	}
	for i := 0; i < 3; i++ {
		if !try(a) {
			t.Fatalf("connection %d of the burst refused", i+1)
		}
	}
	if try(a) {
		t.Error("a fourth connection within the same instant was admitted")
	}
	if !try(b) {
		t.Error("another source was refused")
	}
	now = now.Add(500 * time.Millisecond)
	if !try(a) || try(a) {
		t.Error("after 0.5 s at 2/s, want exactly one more connection")
	}
	if n := g.refused.Load(); n != 2 {
		t.Errorf("%d refusals counted, want 2", n)
	}
}
