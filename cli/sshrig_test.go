package cli

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/l2sw/l2sw/cli/remote"
)

// sshRig serves a rig's device over SSH on a loopback port, with the
// device as authenticator and vty lines, as `l2sw run --ssh` wires it.
type sshRig struct {
	*rig
	addr    string
	hostKey ssh.PublicKey
	logs    chan string
	// offset moves the device's clock (login block-for) from rigEpoch;
	// atomic because the SSH goroutines read it.
	offset atomic.Int64
}

// advance moves the device clock forward.
func (r *sshRig) advance(d time.Duration) { r.offset.Add(int64(d)) }

func newSSHRig(t *testing.T) *sshRig {
	t.Helper()
	r := &sshRig{rig: newRig(t), logs: make(chan string, 1024)}
	r.dev.opts.Now = func() time.Time { return rigEpoch.Add(time.Duration(r.offset.Load())) }
	logf := func(format string, args ...any) {
		select {
		case r.logs <- strings.TrimSpace(fmt.Sprintf(format, args...)):
		default:
		}
	}
	srv, err := remote.NewSSHServer(r.dev.Engine(), r.dev.SSHConfig(remote.SSHConfig{Logf: logf}))
	if err != nil {
		t.Fatal(err)
	}
	r.hostKey = srv.HostKey()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.addr = ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return r
}

func (r *sshRig) dial(t *testing.T, user, password string) (*ssh.Client, error) {
	t.Helper()
	return ssh.Dial("tcp", r.addr, &ssh.ClientConfig{
		User: user, Auth: []ssh.AuthMethod{ssh.Password(password)},
		HostKeyCallback: ssh.FixedHostKey(r.hostKey), Timeout: 10 * time.Second,
	})
}

// vtyShell is an interactive SSH session with a pty.
type vtyShell struct {
	t    *testing.T
	sess *ssh.Session
	in   io.WriteCloser
	out  chan string
	buf  string
}

func (r *sshRig) shell(t *testing.T, user, password string) *vtyShell {
	t.Helper()
	c, err := r.dial(t, user, password)
	if err != nil {
		t.Fatalf("ssh %s: %v", user, err)
	}
	t.Cleanup(func() { c.Close() })
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty("vt100", 24, 80, ssh.TerminalModes{ssh.ECHO: 0}); err != nil {
		t.Fatal(err)
	}
	in, _ := sess.StdinPipe()
	out, _ := sess.StdoutPipe()
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	s := &vtyShell{t: t, sess: sess, in: in, out: make(chan string, 256)}
	go func() {
		defer close(s.out)
		b := make([]byte, 32<<10)
		for {
			n, err := out.Read(b)
			if n > 0 {
				s.out <- string(b[:n])
			}
			if err != nil {
				return
			}
		}
	}()
	return s
}

// until returns what arrived up to and including want.
func (s *vtyShell) until(want string) string {
	s.t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		if i := strings.Index(s.buf, want); i >= 0 {
			got := s.buf[:i+len(want)]
			s.buf = s.buf[i+len(want):]
			return got
		}
		select {
		case chunk, ok := <-s.out:
			if !ok {
				s.t.Fatalf("session ended waiting for %q; got %q", want, s.buf)
			}
			s.buf += chunk
		case <-deadline:
			s.t.Fatalf("timed out waiting for %q; got %q", want, s.buf)
		}
	}
}

// send types a line and returns the output up to the prompt.
func (s *vtyShell) send(line, prompt string) string {
	s.t.Helper()
	if _, err := io.WriteString(s.in, line+"\n"); err != nil {
		s.t.Fatalf("send %q: %v", line, err)
	}
	return s.until(prompt)
}

// ended waits for the server to close the session.
func (s *vtyShell) ended(within time.Duration) bool {
	deadline := time.After(within)
	for {
		select {
		case _, ok := <-s.out:
			if !ok {
				return true
			}
		case <-deadline:
			return false
		}
	}
}
