package cli

import (
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/l2sw/l2sw/cli/term"
	"github.com/l2sw/l2sw/clock"
	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/dataplane/port/mem"
	"github.com/l2sw/l2sw/packet"
	"github.com/l2sw/l2sw/syslog"
)

// carpAdvert is ucarp's advert of VHID 7 from 10.0.0.src (MAC
// 0000.5e00.0007), with the counter given: IPv4, TTL 255, protocol 112
// to 224.0.0.18, both checksums right.
func carpAdvert(src, counter byte) []byte {
	f := make([]byte, 14+20+36)
	copy(f, []byte{0x01, 0x00, 0x5e, 0x00, 0x00, 0x12, 0x00, 0x00, 0x5e, 0x00, 0x00, 0x07, 0x08, 0x00})
	ip := f[14:34]
	ip[0], ip[8], ip[9] = 0x45, 255, 112
	binary.BigEndian.PutUint16(ip[2:], 56)
	copy(ip[12:], []byte{10, 0, 0, src, 224, 0, 0, 18})
	binary.BigEndian.PutUint16(ip[10:], packet.Checksum(ip))
	c := f[34:]
	c[0], c[1], c[3], c[5], c[15] = 0x21, 7, 7, 1, counter
	binary.BigEndian.PutUint16(c[6:], packet.Checksum(c))
	return f
}

// snoopRig is a running switch with mem ports, a Device over it and its
// snooper running, on a manual clock.
type snoopRig struct {
	sw    *dataplane.Switch
	dev   *Device
	clk   *clock.Manual
	ports []*mem.Port
}

