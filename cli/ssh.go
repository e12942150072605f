package cli

import (
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/cli/remote"
)

// sshSettings are the `ip ssh ...` lines: what the SSH server offers and
// how long and how often a client may try to log in. They apply to the next
// connection (remote.SSHConfig.Policy).
type sshSettings struct {
	version2   bool                // `ip ssh version 2` typed (the only version)
	timeout    time.Duration       // ip ssh time-out; 0: the default
	retries    int                 // ip ssh authentication-retries; -1: the default
	algorithms map[string][]string // "kex", "encryption", "mac" -> names
	hostKey    string              // authorized_keys line, once the server runs
}

// defaultSSHTimeout is the authentication timeout `show ip ssh` reports
// when `ip ssh time-out` is not set: the server's own default.
var defaultSSHTimeout = remote.DefaultLimits().AuthTimeout

func newSSHSettings() *sshSettings {
	return &sshSettings{retries: -1, algorithms: map[string][]string{}}
}

func (d *Device) sshCommands() []engine.Command {
	return []engine.Command{
		{Syntax: "ip ssh version 2", No: true, NoSyntax: "ip ssh version",
			Help: map[string]string{"ip": "Global IP configuration subcommands", "ssh": "Configure ssh options", "version": "Specify protocol version supported", "2": "Protocol version 2.0"},
			Run: func(c *engine.Ctx, _ engine.Args) error {
				d.mu.Lock()
				d.ssh.version2 = !c.Negated()
				d.mu.Unlock()
				return nil
			}},
		{Syntax: "ip ssh time-out <1-120>", No: true, NoSyntax: "ip ssh time-out",
			Help: map[string]string{"time-out": "Specify SSH time-out interval", "<1-120>": "SSH time-out interval (secs)"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				d.mu.Lock()
				d.ssh.timeout = 0
				if !c.Negated() {
					d.ssh.timeout = time.Duration(a.Int("time-out")) * time.Second
				}
				d.mu.Unlock()
				return nil
			}},
		{Syntax: "ip ssh authentication-retries <0-5>", No: true, NoSyntax: "ip ssh authentication-retries",
			Help: map[string]string{"authentication-retries": "Specify number of authentication retries", "<0-5>": "Number of authentication retries"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				d.mu.Lock()
				d.ssh.retries = -1
				if !c.Negated() {
					d.ssh.retries = a.Int("authentication-retries")
				}
				d.mu.Unlock()
				return nil
			}},
		{Syntax: "ip ssh server algorithm {kex|encryption|mac}$kind LINE$algs", No: true,
			NoSyntax: "ip ssh server algorithm {kex|encryption|mac}$kind [LINE$algs]",
			Help: map[string]string{"server": "Configure SSH Server", "algorithm": "Configure SSH algorithms", "kex": "Configure SSH Key Exchange Algorithms",
				"encryption": "Configure SSH encryption algorithms", "mac": "Configure SSH MAC algorithms", "$algs": "Algorithm names, in order of preference"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				kind := "kex"
				for _, k := range []string{"encryption", "mac"} {
					if a.Keyword(k) {
						kind = k
					}
				}
				var names []string
				if !c.Negated() {
					names = strings.Fields(a.String("algs"))
					if err := remote.CheckAlgorithms(kind, names); err != nil {
						return engine.Rejectf("%% %v", err)
					}
				}
				d.mu.Lock()
				if len(names) == 0 {
					delete(d.ssh.algorithms, kind)
				} else {
					d.ssh.algorithms[kind] = names
				}
				d.mu.Unlock()
				return nil
			}},
	}
}

// sshPolicy is the SSH server's policy for its next connection.
func (d *Device) sshPolicy() remote.SSHPolicy {
	d.mu.Lock()
	defer d.mu.Unlock()
	s := d.ssh
	p := remote.SSHPolicy{AuthTimeout: s.timeout, AuthRetries: s.retries}
	if s.retries == 0 {
		p.AuthRetries = 1 // no retry: one attempt
	}
	p.Algorithms.KeyExchanges = s.algorithms["kex"]
	p.Algorithms.Ciphers = s.algorithms["encryption"]
	p.Algorithms.MACs = s.algorithms["mac"]
	return p
}

