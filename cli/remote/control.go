package remote

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/cli/term"
)

// Keys of engine.State.Values that this package sets for a session, so
// that the command set can say who configured what (%SYS-5-CONFIG_I).
const (
	ValueUser = "remote.user" // login name (SSH), string
	ValueLine = "remote.line" // "console" or "vty", string
	ValueAddr = "remote.addr" // peer address (SSH), string
)

// headerTimeout bounds how long a control client may take to send its
// header, so that an idle connection does not hold a goroutine forever.
const headerTimeout = 10 * time.Second

// probeTimeout bounds the liveness probe of an existing socket.
const probeTimeout = time.Second

// ErrAlreadyRunning is wrapped by ListenControl when a live switch answers
// on the socket path.
var ErrAlreadyRunning = errors.New("another l2sw is running")

// ListenControl creates the control socket at path, readable and writable
// by its owner only (0600), creating a missing parent directory 0700; an
// existing parent that others could write to, or that belongs to another
// user, is refused (ErrUnsafeSocketDir). A
// socket file that no process answers on any more is removed first; one a
// live process answers on is left alone and reported as ErrAlreadyRunning.
// Closing the listener removes the socket file.
func ListenControl(path string) (net.Listener, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("control socket %s: %w", path, err)
	}
	if err := checkSocketDir(dir); err != nil {
		return nil, err
	}
	// The socket is bound in a private directory, chmodded, then linked to
	// its name: no other user can ever connect in between (chmod after a
	// bind at the final path leaves a window, and umask is per process).
	tmpDir, err := os.MkdirTemp(dir, ".l2sw")
	if err != nil {
		return nil, fmt.Errorf("control socket %s: %w", path, err)
	}
	defer os.RemoveAll(tmpDir)
	tmp := filepath.Join(tmpDir, "s")
	ul, err := net.ListenUnix("unix", &net.UnixAddr{Name: tmp, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("control socket %s: %w", path, err)
	}
	ul.SetUnlinkOnClose(false)
	fail := func(err error) (net.Listener, error) {
		ul.Close()
		return nil, fmt.Errorf("control socket %s: %w", path, err)
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		return fail(err)
	}
	// link(2) fails if the name exists, so two switches starting together
	// cannot both take the path; retry after removing a stale socket.
	for attempt := 0; ; attempt++ {
		err := os.Link(tmp, path)
		if err == nil {
			break
		}
		if !errors.Is(err, os.ErrExist) || attempt == 2 {
			return fail(err)
		}
		if err := removeStale(path); err != nil {
			ul.Close()
			return nil, err
		}
	}
	fi, err := os.Lstat(path)
	if err != nil {
		return fail(err)
	}
	return &controlListener{UnixListener: ul, path: path, fi: fi}, nil
}

// removeStale removes path if it is a socket nobody listens on.
func removeStale(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("control socket %s: %w", path, err)
	}
	if fi.Mode()&os.ModeSocket == 0 {
		return fmt.Errorf("control socket %s: the path exists and is not a socket", path)
	}
	c, err := net.DialTimeout("unix", path, probeTimeout)
	if err == nil {
		c.Close()
		return fmt.Errorf("%w on %s", ErrAlreadyRunning, path)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("control socket %s: probing the existing socket: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("control socket %s: removing stale socket: %w", path, err)
	}
	return nil
}

// controlListener removes its socket file on Close, but only while the
// file is still its own (a successor may have replaced a stale one).
type controlListener struct {
	*net.UnixListener
	path string
	fi   os.FileInfo
	once sync.Once
}

func (l *controlListener) Close() error {
	err := l.UnixListener.Close()
	l.once.Do(func() {
		if fi, serr := os.Lstat(l.path); serr == nil && os.SameFile(fi, l.fi) {
			os.Remove(l.path)
		}
	})
	return err
}

// ServeControl accepts control connections on ln and serves each on its
// own goroutine, as its own session of eng, until ctx is done. It then
// closes ln and every connection, waits for their goroutines and returns
// nil; an accept failure is returned otherwise. Capture connections are
// refused; ServeControlWith serves them.
func ServeControl(ctx context.Context, ln net.Listener, eng *engine.Engine) error {
	return ServeControlWith(ctx, ln, eng, ControlOptions{})
}

