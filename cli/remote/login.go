package remote

import (
	"net"
	"net/netip"
	"time"

	"golang.org/x/crypto/ssh"
)

// LoginAttempt is one password check of an SSH login.
type LoginAttempt struct {
	User      string
	Source    netip.Addr
	LocalPort int
	OK        bool
}

// LoginWatcher is told of every login attempt (cli.Device implements it
// from `login block-for`, `login delay` and `login on-failure|on-success
// log`). It may turn a right password down (the switch is in quiet mode)
// and asks the server to wait before answering a failure (login delay).
type LoginWatcher interface {
	LoginAttempted(a LoginAttempt) (ok bool, delay time.Duration)
}

// localPort is the switch's port of a connection, for the SEC_LOGIN
// messages ("[localport: 22]").
func localPort(m ssh.ConnMetadata) int {
	if ta, ok := m.LocalAddr().(*net.TCPAddr); ok {
		return ta.Port
	}
	return 0
}

// watchLogin passes the outcome of a password check through cfg.Login.
func (s *SSHServer) watchLogin(m ssh.ConnMetadata, ok bool) bool {
	if s.cfg.Login == nil {
		return ok
	}
	ok, delay := s.cfg.Login.LoginAttempted(LoginAttempt{User: m.User(), Source: addrOf(m.RemoteAddr().String()), LocalPort: localPort(m), OK: ok})
	if !ok && delay > 0 {
		time.Sleep(delay)
	}
	return ok
}
