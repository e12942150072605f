package e2e

import (
	"bytes"
	"io"
	"math/rand/v2"
	"net"
	"testing"
	"time"

	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/dataplane/port/tap"
)

// tcpTransfer sends size pseudo-random bytes from h to dst:port over TCP
// (a Go client and server whose sockets live in the hosts' namespaces) and
// fails the test unless every byte arrives intact.
func tcpTransfer(t *testing.T, from, to *host, dstIP string, size int) {
	t.Helper()
	var ln net.Listener
	if err := to.ns.Do(func() (err error) { ln, err = net.Listen("tcp4", dstIP+":0"); return err }); err != nil {
		t.Fatalf("%s: listen: %v", to.name, err)
	}
	defer ln.Close()
	got := make(chan []byte, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- nil
			return
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(30 * time.Second))
		b, _ := io.ReadAll(c)
		got <- b
	}()
	data := make([]byte, size)
	rng := rand.New(rand.NewPCG(uint64(size), 1))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	var conn net.Conn
	if err := from.ns.Do(func() (err error) {
		conn, err = net.DialTimeout("tcp4", ln.Addr().String(), promptly)
		return err
	}); err != nil {
		t.Fatalf("%s: dial %s: %v", from.name, ln.Addr(), err)
	}
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := conn.Write(data); err != nil {
		t.Fatalf("%s: write: %v", from.name, err)
	}
	_ = conn.Close()
	b := <-got
	if !bytes.Equal(b, data) {
		t.Fatalf("%s -> %s: received %d bytes, want the %d sent, intact", from.name, to.name, len(b), len(data))
	}
}

// TestTCPOffload: TCP between two vnet TAPs crosses the switch as
// super-frames (the ingress port's average frame is far above the MTU) and
// arrives intact; to a plain (vnet=off) TAP the switch segments them and
// the transfer arrives intact too.
func TestTCPOffload(t *testing.T) {
	l := newLab(t)
	a := l.addHostTap("A", tap.Config{Vnet: tap.VnetOn}, access(1), "02:00:00:00:0a:01", "10.88.0.1/24")
	b := l.addHostTap("B", tap.Config{Vnet: tap.VnetOn}, access(1), "02:00:00:00:0a:02", "10.88.0.2/24")
	c := l.addHostTap("C", tap.Config{Vnet: tap.VnetOff}, access(1), "02:00:00:00:0a:03", "10.88.0.3/24")
	a.mustPing("10.88.0.2")
	a.mustPing("10.88.0.3")
	const size = 8 << 20

	before := l.counters(a.port)
	tcpTransfer(t, a, b, "10.88.0.2", size)
	after := l.counters(a.port)
	frames, bytes := after.Get(dataplane.RxFrames)-before.Get(dataplane.RxFrames), after.Get(dataplane.RxBytes)-before.Get(dataplane.RxBytes)
	if frames == 0 || bytes/frames < 3000 {
		t.Errorf("A's port received %d bytes in %d frames: no super-frames, offloads are not in use", bytes, frames)
	} else {
		t.Logf("A -> B: %d bytes in %d frames (average %d)", bytes, frames, bytes/frames)
	}

	// To the plain TAP: A's super-frames are segmented by the switch.
	before = l.counters(c.port)
	tcpTransfer(t, a, c, "10.88.0.3", size)
	after = l.counters(c.port)
	if e := after.Get(dataplane.TxErrors) - before.Get(dataplane.TxErrors); e != 0 {
		t.Errorf("%d transmit errors toward the plain TAP", e)
	}
	// And the other way: plain frames from C to an offload port.
	tcpTransfer(t, c, b, "10.88.0.2", size)
}