// JSONExecer answers exec requests that ask for JSON (cli.Device does):
// one JSON document per line; rejected when a line had no JSON answer.
type JSONExecer interface {
	ExecJSON(lines []string) (output string, rejected bool)
}

// ErrNoSwitch is wrapped by the client functions when no switch answers on
// the control socket (l2sw's exit status 3).
var ErrNoSwitch = errors.New("no l2sw is running")

// Capturer runs the live captures of capture connections (cli.Device
// does). StartCapture checks req and returns the function that writes the
// capture to w, a pcapng stream, until ctx is done (the client went away
// or the switch stops) or the capture ends by itself (its count).
type Capturer interface {
	StartCapture(req CaptureRequest) (run func(ctx context.Context, w io.Writer) error, err error)
}

// serveControlConn runs one control connection. Errors end up in the reply
// to the client; there is nobody else to tell.
func serveControlConn(c net.Conn, eng *engine.Engine, opts ControlOptions) {
	if err := checkPeer(c); err != nil {
		writeReply(c, Reply{Error: err.Error()})
		return
	}
	r := bufio.NewReader(c)
	c.SetReadDeadline(time.Now().Add(headerTimeout))
	line, err := readLine(r, MaxHeaderSize)
	if err != nil {
		writeReply(c, Reply{Error: err.Error()})
		return
	}
	h, err := DecodeHeader(line)
	if err != nil {
		writeReply(c, Reply{Error: err.Error()})
		return
	}
	c.SetReadDeadline(time.Time{})
	switch h.Mode {
	case ModeExec:
		if h.JSON {
			if opts.JSON == nil {
				writeReply(c, Reply{Error: "remote: this switch does not answer JSON"})
				return
			}
			out, rejected := opts.JSON.ExecJSON(h.Lines)
			writeReply(c, Reply{OK: true, Output: out, Rejected: rejected})
			return
		}
		res := term.RunBatch(eng, h.Lines, term.BatchOptions{Level: engine.LevelPrivileged})
		writeReply(c, Reply{OK: true, Output: res.Output, Rejected: res.Rejected})
	case ModeConsole:
		if writeReply(c, Reply{OK: true}) != nil {
			return
		}
		var in io.Reader = r
		if opts.ConsoleTimeout != nil {
			idle, stop := newIdleReader(r, opts.ConsoleTimeout(), func() { c.Close() }, nil)
			defer stop()
			in = idle
		}
		s := term.New(eng, in, c, term.Options{Level: engine.LevelPrivileged})
		st := s.State()
		st.Values[ValueLine] = "console"
		if h.Width > 0 {
			st.SetWidth(min(h.Width, maxWidth))
		}
		s.Run()
	case ModeCapture:
		serveCapture(c, r, *h.Capture, opts.Capture)
	}
}

// serveCapture answers a capture request and streams the capture. The
// client ends it by closing or half-closing its side: the reader below
// sees that and the stream stops at a block boundary, so what the client
// wrote to its file is whole.
func serveCapture(c net.Conn, r *bufio.Reader, req CaptureRequest, capt Capturer) {
	if capt == nil {
		writeReply(c, Reply{Error: "remote: this switch does not serve captures"})
		return
	}
	run, err := capt.StartCapture(req)
	if err != nil {
		writeReply(c, Reply{Error: err.Error()})
		return
	}
	if writeReply(c, Reply{OK: true}) != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		io.Copy(io.Discard, r) // nothing is expected: EOF or an error ends the capture
		cancel()
	}()
	run(ctx, c) // a failed write means the client is gone; there is nobody to tell
}

// checkPeer refuses processes of other users that got hold of the socket
// (file permissions are the first fence; root may connect anyway).
func checkPeer(c net.Conn) error {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return nil
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return fmt.Errorf("remote: peer credentials: %w", err)
	}
	var cred *unix.Ucred
	var cerr error
	if err := raw.Control(func(fd uintptr) {
		cred, cerr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return fmt.Errorf("remote: peer credentials: %w", err)
	}
	if cerr != nil {
		return fmt.Errorf("remote: peer credentials: %w", cerr)
	}
	if uid := os.Geteuid(); cred.Uid != 0 && int(cred.Uid) != uid {
		return fmt.Errorf("remote: uid %d may not use the control socket of uid %d", cred.Uid, uid)
	}
	return nil
}