// sshConfigLines renders the `ip ssh` lines of the running-config.
func (d *Device) sshConfigLines() string {
	d.mu.Lock()
	s := *d.ssh
	d.mu.Unlock()
	var b strings.Builder
	if s.version2 {
		b.WriteString("ip ssh version 2\n")
	}
	if s.timeout > 0 {
		fmt.Fprintf(&b, "ip ssh time-out %d\n", int(s.timeout/time.Second))
	}
	if s.retries >= 0 {
		fmt.Fprintf(&b, "ip ssh authentication-retries %d\n", s.retries)
	}
	for _, k := range []string{"mac", "encryption", "kex"} {
		if names := s.algorithms[k]; len(names) > 0 {
			b.WriteString("ip ssh server algorithm " + k + " " + strings.Join(names, " ") + "\n")
		}
	}
	if b.Len() > 0 {
		b.WriteString("!\n")
	}
	return b.String()
}

// showIPSSH renders `show ip ssh` in the IOS-XE layout.
func (d *Device) showIPSSH() string {
	p := d.sshPolicy()
	d.mu.Lock()
	s := *d.ssh
	d.mu.Unlock()
	def := remote.DefaultAlgorithms()
	or := func(a, b []string) string {
		if len(a) == 0 {
			a = b
		}
		return strings.Join(a, ",")
	}
	timeout := s.timeout
	if timeout == 0 {
		timeout = defaultSSHTimeout
	}
	retries := s.retries
	if retries < 0 {
		retries = remote.DefaultAuthRetries
	}
	var b strings.Builder
	if s.hostKey == "" {
		b.WriteString("SSH Disabled - version 2.0\n")
	} else {
		b.WriteString("SSH Enabled - version 2.0\n")
	}
	b.WriteString("Authentication methods:keyboard-interactive,password\n")
	b.WriteString("Authentication Publickey Algorithms:\n")
	b.WriteString("Hostkey Algorithms:" + ssh.KeyAlgoED25519 + "\n")
	b.WriteString("Encryption Algorithms:" + or(p.Algorithms.Ciphers, def.Ciphers) + "\n")
	b.WriteString("MAC Algorithms:" + or(p.Algorithms.MACs, def.MACs) + "\n")
	b.WriteString("KEX Algorithms:" + or(p.Algorithms.KeyExchanges, def.KeyExchanges) + "\n")
	fmt.Fprintf(&b, "Authentication timeout: %d secs; Authentication retries: %d\n", int(timeout/time.Second), retries)
	b.WriteString("Minimum expected Diffie Hellman key size : 2048 bits\n")
	if s.hostKey != "" {
		b.WriteString("IOS Keys in SECSH format(ssh-ed25519, base64 encoded): l2sw host key\n")
		b.WriteString(s.hostKey + "\n")
	}
	return b.String()
}

// installSSH declares the `ip ssh` commands and `show ip ssh`.
func (d *Device) installSSH() {
	must(d.eng.Install(d.modes.config, d.sshCommands()...))
	must(d.eng.Install(d.eng.ExecMode(), engine.Command{Syntax: "show ip ssh", Level: engine.LevelUser,
		Help: map[string]string{"ip": "IP information", "ssh": "Information on SSH"},
		Run: func(c *engine.Ctx, _ engine.Args) error {
			c.Printf("%s", d.showIPSSH())
			return nil
		}}))
}

// sshStarted records the running server's host key for `show ip ssh`.
func (d *Device) sshStarted(key ssh.PublicKey) {
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(key)))
	d.mu.Lock()
	d.ssh.hostKey = line
	d.mu.Unlock()
}
