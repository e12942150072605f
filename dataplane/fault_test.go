package dataplane

import (
	"errors"
	"testing"
	"time"

	"github.com/l2sw/l2sw/dataplane/port"
	"github.com/l2sw/l2sw/dataplane/port/fault"
	"github.com/l2sw/l2sw/dataplane/port/mem"
	"github.com/l2sw/l2sw/packet"
)

// TestPortFaultsOnARunningSwitch: faults set on a port act on the frames
// its backend delivers and takes, while the switch runs: a multicast frame
// from Gi0/1 with `reflect multicast` comes back to Gi0/1 and is still
// flooded; with `drop 100 out` on Gi0/2 nothing reaches Gi0/2. Removing
// the faults restores plain forwarding, and each fault's count says what
// it did.
func TestPortFaultsOnARunningSwitch(t *testing.T) {
	sw := New(Config{})
	ports := make([]*mem.Port, 3)
	for i := range ports {
		ports[i] = mem.New(ifName(i + 1))
		if err := sw.AddPort(ifName(i+1), ports[i]); err != nil {
			t.Fatal(err)
		}
	}
	sw.Start()
	defer func() { _ = sw.Stop() }()
	if err := sw.SetPortFaults(ifName(1), fault.Config{Reflect: fault.ReflectMulticast}); err != nil {
		t.Fatal(err)
	}
	if err := sw.SetPortFaults(ifName(2), fault.Config{Out: fault.Faults{Drop: 100}}); err != nil {
		t.Fatal(err)
	}
	mcast := testFrame(t, "0100.5e00.0012", "0000.5e00.0101")
	waitTx := func(p *mem.Port, n uint64) bool {
		deadline := time.Now().Add(2 * time.Second)
		for p.TxFrames() < n && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		return p.TxFrames() >= n
	}
	ports[0].Inject(mcast)
	if !waitTx(ports[2], 1) || !waitTx(ports[0], 1) {
		t.Fatalf("tx Gi0/1 %d Gi0/3 %d: want the frame reflected to Gi0/1 and flooded to Gi0/3", ports[0].TxFrames(), ports[2].TxFrames())
	}
	time.Sleep(20 * time.Millisecond)
	if n := ports[1].TxFrames(); n != 0 {
		t.Errorf("Gi0/2 with drop 100 out sent %d frames", n)
	}
	c, st, err := sw.PortFaults(ifName(1))
	if err != nil || c.Reflect != fault.ReflectMulticast || st.Reflected != 1 {
		t.Errorf("PortFaults(Gi0/1) = %+v, %+v, %v", c, st, err)
	}
	if _, st, _ := sw.PortFaults(ifName(2)); st.Out.Dropped != 1 {
		t.Errorf("Gi0/2 dropped %d, want 1", st.Out.Dropped)
	}

	for i := 1; i <= 2; i++ {
		if err := sw.SetPortFaults(ifName(i), fault.Config{}); err != nil {
			t.Fatal(err)
		}
	}
	ports[0].Inject(mcast)
	if !waitTx(ports[1], 1) || !waitTx(ports[2], 2) {
		t.Errorf("without faults: tx Gi0/2 %d Gi0/3 %d, want the flood on both", ports[1].TxFrames(), ports[2].TxFrames())
	}
	time.Sleep(20 * time.Millisecond)
	if n := ports[0].TxFrames(); n != 1 {
		t.Errorf("Gi0/1 sent %d frames, want only the one reflected before", n)
	}

	if err := sw.SetPortFaults("GigabitEthernet0/9", fault.Config{}); !errors.Is(err, ErrNoSuchPort) {
		t.Errorf("SetPortFaults(Gi0/9) = %v, want ErrNoSuchPort", err)
	}
	if err := sw.SetPortFaults(ifName(1), fault.Config{In: fault.Faults{Drop: 200}}); !errors.Is(err, fault.ErrBadConfig) {
		t.Errorf("drop 200 = %v, want ErrBadConfig", err)
	}
}

// testFrame is a 64-byte frame of the local experimental EtherType.
func testFrame(t *testing.T, dst, src string) []byte {
	t.Helper()
	d, err := packet.ParseMAC(dst)
	if err != nil {
		t.Fatal(err)
	}
	s, err := packet.ParseMAC(src)
	if err != nil {
		t.Fatal(err)
	}
	f := make([]byte, 64)
	copy(f, d[:])
	copy(f[6:], s[:])
	f[12], f[13] = 0x88, 0xb5
	return f
}

// TestPortFaultsOnEveryQueue: on a multi-queue port every queue is
// wrapped by the port's one injector: `drop 100 out` loses what either
// worker writes, and the counts add up across queues.
func TestPortFaultsOnEveryQueue(t *testing.T) {
	sw := New(Config{})
	a, _ := newMultiQueue("a", 2)
	b, bq := newMultiQueue("b", 2)
	for i, p := range []*multiQueue{a, b} {
		if err := sw.AddPort(ifName(i+1), p); err != nil {
			t.Fatal(err)
		}
	}
	sw.mu.Lock()
	in := sw.ports[0]
	rs := []*Receiver{sw.newReceiverLocked(in.id, in.queues[0], 0), sw.newReceiverLocked(in.id, in.queues[1], 1)}
	sw.mu.Unlock()
	if err := sw.SetPortFaults(ifName(2), fault.Config{Out: fault.Faults{Drop: 100}}); err != nil {
		t.Fatal(err)
	}
	f := testFrame(t, "ffff.ffff.ffff", "0200.0000.0001")
	for _, r := range rs {
		defer r.Close()
		bufs, sizes := r.Buffers()
		sizes[0] = copy(bufs[0][port.Headroom:], f)
		r.Process(1)
	}
	if n0, n1 := len(bq[0].Sent()), len(bq[1].Sent()); n0 != 0 || n1 != 0 {
		t.Errorf("B's queues sent %d and %d frames under drop 100 out", n0, n1)
	}
	if _, st, _ := sw.PortFaults(ifName(2)); st.Out.Dropped != 2 {
		t.Errorf("dropped %d, want 2 (one per queue)", st.Out.Dropped)
	}
}
