package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	xterm "golang.org/x/term"
)

// Console opens an interactive session on the switch behind the control
// socket at path, copying in to the switch and the switch's output to out,
// until the session exits (`exit` in EXEC), in ends, ctx is done or a
// terminating signal arrives. When in is a terminal it is put in raw mode
// (keystrokes go to the switch's line editor unprocessed, Ctrl-C included)
// and restored before Console returns. Where in supports deadlines (pipes,
// most terminals) its read deadline is set on return, to stop the goroutine
// copying keystrokes; clear it before reading from in again.
func Console(ctx context.Context, path string, in *os.File, out *os.File) error {
	width := 0
	fd := int(in.Fd())
	isTTY := xterm.IsTerminal(fd)
	if isTTY {
		if w, _, err := xterm.GetSize(int(out.Fd())); err == nil {
			width = w
		} else if w, _, err := xterm.GetSize(fd); err == nil {
			width = w
		}
	}
	c, r, _, err := dialControl(ctx, path, Header{Version: ProtocolVersion, Mode: ModeConsole, Width: min(width, maxWidth)})
	if err != nil {
		return err
	}
	defer c.Close()
	if isTTY {
		old, err := xterm.MakeRaw(fd)
		if err != nil {
			return fmt.Errorf("console: raw mode: %w", err)
		}
		defer xterm.Restore(fd, old)
	}

	// Signals end the session the same way ctx does, so that the deferred
	// Restore runs instead of the process dying with the tty in raw mode.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	defer signal.Stop(sigs)
	var sigErr error
	sigDone := make(chan struct{})
	ended := make(chan struct{})
	go func() {
		defer close(sigDone)
		select {
		case s := <-sigs:
			sigErr = fmt.Errorf("console: %v", s)
			c.Close()
		case <-ctx.Done():
			c.Close()
		case <-ended:
		}
	}()

	// Keystrokes: in -> switch. At the end of the input, half-close so the
	// switch sees EOF and ends the session, then keep reading its output.
	go func() {
		io.Copy(c, in)
		if uc, ok := c.(*net.UnixConn); ok {
			uc.CloseWrite()
		}
	}()
	_, copyErr := io.Copy(out, r)
	close(ended)
	<-sigDone
	// Unblock the keystroke copier where the file allows it (pipes); a
	// terminal read stays pending until the next key, which is harmless as
	// the process is about to leave.
	in.SetReadDeadline(time.Now())
	switch {
	case sigErr != nil:
		return sigErr
	case ctx.Err() != nil:
		return ctx.Err()
	case copyErr != nil && !errors.Is(copyErr, net.ErrClosed):
		return fmt.Errorf("console: %w", copyErr)
	}
	return nil
}
