package afpacket

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/l2sw/l2sw/dataplane/port"
	"github.com/l2sw/l2sw/internal/netns"
)

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{Name: ""}, "empty interface name"},
		{Config{Name: "sixteen-chars-xx"}, "16 bytes long"},
		{Config{Name: "a,b"}, "cannot contain"},
		{Config{Name: "ok", Batch: -1}, "batch -1"},
		{Config{Name: "ok", BlockSize: 1000}, "block size 1000"},
		{Config{Name: "ok", Blocks: 1}, "1 blocks out of range"},
		{Config{Name: "ok", Timeout: 1001}, "timeout 1001 ms"},
	}
	for _, tt := range tests {
		_, err := Open(tt.cfg)
		if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Open(%+v) = %v, want ErrInvalidConfig mentioning %q", tt.cfg, err, tt.want)
		}
	}
}

func TestParseSpec(t *testing.T) {
	for in, want := range map[string]Config{
		"veth0":                      {Name: "veth0"},
		"eth1,blocks=64,timeout=2":   {Name: "eth1", Blocks: 64, Timeout: 2},
		"eth1,block=1024,bypass=off": {Name: "eth1", BlockSize: 1 << 20, NoBypass: true},
		"e,batch=128,bypass=on":      {Name: "e", Batch: 128},
		"e,vnet=off":                 {Name: "e", NoVnet: true},
	} {
		got, err := ParseSpec(in)
		if err != nil || got != want {
			t.Errorf("ParseSpec(%q) = %+v, %v; want %+v", in, got, err, want)
		}
		if again, err := ParseSpec(got.Spec()); err != nil || again != got {
			t.Errorf("ParseSpec(%q.Spec() = %q) = %+v, %v", in, got.Spec(), again, err)
		}
	}
	for in, msg := range map[string]string{
		"":               "empty interface name",
		"e,blocks":       "want KEY=VALUE",
		"e,blocks=x":     "POSITIVE-NUMBER",
		"e,speed=10":     "unknown",
		"e,bypass=maybe": "bypass=on or off",
		"e,vnet=maybe":   "vnet=on or off",
		"e,block=6":      "multiple of",
		"e,blocks=1":     "out of range",
	} {
		if _, err := ParseSpec(in); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("ParseSpec(%q) error %v, want it to say %q", in, err, msg)
		}
	}
}

func TestOpenMissingDevice(t *testing.T) {
	netns.RequireRoot(t)
	_, err := Open(Config{Name: netns.LinkName("nope")})
	if !errors.Is(err, ErrNoDevice) {
		t.Errorf("Open of a missing netdev: %v, want ErrNoDevice", err)
	}
}

