package remote

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/cli/engine/enginetest"
)

// userTable is a test Authenticator.
type userTable map[string]struct {
	password string
	level    int
}

func (u userTable) CheckLogin(user, password string) (int, bool) {
	e, ok := u[user]
	if !ok || e.password != password {
		return 0, false
	}
	return e.level, true
}

var _ Authenticator = userTable(nil)

var testUsers = userTable{
	"admin": {"adminpw", 15},
	"oper":  {"operpw", 1},
}

type sshServer struct {
	addr     string
	hostKey  ssh.PublicKey
	keyPath  string
	eng      *engine.Engine
	cfg      *enginetest.Config
	connDone chan struct{}
}

func startSSH(t testing.TB, banner string) *sshServer {
	t.Helper()
	e, cfg := demoEngine(t)
	keyPath := filepath.Join(t.TempDir(), "keys", "ssh_host_ed25519_key")
	srv, err := NewSSHServer(e, SSHConfig{HostKeyPath: keyPath, Auth: testUsers, Banner: banner, Logf: t.Logf})
	must(t, err, "NewSSHServer")
	ss := serveOn(t, srv)
	ss.keyPath, ss.eng, ss.cfg = keyPath, e, cfg
	return ss
}

// serveOn serves srv on a loopback port until the end of the test.
func serveOn(t testing.TB, srv *SSHServer) *sshServer {
	t.Helper()
	ss := &sshServer{hostKey: srv.HostKey(), connDone: make(chan struct{}, 64)}
	srv.connDone = func() {
		select {
		case ss.connDone <- struct{}{}:
		default: // nobody counts them in this test; never block the server
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err, "listen")
	ss.addr = ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return ss
}

func (ss *sshServer) dial(t testing.TB, user string, auth ...ssh.AuthMethod) (*ssh.Client, error) {
	t.Helper()
	return ssh.Dial("tcp", ss.addr, &ssh.ClientConfig{
		User:            user,
		Auth:            auth,
		HostKeyCallback: ssh.FixedHostKey(ss.hostKey),
	})
}

// shell is an interactive SSH session with a pty.
type shell struct {
	sess *ssh.Session
	in   io.WriteCloser
	out  *streamReader
}

func openShell(t testing.TB, c *ssh.Client, width int) *shell {
	t.Helper()
	sess, err := c.NewSession()
	must(t, err, "new session")
	must(t, sess.RequestPty("vt100", 24, width, ssh.TerminalModes{ssh.ECHO: 0}), "pty-req")
	in, err := sess.StdinPipe()
	must(t, err, "stdin")
	outR, err := sess.StdoutPipe()
	must(t, err, "stdout")
	must(t, sess.Shell(), "shell")
	return &shell{sess: sess, in: in, out: newStreamReader(t, outR)}
}

func (s *shell) cmd(t *testing.T, line, prompt string) string {
	t.Helper()
	_, err := io.WriteString(s.in, line+"\n")
	must(t, err, "send ", line)
	return s.out.until(prompt)
}

func TestSSHLoginAndShell(t *testing.T) {
	ss := startSSH(t, "Authorized access only\n")
	c, err := ss.dial(t, "admin", ssh.Password("adminpw"))
	must(t, err, "dial")
	defer c.Close()
	if v := string(c.ServerVersion()); v != "SSH-2.0-l2sw" {
		t.Errorf("server version %q", v)
	}
	sh := openShell(t, c, 80)
	if got := sh.out.until("#"); got != "Authorized access only\r\nSwitch#" {
		t.Fatalf("shell starts with %q, want banner then privileged prompt", got)
	}
	for _, step := range []struct{ line, prompt, want string }{
		{"terminal length 0", "Switch#", "terminal length 0\r\nSwitch#"},
		{"show terminal", "Switch#", "show terminal\r\nLength: 0 lines, Width: 80 columns\r\nSwitch#"},
		{"show version", "Switch#", "show version\r\nCisco IOS Software, l2sw demo, Version 15.0(2)SE, RELEASE SOFTWARE (fc1)\r\nSwitch uptime is 1 minute\r\nSwitch#"},
		{"configure terminal", "Switch(config)#", "configure terminal\r\nEnter configuration commands, one per line.  End with CNTL/Z.\r\nSwitch(config)#"},
		{"interface gi0/3", "Switch(config-if)#", "interface gi0/3\r\nSwitch(config-if)#"},
		{"hostname R2", "R2(config)#", "hostname R2\r\nR2(config)#"},
		{"end", "R2#", "end\r\nR2#"},
		{"show bogus", "R2#", "show bogus\r\n        ^\r\n% Invalid input detected at '^' marker.\r\n\r\nR2#"},
	} {
		if got := sh.cmd(t, step.line, step.prompt); got != step.want {
			t.Fatalf("%s:\n got %q\nwant %q", step.line, got, step.want)
		}
	}
	sh.cmd(t, "exit", "exit\r\n")
	if got := sh.out.eof(); got != "" {
		t.Errorf("output after exit: %q", got)
	}
	if err := sh.sess.Wait(); err != nil {
		t.Fatalf("session end after exit: %v, want exit status 0", err)
	}
	wait(t, ss.connDone, "the server to end the connection after exit")
}

func TestSSHUserLevelPrompt(t *testing.T) {
	ss := startSSH(t, "")
	c, err := ss.dial(t, "oper", ssh.Password("operpw"))
	must(t, err, "dial")
	defer c.Close()
	sh := openShell(t, c, 80)
	if got := sh.out.until(">"); got != "Switch>" {
		t.Fatalf("privilege 1 login starts with %q, want Switch>", got)
	}
	if got := sh.cmd(t, "show privilege", "Switch>"); got != "show privilege\r\nCurrent privilege level is 1\r\nSwitch>" {
		t.Fatalf("show privilege: %q", got)
	}
	if got := sh.cmd(t, "configure terminal", "Switch>"); !strings.Contains(got, "% Invalid input") {
		t.Fatalf("user level ran configure: %q", got)
	}
}

func TestSSHBadPassword(t *testing.T) {
	ss := startSSH(t, "")
	for _, tc := range []struct{ user, pw string }{{"admin", "wrong"}, {"nobody", "adminpw"}, {"admin", ""}} {
		c, err := ss.dial(t, tc.user, ssh.Password(tc.pw))
		if err == nil {
			c.Close()
			t.Fatalf("login %s/%q accepted", tc.user, tc.pw)
		}
		if !strings.Contains(err.Error(), "unable to authenticate") {
			t.Errorf("login %s/%q: %v", tc.user, tc.pw, err)
		}
	}
}

func TestSSHKeyboardInteractive(t *testing.T) {
	ss := startSSH(t, "")
	var asked []string
	ki := ssh.KeyboardInteractive(func(user, instr string, qs []string, echos []bool) ([]string, error) {
		asked = append(asked, qs...)
		if len(echos) != 1 || echos[0] {
			return nil, errors.New("the password prompt must not echo")
		}
		return []string{"adminpw"}, nil
	})
	c, err := ss.dial(t, "admin", ki)
	must(t, err, "keyboard-interactive login")
	defer c.Close()
	if len(asked) != 1 || asked[0] != "Password: " {
		t.Errorf("questions %q", asked)
	}
	sh := openShell(t, c, 80)
	if got := sh.out.until("#"); got != "Switch#" {
		t.Fatalf("prompt %q", got)
	}
	bad := ssh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) { return []string{"nope"}, nil })
	if c, err := ss.dial(t, "admin", bad); err == nil {
		c.Close()
		t.Fatal("keyboard-interactive with a wrong password accepted")
	}
}

