package remote

import (
	"fmt"
	"slices"
	"time"

	"golang.org/x/crypto/ssh"
)

// Algorithms are the SSH algorithms the server offers, in preference
// order (IOS-XE `ip ssh server algorithm kex|encryption|mac`).
type Algorithms struct {
	KeyExchanges, Ciphers, MACs []string
}

// DefaultAlgorithms is what a current IOS-XE offers, trimmed to what
// x/crypto/ssh implements: curve25519 (and its post-quantum hybrid) and
// SHA-2 Diffie-Hellman key exchange, no NIST curves and no SHA-1;
// ChaCha20-Poly1305 and AES-GCM first, AES-CTR kept for paramiko (netmiko,
// Ansible), which has no AEAD cipher; SHA-2 MACs, encrypt-then-MAC first.
func DefaultAlgorithms() Algorithms {
	return Algorithms{
		KeyExchanges: []string{ssh.KeyExchangeMLKEM768X25519, ssh.KeyExchangeCurve25519, ssh.KeyExchangeDH16SHA512, ssh.KeyExchangeDH14SHA256},
		Ciphers: []string{ssh.CipherChaCha20Poly1305, ssh.CipherAES256GCM, ssh.CipherAES128GCM,
			ssh.CipherAES256CTR, ssh.CipherAES192CTR, ssh.CipherAES128CTR},
		MACs: []string{ssh.HMACSHA256ETM, ssh.HMACSHA512ETM, ssh.HMACSHA256, ssh.HMACSHA512},
	}
}

// KnownAlgorithms are the names `ip ssh server algorithm` accepts: every
// algorithm x/crypto/ssh implements, the weak ones included (an operator
// may need one for an old client; the default never offers them).
func KnownAlgorithms() Algorithms {
	s, i := ssh.SupportedAlgorithms(), ssh.InsecureAlgorithms()
	return Algorithms{
		KeyExchanges: append(append(s.KeyExchanges, "curve25519-sha256@libssh.org"), i.KeyExchanges...),
		Ciphers:      append(s.Ciphers, i.Ciphers...),
		MACs:         append(append(s.MACs, ssh.HMACSHA256, ssh.HMACSHA512, ssh.HMACSHA1), i.MACs...),
	}
}

// CheckAlgorithms reports the first name of names that is not a known
// algorithm of the kind ("kex", "encryption", "mac").
func CheckAlgorithms(kind string, names []string) error {
	k := KnownAlgorithms()
	known := map[string][]string{"kex": k.KeyExchanges, "encryption": k.Ciphers, "mac": k.MACs}[kind]
	if known == nil {
		return fmt.Errorf("unknown algorithm kind %q", kind)
	}
	for _, n := range names {
		if !slices.Contains(known, n) {
			return fmt.Errorf("%s is not a supported %s algorithm", n, kind)
		}
	}
	return nil
}

// SSHPolicy is the part of the SSH server's behaviour that the running
// configuration sets and that applies to each new connection.
type SSHPolicy struct {
	// Algorithms offered; an empty list means the default of its kind.
	Algorithms Algorithms
	// AuthTimeout bounds key exchange and login (IOS `ip ssh time-out`);
	// 0 means Limits.AuthTimeout.
	AuthTimeout time.Duration
	// AuthRetries is how many failed password attempts a connection gets
	// (IOS `ip ssh authentication-retries`, default 3); 0 means 3.
	AuthRetries int
}

// DefaultAuthRetries is IOS's `ip ssh authentication-retries` default.
const DefaultAuthRetries = 3

// policy returns the policy for a new connection.
func (s *SSHServer) policy() SSHPolicy {
	var p SSHPolicy
	if s.cfg.Policy != nil {
		p = s.cfg.Policy()
	}
	d := DefaultAlgorithms()
	if len(p.Algorithms.KeyExchanges) == 0 {
		p.Algorithms.KeyExchanges = d.KeyExchanges
	}
	if len(p.Algorithms.Ciphers) == 0 {
		p.Algorithms.Ciphers = d.Ciphers
	}
	if len(p.Algorithms.MACs) == 0 {
		p.Algorithms.MACs = d.MACs
	}
	if p.AuthTimeout <= 0 {
		p.AuthTimeout = s.cfg.Limits.AuthTimeout
	}
	if p.AuthRetries <= 0 {
		p.AuthRetries = DefaultAuthRetries
	}
	return p
}

// serverConfig is the x/crypto configuration of a new connection under p.
func (s *SSHServer) serverConfig(p SSHPolicy) *ssh.ServerConfig {
	conf := s.newConf()
	conf.KeyExchanges = slices.Clone(p.Algorithms.KeyExchanges)
	conf.Ciphers = slices.Clone(p.Algorithms.Ciphers)
	conf.MACs = slices.Clone(p.Algorithms.MACs)
	conf.MaxAuthTries = p.AuthRetries
	return conf
}
