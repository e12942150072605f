package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// MaxStartupLine is the longest startup-config line the loader hands to
// the parser. A longer line is rejected on its own (and logged) without
// being held in memory; the lines around it still load. 64 KiB is far above
// anything the running-config renders, so a saved config always reloads.
const MaxStartupLine = 64 << 10

// BackupSuffix names the copy of the previous startup-config that `write
// memory` keeps beside the new one ("startup-config.bak").
const BackupSuffix = ".bak"

// tempPrefix is how temporary files of a save are named in the config's
// directory: ".startup-config.tmp*". RemoveStaleTemps removes them.
func tempPrefix(path string) string { return "." + filepath.Base(path) + ".tmp" }

// errLineTooLong is wrapped by readConfigLine's report of an overlong line.
var errLineTooLong = errors.New("line too long")

// readConfigLine reads one "\n"-terminated line of any length from r. It
// keeps at most max bytes of it: a longer line comes back with full set to
// its whole length and an error wrapping errLineTooLong, and reading goes on
// with the next line. At the end of the input it returns io.EOF (after a
// last line without "\n", if any).
func readConfigLine(r *bufio.Reader, max int) (line string, full int, err error) {
	var b []byte
	for {
		chunk, rerr := r.ReadSlice('\n')
		full += len(chunk)
		if room := max + 1 - len(b); room > 0 {
			b = append(b, chunk[:min(len(chunk), room)]...)
		}
		switch {
		case rerr == nil:
		case errors.Is(rerr, bufio.ErrBufferFull):
			continue
		case errors.Is(rerr, io.EOF) && full > 0:
			// A last line without a line end still counts.
		default:
			return "", 0, rerr
		}
		content := strings.TrimSuffix(string(b), "\n")
		length := full
		if rerr == nil {
			length-- // the "\n"
		}
		if length > max {
			return content[:min(len(content), max)], length, fmt.Errorf("%w: %d bytes, at most %d", errLineTooLong, length, max)
		}
		return content, length, nil
	}
}

// RemoveStaleTemps removes the temporary files that a `write memory`
// killed half-way leaves beside the startup-config at path (".startup-
// config.tmp*"); the daemon calls it at start, before anyone can save. It
// returns the names it removed.
func RemoveStaleTemps(path string) ([]string, error) {
	dir := filepath.Dir(path)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("startup-config: cleaning %s: %w", dir, err)
	}
	prefix := tempPrefix(path)
	var removed []string
	var errs []error
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), prefix) || e.IsDir() {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, fmt.Errorf("startup-config: removing %s: %w", p, err))
			continue
		}
		removed = append(removed, p)
	}
	return removed, errors.Join(errs...)
}

// writeAtomic replaces the file at path with data so that a crash at any
// moment leaves either the old or the new content, complete: a temporary
// file in the same directory is written, synced and renamed over path, and
// the directory is synced. When backup is set the previous file is kept as
// path+BackupSuffix first (hard-linked to a temporary name, then renamed,
// so the backup too is always a complete file). A failure leaves path
// untouched and no temporary file behind.
func writeAtomic(path string, data []byte, backup bool) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, tempPrefix(path)+"*")
	if err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	if err = tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	if backup {
		if err = keepBackup(path); err != nil {
			return err
		}
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	// The renames are durable only once the directory entries are on disk.
	return syncDir(dir, path)
}

// keepBackup makes path+BackupSuffix a copy of the current file at path, if
// there is one. A hard link costs no copy and is the same complete file.
func keepBackup(path string) error {
	if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	dir := filepath.Dir(path)
	// Reserve a unique temporary name, then link the current file to it:
	// link(2) wants a free name, so the placeholder goes first.
	f, err := os.CreateTemp(dir, tempPrefix(path)+"bak*")
	if err != nil {
		return fmt.Errorf("save %s: backup: %w", path, err)
	}
	name := f.Name()
	f.Close()
	os.Remove(name)
	if err := os.Link(path, name); err != nil {
		return fmt.Errorf("save %s: backup: %w", path, err)
	}
	if err := os.Rename(name, path+BackupSuffix); err != nil {
		os.Remove(name)
		return fmt.Errorf("save %s: backup: %w", path, err)
	}
	return nil
}

func syncDir(dir, path string) error {
	df, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("save %s: sync dir: %w", path, err)
	}
	defer df.Close()
	if err := df.Sync(); err != nil {
		return fmt.Errorf("save %s: sync dir: %w", path, err)
	}
	return nil
}