func TestSSHWindowChangeSetsWidth(t *testing.T) {
	ss := startSSH(t, "")
	c, err := ss.dial(t, "admin", ssh.Password("adminpw"))
	must(t, err, "dial")
	defer c.Close()
	sh := openShell(t, c, 100)
	sh.out.until("Switch#")
	if got := sh.cmd(t, "show terminal", "Switch#"); !strings.Contains(got, "Width: 100 columns") {
		t.Fatalf("width from pty-req: %q", got)
	}
	must(t, sh.sess.WindowChange(40, 132), "window-change")
	// The request and the next keystrokes travel on different paths inside
	// the server; the width applies from the first read after it arrives.
	for i := 0; ; i++ {
		got := sh.cmd(t, "show terminal", "Switch#")
		if strings.Contains(got, "Width: 132 columns") {
			break
		}
		if i == 100 {
			t.Fatalf("width after window-change: %q", got)
		}
	}
}

func TestSSHDroppedConnectionEndsSession(t *testing.T) {
	ss := startSSH(t, "")
	c, err := ss.dial(t, "admin", ssh.Password("adminpw"))
	must(t, err, "dial")
	sh := openShell(t, c, 80)
	sh.cmd(t, "configure terminal", "Switch(config)#")
	c.Close()
	wait(t, ss.connDone, "the server to end a dropped connection")
}

