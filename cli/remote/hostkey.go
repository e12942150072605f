package remote

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"

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

func readHostKey(path string) (ssh.Signer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("ssh host key %s: %w", path, err)
	}
	s, err := ssh.ParsePrivateKey(b)
	if err != nil {
		return nil, fmt.Errorf("ssh host key %s: %w", path, err)
	}
	return s, nil
}