func newSnoopRig(t *testing.T) *snoopRig {
	t.Helper()
	r := &snoopRig{clk: clock.NewManual(1000 * time.Second)}
	r.sw = dataplane.New(dataplane.Config{Clock: r.clk, Log: syslog.New()})
	for i := 1; i <= 3; i++ {
		p := mem.New(fmt.Sprintf("GigabitEthernet0/%d", i))
		if err := r.sw.AddPort(p.String()[len("mem:"):], p); err != nil {
			t.Fatal(err)
		}
		r.ports = append(r.ports, p)
	}
	r.sw.Start()
	t.Cleanup(func() { _ = r.sw.Stop() })
	r.dev = NewDevice(r.sw, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go r.dev.RunFHRPSnoop(ctx)
	// The listeners are in place once an advert shows in the table.
	deadline := time.Now().Add(5 * time.Second)
	for r.adverts() == 0 && time.Now().Before(deadline) {
		r.ports[2].Inject(carpAdvert(99, 0))
		time.Sleep(5 * time.Millisecond)
	}
	r.dev.fhrp.mu.Lock()
	r.dev.fhrp.table.Clear()
	r.dev.fhrp.mu.Unlock()
	return r
}

func (r *snoopRig) adverts() uint64 {
	r.dev.fhrp.mu.Lock()
	defer r.dev.fhrp.mu.Unlock()
	return r.dev.fhrp.table.Stats().Adverts
}

// inject sends f into port i (1-based) and waits until the snooper has
// taken it (want: the adverts it has decoded then).
func (r *snoopRig) inject(t *testing.T, i int, f []byte, want uint64) {
	t.Helper()
	r.ports[i-1].Inject(f)
	deadline := time.Now().Add(5 * time.Second)
	for r.adverts() < want && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := r.adverts(); n < want {
		t.Fatalf("the snooper took %d adverts, want %d", n, want)
	}
}

// TestShowPlatformFHRP: CARP adverts from Gi0/1 are rows of `show platform
// fhrp` with their rate; with `fault reflect multicast` on Gi0/1 they are
// flagged as reflected there (syslog and counters); a second master on
// Gi0/2 is a duplicate master, logged once. The adverts are still
// forwarded unchanged.
func TestShowPlatformFHRP(t *testing.T) {
	r := newSnoopRig(t)
	for i := range 10 {
		r.inject(t, 1, carpAdvert(1, byte(i)), uint64(i+1))
		r.clk.Advance(time.Second)
	}
	if got := r.ports[1].Sent(); len(got) < 10 || string(got[len(got)-1]) != string(carpAdvert(1, 9)) {
		t.Errorf("Gi0/2 got %d frames, want the adverts forwarded as they were", len(got))
	}
	want := `FHRP speakers seen in transit: 1
Adverts 10, reflected 0, source MACs on two ports in turn 0, malformed 0, not snooped (queue full) 0

Protocol Grp  Virtual IP      Virtual MAC    State    Pri Interface  Vlan Adv/s Last seen Source          Refl
CARP     7    unknown         0000.5e00.0007 Master     0 Gi0/1         1   1.0 00:00:01  10.0.0.1           0
`
	if got := r.dev.showPlatformFHRP(); got != want {
		t.Errorf("show platform fhrp:\n%s\nwant:\n%s", got, want)
	}

	run := func(lines ...string) {
		t.Helper()
		if res := runLines(r.dev, lines...); res != "" {
			t.Fatalf("%q: %s", lines, res)
		}
	}
	run("configure terminal", "interface gi0/1", "fault reflect multicast", "end")
	for i := 10; i < 13; i++ {
		r.inject(t, 1, carpAdvert(1, byte(i)), uint64(i+1))
		r.clk.Advance(time.Second)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(r.dev.showPlatformFHRP(), "reflected 3,") && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	got := r.dev.showPlatformFHRP()
	if !strings.Contains(got, "Adverts 13, reflected 3,") || !strings.Contains(got, "10.0.0.1           3\n") ||
		!strings.Contains(got, "\nInterface  Reflected adverts\nGi0/1                      3\n") {
		t.Errorf("after reflecting:\n%s", got)
	}
	logs := r.sw.Log().Grep("%FHRP-4-REFLECTED")
	wantLog := "%FHRP-4-REFLECTED: CARP group 7 advert from 10.0.0.1 (0000.5e00.0007) in vlan 1 reflected back to its sender on GigabitEthernet0/1"
	if len(logs) != 1 || !strings.HasSuffix(logs[0], wantLog) {
		t.Errorf("logged %q, want once (rate-limited) %q", logs, wantLog)
	}

	run("configure terminal", "interface gi0/1", "no fault reflect", "end")
	r.inject(t, 2, carpAdvert(2, 0), 14)
	dups := r.sw.Log().Grep("%FHRP-4-DUPLICATE_ACTIVE")
	wantDup := "%FHRP-4-DUPLICATE_ACTIVE: CARP group 7 in vlan 1 has 2 masters: 10.0.0.1 on GigabitEthernet0/1, 10.0.0.2 on GigabitEthernet0/2"
	if len(dups) != 1 || !strings.HasSuffix(dups[0], wantDup) {
		t.Errorf("logged %q, want %q", dups, wantDup)
	}
	if got := r.dev.showPlatformFHRP(); !strings.Contains(got, "\nGroups with more than one active or master:\n  CARP 7 in vlan 1: 10.0.0.1 on Gi0/1, 10.0.0.2 on Gi0/2\n") {
		t.Errorf("with two masters:\n%s", got)
	}
	// Gi0/1's master again: the virtual MAC has come in on the two ports
	// in turn.
	r.inject(t, 1, carpAdvert(1, 20), 15)
	flaps := r.sw.Log().Grep("%FHRP-4-VMAC_FLAP")
	wantFlap := "%FHRP-4-VMAC_FLAP: CARP group 7 virtual MAC 0000.5e00.0007 in vlan 1 is flapping between port Gi0/2 and port Gi0/1"
	if len(flaps) != 1 || !strings.HasSuffix(flaps[0], wantFlap) {
		t.Errorf("logged %q, want %q", flaps, wantFlap)
	}
	run("clear platform fhrp")
	if got := r.dev.showPlatformFHRP(); !strings.HasPrefix(got, "FHRP speakers seen in transit: 0\nAdverts 0,") {
		t.Errorf("after clear platform fhrp:\n%s", got)
	}
}

// runLines runs lines in a batch session and returns the output of a
// refused one ("" when all were accepted).
func runLines(d *Device, lines ...string) string {
	res := term.RunBatch(d.Engine(), lines, term.BatchOptions{})
	if res.Rejected {
		return res.Output
	}
	return ""
}
