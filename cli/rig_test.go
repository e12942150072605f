package cli

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/l2sw/l2sw/cli/term"
	"github.com/l2sw/l2sw/clock"
	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/dataplane/port"
	"github.com/l2sw/l2sw/dataplane/port/mem"
	"github.com/l2sw/l2sw/packet"
	"github.com/l2sw/l2sw/syslog"
)

// rig is a Device over a switch with four mem ports, a manual clock, a
// pinned wall clock and caller-driven receivers (no goroutines).
type rig struct {
	t    testing.TB
	sw   *dataplane.Switch
	dev  *Device
	clk  *clock.Manual
	now  time.Time
	rx   map[string]*dataplane.Receiver
	mem  map[string]*mem.Port
	path string
}

var rigEpoch = time.Date(2026, time.March, 1, 0, 1, 2, 345e6, time.UTC)

func newRig(t testing.TB) *rig { t.Helper(); return newRigN(t, 4) }

// newRigN is newRig with n ports GigabitEthernet0/1..n.
func newRigN(t testing.TB, n int) *rig {
	t.Helper()
	r := &rig{t: t, clk: clock.NewManual(1000 * time.Second), now: rigEpoch, rx: map[string]*dataplane.Receiver{}, mem: map[string]*mem.Port{}}
	log := syslog.New(syslog.WithClock(func() time.Time { return r.now }))
	r.sw = dataplane.New(dataplane.Config{Clock: r.clk, Log: log, BaseMAC: packet.MAC{0x00, 0x1e, 0x14, 0x7a, 0x00, 0x00}})
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("GigabitEthernet0/%d", i)
		p := mem.New(name)
		if err := r.sw.AddPort(name, p); err != nil {
			t.Fatal(err)
		}
		r.mem[name] = p
	}
	for _, name := range r.sw.Ports() {
		rx, err := r.sw.NewReceiver(name)
		if err != nil {
			t.Fatal(err)
		}
		r.rx[name] = rx
	}
	r.path = filepath.Join(t.TempDir(), "startup-config")
	r.dev = NewDevice(r.sw, Options{ConfigPath: r.path, Version: "1.0.0-test", Now: func() time.Time { return r.now }})
	return r
}

// run feeds lines to a batch session (privileged EXEC) with echo.
func (r *rig) run(lines ...string) term.BatchResult {
	return term.RunBatch(r.dev.Engine(), lines, term.BatchOptions{Echo: true})
}

// out runs lines without echo and returns only the output.
func (r *rig) out(lines ...string) string {
	r.t.Helper()
	res := term.RunBatch(r.dev.Engine(), lines, term.BatchOptions{})
	if res.Rejected {
		r.t.Fatalf("%q rejected:\n%s", lines, res.Output)
	}
	return res.Output
}

// send runs one frame received on a port through the pipeline.
func (r *rig) send(ifname string, frame []byte) {
	rx := r.rx[ifname]
	bufs, sizes := rx.Buffers()
	sizes[0] = copy(bufs[0][port.Headroom:], frame)
	rx.Process(1)
}

// sent returns the frames port ifname transmitted since the last call.
func (r *rig) sent(ifname string) [][]byte { return r.mem[ifname].Sent() }

// frame builds an untagged (vlan 0) or tagged Ethernet frame.
func frame(dst, src string, vlan uint16) []byte {
	d, _ := packet.ParseMAC(dst)
	s, _ := packet.ParseMAC(src)
	var b bytes.Buffer
	b.Write(d[:])
	b.Write(s[:])
	if vlan != 0 {
		binary.Write(&b, binary.BigEndian, uint16(0x8100))
		binary.Write(&b, binary.BigEndian, vlan)
	}
	binary.Write(&b, binary.BigEndian, uint16(0x88b5)) // local experimental ethertype
	b.Write(make([]byte, 46))
	return b.Bytes()
}
