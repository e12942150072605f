package e2e

import (
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/packet"
)

// TestUnknownUnicastFloodAndAging: traffic to a host that never spoke is
// flooded (a bystander sees it), stops being flooded once the host speaks,
// and is flooded again after the host's entry ages out.
//
// Nothing else may teach the switch the receiver's address: IPv6 is off,
// the neighbours are static (no ARP), and the receiver listens on the UDP
// port (no ICMP port unreachable back).
func TestUnknownUnicastFloodAndAging(t *testing.T) {
	t.Parallel()
	l := newLab(t)
	const aging = 10 // the IOS minimum
	l.sw.SetMACAgingTime(aging)
	a := l.addHost("a", access(1), "02:00:00:00:03:01", "10.0.0.1/24")
	b := l.addHost("b", access(1), "02:00:00:00:03:02", "10.0.0.2/24")
	c := l.addHost("c", access(1), "02:00:00:00:03:03", "10.0.0.3/24")
	a.staticNeigh("10.0.0.2", b.mac)
	b.staticNeigh("10.0.0.1", a.mac)
	fromA := a.udp("10.0.0.1:5000")
	atB := b.udp("10.0.0.2:5000")
	capC := c.capture()
	toB := func(f frameRecord) bool { return f.dst() == b.mac }

	// send sends a datagram a -> b and waits until b has it, so a frame
	// not seen at c afterwards was really not flooded.
	seq := 0
	send := func() string {
		t.Helper()
		seq++
		msg := fmt.Sprintf("flood-probe-%d", seq)
		sendUDP(t, fromA, "10.0.0.2:5000", msg)
		if err := receiveUDP(atB, msg, promptly); err != nil {
			t.Fatalf("b did not receive a's datagram: %v", err)
		}
		return msg
	}

	// 1. b has never sent a frame: unknown unicast, flooded to c.
	if got := l.macPort(1, b.mac); got != "" {
		t.Fatalf("b is already learned on %s before it sent anything", got)
	}
	msg := send()
	if !capC.waitFor(1, promptly, containsPayload(msg)) {
		t.Fatalf("c did not see a's datagram to unknown b: unknown unicast was not flooded")
	}
	if ac := l.counters(a.port); ac.Get(dataplane.UnknownUnicastFlooded) == 0 {
		t.Errorf("a's port counted no unknown unicast flooded")
	}

	// 2. b speaks; from then on a's frames to b go to b's port only.
	sendUDP(t, atB, "10.0.0.1:5000", "b-speaks")
	if err := receiveUDP(fromA, "b-speaks", promptly); err != nil {
		t.Fatalf("a did not receive b's datagram: %v", err)
	}
	spoke := time.Now()
	if _, ok := l.waitMACPort(1, b.mac, b.port, promptly); !ok {
		t.Fatalf("b was not learned on %s after it spoke (entry on %q)", b.port, l.macPort(1, b.mac))
	}
	capC.reset()
	for range 5 {
		send()
	}
	if got := capC.matching(toB); len(got) != 0 {
		t.Errorf("c saw %d frames addressed to b after b was learned: known unicast flooded", len(got))
	}

	// 3. b stays silent: its entry ages out after the aging time (the
	// switch sweeps every second on a clock with one-second resolution).
	_, ok := l.waitMACPort(1, b.mac, "", (aging+5)*time.Second)
	agedAfter := time.Since(spoke)
	if !ok {
		t.Fatalf("b's entry did not age out %d s after b last spoke (aging time %d s)", aging+5, aging)
	}
	if agedAfter < (aging-2)*time.Second {
		t.Errorf("b's entry aged out %v after b last spoke; the aging time is %d s", agedAfter.Round(time.Millisecond), aging)
	}
	if s := l.sw.MACStats(); s.Aged == 0 {
		t.Errorf("MAC stats count no aged entry: %+v", s)
	}

	// 4. Unknown again: flooded again.
	capC.reset()
	msg = send()
	if !capC.waitFor(1, promptly, containsPayload(msg)) {
		t.Errorf("c did not see a's datagram to b after b's entry aged out: not flooded again")
	}
}

