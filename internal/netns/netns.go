// Package netns gives tests throw-away Linux network namespaces: create one,
// move interfaces into it, address them, run commands or Go code inside it,
// and have everything removed in t.Cleanup even when the test fails.
// It is test-only support code; it shells out to iproute2 (`ip`), which is
// fine for tests and keeps the helper obviously correct.
package netns

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// DefaultTimeout bounds every command Run starts, so a wedged command fails
// the test instead of hanging it until the global test timeout.
const DefaultTimeout = 10 * time.Second

// runDir is where `ip netns add` pins namespaces (bind mounts of nsfs).
const runDir = "/run/netns"

// RequireRoot skips the test, with a one-line reason, unless it runs as root
// with /dev/net/tun and the `ip` command available. When CI=true is set in
// the environment it fails instead: under CI these tests must run.
func RequireRoot(t testing.TB) {
	t.Helper()
	requireRoot(t, missingPrivilege(), os.Getenv("CI") == "true")
}

func requireRoot(t testing.TB, reason string, ci bool) {
	t.Helper()
	if reason == "" {
		return
	}
	if ci {
		t.Fatalf("CI=true but this test cannot run: %s", reason)
		return
	}
	t.Skipf("skipping: %s (needs root, /dev/net/tun and iproute2)", reason)
}

func missingPrivilege() string {
	if os.Geteuid() != 0 {
		return "not running as root"
	}
	if _, err := os.Stat("/dev/net/tun"); err != nil {
		return "/dev/net/tun is missing"
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return "the ip command (iproute2) is not installed"
	}
	return ""
}

// UniqueName returns prefix followed by random hex digits, at most maxLen
// bytes long. Use it for interface names (maxLen 15, the kernel's limit) so
// tests running in parallel processes never collide.
func UniqueName(prefix string, maxLen int) string {
	n := maxLen - len(prefix)
	if n < 4 {
		panic(fmt.Sprintf("netns: prefix %q leaves fewer than 4 random characters in %d", prefix, maxLen))
	}
	b := make([]byte, (n+1)/2)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("netns: reading random bytes: %v", err))
	}
	return prefix + hex.EncodeToString(b)[:n]
}

// LinkName returns a unique interface name beginning with prefix, within the
// kernel's 15-byte limit.
func LinkName(prefix string) string { return UniqueName(prefix, 15) }

// NS is a named network namespace that exists for the duration of a test.
type NS struct {
	// Name is the namespace's name as `ip netns` knows it.
	Name string
	t    testing.TB
}

// New creates a namespace named l2sw-<pid>-<random> and registers its
// removal (with every virtual interface in it) in t.Cleanup. The namespace's
// loopback is brought up.
func New(t testing.TB) *NS {
	t.Helper()
	RequireRoot(t)
	name := UniqueName(fmt.Sprintf("l2sw-%d-", os.Getpid()), 32)
	if out, err := Host(context.Background(), "ip", "netns", "add", name); err != nil {
		t.Fatalf("netns: creating namespace %s: %v\n%s", name, err, out)
	}
	n := &NS{Name: name, t: t}
	t.Cleanup(func() {
		// Deleting the namespace unregisters its virtual devices; a device
		// still held open elsewhere is deleted too (TAP fds see EBADFD).
		if out, err := Host(context.Background(), "ip", "netns", "del", name); err != nil {
			t.Errorf("netns: removing namespace %s: %v\n%s", name, err, out)
		}
	})
	n.MustRun("ip", "link", "set", "lo", "up")
	return n
}

// Host runs a command in the test process's own namespace with output
// capture and DefaultTimeout (ctx may shorten it). The error names the
// command and includes its output.
func Host(ctx context.Context, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, DefaultTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("%w (timed out: %v)", err, ctx.Err())
	}
	if err != nil {
		return out.String(), fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return out.String(), nil
}

// MustHost is Host that fails the test on error and returns the output.
func MustHost(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := Host(context.Background(), name, args...)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return out
}

