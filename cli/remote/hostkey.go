package remote

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/crypto/ssh"
)

// LoadHostKey returns the SSH host key kept at path, creating it on first
// use: an ed25519 key in OpenSSH PEM form, mode 0600, in a directory
// created 0700 if missing. The key is written to a temporary file and
// linked into place, so a crash never leaves half a key and two switches
// starting together end up with the same one. An empty path gives a key
// that lives only as long as the process.
func LoadHostKey(path string) (ssh.Signer, error) {
	if path == "" {
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("ssh host key: %w", err)
		}
		return ssh.NewSignerFromKey(priv)
	}
	if s, err := readHostKey(path); !errors.Is(err, os.ErrNotExist) {
		return s, err
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("ssh host key: %w", err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "l2sw host key")
	if err != nil {
		return nil, fmt.Errorf("ssh host key: %w", err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("ssh host key %s: %w", path, err)
	}
	f, err := os.CreateTemp(dir, ".hostkey")
	if err != nil {
		return nil, fmt.Errorf("ssh host key %s: %w", path, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	_, werr := f.Write(pem.EncodeToMemory(block))
	if werr == nil {
		werr = f.Chmod(0o600)
	}
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return nil, fmt.Errorf("ssh host key %s: %w", path, werr)
	}
	if err := os.Link(tmp, path); err != nil && !errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("ssh host key %s: %w", path, err)
	}
	// Whoever linked first wins; everybody reads the winner's key.
	return readHostKey(path)
}

// ErrHostKeyPermissions is wrapped when a host key file could be read by
// others than its owner, or belongs to another user: like sshd, the switch
// refuses such a key rather than serve with a key others may have copied.
var ErrHostKeyPermissions = errors.New("ssh host key permissions")

func readHostKey(path string) (ssh.Signer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("ssh host key %s: %w", path, err)
	}
	defer f.Close()
	// Checked on the open file, so the key read is the one checked.
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("ssh host key %s: %w", path, err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("%w: %s is mode %04o, readable by others than its owner; it must be 0600 (chmod 600 %s)",
			ErrHostKeyPermissions, path, perm, path)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() && st.Uid != 0 {
		return nil, fmt.Errorf("%w: %s belongs to uid %d, not to this process (uid %d) or root", ErrHostKeyPermissions, path, st.Uid, os.Geteuid())
	}
	b, err := io.ReadAll(io.LimitReader(f, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("ssh host key %s: %w", path, err)
	}
	s, err := ssh.ParsePrivateKey(b)
	if err != nil {
		return nil, fmt.Errorf("ssh host key %s: %w", path, err)
	}
	return s, nil
}
