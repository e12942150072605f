package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/cli/term"
)

// Authenticator checks a login; the command set (cli.Device) implements it
// from its `username NAME [privilege N] secret ...` lines.
type Authenticator interface {
	// CheckLogin returns the privilege level of user if password is right.
	CheckLogin(user, password string) (privilege int, ok bool)
}

// SSHConfig configures the SSH server.
type SSHConfig struct {
	// Addr is the TCP address to listen on ("127.0.0.1:2222", ":22").
	Addr string
	// HostKeyPath keeps the ed25519 host key; see LoadHostKey.
	HostKeyPath string
	// Auth checks passwords; it is required.
	Auth Authenticator
	// Banner is printed at the start of each shell, before the first
	// prompt ("\n" line ends), like IOS `banner motd`. BannerFunc, when
	// set, is asked instead at each login, so a banner changed in the
	// running config shows at once.
	Banner     string
	BannerFunc func() string
	// Logf, when set, receives login failures and server errors.
	Logf func(format string, args ...any)
	// Lines, when set, gives every session a vty line: connections no line
	// admits are refused, and a session keeps its line's exec-timeout.
	Lines VTYLines
	// Limits bound unauthenticated connections; the zero value means
	// DefaultLimits.
	Limits Limits
	// Login, when set, watches every login attempt (logging, quiet mode,
	// login delay).
	Login LoginWatcher
	// Policy, when set, is asked at each connection for the algorithms,
	// authentication timeout and retries (`ip ssh ...` in the running
	// config); nil means the defaults.
	Policy func() SSHPolicy
	// Started, when set, is told the host key once the server is ready
	// (for `show ip ssh`).
	Started func(hostKey ssh.PublicKey)
}

// privilegeExt carries the privilege of a login from authentication to the
// session in ssh.Permissions.
const privilegeExt = "l2sw-privilege"

// SSHServer serves IOS CLI sessions of one engine over SSH: password (or
// keyboard-interactive) login, a pty and a shell per connection, `exec`
// requests in batch mode.
type SSHServer struct {
	eng     *engine.Engine
	cfg     SSHConfig
	signer  ssh.Signer
	hostKey ssh.PublicKey
	gate    *gate    // connections not authenticated yet
	log     *rateLog // cfg.Logf, rate-limited per kind of message

	connDone func() // test hook: a connection's goroutine is finishing
}

// NewSSHServer loads (or creates) the host key and prepares the server.
// It offers DefaultAlgorithms unless cfg.Policy says otherwise: no SHA-1 or
// NIST-curve key exchange, yet everything paramiko 2.12 (netmiko, Ansible)
// needs: curve25519, aes*-ctr, hmac-sha2-*, the ssh-ed25519 host key.
func NewSSHServer(eng *engine.Engine, cfg SSHConfig) (*SSHServer, error) {
	if eng == nil {
		return nil, errors.New("ssh: no engine")
	}
	if cfg.Auth == nil {
		return nil, errors.New("ssh: no authenticator")
	}
	signer, err := LoadHostKey(cfg.HostKeyPath)
	if err != nil {
		return nil, err
	}
	if cfg.Limits == (Limits{}) {
		cfg.Limits = DefaultLimits()
	}
	if cfg.Limits.AuthTimeout <= 0 {
		cfg.Limits.AuthTimeout = DefaultLimits().AuthTimeout
	}
	s := &SSHServer{eng: eng, cfg: cfg, signer: signer, hostKey: signer.PublicKey(), gate: newGate(cfg.Limits), log: newRateLog(cfg.Logf, 10*time.Second)}
	if cfg.Started != nil {
		cfg.Started(s.hostKey)
	}
	return s, nil
}

// newConf returns a fresh x/crypto server configuration: each connection
// gets its own, so that a change of the running-config (algorithms,
// retries) applies to the next connection without a race.
func (s *SSHServer) newConf() *ssh.ServerConfig {
	conf := &ssh.ServerConfig{
		ServerVersion: "SSH-2.0-l2sw",
		PasswordCallback: func(m ssh.ConnMetadata, password []byte) (*ssh.Permissions, error) {
			return s.login(m, string(password))
		},
		KeyboardInteractiveCallback: func(m ssh.ConnMetadata, ask ssh.KeyboardInteractiveChallenge) (*ssh.Permissions, error) {
			answers, err := ask(m.User(), "", []string{"Password: "}, []bool{false})
			if err != nil {
				return nil, err
			}
			if len(answers) != 1 {
				return nil, errors.New("ssh: expected one answer")
			}
			return s.login(m, answers[0])
		},
	}
	conf.AddHostKey(s.signer)
	return conf
}

// HostKey returns the server's public host key.
func (s *SSHServer) HostKey() ssh.PublicKey { return s.hostKey }

