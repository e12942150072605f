package pktgen

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestFrame(t *testing.T) {
	s := Stream{
		Src: net.HardwareAddr{2, 0, 0, 0, 0, 1}, Dst: net.HardwareAddr{2, 0, 0, 0, 0, 2},
		SrcIP: netip.MustParseAddr("10.0.0.1"), DstIP: netip.MustParseAddr("10.0.0.2"),
		SrcPort: 4000, DstPort: 9, Flows: 3,
	}
	if err := s.normalize(); err != nil {
		t.Fatal(err)
	}
	for flow := range 3 {
		f := s.Frame(flow)
		if len(f) != MinFrame {
			t.Fatalf("frame is %d bytes, want %d", len(f), MinFrame)
		}
		if ipChecksum(f[14:34]) != 0 {
			t.Errorf("flow %d: IPv4 header checksum does not verify", flow)
		}
		if !s.matches(f) {
			t.Errorf("flow %d: the stream does not match its own frame", flow)
		}
	}
	other := s
	other.Flows = 1
	if other.matches(s.Frame(2)) {
		t.Error("a one-flow stream matches the third flow's frame")
	}
	f := s.Frame(0)
	f[0] ^= 1
	if s.matches(f) {
		t.Error("a frame to another MAC matches")
	}
	bad := s
	bad.Size = MaxFrame + 1
	if bad.normalize() == nil {
		t.Error("an oversized frame is accepted")
	}
}

// TestVethCountsExactly sends over a veth pair in a namespace of its own and
// checks that the receiver counts exactly the frames the kernel took from
// the sender, and none of another stream on the same link.
func TestVethCountsExactly(t *testing.T) {
	ns := vethNamespace(t)
	a, _ := net.ParseMAC("02:70:67:00:00:01")
	b, _ := net.ParseMAC("02:70:67:00:00:02")
	s := Stream{Src: a, Dst: b, SrcIP: netip.MustParseAddr("10.99.0.1"), DstIP: netip.MustParseAddr("10.99.0.2"),
		SrcPort: 5000, DstPort: 9, Flows: 4}
	noise := s
	noise.DstPort = 7

	var snd, other *Sender
	var rcv *Receiver
	inNamespace(t, ns, func() (err error) {
		if rcv, err = NewReceiver("pg1", s); err != nil {
			return err
		}
		if snd, err = NewSender("pg0", s, 64); err != nil {
			return err
		}
		other, err = NewSender("pg0", noise, 8)
		return err
	})
	defer rcv.Close()
	defer snd.Close()
	defer other.Close()

	done := make(chan Received, 1)
	errc := make(chan error, 1)
	go func() {
		r, err := rcv.Run(context.Background(), 500*time.Millisecond)
		errc <- err
		done <- r
	}()
	ctx := context.Background()
	o, err := other.Send(ctx, Limits{Frames: 100})
	if err != nil {
		t.Fatal(err)
	}
	// Paced so that the veth's receive backlog (netdev_max_backlog) cannot
	// overflow on a loaded machine: the test is about counting, not speed.
	sent, err := snd.Send(ctx, Limits{Frames: 20000, Rate: 200000})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	got := <-done
	if sent.Frames != 20000 {
		t.Errorf("sent %d frames, want 20000", sent.Frames)
	}
	if got.Frames != sent.Frames || got.Drops != 0 {
		t.Errorf("received %d of the stream's frames (ring drops %d), sent %d", got.Frames, got.Drops, sent.Frames)
	}
	if got.Other < o.Frames {
		t.Errorf("counted %d other frames, the other stream alone sent %d", got.Other, o.Frames)
	}
	if got.Rate() <= 0 || !got.Last.After(got.First) {
		t.Errorf("no receive rate: first %v last %v", got.First, got.Last)
	}
	t.Logf("sent %d at %.0f frames/s; received %d (+%d other) at %.0f frames/s", sent.Frames, sent.Rate(), got.Frames, got.Other, got.Rate())
}

// BenchmarkVethUnpaced reports what the generator reaches over a bare veth
// pair, the ceiling of anything it measures.
func BenchmarkVethUnpaced(b *testing.B) {
	ns := vethNamespace(b)
	ma, _ := net.ParseMAC("02:70:67:00:00:01")
	mb, _ := net.ParseMAC("02:70:67:00:00:02")
	s := Stream{Src: ma, Dst: mb, SrcIP: netip.MustParseAddr("10.99.0.1"), DstIP: netip.MustParseAddr("10.99.0.2"), DstPort: 9}
	var snd *Sender
	var rcv *Receiver
	inNamespace(b, ns, func() (err error) {
		if rcv, err = NewReceiver("pg1", s); err != nil {
			return err
		}
		snd, err = NewSender("pg0", s, 0)
		return err
	})
	defer rcv.Close()
	defer snd.Close()
	done := make(chan Received, 1)
	go func() { r, _ := rcv.Run(context.Background(), 300*time.Millisecond); done <- r }()
	b.ResetTimer()
	sent, err := snd.Send(context.Background(), Limits{Frames: uint64(b.N)})
	if err != nil {
		b.Fatal(err)
	}
	got := <-done
	b.ReportMetric(sent.Rate(), "sent/s")
	b.ReportMetric(got.Rate(), "received/s")
	b.ReportMetric(float64(sent.Frames-got.Frames)/float64(max(1, sent.Frames)), "loss")
}

// vethNamespace makes a namespace with a veth pair pg0-pg1, both up, and
// removes it when the test ends.
func vethNamespace(tb testing.TB) string {
	tb.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			tb.Fatal("CI=true but not root: the veth test needs root")
		}
		tb.Skip("skipping: needs root (network namespace, veth pair)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		tb.Fatal("ip (iproute2) is missing")
	}
	ns := fmt.Sprintf("pktgen-%d", os.Getpid())
	run := func(args ...string) {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			tb.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	run("netns", "add", ns)
	tb.Cleanup(func() { _ = exec.Command("ip", "netns", "del", ns).Run() })
	run("-n", ns, "link", "add", "pg0", "address", "02:70:67:00:00:01", "type", "veth", "peer", "name", "pg1", "address", "02:70:67:00:00:02")
	for _, l := range []string{"pg0", "pg1"} {
		run("netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf."+l+".disable_ipv6=1")
		run("-n", ns, "link", "set", l, "up")
	}
	return ns
}

// inNamespace runs open on a thread switched into the namespace ns; the
// sockets it opens stay in ns after the thread switches back.
func inNamespace(tb testing.TB, ns string, open func() error) {
	tb.Helper()
	runtime.LockOSThread()
	self, err := os.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()))
	if err != nil {
		runtime.UnlockOSThread()
		tb.Fatal(err)
	}
	defer self.Close()
	target, err := os.Open("/run/netns/" + ns)
	if err != nil {
		runtime.UnlockOSThread()
		tb.Fatal(err)
	}
	defer target.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		tb.Fatal(err)
	}
	oerr := open()
	if err := unix.Setns(int(self.Fd()), unix.CLONE_NEWNET); err != nil {
		// The thread stays locked, so it dies with the test's goroutine
		// rather than serve others in the wrong namespace.
		tb.Fatalf("back to the test's namespace: %v", err)
	}
	runtime.UnlockOSThread()
	if oerr != nil {
		tb.Fatal(oerr)
	}
}
