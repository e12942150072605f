package remote

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// ErrUnsafeSocketDir is wrapped when the directory of a control socket
// could let another user replace or intercept the socket: it is not a
// plain directory, belongs to someone else, or others may write to it.
var ErrUnsafeSocketDir = errors.New("unsafe control socket directory")

// checkSocketDir checks that dir is a directory that only its owner can
// change, owned by this process's user or by root: a directory another
// user created in /tmp before the switch started (the predictable
// /tmp/l2sw-UID) is refused instead of used. Read and search bits for
// others are allowed (a socket's own mode guards it), write bits are not.
func checkSocketDir(dir string) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("control socket directory %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%w: %s is not a directory (%v)", ErrUnsafeSocketDir, dir, fi.Mode().Type())
	}
	euid := os.Geteuid()
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != euid && st.Uid != 0 {
		return fmt.Errorf("%w: %s belongs to uid %d, not to uid %d; remove it or choose another --control path", ErrUnsafeSocketDir, dir, st.Uid, euid)
	}
	if perm := fi.Mode().Perm(); perm&0o022 != 0 {
		return fmt.Errorf("%w: %s is mode %04o, writable by others; it must be 0700 (chmod 700 %s)", ErrUnsafeSocketDir, dir, perm, dir)
	}
	return nil
}
