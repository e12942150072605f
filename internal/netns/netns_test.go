package netns

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestUniqueName(t *testing.T) {
	a, b := LinkName("l2t"), LinkName("l2t")
	if len(a) != 15 || !strings.HasPrefix(a, "l2t") || a == b {
		t.Errorf("LinkName gave %q and %q: want distinct 15-byte names with the prefix", a, b)
	}
	if n := UniqueName("ab", 7); len(n) != 7 {
		t.Errorf("UniqueName(ab, 7) = %q", n)
	}
}

// recorder is a testing.TB that records Skipf and Fatalf instead of acting.
type recorder struct {
	testing.TB
	skipped, fatal string
}

func (r *recorder) Helper()                           {}
func (r *recorder) Skipf(format string, args ...any)  { r.skipped = fmt.Sprintf(format, args...) }
func (r *recorder) Fatalf(format string, args ...any) { r.fatal = fmt.Sprintf(format, args...) }

func TestRequireRootPolicy(t *testing.T) {
	var ok recorder
	requireRoot(&ok, "", true)
	if ok.skipped != "" || ok.fatal != "" {
		t.Errorf("privileged: %+v, want neither skip nor failure", ok)
	}
	var local recorder
	requireRoot(&local, "not running as root", false)
	if local.fatal != "" || !strings.Contains(local.skipped, "not running as root") || strings.Contains(local.skipped, "\n") {
		t.Errorf("outside CI: skipped %q fatal %q, want a one-line skip", local.skipped, local.fatal)
	}
	var ci recorder
	requireRoot(&ci, "not running as root", true)
	if ci.skipped != "" || !strings.Contains(ci.fatal, "CI=true") {
		t.Errorf("under CI: skipped %q fatal %q, want a failure", ci.skipped, ci.fatal)
	}
}

func TestNamespaceLifecycle(t *testing.T) {
	var name string
	t.Run("inner", func(t *testing.T) {
		ns := New(t)
		name = ns.Name
		if _, err := os.Stat(filepath.Join(runDir, ns.Name)); err != nil {
			t.Fatalf("namespace not pinned: %v", err)
		}
		// A link created here, moved in, addressed and brought up.
		link, peer := LinkName("nst"), LinkName("nsp")
		MustHost(t, "ip", "link", "add", link, "type", "veth", "peer", "name", peer)
		CleanupLink(t, peer)
		ns.MoveLink(link)
		ns.AddAddr(link, "192.0.2.1/24")
		ns.LinkUp(link)
		if out := ns.MustRun("ip", "-o", "addr", "show", "dev", link); !strings.Contains(out, "192.0.2.1/24") {
			t.Errorf("address not visible in the namespace: %s", out)
		}
		if _, err := os.Stat("/sys/class/net/" + link); err == nil {
			t.Errorf("%s still visible in the host namespace after MoveLink", link)
		}
		// Go code inside the namespace sees its interfaces.
		err := ns.Do(func() error {
			_, err := net.InterfaceByName(link)
			return err
		})
		if err != nil {
			t.Errorf("Do: %v", err)
		}
		// And the calling goroutine is back in the host namespace.
		if _, err := net.InterfaceByName(link); err == nil {
			t.Errorf("%s visible from the host after Do", link)
		}
		// Errors carry the command and its output.
		out, err := ns.Run("ip", "link", "show", "dev", "no-such-link")
		if err == nil || !strings.Contains(err.Error(), "ip netns exec "+ns.Name) || !strings.Contains(out, "does not exist") {
			t.Errorf("Run of a failing command: %v / %q", err, out)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		if _, err := ns.RunContext(ctx, "sleep", "10"); err == nil || !strings.Contains(err.Error(), "timed out") {
			t.Errorf("RunContext past its deadline: %v", err)
		}
		sleeper := ns.Start("sleep", "30")
		_ = sleeper // killed by the cleanup below
	})
	if name == "" {
		t.Fatal("inner test did not run")
	}
	if _, err := os.Stat(filepath.Join(runDir, name)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("namespace %s survived its test: %v", name, err)
	}
}