func (s *SSHServer) login(m ssh.ConnMetadata, password string) (*ssh.Permissions, error) {
	level, ok := s.cfg.Auth.CheckLogin(m.User(), password)
	if ok = s.watchLogin(m, ok); !ok {
		s.log.log("login", "ssh: login failed for %q from %v", m.User(), m.RemoteAddr())
		return nil, fmt.Errorf("ssh: login failed for %q", m.User())
	}
	level = min(max(level, 0), engine.LevelPrivileged) // `username u privilege 0` logs in at 0
	return &ssh.Permissions{Extensions: map[string]string{privilegeExt: strconv.Itoa(level)}}, nil
}

func (s *SSHServer) logf(format string, args ...any) {
	if s.cfg.Logf != nil {
		s.cfg.Logf(format, args...)
	}
}

// ServeSSH listens on cfg.Addr and serves SSH sessions of eng in the
// background until ctx is done. It returns the bound address (useful with
// port 0).
func ServeSSH(ctx context.Context, eng *engine.Engine, cfg SSHConfig) (net.Addr, error) {
	s, err := NewSSHServer(eng, cfg)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("ssh: %w", err)
	}
	go func() {
		if err := s.Serve(ctx, ln); err != nil {
			s.logf("%v", err)
		}
	}()
	return ln.Addr(), nil
}

// Serve accepts connections on ln until ctx is done, then closes ln and
// every connection, waits for their goroutines and returns nil. An accept
// failure is returned otherwise.
func (s *SSHServer) Serve(ctx context.Context, ln net.Listener) error {
	return serveConns(ctx, ln, "ssh", s.log, s.admitSSH, s.serveConn)
}

// serveConn runs one SSH connection: handshake, then session channels.
// The connection ends with its first session, as on IOS.
func (s *SSHServer) serveConn(nc net.Conn) {
	if s.connDone != nil {
		defer s.connDone()
	}
	if pc, ok := nc.(*preAuthConn); ok {
		// Authenticated or gone, the connection no longer counts against
		// MaxStartups when the handshake returns.
		defer pc.leave()
	}
	peer := addrOf(nc.RemoteAddr().String())
	if s.cfg.Lines != nil && !s.cfg.Lines.PermitVTY(peer) {
		s.log.log("vty refused", "ssh: connection from %v refused by the vty lines (access-class, transport input)", nc.RemoteAddr())
		return
	}
	pol := s.policy()
	nc.SetDeadline(time.Now().Add(pol.AuthTimeout))
	sc, chans, reqs, err := ssh.NewServerConn(nc, s.serverConfig(pol))
	if pc, ok := nc.(*preAuthConn); ok {
		pc.leave()
	}
	if err != nil {
		s.log.log("handshake", "ssh: handshake with %v: %v", nc.RemoteAddr(), err)
		return
	}
	nc.SetDeadline(time.Time{})
	defer sc.Close()
	go ssh.DiscardRequests(reqs)
	level, _ := strconv.Atoi(sc.Permissions.Extensions[privilegeExt])
	who := sessionInfo{user: sc.User(), level: level, addr: hostOf(sc.RemoteAddr()), vty: -1}
	if s.cfg.Lines != nil {
		line, ok := s.cfg.Lines.OpenVTY(peer, sc.User())
		if !ok {
			s.logf("ssh: no free vty line for %s from %v", sc.User(), nc.RemoteAddr())
			return
		}
		defer line.Release()
		who.vty, who.execTimeout, who.input = line.Number, line.ExecTimeout, line.Input
	}
	// An authenticated client that opens no session would hold its vty
	// line for ever; it gets as long as the login took at most.
	noSession := time.AfterFunc(pol.AuthTimeout, func() { sc.Close() })
	defer noSession.Stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	for nch := range chans {
		if nch.ChannelType() != "session" {
			nch.Reject(ssh.UnknownChannelType, "only session channels are supported")
			continue
		}
		ch, creqs, err := nch.Accept()
		if err != nil {
			s.logf("ssh: accepting a channel from %v: %v", nc.RemoteAddr(), err)
			continue
		}
		noSession.Stop()
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.serveSession(ch, creqs, who)
			sc.Close()
		}()
	}
}

// termLevel is a login's privilege level as cli/term takes it, where 0
// means a default.
func termLevel(level int) int {
	if level == 0 {
		return engine.LevelZero
	}
	return level
}

type sessionInfo struct {
	user        string
	level       int
	addr        string
	vty         int           // line number, -1 without SSHConfig.Lines
	execTimeout time.Duration // 0: none
	input       func()        // VTY.Input, or nil
}

// values are the engine.State.Values that say who the session is.
func (w sessionInfo) values() map[string]any {
	v := map[string]any{ValueUser: w.user, ValueLine: "vty", ValueAddr: w.addr}
	if w.vty >= 0 {
		v[ValueVTY] = w.vty
	}
	return v
}

func hostOf(a net.Addr) string {
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.IP.String()
	}
	return a.String()
}

