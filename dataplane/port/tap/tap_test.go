package tap

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/l2sw/l2sw/dataplane/port"
	"github.com/l2sw/l2sw/internal/netns"
)

const promptly = 5 * time.Second

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{Name: ""}, "empty interface name"},
		{Config{Name: "sixteen-chars-xx"}, "16 bytes long, the kernel allows at most 15"},
		{Config{Name: "a/b"}, "cannot contain '/'"},
		{Config{Name: "a b"}, "white space"},
		{Config{Name: "tap%d"}, "cannot contain '%'"},
		{Config{Name: ".."}, `cannot be "." or ".."`},
		{Config{Name: "ok", MTU: 67}, "MTU 67 out of range 68-9216"},
		{Config{Name: "ok", MTU: 9217}, "MTU 9217 out of range 68-9216"},
		{Config{Name: "ok", Queues: 257}, "257 queues out of range 1-256"},
		{Config{Name: "ok", Batch: -1}, "batch -1 must be positive"},
	}
	for _, tt := range tests {
		_, err := Open(tt.cfg)
		if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Open(%+v) = %v, want ErrInvalidConfig mentioning %q", tt.cfg, err, tt.want)
		}
	}
}

// TestOpenErrorText checks the operator-facing text for the failures a test
// cannot provoke as root (EPERM, missing /dev/net/tun).
func TestOpenErrorText(t *testing.T) {
	wrapped := func(e unix.Errno) error { return fmt.Errorf("ioctl: %w", e) }
	tests := []struct {
		err      error
		sentinel error
		want     string
	}{
		{wrapped(unix.EPERM), ErrPermission, "needs root or CAP_NET_ADMIN"},
		{unix.EACCES, ErrPermission, "needs root or CAP_NET_ADMIN"},
		{unix.ENOENT, ErrNoTunDevice, "modprobe tun"},
		{wrapped(unix.EBUSY), ErrBusy, "holds this TAP open"},
		{wrapped(unix.EINVAL), ErrNotTap, "not a TAP"},
	}
	for _, tt := range tests {
		err := openError("sw1", tt.err)
		if !errors.Is(err, tt.sentinel) || !errors.Is(err, tt.err) || !strings.Contains(err.Error(), tt.want) ||
			!strings.HasPrefix(err.Error(), "tap sw1: ") {
			t.Errorf("openError(%v) = %q, want %v wrapping the errno, mentioning %q", tt.err, err, tt.sentinel, tt.want)
		}
	}
}

func TestOpenClose(t *testing.T) {
	netns.RequireRoot(t)
	for _, mtu := range []int{0, 9216} {
		t.Run(fmt.Sprint("mtu", mtu), func(t *testing.T) {
			name := netns.LinkName("l2t")
			p, err := Open(Config{Name: name, MTU: mtu})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			if !p.Created() || p.Name() != name || p.String() != "tap:"+name || p.BatchSize() != DefaultBatch {
				t.Errorf("Created=%v Name=%q String=%q Batch=%d", p.Created(), p.Name(), p.String(), p.BatchSize())
			}
			want := mtu
			if want == 0 {
				want = DefaultMTU
			}
			l, ok := showLink(t, name)
			if !ok || !hasFlag(l, "UP") || l.MTU != want {
				t.Errorf("ip link shows %+v (exists %v), want UP with mtu %d", l, ok, want)
			}
			flags, ok := tunFlags(name)
			if !ok || flags&unix.IFF_TAP == 0 || flags&unix.IFF_PERSIST != 0 || flags&unix.IFF_MULTI_QUEUE != 0 {
				t.Errorf("tun_flags %#x: want a single-queue, non-persistent TAP", flags)
			}
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
			// A non-persistent TAP is unregistered when its last fd closes.
			if _, ok := showLink(t, name); ok {
				t.Errorf("%s still exists after Close", name)
			}
			bufs, sizes := newBufs(1)
			if _, err := p.Read(bufs, sizes, 0); !errors.Is(err, port.ErrClosed) {
				t.Errorf("Read after Close: %v, want ErrClosed", err)
			}
			if _, err := p.Write([][]byte{make([]byte, 60)}); !errors.Is(err, port.ErrClosed) {
				t.Errorf("Write after Close: %v, want ErrClosed", err)
			}
			if err := p.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
		})
	}
}

