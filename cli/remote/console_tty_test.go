package remote

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
	xterm "golang.org/x/term"
)

// openPTY returns the master and slave ends of a new pseudo-terminal.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	fd := int(m.Fd())
	must(t, unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0), "unlockpt")
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	must(t, err, "ptsname")
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	must(t, err, "open slave")
	t.Cleanup(func() { s.Close() })
	return m, s
}

func TestConsoleOnTerminalUsesRawModeAndRestoresIt(t *testing.T) {
	cs := startControl(t)
	master, slave := openPTY(t)
	must(t, unix.IoctlSetWinsize(int(master.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 40, Col: 100}), "set window size")
	before, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
	must(t, err, "tcgets")
	if before.Lflag&unix.ICANON == 0 {
		t.Fatal("setup: a fresh pty should be in canonical mode")
	}
	done := make(chan error, 1)
	go func() { done <- Console(ctxT(t), cs.path, slave, slave) }()
	out := newStreamReader(t, master)
	out.until("Switch#")
	during, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
	must(t, err, "tcgets")
	if during.Lflag&(unix.ICANON|unix.ECHO|unix.ISIG) != 0 {
		t.Errorf("terminal not in raw mode during the session: lflag %#x", during.Lflag)
	}
	// Keystrokes go through unprocessed: CR is Enter, and the width of the
	// local terminal reached the session.
	master.WriteString("show terminal\r")
	if got := out.until("Switch#"); !strings.Contains(got, "Width: 100 columns") {
		t.Errorf("show terminal on a 100-column tty: %q", got)
	}
	master.WriteString("exit\r")
	if err := wait(t, done, "Console to return after exit"); err != nil {
		t.Fatalf("Console: %v", err)
	}
	restored, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
	must(t, err, "tcgets")
	if *restored != *before {
		t.Errorf("terminal not restored:\nbefore %+v\n after %+v", before, restored)
	}
	if !xterm.IsTerminal(int(slave.Fd())) {
		t.Error("slave is no longer a terminal")
	}
}