// TestOpenClose: Open sets the link up and promiscuous, Close undoes the
// promiscuity and leaves the netdev in place.
func TestOpenClose(t *testing.T) {
	l := newVethLab(t, 0)
	p := l.open(t, Config{})
	if p.String() != "afpacket:"+l.sw || p.MTU() != 1500 || p.BatchSize() != DefaultBatch || p.BufferSize() != port.BufferSize {
		t.Errorf("String=%q MTU=%d Batch=%d BufferSize=%d", p, p.MTU(), p.BatchSize(), p.BufferSize())
	}
	out := l.ns.MustRun("ip", "-d", "link", "show", "dev", l.sw)
	if !strings.Contains(out, "promiscuity 1") || !strings.Contains(out, ",UP") {
		t.Errorf("after Open: want the link UP with promiscuity 1:\n%s", out)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if out := l.ns.MustRun("ip", "-d", "link", "show", "dev", l.sw); !strings.Contains(out, "promiscuity 0") {
		t.Errorf("after Close: want promiscuity 0:\n%s", out)
	}
	bufs, sizes := newBufs(1, port.BufferSize)
	if _, err := p.Read(bufs, sizes, 0); !errors.Is(err, port.ErrClosed) {
		t.Errorf("Read after Close: %v", err)
	}
	if _, err := p.Write([][]byte{make([]byte, 60)}); !errors.Is(err, port.ErrClosed) {
		t.Errorf("Write after Close: %v", err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestFrameSizes: frames from the minimum to the MTU, and jumbo frames on
// a jumbo veth, cross both ways byte for byte.
func TestFrameSizes(t *testing.T) {
	for _, mtu := range []int{1500, 9000} {
		t.Run(fmt.Sprint("mtu", mtu), func(t *testing.T) {
			l := newVethLab(t, mtu)
			p := l.open(t, Config{})
			if p.MTU() != mtu {
				t.Fatalf("MTU() = %d, want %d", p.MTU(), mtu)
			}
			ps := newPacketSocket(t, l.ns, l.peer)
			sizes := []int{14 + 4, 60, 64, 65, 127, 128, 511, 1000, 1514}
			if mtu > 1500 {
				sizes = append(sizes, 1515, 4096, 8000, mtu+14)
			}
			for i, size := range sizes {
				in := testFrame(switchMAC, hostMAC, uint32(i), size)
				ps.send(t, in)
				got := readN(t, p, 1)
				if len(got) != 1 || !bytes.Equal(got[0], in) {
					t.Fatalf("size %d: read %d frames, first %d bytes; want the frame sent", size, len(got), lenFirst(got))
				}
				out := testFrame(hostMAC, switchMAC, uint32(i), size)
				if n, err := p.Write([][]byte{out}); n != 1 || err != nil {
					t.Fatalf("size %d: Write = %d, %v", size, n, err)
				}
				if f := ps.recvTest(t); !bytes.Equal(f, out) {
					t.Fatalf("size %d: the host received %d bytes, not the frame written", size, len(f))
				}
			}
			// Beyond the MTU: dropped and counted, not an error.
			big := testFrame(hostMAC, switchMAC, 99, mtu+14+1)
			if n, err := p.Write([][]byte{big}); n != 0 || err != nil || p.Stats().TxErrors != 1 {
				t.Errorf("Write of a giant: n=%d err=%v stats %+v; want a counted drop", n, err, p.Stats())
			}
		})
	}
}

func lenFirst(fs [][]byte) int {
	if len(fs) == 0 {
		return 0
	}
	return len(fs[0])
}

// TestVLANTagsKept: the kernel strips a received frame's outer tag into
// metadata; Read puts it back, with its TPID and priority, and a written
// tagged frame leaves tagged.
func TestVLANTagsKept(t *testing.T) {
	l := newVethLab(t, 0)
	p := l.open(t, Config{})
	ps := newPacketSocket(t, l.ns, l.peer)
	base := testFrame(switchMAC, hostMAC, 7, 100)
	for _, tags := range [][]uint16{
		{0x8100, 10},
		{0x8100, 0xa000 | 4094}, // priority 5
		{0x8100, 0},             // priority-tagged
		{0x88a8, 100, 0x8100, 20},
		{0x8100, 30, 0x8100, 40},
	} {
		in := tagged(base, tags...)
		ps.send(t, in)
		got := readN(t, p, 1)
		if len(got) != 1 || !bytes.Equal(got[0], in) {
			t.Errorf("tags %x: read % x\nwant % x", tags, first(got), in)
		}
		out := tagged(testFrame(hostMAC, switchMAC, 8, 100), tags...)
		if n, err := p.Write([][]byte{out}); n != 1 || err != nil {
			t.Fatalf("Write: %d %v", n, err)
		}
		if f := ps.recvTest(t); !bytes.Equal(f, out) {
			t.Errorf("tags %x: the host received % x\nwant % x", tags, f, out)
		}
	}
}

func first(fs [][]byte) []byte {
	if len(fs) == 0 {
		return nil
	}
	return fs[0]
}

// TestNoSelfHearing: what the port writes never comes back on its Read.
func TestNoSelfHearing(t *testing.T) {
	l := newVethLab(t, 0)
	p := l.open(t, Config{})
	ps := newPacketSocket(t, l.ns, l.peer)
	var out [][]byte
	for i := range 32 {
		out = append(out, testFrame(hostMAC, switchMAC, uint32(i), 80))
	}
	if n, err := p.Write(out); n != len(out) || err != nil {
		t.Fatalf("Write: %d %v", n, err)
	}
	for range out {
		ps.recvTest(t)
	}
	// The first frame Read returns must be the host's marker, sent after
	// the writes: none of ours came back before it.
	marker := testFrame(switchMAC, hostMAC, 1000, 60)
	time.Sleep(20 * time.Millisecond)
	ps.send(t, marker)
	got := readN(t, p, 1)
	if len(got) != 1 || !bytes.Equal(got[0], marker) {
		t.Errorf("Read returned %d frames, first seq %v; want only the host's marker", len(got), seqOf(first(got)))
	}
}

func seqOf(f []byte) any {
	if s, ok := testSeq(f); ok {
		return s
	}
	return "none"
}

// TestBatchRead: frames that arrive together are handed over in one ring
// block, and one Read returns up to len(bufs) of them, in order. The
// kernel's retire timer runs on its own clock, so a burst may straddle two
// blocks; the assertions hold either way.
func TestBatchRead(t *testing.T) {
	l := newVethLab(t, 0)
	p := l.open(t, Config{Timeout: 100})
	ps := newPacketSocket(t, l.ns, l.peer)
	const sent = 200
	for i := range sent {
		ps.send(t, testFrame(switchMAC, hostMAC, uint32(i), 60+i))
	}
	var all [][]byte
	reads, most := 0, 0
	for len(all) < sent && reads < 10 {
		r := waitRead(t, readAsync(p, 64), promptly)
		if r.err != nil {
			t.Fatal(r.err)
		}
		reads++
		most = max(most, len(r.frames))
		all = append(all, r.frames...)
	}
	// At most two blocks: at most ceil(a/64)+ceil(b/64) reads, and one
	// block holds at least 100 frames, so one Read was full.
	if len(all) != sent || reads > 5 || most != 64 {
		t.Fatalf("read %d of %d frames in %d Reads, at most %d at once; want full batches of 64", len(all), sent, reads, most)
	}
	for i, f := range all {
		if s, _ := testSeq(f); s != uint32(i) || len(f) != 60+i {
			t.Fatalf("frame %d: seq %d len %d", i, s, len(f))
		}
	}
	// A batch smaller than the block: the rest waits for the next Read.
	for i := range 5 {
		ps.send(t, testFrame(switchMAC, hostMAC, uint32(i), 60))
	}
	got, full := 0, false
	for got < 5 {
		r := waitRead(t, readAsync(p, 2), promptly)
		if r.err != nil || len(r.frames) > 2 {
			t.Fatalf("Read with 2 buffers: %d frames, %v", len(r.frames), r.err)
		}
		full = full || len(r.frames) == 2
		got += len(r.frames)
	}
	if got != 5 || !full {
		t.Errorf("read %d of 5 frames, a full batch of 2: %v", got, full)
	}
	// Write batches too: one call, many frames.
	var out [][]byte
	for i := range 200 {
		out = append(out, testFrame(hostMAC, switchMAC, uint32(i), 64))
	}
	if n, err := p.Write(out); n != len(out) || err != nil {
		t.Fatalf("Write of 200: %d %v", n, err)
	}
	for i := range out {
		if s, _ := testSeq(ps.recvTest(t)); s != uint32(i) {
			t.Fatalf("host received seq %d as frame %d", s, i)
		}
	}
}

// TestFrameTooBigForBuffer: a frame larger than the caller's buffer is
// dropped and counted; the next one still arrives.
func TestFrameTooBigForBuffer(t *testing.T) {
	l := newVethLab(t, 0)
	p := l.open(t, Config{})
	ps := newPacketSocket(t, l.ns, l.peer)
	ps.send(t, testFrame(switchMAC, hostMAC, 1, 1000))
	ps.send(t, testFrame(switchMAC, hostMAC, 2, 100))
	bufs, sizes := newBufs(4, 500)
	deadline := time.Now().Add(promptly)
	for time.Now().Before(deadline) {
		n, err := p.Read(bufs, sizes, 0)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			if s, _ := testSeq(bufs[0][:sizes[0]]); n != 1 || s != 2 || p.Drops() != 1 {
				t.Errorf("read %d frames, first seq %d, drops %d; want frame 2 and one drop", n, s, p.Drops())
			}
			return
		}
	}
	t.Fatal("nothing read")
}

// TestLinkState: carrier loss (the peer goes down) and an administrative
// down of the netdev are reported through NotifyLink, and frames flow
// again once the link is back.
func TestLinkState(t *testing.T) {
	l := newVethLab(t, 0)
	p := l.open(t, Config{})
	events := make(chan bool, 16)
	if up := p.NotifyLink(func(up bool) { events <- up }); !up {
		t.Fatal("link down right after Open")
	}
	expect := func(want bool, why string) {
		t.Helper()
		select {
		case got := <-events:
			if got != want {
				t.Fatalf("%s: link event %v, want %v", why, got, want)
			}
		case <-time.After(promptly):
			t.Fatalf("%s: no link event", why)
		}
		if p.LinkUp() != want {
			t.Errorf("%s: LinkUp() = %v", why, p.LinkUp())
		}
	}
	l.ns.MustRun("ip", "link", "set", "dev", l.peer, "down")
	expect(false, "peer down (carrier off)")
	l.ns.MustRun("ip", "link", "set", "dev", l.peer, "up")
	expect(true, "peer up")

	ch := readAsync(p, 8) // blocked across the down/up cycle
	time.Sleep(50 * time.Millisecond)
	l.ns.MustRun("ip", "link", "set", "dev", l.sw, "down")
	expect(false, "admin down")
	if n, err := p.Write([][]byte{testFrame(hostMAC, switchMAC, 1, 60)}); n != 0 || err != nil {
		t.Errorf("Write while down: %d %v, want a counted drop", n, err)
	}
	l.ns.MustRun("ip", "link", "set", "dev", l.sw, "up")
	expect(true, "admin up")
	ps := newPacketSocket(t, l.ns, l.peer)
	in := testFrame(switchMAC, hostMAC, 5, 60)
	// The link may need a moment to pass frames after it is up again.
	deadline := time.Now().Add(promptly)
	for {
		ps.send(t, in)
		select {
		case r := <-ch:
			if r.err != nil || len(r.frames) == 0 || !bytes.Equal(r.frames[0], in) {
				t.Fatalf("Read across the down/up cycle: %d frames, %v", len(r.frames), r.err)
			}
			return
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("no frame received after the link came back")
		}
	}
}

// TestDeviceDeleted: deleting the netdev fails a blocked Read with
// ErrDeviceGone and reports the link down.
func TestDeviceDeleted(t *testing.T) {
	l := newVethLab(t, 0)
	p := l.open(t, Config{})
	var down atomic.Bool
	p.NotifyLink(func(up bool) { down.Store(!up) })
	ch := readAsync(p, 4)
	time.Sleep(50 * time.Millisecond)
	l.ns.MustRun("ip", "link", "del", "dev", l.sw)
	r := waitRead(t, ch, promptly)
	if !errors.Is(r.err, ErrDeviceGone) {
		t.Fatalf("Read after ip link del: %v, want ErrDeviceGone", r.err)
	}
	if r := waitRead(t, readAsync(p, 4), promptly); !errors.Is(r.err, ErrDeviceGone) {
		t.Errorf("second Read: %v", r.err)
	}
	if _, err := p.Write([][]byte{testFrame(hostMAC, switchMAC, 1, 60)}); !errors.Is(err, ErrDeviceGone) {
		t.Errorf("Write after ip link del: %v, want ErrDeviceGone", err)
	}
	deadline := time.Now().Add(promptly)
	for !down.Load() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !down.Load() {
		t.Error("no link-down event for a deleted netdev")
	}
	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func TestCloseUnblocksRead(t *testing.T) {
	l := newVethLab(t, 0)
	p := l.open(t, Config{})
	ch := readAsync(p, 4)
	time.Sleep(50 * time.Millisecond)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if r := waitRead(t, ch, promptly); !errors.Is(r.err, port.ErrClosed) {
		t.Errorf("blocked Read after Close: %v, want ErrClosed", r.err)
	}
}

// TestZeroAllocs: the steady-state Read and Write paths allocate nothing.
func TestZeroAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("skipping: the race detector makes sync.Pool drop items, so allocation counts mean nothing")
	}
	l := newVethLab(t, 0)
	p := l.open(t, Config{})
	ps := newPacketSocket(t, l.ns, l.peer)
	in := tagged(testFrame(switchMAC, hostMAC, 1, 128), 0x8100, 10)
	out := [][]byte{testFrame(hostMAC, switchMAC, 2, 128)}
	bufs, sizes := newBufs(8, port.BufferSize)
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