// TestAttachPersistent: a TAP made with `ip tuntap add` is attached, not
// created, and survives Close still persistent (water would clear the flag).
func TestAttachPersistent(t *testing.T) {
	netns.RequireRoot(t)
	name := netns.LinkName("l2t")
	netns.MustHost(t, "ip", "tuntap", "add", "dev", name, "mode", "tap")
	netns.CleanupLink(t, name)

	p, err := Open(Config{Name: name, MTU: 2000})
	if err != nil {
		t.Fatal(err)
	}
	if p.Created() {
		t.Error("Created() = true for a pre-existing TAP")
	}
	if l, _ := showLink(t, name); l.MTU != 2000 || !hasFlag(l, "UP") {
		t.Errorf("ip link shows %+v, want UP mtu 2000", l)
	}
	// Held by us, the persistent TAP is busy for anyone else: this EBUSY
	// comes from the kernel (TUNSETIFF).
	if _, err := Open(Config{Name: name}); !errors.Is(err, ErrBusy) || !errors.Is(err, unix.EBUSY) {
		t.Errorf("second Open of an attached persistent TAP: %v, want ErrBusy", err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if !linkExists(name) {
		t.Fatalf("persistent TAP %s was removed by Close", name)
	}
	if flags, _ := tunFlags(name); flags&unix.IFF_PERSIST == 0 {
		t.Errorf("tun_flags %#x: the persist flag was lost", flags)
	}
}

func TestOpenBusy(t *testing.T) {
	netns.RequireRoot(t)
	p := openTest(t, Config{})
	fdsBefore := openFDs(t)
	_, err := Open(Config{Name: p.Name()})
	if !errors.Is(err, ErrBusy) || !errors.Is(err, unix.EBUSY) {
		t.Fatalf("second Open: %v, want ErrBusy", err)
	}
	want := "tap " + p.Name() + ": TAP already in use: another process"
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error text %q, want prefix %q", err, want)
	}
	t.Logf("EBUSY error text: %v", err)
	// Asking for the other queue mode is refused before the kernel is asked.
	if _, err := Open(Config{Name: p.Name(), Queues: 2}); !errors.Is(err, ErrNotTap) ||
		!strings.Contains(err.Error(), "created single-queue and cannot be attached multi-queue") {
		t.Errorf("multi-queue attach of a single-queue TAP: %v", err)
	}
	if n := openFDs(t); n != fdsBefore {
		t.Errorf("%d descriptors open after the failed Opens, %d before: a descriptor leaked", n, fdsBefore)
	}
	// The failed attempts must not have disturbed the holder.
	if l, ok := showLink(t, p.Name()); !ok || !hasFlag(l, "UP") {
		t.Errorf("holder's TAP changed: %+v", l)
	}
}

func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

func TestOpenNotTap(t *testing.T) {
	netns.RequireRoot(t)
	name := netns.LinkName("l2v")
	netns.MustHost(t, "ip", "link", "add", name, "type", "veth", "peer", "name", netns.LinkName("l2p"))
	netns.CleanupLink(t, name)
	if _, err := Open(Config{Name: name}); !errors.Is(err, ErrNotTap) || !strings.Contains(err.Error(), "not a TUN/TAP") {
		t.Errorf("Open of a dummy interface: %v, want ErrNotTap", err)
	}
}

// arpExchange writes an ARP request for ip from the switch side and waits
// for the kernel behind the TAP to answer it.
func arpExchange(t *testing.T, p *Port, ip net.IP) net.HardwareAddr {
	t.Helper()
	sender := net.IPv4(10, 99, 0, 2)
	req := arpRequest(switchMAC, sender, ip)
	deadline := time.Now().Add(promptly)
	for time.Now().Before(deadline) {
		if n, err := p.Write([][]byte{req}); err != nil || n != 1 {
			t.Fatalf("Write ARP request: n=%d err=%v", n, err)
		}
		r := waitRead(t, readAsync(p, 8), promptly)
		if r.err != nil {
			t.Fatalf("Read: %v", r.err)
		}
		for _, f := range r.frames {
			if mac, ok := arpReply(f, ip, switchMAC); ok {
				return mac
			}
		}
	}
	t.Fatalf("no ARP reply for %v", ip)
	return nil
}

// TestHostInNamespaceAnswersARP: frames we write reach a Linux host on the
// far side of the TAP, and its answers come back through Read.
func TestHostInNamespaceAnswersARP(t *testing.T) {
	netns.RequireRoot(t)
	p := openTest(t, Config{})
	ns := inNamespace(t, p)
	ns.AddAddr(p.Name(), "10.99.0.1/24")
	mac := arpExchange(t, p, net.IPv4(10, 99, 0, 1))
	if !strings.Contains(ns.MustRun("ip", "link", "show", p.Name()), mac.String()) {
		t.Errorf("ARP reply announces %v, not the TAP's MAC", mac)
	}
	if s := p.Stats(); s.TxFrames == 0 || s.RxFrames == 0 {
		t.Errorf("Stats %+v: want frames counted both ways", s)
	}
}

// TestNetnsMove: the open descriptor keeps working while the TAP moves from
// one namespace to another.
func TestNetnsMove(t *testing.T) {
	netns.RequireRoot(t)
	p := openTest(t, Config{})
	ns1 := inNamespace(t, p)
	ns1.AddAddr(p.Name(), "10.99.0.1/24")
	arpExchange(t, p, net.IPv4(10, 99, 0, 1))

	ns2 := netns.New(t)
	ns2.DisableIPv6()
	ns1.MoveLinkTo(p.Name(), ns2)
	// While the moved TAP is down, writes are dropped and counted, not fatal.
	if n, err := p.Write([][]byte{arpRequest(switchMAC, net.IPv4(10, 98, 0, 2), net.IPv4(10, 98, 0, 1))}); err != nil || n != 0 {
		t.Errorf("Write on the down TAP: n=%d err=%v, want a counted drop", n, err)
	}
	if s := p.Stats(); s.TxErrors != 1 {
		t.Errorf("TxErrors = %d, want 1", s.TxErrors)
	}
	ns2.LinkUp(p.Name())
	ns2.AddAddr(p.Name(), "10.98.0.1/24")
	arpExchange(t, p, net.IPv4(10, 98, 0, 1))
}

// TestBatchRead: frames already queued are returned by one Read.
func TestBatchRead(t *testing.T) {
	netns.RequireRoot(t)
	p, ns := openInNamespace(t, Config{})
	ps := newPacketSocket(t, ns, p.Name())
	const queued = 8
	for i := range queued {
		ps.send(t, testFrame(switchMAC, hostMAC, uint32(i), 60))
	}
	r := waitRead(t, readAsync(p, 16), promptly)
	if r.err != nil || len(r.frames) != queued {
		t.Fatalf("Read returned %d frames, err %v; want all %d queued frames", len(r.frames), r.err, queued)
	}
	for i, f := range r.frames {
		if seq, ok := testSeq(f); !ok || seq != uint32(i) || len(f) != 60 {
			t.Errorf("frame %d: seq %d ok %v len %d", i, seq, ok, len(f))
		}
	}
	// The batch is capped by len(bufs).
	for i := range 3 {
		ps.send(t, testFrame(switchMAC, hostMAC, uint32(i), 60))
	}
	if r := waitRead(t, readAsync(p, 2), promptly); len(r.frames) != 2 {
		t.Errorf("Read with 2 buffers returned %d frames", len(r.frames))
	}
	if r := waitRead(t, readAsync(p, 2), promptly); len(r.frames) != 1 {
		t.Errorf("Read of the remaining frame returned %d frames", len(r.frames))
	}
}

func TestMultiQueue(t *testing.T) {
	netns.RequireRoot(t)
	p, ns := openInNamespace(t, Config{Queues: 2})
	if out := ns.MustRun("ip", "-d", "link", "show", "dev", p.Name()); !strings.Contains(out, "multi_queue") {
		t.Fatalf("not a multi-queue TAP:\n%s", out)
	}
	qs := p.Queues()
	if len(qs) != 2 || qs[0] != port.Port(p) || qs[1].String() != "tap:"+p.Name()+" queue 1" {
		t.Fatalf("Queues() = %v", qs)
	}
	ps := newPacketSocket(t, ns, p.Name())

	// Writes on either queue reach the host.
	buf := make([]byte, port.BufferSize)
	for i, q := range qs {
		if n, err := q.Write([][]byte{testFrame(hostMAC, switchMAC, uint32(i), 64)}); n != 1 || err != nil {
			t.Fatalf("queue %d Write: %d %v", i, n, err)
		}
		if seq, _ := testSeq(ps.recvTest(t, buf)); seq != uint32(i) {
			t.Errorf("packet socket got seq %d from queue %d", seq, i)
		}
	}

	// The kernel spreads flows over the queues by their hash: send many UDP
	// flows and expect each queue to see some.
	const flows = 64
	for i := range flows {
		ps.send(t, udpFrame(switchMAC, hostMAC, uint16(10000+i)))
	}
	var mu sync.Mutex
	perQueue := make([]int, len(qs))
	total := 0
	var wg sync.WaitGroup
	done := make(chan struct{})
	for i, q := range qs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			bufs, sizes := newBufs(16)
			for {
				n, err := q.Read(bufs, sizes, 0)
				if err != nil {
					return
				}
				mu.Lock()
				perQueue[i] += n
				total += n
				if total == flows {
					close(done)
				}
				mu.Unlock()
			}
		}()
	}
	select {
	case <-done:
	case <-time.After(promptly):
		t.Errorf("received %d of %d frames", total, flows)
	}
	// Closing queue 1 alone leaves queue 0 working; closing p stops both readers.
	if err := qs[1].Close(); err != nil {
		t.Fatal(err)
	}
	if n, err := p.Write([][]byte{testFrame(hostMAC, switchMAC, 99, 64)}); n != 1 || err != nil {
		t.Errorf("queue 0 Write after closing queue 1: %d %v", n, err)
	}
	p.Close()
	wg.Wait()
	if perQueue[0] == 0 || perQueue[1] == 0 {
		t.Errorf("frames per queue %v: want both queues used", perQueue)
	}
}