// CleanupLink deletes the interface name from the test process's namespace
// in t.Cleanup, for links a test creates there itself (a veth pair, a
// persistent TAP). A link that is already gone is not an error.
func CleanupLink(t testing.TB, name string) {
	t.Cleanup(func() {
		// Not t.Context(): it is already canceled when cleanups run.
		out, err := Host(context.Background(), "ip", "link", "del", "dev", name)
		if err != nil && !strings.Contains(out, "Cannot find device") && !strings.Contains(out, "does not exist") {
			t.Errorf("netns: removing link %s: %v\n%s", name, err, out)
		}
	})
}

// RunContext runs argv inside the namespace (ip netns exec) and returns its
// combined output.
func (n *NS) RunContext(ctx context.Context, argv ...string) (string, error) {
	return Host(ctx, "ip", append([]string{"netns", "exec", n.Name}, argv...)...)
}

// Run runs argv inside the namespace with DefaultTimeout.
func (n *NS) Run(argv ...string) (string, error) {
	return n.RunContext(context.Background(), argv...)
}

// MustRun runs argv inside the namespace and fails the test on error.
func (n *NS) MustRun(argv ...string) string {
	n.t.Helper()
	out, err := n.Run(argv...)
	if err != nil {
		n.t.Fatalf("netns %s: %v\n%s", n.Name, err, out)
	}
	return out
}

// Start starts argv inside the namespace in the background (e.g. tcpdump or
// a long ping). It is killed and waited for in t.Cleanup; Wait on it
// yourself only if you need its exit status before then.
func (n *NS) Start(argv ...string) *exec.Cmd {
	n.t.Helper()
	cmd := exec.Command("ip", append([]string{"netns", "exec", n.Name}, argv...)...)
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		n.t.Fatalf("netns %s: starting %s: %v", n.Name, strings.Join(argv, " "), err)
	}
	n.t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return cmd
}

// MoveLink moves the interface ifname from the test process's namespace into n.
func (n *NS) MoveLink(ifname string) {
	n.t.Helper()
	MustHost(n.t, "ip", "link", "set", "dev", ifname, "netns", n.Name)
}

// MoveLinkTo moves the interface ifname, currently in n, into dst.
func (n *NS) MoveLinkTo(ifname string, dst *NS) {
	n.t.Helper()
	n.MustRun("ip", "link", "set", "dev", ifname, "netns", dst.Name)
}

// AddAddr assigns an address in CIDR form ("10.0.0.1/24") to ifname in n.
func (n *NS) AddAddr(ifname, cidr string) {
	n.t.Helper()
	n.MustRun("ip", "addr", "add", cidr, "dev", ifname)
}

// LinkUp sets ifname administratively up in n.
func (n *NS) LinkUp(ifname string) {
	n.t.Helper()
	n.MustRun("ip", "link", "set", "dev", ifname, "up")
}

// DisableIPv6 turns IPv6 off in n for existing and future interfaces, so the
// kernel sends no router solicitations, MLD reports or DAD probes that would
// add unexpected frames to a test's capture.
func (n *NS) DisableIPv6() {
	n.t.Helper()
	n.MustRun("sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
}

// Do runs fn on an OS thread switched into n, for Go code that must create
// sockets inside the namespace (a socket keeps its namespace after fn
// returns). fn must not start goroutines that expect to be in n.
func (n *NS) Do(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		// The thread is returned to the scheduler only if it is restored to
		// the original namespace; otherwise it dies with this goroutine.
		runtime.LockOSThread()
		errc <- n.doLocked(fn)
	}()
	return <-errc
}

func (n *NS) doLocked(fn func() error) error {
	orig, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		return fmt.Errorf("netns: opening own namespace: %w", err)
	}
	defer orig.Close()
	target, err := os.Open(filepath.Join(runDir, n.Name))
	if err != nil {
		return fmt.Errorf("netns %s: %w", n.Name, err)
	}
	defer target.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("netns %s: setns: %w", n.Name, err)
	}
	ferr := fn()
	if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
		return errors.Join(ferr, fmt.Errorf("netns %s: restoring thread namespace: %w", n.Name, err))
	}
	runtime.UnlockOSThread()
	return ferr
}