func writeReply(w io.Writer, rep Reply) error {
	b, err := json.Marshal(rep)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// dialControl connects, sends the header and reads the reply line.
func dialControl(ctx context.Context, path string, h Header) (net.Conn, *bufio.Reader, Reply, error) {
	hdr, err := EncodeHeader(h)
	if err != nil {
		return nil, nil, Reply{}, err
	}
	// Talk only to a socket nobody else could have put there.
	if err := checkSocketDir(filepath.Dir(path)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, nil, Reply{}, err
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ECONNREFUSED) {
			return nil, nil, Reply{}, fmt.Errorf("%w on %s: %w", ErrNoSwitch, path, err)
		}
		return nil, nil, Reply{}, fmt.Errorf("control socket %s: %w", path, err)
	}
	stop := context.AfterFunc(ctx, func() { c.Close() })
	fail := func(err error) (net.Conn, *bufio.Reader, Reply, error) {
		stop()
		c.Close()
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return nil, nil, Reply{}, fmt.Errorf("control socket %s: %w", path, err)
	}
	if _, err := c.Write(hdr); err != nil {
		return fail(err)
	}
	r := bufio.NewReader(c)
	// The reply of an exec carries the whole output; the server is trusted
	// (it runs as us), so its size is not bounded here.
	line, err := r.ReadBytes('\n')
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = errors.New("the switch closed the connection without answering")
		}
		return fail(err)
	}
	var rep Reply
	if err := json.Unmarshal(line, &rep); err != nil {
		return fail(fmt.Errorf("bad reply: %w", err))
	}
	if rep.Error != "" {
		return fail(errors.New(rep.Error))
	}
	if !rep.OK {
		return fail(errors.New("bad reply: neither ok nor error"))
	}
	if !stop() {
		c.Close()
		return nil, nil, Reply{}, fmt.Errorf("control socket %s: %w", path, ctx.Err())
	}
	return c, r, rep, nil
}

// Exec runs lines on the switch behind the control socket at path, in a
// fresh session starting in privileged EXEC, and writes exactly what the
// CLI prints for them to out. rejected reports that some line was refused.
func Exec(ctx context.Context, path string, lines []string, out io.Writer) (rejected bool, err error) {
	return execWith(ctx, path, Header{Version: ProtocolVersion, Mode: ModeExec, Lines: lines}, out)
}

// ExecJSON is Exec answered in JSON: one JSON object per line, for the
// shows the switch renders as JSON (cli.JSONCommands).
func ExecJSON(ctx context.Context, path string, lines []string, out io.Writer) (rejected bool, err error) {
	return execWith(ctx, path, Header{Version: ProtocolVersion, Mode: ModeExec, Lines: lines, JSON: true}, out)
}

func execWith(ctx context.Context, path string, h Header, out io.Writer) (rejected bool, err error) {
	c, _, rep, err := dialControl(ctx, path, h)
	if err != nil {
		return false, err
	}
	c.Close()
	if _, err := io.WriteString(out, rep.Output); err != nil {
		return rep.Rejected, fmt.Errorf("exec: writing output: %w", err)
	}
	return rep.Rejected, nil
}

// captureDrainTimeout bounds how long Capture waits for the switch to end
// the stream after the client asked it to stop.
const captureDrainTimeout = 3 * time.Second

// Capture streams a live capture from the switch behind the control
// socket at path to out as pcapng, until the switch ends it (req.Count
// packets) or ctx is done. On ctx it asks the switch to stop and copies
// the rest of the stream, so out holds whole blocks; that ending is not an
// error.
func Capture(ctx context.Context, path string, req CaptureRequest, out io.Writer) error {
	c, r, _, err := dialControl(ctx, path, Header{Version: ProtocolVersion, Mode: ModeCapture, Capture: &req})
	if err != nil {
		return err
	}
	defer c.Close()
	done := make(chan error, 1)
	go func() {
		_, err := io.Copy(out, r)
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("capture: %w", err)
		}
		return nil
	case <-ctx.Done():
	}
	if uc, ok := c.(*net.UnixConn); ok {
		uc.CloseWrite()
	}
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("capture: %w", err)
		}
	case <-time.After(captureDrainTimeout):
		c.Close()
		<-done
	}
	return nil
}