func TestSSHEOFEndsSession(t *testing.T) {
	ss := startSSH(t, "")
	c, err := ss.dial(t, "admin", ssh.Password("adminpw"))
	must(t, err, "dial")
	defer c.Close()
	sh := openShell(t, c, 80)
	sh.out.until("Switch#")
	sh.in.Close()
	if err := sh.sess.Wait(); err != nil {
		t.Fatalf("session end after EOF: %v", err)
	}
	wait(t, ss.connDone, "the server to end the connection at EOF")
}

func TestSSHExecRequest(t *testing.T) {
	ss := startSSH(t, "")
	c, err := ss.dial(t, "admin", ssh.Password("adminpw"))
	must(t, err, "dial")
	defer c.Close()
	sess, err := c.NewSession()
	must(t, err, "session")
	out, err := sess.Output("show privilege")
	must(t, err, "exec")
	if string(out) != "Current privilege level is 15\n" {
		t.Fatalf("exec output %q", out)
	}

	c2, err := ss.dial(t, "oper", ssh.Password("operpw"))
	must(t, err, "dial")
	defer c2.Close()
	sess, err = c2.NewSession()
	must(t, err, "session")
	out, err = sess.Output("show privilege\nconfigure terminal")
	var ee *ssh.ExitError
	if !errors.As(err, &ee) || ee.ExitStatus() != 1 {
		t.Fatalf("exec with a refused line: %v, want exit status 1", err)
	}
	if !bytes.HasPrefix(out, []byte("Current privilege level is 1\n")) || !bytes.Contains(out, []byte("% Invalid input")) {
		t.Fatalf("exec output %q", out)
	}
}

func TestSSHOnlySessionChannels(t *testing.T) {
	ss := startSSH(t, "")
	c, err := ss.dial(t, "admin", ssh.Password("adminpw"))
	must(t, err, "dial")
	defer c.Close()
	if _, _, err := c.OpenChannel("direct-tcpip", nil); err == nil {
		t.Fatal("direct-tcpip channel accepted")
	}
	sh := openShell(t, c, 80)
	if got := sh.out.until("#"); got != "Switch#" {
		t.Fatalf("session after a refused channel: %q", got)
	}
}

