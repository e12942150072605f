package remote

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// A control socket directory that another user could write to or owns
// (the predictable /tmp/l2sw-UID, created first by someone else) is
// refused by the switch and by the client.
func TestControlSocketDirChecked(t *testing.T) {
	base := t.TempDir()
	open := filepath.Join(base, "open")
	must(t, os.Mkdir(open, 0o700), "mkdir")
	must(t, os.Chmod(open, 0o777), "chmod") // past the umask
	if _, err := ListenControl(filepath.Join(open, "l2sw.sock")); !errors.Is(err, ErrUnsafeSocketDir) {
		t.Errorf("a 0777 directory: %v", err)
	}
	if _, err := Exec(ctxT(t), filepath.Join(open, "l2sw.sock"), []string{"show version"}, io.Discard); !errors.Is(err, ErrUnsafeSocketDir) {
		t.Errorf("exec through a 0777 directory: %v", err)
	}
	link := filepath.Join(base, "link")
	must(t, os.Symlink(open, link), "symlink")
	if _, err := ListenControl(filepath.Join(link, "l2sw.sock")); !errors.Is(err, ErrUnsafeSocketDir) {
		t.Errorf("a symlinked directory: %v", err)
	}
	if os.Geteuid() == 0 {
		other := filepath.Join(base, "other")
		must(t, os.Mkdir(other, 0o700), "mkdir")
		must(t, os.Chown(other, 65534, 65534), "chown")
		if _, err := ListenControl(filepath.Join(other, "l2sw.sock")); !errors.Is(err, ErrUnsafeSocketDir) {
			t.Errorf("a directory of uid 65534: %v", err)
		}
	}
	// A missing directory is created 0700 and used.
	fresh := filepath.Join(base, "fresh", "run")
	ln, err := ListenControl(filepath.Join(fresh, "l2sw.sock"))
	must(t, err, "fresh directory")
	ln.Close()
	if fi, _ := os.Stat(fresh); fi.Mode().Perm() != 0o700 {
		t.Errorf("created with mode %v", fi.Mode())
	}
}