// Payloads of the channel requests this server understands (RFC 4254 §6).
type ptyRequest struct {
	Term               string
	Cols, Rows, Wx, Hx uint32
	Modes              string
}

type windowChange struct {
	Cols, Rows, Wx, Hx uint32
}

type execRequest struct {
	Command string
}

type exitStatus struct {
	Status uint32
}

// serveSession answers the requests of one session channel and runs its
// shell or exec command. It returns when the channel is done.
func (s *SSHServer) serveSession(ch ssh.Channel, reqs <-chan *ssh.Request, who sessionInfo) {
	defer ch.Close()
	idle, stopIdle := newIdleReader(ch, who.execTimeout, func() { ch.Close() }, who.input)
	defer stopIdle()
	var (
		pty     bool
		width   int
		started bool
		ended   = make(chan struct{})
		rr      = &resizeReader{r: idle}
	)
	reply := func(req *ssh.Request, ok bool) {
		if req.WantReply {
			req.Reply(ok, nil)
		}
	}
	for {
		var req *ssh.Request
		select {
		case req = <-reqs:
		case <-ended:
			return
		}
		if req == nil {
			break
		}
		switch req.Type {
		case "pty-req":
			var p ptyRequest
			if started || ssh.Unmarshal(req.Payload, &p) != nil {
				reply(req, false)
				continue
			}
			pty, width = true, int(p.Cols)
			reply(req, true)
		case "window-change":
			var w windowChange
			if ssh.Unmarshal(req.Payload, &w) != nil {
				reply(req, false)
				continue
			}
			width = int(w.Cols)
			rr.setWidth(width)
			reply(req, true)
		case "shell":
			if started {
				reply(req, false)
				continue
			}
			started = true
			reply(req, true)
			// A copy: later window-change requests write width while the
			// shell starts (a data race FuzzSSHSession found); they reach
			// the running shell through rr.
			width := width
			go func() {
				defer close(ended)
				s.runShell(ch, rr, width, who)
			}()
		case "exec":
			var e execRequest
			if started || ssh.Unmarshal(req.Payload, &e) != nil {
				reply(req, false)
				continue
			}
			started = true
			reply(req, true)
			go func() {
				defer close(ended)
				s.runExec(ch, e.Command, pty, who)
			}()
		default:
			// env, subsystem, x11-req, agent forwarding, signals: not here.
			reply(req, false)
		}
	}
	// The requests ended: the channel or the connection is gone. A running
	// shell sees EOF on its reads and ends.
	if started {
		<-ended
	}
}

// runShell serves an interactive session on the channel.
func (s *SSHServer) runShell(ch ssh.Channel, rr *resizeReader, width int, who sessionInfo) {
	banner := s.cfg.Banner
	if s.cfg.BannerFunc != nil {
		banner = s.cfg.BannerFunc()
	}
	sess := term.New(s.eng, rr, ch, term.Options{Level: termLevel(who.level), Banner: banner})
	st := sess.State()
	for k, v := range who.values() {
		st.Values[k] = v
	}
	if width > 0 {
		st.SetWidth(min(width, maxWidth))
	}
	rr.st = st
	status := uint32(0)
	if err := sess.Run(); err != nil {
		status = 1
	}
	ch.SendRequest("exit-status", false, ssh.Marshal(&exitStatus{Status: status}))
	ch.Close()
}

// runExec runs an exec request's command (lines separated by newlines) in
// batch mode; the exit status is 1 when a line was rejected.
func (s *SSHServer) runExec(ch ssh.Channel, command string, pty bool, who sessionInfo) {
	var lines []string
	for l := range strings.SplitSeq(command, "\n") {
		if l = strings.TrimSuffix(l, "\r"); strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	res := term.RunBatch(s.eng, lines, term.BatchOptions{Level: termLevel(who.level), Values: who.values()})
	out := res.Output
	if pty {
		out = strings.ReplaceAll(out, "\n", "\r\n")
	}
	io.WriteString(ch, out)
	status := uint32(0)
	if res.Rejected {
		status = 1
	}
	ch.SendRequest("exit-status", false, ssh.Marshal(&exitStatus{Status: status}))
	ch.Close()
}

// resizeReader hands window-change widths to the session's state from the
// session's own goroutine (engine.State is not safe for concurrent use):
// the width is stored atomically and applied on the next read, which comes
// before the next command runs.
type resizeReader struct {
	r       io.Reader
	st      *engine.State
	pending atomic.Int32 // 0: nothing pending
}

func (rr *resizeReader) setWidth(w int) {
	if w > 0 {
		rr.pending.Store(int32(min(w, maxWidth)))
	}
}

func (rr *resizeReader) Read(p []byte) (int, error) {
	n, err := rr.r.Read(p)
	if w := rr.pending.Swap(0); w > 0 && rr.st != nil {
		rr.st.SetWidth(int(w))
	}
	return n, err
}