func TestCloseUnblocksRead(t *testing.T) {
	netns.RequireRoot(t)
	p, _ := openInNamespace(t, Config{})
	ch := readAsync(p, 4)
	// Give the reader time to park in the netpoller; the assertion below
	// holds whether or not it did.
	time.Sleep(50 * time.Millisecond)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if r := waitRead(t, ch, promptly); !errors.Is(r.err, port.ErrClosed) {
		t.Errorf("blocked Read after Close: %v, want ErrClosed", r.err)
	}
}

// TestDeviceDeleted: `ip link del` while a Read is blocked makes it fail
// promptly with ErrDeviceGone, and later calls fail at once.
func TestDeviceDeleted(t *testing.T) {
	netns.RequireRoot(t)
	for _, blocked := range []bool{true, false} {
		t.Run(fmt.Sprint("blocked=", blocked), func(t *testing.T) {
			p, ns := openInNamespace(t, Config{})
			var ch <-chan readResult
			if blocked {
				ch = readAsync(p, 4)
				time.Sleep(50 * time.Millisecond) // let it park; see TestCloseUnblocksRead
			}
			ns.MustRun("ip", "link", "del", "dev", p.Name())
			if !blocked {
				ch = readAsync(p, 4)
			}
			r := waitRead(t, ch, promptly)
			if !errors.Is(r.err, ErrDeviceGone) || errors.Is(r.err, port.ErrClosed) {
				t.Fatalf("Read after ip link del: %v, want ErrDeviceGone", r.err)
			}
			t.Logf("Read error: %v", r.err)
			if r := waitRead(t, readAsync(p, 4), promptly); !errors.Is(r.err, ErrDeviceGone) {
				t.Errorf("second Read: %v", r.err)
			}
			if _, err := p.Write([][]byte{make([]byte, 60)}); !errors.Is(err, ErrDeviceGone) {
				t.Errorf("Write after ip link del: %v, want ErrDeviceGone", err)
			}
			if err := p.Close(); err != nil {
				t.Errorf("Close of a deleted TAP: %v", err)
			}
		})
	}
}

// TestZeroAllocs: the steady-state Read and Write paths allocate nothing.
func TestZeroAllocs(t *testing.T) {
	netns.RequireRoot(t)
	p, ns := openInNamespace(t, Config{})
	ps := newPacketSocket(t, ns, p.Name())
	in := testFrame(switchMAC, hostMAC, 1, 128)
	out := [][]byte{testFrame(hostMAC, switchMAC, 2, 128)}
	bufs, sizes := newBufs(8)
	rbuf := make([]byte, port.BufferSize)
	var failure error
	allocs := testing.AllocsPerRun(200, func() {
		if _, err := unix.Write(ps.fd, in); err != nil {
			failure = err
		}
		if n, err := p.Read(bufs, sizes, port.Headroom); n != 1 || err != nil {
			failure = fmt.Errorf("Read: %d %v", n, err)
		}
		if n, err := p.Write(out); n != 1 || err != nil {
			failure = fmt.Errorf("Write: %d %v", n, err)
		}
		if _, err := unix.Read(ps.fd, rbuf); err != nil {
			failure = err
		}
	})
	if failure != nil {
		t.Fatal(failure)
	}
	if allocs != 0 {
		t.Errorf("%v allocations per Write+Read, want 0", allocs)
	}
}