func TestHostKeyCreatedOnceAndKept(t *testing.T) {
	ss := startSSH(t, "")
	fi, err := os.Stat(ss.keyPath)
	must(t, err, "host key file")
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("host key mode %v, want 0600", fi.Mode().Perm())
	}
	if di, _ := os.Stat(filepath.Dir(ss.keyPath)); di.Mode().Perm() != 0o700 {
		t.Errorf("host key dir mode %v, want 0700", di.Mode().Perm())
	}
	b, err := os.ReadFile(ss.keyPath)
	must(t, err, "read key")
	if !bytes.HasPrefix(b, []byte("-----BEGIN OPENSSH PRIVATE KEY-----\n")) {
		t.Errorf("host key is not in OpenSSH PEM form: %.40q", b)
	}
	if ss.hostKey.Type() != ssh.KeyAlgoED25519 {
		t.Errorf("host key type %s", ss.hostKey.Type())
	}
	again, err := LoadHostKey(ss.keyPath)
	must(t, err, "reload")
	if !bytes.Equal(again.PublicKey().Marshal(), ss.hostKey.Marshal()) {
		t.Error("a second load made a new host key instead of keeping the first")
	}
	if ents, _ := os.ReadDir(filepath.Dir(ss.keyPath)); len(ents) != 1 {
		t.Errorf("key dir holds %v, want only the key", ents)
	}
	must(t, os.WriteFile(ss.keyPath, []byte("garbage"), 0o600), "corrupt")
	if _, err := LoadHostKey(ss.keyPath); err == nil || !strings.Contains(err.Error(), ss.keyPath) {
		t.Errorf("corrupt key: %v, want an error naming the file", err)
	}
}

func TestServeSSHStopsWithContext(t *testing.T) {
	e, _ := demoEngine(t)
	ctx, cancel := context.WithCancel(context.Background())
	addr, err := ServeSSH(ctx, e, SSHConfig{Addr: "127.0.0.1:0", Auth: testUsers})
	must(t, err, "ServeSSH")
	c, err := ssh.Dial("tcp", addr.String(), &ssh.ClientConfig{User: "admin", Auth: []ssh.AuthMethod{ssh.Password("adminpw")},
		HostKeyCallback: ssh.InsecureIgnoreHostKey()})
	must(t, err, "dial")
	sh := openShell(t, c, 80)
	sh.out.until("Switch#")
	cancel()
	sh.out.eof()
	c.Close()
	if _, err := NewSSHServer(e, SSHConfig{}); err == nil {
		t.Error("an SSH server without an authenticator must be refused")
	}
}

// TestSSHParamikoAlgorithms logs in with each key exchange, cipher and MAC
// that paramiko 2.12 (netmiko, Ansible) offers and the server must take;
// paramiko has no GCM or chacha20, so the CTR ciphers must stay enabled.
// Its NIST-curve key exchanges are refused on purpose (DefaultAlgorithms);
// it has curve25519 and the SHA-2 groups.
func TestSSHParamikoAlgorithms(t *testing.T) {
	ss := startSSH(t, "")
	for _, kex := range []string{ssh.KeyExchangeCurve25519, "curve25519-sha256@libssh.org", ssh.KeyExchangeDH16SHA512, ssh.KeyExchangeDH14SHA256} {
		for _, cipher := range []string{ssh.CipherAES128CTR, ssh.CipherAES192CTR, ssh.CipherAES256CTR} {
			for _, mac := range []string{ssh.HMACSHA256, ssh.HMACSHA512, ssh.HMACSHA256ETM, ssh.HMACSHA512ETM} {
				c, err := ssh.Dial("tcp", ss.addr, &ssh.ClientConfig{
					User: "admin", Auth: []ssh.AuthMethod{ssh.Password("adminpw")},
					HostKeyCallback:   ssh.FixedHostKey(ss.hostKey),
					HostKeyAlgorithms: []string{ssh.KeyAlgoED25519},
					Config:            ssh.Config{KeyExchanges: []string{kex}, Ciphers: []string{cipher}, MACs: []string{mac}},
				})
				if err != nil {
					t.Errorf("%s %s %s: %v", kex, cipher, mac, err)
					continue
				}
				c.Close()
				wait(t, ss.connDone, "connection end")
			}
		}
	}
}
