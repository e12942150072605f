package cli

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

func TestShowIPSSH(t *testing.T) {
	r := newRig(t)
	if out := r.out("show ip ssh"); !strings.HasPrefix(out, "SSH Disabled - version 2.0\n") {
		t.Errorf("without a server:\n%s", out)
	}
	s := newSSHRig(t)
	out := s.out("show ip ssh")
	for _, want := range []string{
		"SSH Enabled - version 2.0\n",
		"Hostkey Algorithms:ssh-ed25519\n",
		"Encryption Algorithms:chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr\n",
		"MAC Algorithms:hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha2-256,hmac-sha2-512\n",
		"KEX Algorithms:mlkem768x25519-sha256,curve25519-sha256,diffie-hellman-group16-sha512,diffie-hellman-group14-sha256\n",
		"Authentication timeout: 30 secs; Authentication retries: 3\n",
		"IOS Keys in SECSH format(ssh-ed25519, base64 encoded): l2sw host key\nssh-ed25519 AAAA",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("show ip ssh lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "sha1") || strings.Contains(out, "nistp") {
		t.Errorf("weak algorithms offered by default:\n%s", out)
	}
}

// ip ssh server algorithm changes what the next connection is offered.
func TestIPSSHServerAlgorithm(t *testing.T) {
	r := newSSHRig(t)
	r.out("configure terminal", "username oper secret operpw", "end")
	sha1Only := func() error {
		c, err := ssh.Dial("tcp", r.addr, &ssh.ClientConfig{User: "oper", Auth: []ssh.AuthMethod{ssh.Password("operpw")},
			HostKeyCallback: ssh.FixedHostKey(r.hostKey), Timeout: 5 * time.Second,
			Config: ssh.Config{KeyExchanges: []string{ssh.InsecureKeyExchangeDH14SHA1}}})
		if err == nil {
			c.Close()
		}
		return err
	}
	if err := sha1Only(); err == nil || !strings.Contains(err.Error(), "no common algorithm for key exchange") {
		t.Errorf("SHA-1 kex by default: %v", err)
	}
	r.out("configure terminal", "ip ssh server algorithm kex curve25519-sha256 diffie-hellman-group14-sha1", "end")
	if err := sha1Only(); err != nil {
		t.Errorf("SHA-1 kex once configured: %v", err)
	}
	if !strings.Contains(r.out("show ip ssh"), "KEX Algorithms:curve25519-sha256,diffie-hellman-group14-sha1\n") {
		t.Errorf("show ip ssh:\n%s", r.out("show ip ssh"))
	}
	r.out("configure terminal", "no ip ssh server algorithm kex", "end")
	if err := sha1Only(); err == nil {
		t.Error("SHA-1 kex after the no form")
	}
	res := r.run("configure terminal", "ip ssh server algorithm encryption aes128-ctr rot13")
	if !res.Rejected || !strings.Contains(res.Output, "% rot13 is not a supported encryption algorithm") {
		t.Errorf("unknown cipher: %q", res.Output)
	}
}

func TestIPSSHConfigLines(t *testing.T) {
	r := newRig(t)
	r.out("configure terminal", "ip ssh version 2", "ip ssh time-out 60", "ip ssh authentication-retries 2",
		"ip ssh server algorithm encryption aes256-gcm@openssh.com aes256-ctr", "ip ssh server algorithm mac hmac-sha2-512-etm@openssh.com", "end")
	cfg := r.dev.RunningConfig()
	want := "ip ssh version 2\nip ssh time-out 60\nip ssh authentication-retries 2\n" +
		"ip ssh server algorithm mac hmac-sha2-512-etm@openssh.com\nip ssh server algorithm encryption aes256-gcm@openssh.com aes256-ctr\n!\n"
	if !strings.Contains(cfg, want) {
		t.Errorf("running-config lacks\n%s\n%s", want, cfg)
	}
	b := newRig(t)
	if errs := b.dev.LoadConfig(strings.NewReader(cfg)); len(errs) > 0 || b.dev.RunningConfig() != cfg {
		t.Errorf("round trip: %v", errs)
	}
	if p := r.dev.sshPolicy(); p.AuthTimeout != time.Minute || p.AuthRetries != 2 || len(p.Algorithms.Ciphers) != 2 {
		t.Errorf("policy %+v", p)
	}
	if !strings.Contains(r.out("show ip ssh"), "Authentication timeout: 60 secs; Authentication retries: 2\n") {
		t.Errorf("show ip ssh:\n%s", r.out("show ip ssh"))
	}
}
