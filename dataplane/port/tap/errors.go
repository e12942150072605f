package tap

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/l2sw/l2sw/dataplane/port"
)

// Sentinel errors, for errors.Is; the returned errors also wrap the
// underlying syscall error.
var (
	// ErrInvalidConfig: the name, MTU or queue count is out of range.
	ErrInvalidConfig = errors.New("invalid TAP configuration")
	// ErrPermission: the process lacks root / CAP_NET_ADMIN.
	ErrPermission = errors.New("permission denied")
	// ErrNoTunDevice: /dev/net/tun is missing (module not loaded or not
	// passed into the container).
	ErrNoTunDevice = errors.New("/dev/net/tun not available")
	// ErrBusy: the TAP is already attached to another open descriptor.
	ErrBusy = errors.New("TAP already in use")
	// ErrNotTap: the name belongs to an interface that cannot be attached as
	// a TAP of the requested queue mode.
	ErrNotTap = errors.New("not an attachable TAP")
	// ErrDeviceGone: the TAP was deleted (ip link del, or its namespace was
	// removed) while the port held it. Read and Write return it wrapped; the
	// switch takes the port down.
	ErrDeviceGone = errors.New("TAP device is gone")
)

// openError turns a failure to create or attach a TAP into a message an
// operator can act on; it wraps both a sentinel and the syscall error.
func openError(name string, err error) error {
	switch {
	case errors.Is(err, unix.EPERM), errors.Is(err, unix.EACCES):
		return fmt.Errorf("tap %s: %w: creating or attaching a TAP needs root or CAP_NET_ADMIN (%w)", name, ErrPermission, err)
	case errors.Is(err, unix.ENOENT), errors.Is(err, unix.ENODEV), errors.Is(err, unix.ENXIO):
		return fmt.Errorf("tap %s: %w: load the tun module (modprobe tun) or, in a container, pass the device in (--device /dev/net/tun) (%w)", name, ErrNoTunDevice, err)
	case errors.Is(err, unix.EBUSY):
		return fmt.Errorf("tap %s: %w: another process (another l2sw, a VM or a container runtime) holds this TAP open (%w)", name, ErrBusy, err)
	case errors.Is(err, unix.EINVAL):
		return fmt.Errorf("tap %s: %w: the name belongs to a device that is not a TAP, or a TAP whose single/multi-queue mode differs from the one requested (%w)", name, ErrNotTap, err)
	}
	return fmt.Errorf("tap %s: open: %w", name, err)
}

// ioError classifies an error from reading or writing a queue descriptor.
// closed reports whether Close was called on the port.
func ioError(name, op string, closed bool, err error) error {
	if closed || errors.Is(err, os.ErrClosed) {
		return port.ErrClosed
	}
	// The kernel detaches every queue when the device is unregistered: reads
	// and writes then fail with EBADFD, and poll(2) reports POLLERR (the
	// reader's wait then ends and its next read meets EBADFD).
	return fmt.Errorf("tap %s: %s: %w (deleted, or its namespace was removed): %w", name, op, ErrDeviceGone, err)
}
