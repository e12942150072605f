package remote

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

func dialWith(ss *sshServer, conf ssh.Config) error {
	c, err := ssh.Dial("tcp", ss.addr, &ssh.ClientConfig{
		User: "admin", Auth: []ssh.AuthMethod{ssh.Password("adminpw")},
		HostKeyCallback: ssh.FixedHostKey(ss.hostKey), Config: conf,
	})
	if err == nil {
		c.Close()
	}
	return err
}

// A client offering only SHA-1 or NIST-curve key exchange, a SHA-1 MAC or
// a CBC cipher is refused; a current one negotiates AEAD ciphers.
func TestSSHRefusesWeakAlgorithms(t *testing.T) {
	ss := startSSH(t, "")
	for _, tc := range []struct {
		name string
		conf ssh.Config
	}{
		{"kex diffie-hellman-group14-sha1", ssh.Config{KeyExchanges: []string{ssh.InsecureKeyExchangeDH14SHA1}}},
		{"kex diffie-hellman-group1-sha1", ssh.Config{KeyExchanges: []string{ssh.InsecureKeyExchangeDH1SHA1}}},
		{"kex ecdh-sha2-nistp256", ssh.Config{KeyExchanges: []string{ssh.KeyExchangeECDHP256}}},
		{"mac hmac-sha1", ssh.Config{Ciphers: []string{ssh.CipherAES128CTR}, MACs: []string{ssh.HMACSHA1}}},
		{"cipher aes128-cbc", ssh.Config{Ciphers: []string{ssh.InsecureCipherAES128CBC}}},
	} {
		err := dialWith(ss, tc.conf)
		if err == nil || !strings.Contains(err.Error(), "no common algorithm") {
			t.Errorf("%s: %v, want no common algorithm", tc.name, err)
		}
	}
	for _, cipher := range []string{ssh.CipherChaCha20Poly1305, ssh.CipherAES256GCM, ssh.CipherAES128GCM} {
		if err := dialWith(ss, ssh.Config{KeyExchanges: []string{ssh.KeyExchangeMLKEM768X25519}, Ciphers: []string{cipher}}); err != nil {
			t.Errorf("%s: %v", cipher, err)
		}
	}
}

// The running configuration's policy applies to the next connection.
func TestSSHPolicy(t *testing.T) {
	e, _ := demoEngine(t)
	pol := SSHPolicy{Algorithms: Algorithms{KeyExchanges: []string{ssh.InsecureKeyExchangeDH14SHA1}}}
	srv, err := NewSSHServer(e, SSHConfig{Auth: testUsers, Policy: func() SSHPolicy { return pol }})
	must(t, err, "NewSSHServer")
	ss := serveOn(t, srv)
	if err := dialWith(ss, ssh.Config{KeyExchanges: []string{ssh.InsecureKeyExchangeDH14SHA1}}); err != nil {
		t.Errorf("a configured SHA-1 kex (an operator's choice) was refused: %v", err)
	}
	if err := dialWith(ss, ssh.Config{KeyExchanges: []string{ssh.KeyExchangeCurve25519}}); err == nil {
		t.Error("curve25519 accepted though the policy offers only group14-sha1")
	}
	if err := CheckAlgorithms("kex", []string{"curve25519-sha256", "bogus"}); err == nil || !strings.Contains(err.Error(), "bogus") {
		t.Errorf("CheckAlgorithms: %v", err)
	}
}

// A host key file that others can read is refused with a clear error.
func TestHostKeyLoosePermissions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ssh_host_ed25519_key")
	if _, err := LoadHostKey(path); err != nil {
		t.Fatal(err)
	}
	must(t, os.Chmod(path, 0o644), "chmod")
	_, err := LoadHostKey(path)
	if !errors.Is(err, ErrHostKeyPermissions) || !strings.Contains(err.Error(), "mode 0644") || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("loose key: %v", err)
	}
	e, _ := demoEngine(t)
	if _, err := NewSSHServer(e, SSHConfig{HostKeyPath: path, Auth: testUsers}); !errors.Is(err, ErrHostKeyPermissions) {
		t.Errorf("NewSSHServer with a loose key: %v", err)
	}
	must(t, os.Chmod(path, 0o600), "chmod")
	if _, err := LoadHostKey(path); err != nil {
		t.Errorf("0600 key: %v", err)
	}
}