// TestMACMove: the same MAC (and IP) appears behind another port; once it
// sends from there, its entry moves and a third host's traffic follows it.
func TestMACMove(t *testing.T) {
	t.Parallel()
	l := newLab(t)
	const shared = "02:00:00:00:04:01"
	a := l.addHost("a", access(1), shared, "10.0.0.1/24")
	a2 := l.addHost("a2", access(1), shared, "10.0.0.1/24")
	c := l.addHost("c", access(1), "02:00:00:00:04:03", "10.0.0.3/24")
	// Static neighbours: an ARP request for 10.0.0.1 would be answered by
	// both a and a2 and make the entry flap instead of move once.
	for _, h := range []*host{a, a2} {
		h.staticNeigh("10.0.0.3", c.mac)
	}
	c.staticNeigh("10.0.0.1", a.mac)
	capA, capA2 := a.capture(), a2.capture()
	fromC := func(f frameRecord) bool { return f.src() == c.mac }

	a.mustPing("10.0.0.3")
	if got := l.macPort(1, a.mac); got != a.port {
		t.Fatalf("the shared MAC is on %q after a spoke, want %s", got, a.port)
	}
	if len(capA.matching(fromC)) == 0 {
		t.Fatalf("a saw no reply from c")
	}
	if got := capA2.matching(fromC); len(got) != 0 {
		t.Errorf("a2 saw %d frames from c while the MAC was learned on a's port", len(got))
	}
	moved := l.sw.MACStats().Moved

	// a stays silent (its link stays up, so it would see misdirected
	// frames); a2 speaks from the other port.
	capA.reset()
	a2.mustPing("10.0.0.3")
	if got := l.macPort(1, a.mac); got != a2.port {
		t.Fatalf("the shared MAC is on %q after a2 spoke, want %s (it should have moved)", got, a2.port)
	}
	if s := l.sw.MACStats(); s.Moved <= moved {
		t.Errorf("MAC stats Moved = %d, want more than %d after the move", s.Moved, moved)
	}
	entries, err := l.sw.MACEntries(dataplane.MACFilter{MAC: a.mac, HasMAC: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Port != a2.port {
		t.Errorf("entries for the shared MAC:%s\nwant exactly one, on %s", macs(entries), a2.port)
	}

	// c's own traffic to the MAC (not replies) follows it to a2's port.
	capA2.reset()
	c.mustPing("10.0.0.1")
	if !capA2.waitFor(1, promptly, fromC) {
		t.Errorf("a2 received nothing from c after the move")
	}
	if got := capA.matching(fromC); len(got) != 0 {
		t.Errorf("a (the old port) received %d frames from c after the MAC moved away: %v", len(got), got)
	}
}

// TestZeroSourceMAC: a frame with source 0000.0000.0000 is forwarded to its
// destination but never learned, and the switch logs the Catalyst warning.
func TestZeroSourceMAC(t *testing.T) {
	t.Parallel()
	l := newLab(t)
	a := l.addHost("a", access(1), "02:00:00:00:05:01", "10.0.0.1/24")
	b := l.addHost("b", access(1), "02:00:00:00:05:02", "10.0.0.2/24")
	a.mustPing("10.0.0.2") // both learned: the frame below is known unicast
	capB := b.capture()

	const marker = "l2sw-zero-source-probe"
	f := make([]byte, 64)
	copy(f[0:6], b.mac[:])
	// f[6:12] stays all zero: the source.
	binary.BigEndian.PutUint16(f[12:], 0x88b5) // IEEE local experimental
	copy(f[14:], marker)
	a.sendRaw(f)

	if !capB.waitFor(1, promptly, containsPayload(marker)) {
		t.Fatalf("b did not receive the zero-source frame")
	}
	got := capB.matching(containsPayload(marker))[0]
	if got.src() != (packet.MAC{}) {
		t.Errorf("b received the frame with source %s, want it unmodified (0000.0000.0000)", got.src())
	}
	if entries, err := l.sw.MACEntries(dataplane.MACFilter{MAC: packet.MAC{}, HasMAC: true}); err != nil || len(entries) != 0 {
		t.Errorf("the zero MAC is in the table:%s (err %v)", macs(entries), err)
	}
	if got := l.macPort(1, packet.MAC{}); got != "" {
		t.Errorf("the zero MAC was learned on %s", got)
	}
	if s := l.sw.MACStats(); s.FilteredZero == 0 {
		t.Errorf("MAC stats count no filtered zero source: %+v", s)
	}
	if ac := l.counters(a.port); ac.Get(dataplane.ZeroSourceForwarded) != 1 {
		t.Errorf("a's port counted %d zero-source frames forwarded, want 1", ac.Get(dataplane.ZeroSourceForwarded))
	}
	want := "%SYS-4-P2_WARN: 1/Filtering MAC address 00-00-00-00-00-00 on port Gi0/1 from host table"
	if lines := l.sw.Log().Grep("P2_WARN"); len(lines) != 1 || !strings.HasSuffix(lines[0], want) {
		t.Errorf("switch log has %q, want one line ending in %q", lines, want)
	}
}
