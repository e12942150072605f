package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/l2sw/l2sw/packet"
)

// baseMACSuffix names the file beside the startup-config that keeps the
// switch's base MAC: a chassis's burned-in address, generated on first boot
// and the same on every boot after. It is named after the config file, not
// its directory, so that lab1.cfg and lab2.cfg in one directory are two
// chassis.
const baseMACSuffix = ".base-mac"

// chassis is the identity of a running switch: its base MAC and, when that
// came from the MAC file, the open file whose lock says this process owns
// it.
type chassis struct {
	mac  packet.MAC
	file *os.File // nil: --base-mac, or not kept
}

// release lets another process own the MAC file.
func (c chassis) release() {
	if c.file != nil {
		_ = c.file.Close()
	}
}

// loadBaseMAC finds the switch's base MAC. A --base-mac value wins and is
// not stored. Otherwise it is read from CONFIG.base-mac, which is created
// with a new random address on first use and locked for as long as the
// switch runs: a second switch started on the same startup-config, or a
// MAC file that cannot be written, gets a fresh random address for this
// run only, and warn says why. Two switches on one machine therefore never
// share a base MAC, and a switch keeps its own across restarts.
func loadBaseMAC(configPath, flag string, warn func(string)) (chassis, error) {
	if flag != "" {
		m, err := parseBaseMAC(flag)
		if err != nil {
			return chassis{}, fmt.Errorf("--base-mac %q: %w", flag, err)
		}
		return chassis{mac: m}, nil
	}
	path := configPath + baseMACSuffix
	c, err := ownBaseMAC(path)
	if err == nil {
		return c, nil
	}
	m, gerr := randomBaseMAC(rand.Reader)
	if gerr != nil {
		return chassis{}, gerr
	}
	warn(fmt.Sprintf("%v; this run uses the temporary base MAC %s (give each switch its own --config, or --base-mac)", err, m.Colon()))
	return chassis{mac: m}, nil
}

// errMACFileBusy: another running switch holds the MAC file.
var errMACFileBusy = errors.New("held by another running l2sw")

// ownBaseMAC opens, locks and reads (or fills) the MAC file at path.
func ownBaseMAC(path string) (chassis, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return chassis{}, fmt.Errorf("base MAC file %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return chassis{}, fmt.Errorf("base MAC file %s: %w", path, err)
	}
	// flock, not a lock file: the kernel drops it when the process dies,
	// so a crashed switch leaves nothing stale behind.
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return chassis{}, fmt.Errorf("base MAC file %s: %w", path, errMACFileBusy)
		}
		return chassis{}, fmt.Errorf("base MAC file %s: lock: %w", path, err)
	}
	b, err := io.ReadAll(io.LimitReader(f, 256))
	if err != nil {
		f.Close()
		return chassis{}, fmt.Errorf("base MAC file %s: %w", path, err)
	}
	if m, err := parseBaseMAC(strings.TrimSpace(string(b))); err == nil {
		return chassis{mac: m, file: f}, nil
	} else if len(b) != 0 {
		f.Close()
		return chassis{}, fmt.Errorf("base MAC file %s: %w (remove it to have a new address made)", path, err)
	}
	m, err := randomBaseMAC(rand.Reader)
	if err != nil {
		f.Close()
		return chassis{}, err
	}
	// Written in place under the lock: a rename would swap the locked
	// inode for one nobody holds.
	if _, err := f.WriteAt([]byte(m.Colon()+"\n"), 0); err != nil {
		f.Close()
		return chassis{}, fmt.Errorf("base MAC file %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return chassis{}, fmt.Errorf("base MAC file %s: %w", path, err)
	}
	return chassis{mac: m, file: f}, nil
}

// parseBaseMAC reads a base MAC in any form packet.ParseMAC knows; it must
// be a unicast, non-zero address.
func parseBaseMAC(s string) (packet.MAC, error) {
	m, err := packet.ParseMAC(s)
	if err != nil {
		return packet.MAC{}, err
	}
	if m.IsZero() || m.IsMulticast() {
		return packet.MAC{}, fmt.Errorf("%s is not a unicast address", m.Colon())
	}
	return m, nil
}

// randomBaseMAC makes a locally administered unicast address with 39
// random bits and a zero last byte, so the port addresses numbered after
// it (base + 1 + port index) share its first five bytes, as on a Catalyst.
func randomBaseMAC(r io.Reader) (packet.MAC, error) {
	var m packet.MAC
	if _, err := io.ReadFull(r, m[:5]); err != nil {
		return m, fmt.Errorf("generating a base MAC: %w", err)
	}
	m[0] = m[0]&^0x01 | 0x02 // unicast, locally administered
	m[5] = 0
	return m, nil
}
