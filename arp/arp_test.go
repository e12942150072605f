package arp

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/l2sw/l2sw/packet"
)

const (
	vl10 IfID = 10
	vl20 IfID = 20
	sec       = int64(time.Second)
)

var (
	ourMAC  = packet.MAC{0xc8, 0x00, 0x84, 0xd3, 0x99, 0x46}
	hostA   = packet.MAC{0x00, 0x11, 0x22, 0x33, 0x44, 0x55}
	hostB   = packet.MAC{0x00, 0x11, 0x22, 0x33, 0x44, 0x66}
	nlbMAC  = packet.MAC{0x03, 0xbf, 0x0a, 0x01, 0x01, 0x63}
	ip      = netip.MustParseAddr
	pfx     = netip.MustParsePrefix
	svi10IP = ip("10.1.1.1")
)

type recorder struct{ ev []Event }

func (r *recorder) handle(e Event) { r.ev = append(r.ev, e) }

func (r *recorder) kinds() []EventKind {
	var k []EventKind
	for _, e := range r.ev {
		k = append(k, e.Kind)
	}
	return k
}

func newTable(t *testing.T, cfg Config) (*Table, *recorder) {
	t.Helper()
	tb := New(cfg)
	c10 := DefaultIfConfig("Vlan10", ourMAC, pfx("10.1.1.1/24"), pfx("10.1.2.1/24"))
	if err := tb.SetInterface(vl10, c10, sec); err != nil {
		t.Fatal(err)
	}
	if err := tb.SetInterface(vl20, DefaultIfConfig("Vlan20", ourMAC, pfx("10.2.2.1/24")), sec); err != nil {
		t.Fatal(err)
	}
	r := &recorder{}
	tb.SetHandler(r.handle)
	return tb, r
}

func req(in IfID, smac packet.MAC, sip, tip string) Packet {
	return Packet{If: in, Op: OpRequest, SenderMAC: smac, SenderIP: ip(sip), TargetIP: ip(tip), Broadcast: true}
}

func rep(in IfID, smac packet.MAC, sip, tip string) Packet {
	return Packet{If: in, Op: OpReply, SenderMAC: smac, SenderIP: ip(sip), TargetMAC: ourMAC, TargetIP: ip(tip), ToUs: true}
}

func TestWrongCableFilterDebugLine(t *testing.T) {
	tb, r := newTable(t, Config{})
	// 10.1.1.5 is not in Vlan20's 10.2.2.0/24: a host on the wrong cable.
	d := tb.Receive(req(vl20, hostA, "10.1.1.5", "10.2.2.1"), 2*sec)
	if !d.Filtered || d.Reason != ReasonWrongCable {
		t.Fatalf("decision %+v, want wrong cable", d)
	}
	if d.Reply {
		t.Fatal("a filtered request must not be answered")
	}
	if _, ok := tb.Lookup(ip("10.1.1.5")); ok {
		t.Fatal("filtered sender learned")
	}
	if got := tb.Stats().FilteredBy(ReasonWrongCable); got != 1 {
		t.Fatalf("wrong cable counter %d", got)
	}
	// The event carries what the `debug arp` line prints ("IP ARP req
	// filtered src 10.1.1.5 0011.2233.4455, dst 10.2.2.1 0000.0000.0000 wrong
	// cable, interface Vlan20"); the switch writes the text
	// (dataplane/events_test.go).
	want := Event{Kind: EventFiltered, If: vl20, IfName: "Vlan20", IP: ip("10.1.1.5"), MAC: hostA,
		Reason: ReasonWrongCable, Op: OpRequest, TargetIP: ip("10.2.2.1")}
	if len(r.ev) != 1 || r.ev[0] != want {
		t.Fatalf("events %+v, want %+v", r.ev, want)
	}
	// A secondary subnet is not the wrong cable.
	if d := tb.Receive(req(vl10, hostA, "10.1.2.9", "10.1.2.1"), 2*sec); d.Filtered || !d.Reply {
		t.Fatalf("secondary subnet sender: %+v", d)
	}
}

func TestRequestForUsRepliesAndLearns(t *testing.T) {
	tb, r := newTable(t, Config{})
	d := tb.Receive(req(vl10, hostA, "10.1.1.5", "10.1.1.1"), 2*sec)
	if !d.Reply || d.ReplyMAC != ourMAC || d.Change != Created {
		t.Fatalf("decision %+v", d)
	}
	e, ok := tb.Lookup(ip("10.1.1.5"))
	if !ok || e.MAC != hostA || e.Type != Dynamic || e.If != vl10 || e.IfName != "Vlan10" || e.Updated != 2*sec {
		t.Fatalf("entry %+v", e)
	}
	if len(r.ev) != 1 || r.ev[0].Kind != EventAdded || r.ev[0].MAC != hostA {
		t.Fatalf("events %+v", r.ev)
	}
	// Same sender again: refresh, no event.
	d = tb.Receive(req(vl10, hostA, "10.1.1.5", "10.1.1.1"), 9*sec)
	if d.Change != Refreshed || len(r.ev) != 1 {
		t.Fatalf("refresh: %+v events %d", d, len(r.ev))
	}
	if e, _ := tb.Lookup(ip("10.1.1.5")); e.Updated != 9*sec {
		t.Fatalf("not refreshed: %+v", e)
	}
	// New MAC on a request to us: followed, whatever the gratuitous policy.
	d = tb.Receive(req(vl10, hostB, "10.1.1.5", "10.1.1.1"), 10*sec)
	if d.Change != Updated || r.ev[1].Kind != EventUpdated || r.ev[1].OldMAC != hostA || r.ev[1].MAC != hostB {
		t.Fatalf("update: %+v %+v", d, r.ev)
	}
}

func TestRequestForOtherHostDoesNotCreate(t *testing.T) {
	tb, _ := newTable(t, Config{})
	d := tb.Receive(req(vl10, hostA, "10.1.1.5", "10.1.1.77"), 2*sec)
	if d.Reply || d.Change != NoChange || d.Reason != ReasonNotForUs {
		t.Fatalf("decision %+v", d)
	}
	if _, ok := tb.Lookup(ip("10.1.1.5")); ok {
		t.Fatal("entry created from a request for another host")
	}
	// But an existing entry is refreshed by it (documented choice).
	tb.Receive(req(vl10, hostA, "10.1.1.5", "10.1.1.1"), 3*sec)
	if d := tb.Receive(req(vl10, hostA, "10.1.1.5", "10.1.1.77"), 50*sec); d.Change != Refreshed {
		t.Fatalf("existing entry not refreshed: %+v", d)
	}
}

func TestReplyNotForUsFiltered(t *testing.T) {
	tb, _ := newTable(t, Config{})
	d := tb.Receive(rep(vl10, hostA, "10.1.1.5", "10.1.1.99"), 2*sec)
	if !d.Filtered || d.Reason != ReasonReplyNotForUs {
		t.Fatalf("decision %+v", d)
	}
	if tb.Stats().FilteredBy(ReasonReplyNotForUs) != 1 {
		t.Fatal("not counted")
	}
}

func TestMulticastSenderNeverLearnedButStaticAllowed(t *testing.T) {
	tb, _ := newTable(t, Config{})
	d := tb.Receive(req(vl10, nlbMAC, "10.1.1.99", "10.1.1.1"), 2*sec)
	if !d.Filtered || d.Reason != ReasonMulticastSender || d.Reply {
		t.Fatalf("decision %+v", d)
	}
	if _, ok := tb.Lookup(ip("10.1.1.99")); ok {
		t.Fatal("multicast MAC installed dynamically")
	}
	if err := tb.AddStatic(ip("10.1.1.99"), nlbMAC, 3*sec); err != nil {
		t.Fatal(err)
	}
	e, ok := tb.Lookup(ip("10.1.1.99"))
	if !ok || e.MAC != nlbMAC || e.Type != Static || e.IfName != "Vlan10" {
		t.Fatalf("static %+v", e)
	}
	// ARP from the cluster never overrides the static entry.
	if d := tb.Receive(req(vl10, hostA, "10.1.1.99", "10.1.1.1"), 4*sec); d.Change != NoChange || d.Reason != ReasonConfigured || !d.Reply {
		t.Fatalf("static overridden: %+v", d)
	}
	if err := tb.AddStatic(svi10IP, hostA, 4*sec); err == nil {
		t.Fatal("static for our own address accepted")
	}
	if err := tb.RemoveStatic(ip("10.1.1.99")); err != nil {
		t.Fatal(err)
	}
	if err := tb.RemoveStatic(ip("10.1.1.99")); err == nil {
		t.Fatal("second removal succeeded")
	}
}

func TestGratuitousClassificationAndCounters(t *testing.T) {
	tb, _ := newTable(t, Config{})
	probe := req(vl10, hostA, "0.0.0.0", "10.1.1.1")
	if d := tb.Receive(probe, 2*sec); d.Gratuitous != Probe || !d.Reply || d.Change != NoChange {
		t.Fatalf("probe for our address: %+v", d)
	}
	if d := tb.Receive(req(vl10, hostA, "0.0.0.0", "10.1.1.7"), 2*sec); d.Gratuitous != Probe || d.Reply {
		t.Fatalf("probe for other: %+v", d)
	}
	if d := tb.Receive(req(vl10, hostA, "10.1.1.7", "10.1.1.7"), 2*sec); d.Gratuitous != Announcement {
		t.Fatalf("announcement: %+v", d)
	}
	if d := tb.Receive(rep(vl10, hostA, "10.1.1.7", "10.1.1.7"), 2*sec); d.Gratuitous != GratuitousReply {
		t.Fatalf("gratuitous reply: %+v", d)
	}
	// A reply to us that we never asked for is gratuitous too.
	if d := tb.Receive(rep(vl10, hostA, "10.1.1.8", "10.1.1.1"), 2*sec); d.Gratuitous != GratuitousReply {
		t.Fatalf("unsolicited reply: %+v", d)
	}
	s := tb.Stats()
	if s.GratuitousBy(Probe) != 2 || s.GratuitousBy(Announcement) != 1 || s.GratuitousBy(GratuitousReply) != 2 {
		t.Fatalf("counters %+v", s.GratuitousRx)
	}
	// None of those created an entry.
	for _, a := range []string{"10.1.1.7", "10.1.1.8", "0.0.0.0"} {
		if _, ok := tb.Lookup(ip(a)); ok {
			t.Fatalf("gratuitous created %s", a)
		}
	}
	// A solicited reply is not gratuitous and creates the entry.
	res := tb.Resolve(vl10, ip("10.1.1.9"), nil, 3*sec)
	if !res.Send {
		t.Fatalf("resolve %+v", res)
	}
	d := tb.Receive(rep(vl10, hostB, "10.1.1.9", "10.1.1.1"), 4*sec)
	if d.Gratuitous != NotGratuitous || d.Change != Created {
		t.Fatalf("solicited reply: %+v", d)
	}
}

// The §4 field outage: active/standby failover announced by gratuitous ARP.
func TestGratuitousUpdatePolicy(t *testing.T) {
	for _, update := range []bool{true, false} {
		tb, r := newTable(t, Config{})
		cfg := DefaultIfConfig("Vlan10", ourMAC, pfx("10.1.1.1/24"))
		cfg.GratuitousUpdate = update
		cfg.Timeout = 20 * time.Minute
		if err := tb.SetInterface(vl10, cfg, sec); err != nil {
			t.Fatal(err)
		}
		tb.Receive(req(vl10, hostA, "10.1.1.50", "10.1.1.1"), 2*sec) // old active learned
		r.ev = nil
		d := tb.Receive(rep(vl10, hostB, "10.1.1.50", "10.1.1.50"), 100*sec) // standby takes over
		e, _ := tb.Lookup(ip("10.1.1.50"))
		if update {
			if d.Change != Updated || e.MAC != hostB || len(r.ev) != 1 || r.ev[0].Kind != EventUpdated {
				t.Fatalf("update on: %+v entry %+v events %+v", d, e, r.ev)
			}
			continue
		}
		if d.Change != NoChange || d.Reason != ReasonGratuitousRefused || e.MAC != hostA || e.Updated != 2*sec {
			t.Fatalf("update off: %+v entry %+v", d, e)
		}
		if tb.Stats().FilteredBy(ReasonGratuitousRefused) != 1 {
			t.Fatal("refusal not counted")
		}
		// The old MAC stays until the timeout; then the entry ages out and
		// the new active is learned on the next resolution.
		if n := tb.Age(2*sec + int64(20*time.Minute) - 1); n != 0 {
			t.Fatal("aged early")
		}
		if n := tb.Age(2*sec + int64(20*time.Minute)); n != 1 {
			t.Fatal("did not age out")
		}
	}
}

func TestAgingAndRefresh(t *testing.T) {
	tb, r := newTable(t, Config{RefreshWindow: 60 * time.Second})
	cfg := DefaultIfConfig("Vlan10", ourMAC, pfx("10.1.1.1/24"))
	cfg.Timeout = 300 * time.Second
	if err := tb.SetInterface(vl10, cfg, sec); err != nil {
		t.Fatal(err)
	}
	tb.Receive(req(vl10, hostA, "10.1.1.5", "10.1.1.1"), 0)
	if got := tb.DueForRefresh(239 * sec); len(got) != 0 {
		t.Fatalf("refresh too early: %+v", got)
	}
	got := tb.DueForRefresh(240 * sec)
	if len(got) != 1 || got[0].IP != ip("10.1.1.5") || got[0].Unicast != hostA {
		t.Fatalf("refresh %+v", got)
	}
	if again := tb.DueForRefresh(241 * sec); len(again) != 0 {
		t.Fatalf("refresh not rate-limited: %+v", again)
	}
	if again := tb.DueForRefresh(255 * sec); len(again) != 1 {
		t.Fatalf("second refresh attempt missing: %+v", again)
	}
	// The host answers the refresh: solicited, entry refreshed.
	d := tb.Receive(rep(vl10, hostA, "10.1.1.5", "10.1.1.1"), 256*sec)
	if d.Gratuitous != NotGratuitous || d.Change != Refreshed {
		t.Fatalf("refresh reply %+v", d)
	}
	if n := tb.Age(300 * sec); n != 0 {
		t.Fatal("refreshed entry aged")
	}
	r.ev = nil
	if n := tb.Age(556 * sec); n != 1 {
		t.Fatal("entry did not age")
	}
	if len(r.ev) != 1 || r.ev[0].Kind != EventAged || r.ev[0].IP != ip("10.1.1.5") {
		t.Fatalf("events %+v", r.ev)
	}
	// Timeout 0: never ages.
	cfg.Timeout = 0
	tb.SetInterface(vl10, cfg, sec)
	tb.Receive(req(vl10, hostA, "10.1.1.6", "10.1.1.1"), 0)
	if tb.Age(1<<62) != 0 || len(tb.DueForRefresh(1<<62)) != 0 {
		t.Fatal("timeout 0 aged or refreshed")
	}
	cfg.Timeout = (MaxTimeoutSeconds + 1) * time.Second
	if err := tb.SetInterface(vl10, cfg, sec); err == nil {
		t.Fatal("timeout out of range accepted")
	}
}

func TestResolveIncompleteRetriesHoldDownAndQueue(t *testing.T) {
	tb, r := newTable(t, Config{RetryInterval: time.Second, MaxRetries: 3, HoldDown: 20 * time.Second, QueuePackets: 2})
	target := ip("10.1.1.40")
	res := tb.Resolve(vl10, target, []byte{1}, 10*sec)
	if res.Resolved || !res.Send || !res.Queued || res.Request.IP != target || res.Request.IfName != "Vlan10" {
		t.Fatalf("first resolve %+v", res)
	}
	if r.ev[0].Kind != EventIncomplete {
		t.Fatalf("events %+v", r.ev)
	}
	if e, _ := tb.Lookup(target); e.Type != Incomplete {
		t.Fatalf("entry %+v", e)
	}
	// Rate limit: no second request within the interval; 2 packets max.
	res = tb.Resolve(vl10, target, []byte{2}, 10*sec+int64(500*time.Millisecond))
	if res.Send || !res.Queued {
		t.Fatalf("second resolve %+v", res)
	}
	res = tb.Resolve(vl10, target, []byte{3}, 10*sec+int64(600*time.Millisecond))
	if tb.Stats().QueueDrops != 1 {
		t.Fatalf("queue overflow not counted: %+v", tb.Stats())
	}
	if res = tb.Resolve(vl10, target, nil, 11*sec); !res.Send {
		t.Fatalf("retry after interval %+v", res)
	}
	if res = tb.Resolve(vl10, target, nil, 12*sec); !res.Send {
		t.Fatalf("third try %+v", res)
	}
	// Fourth: give up, hold down, queued packets dropped.
	res = tb.Resolve(vl10, target, nil, 13*sec)
	if res.Send || !res.HeldDown {
		t.Fatalf("after max retries %+v", res)
	}
	s := tb.Stats()
	if s.ResolutionFailed != 1 || s.QueueDrops != 3 || s.RequestsTx != 3 {
		t.Fatalf("stats %+v", s)
	}
	if res = tb.Resolve(vl10, target, []byte{4}, 20*sec); !res.HeldDown || res.Queued || res.Send {
		t.Fatalf("during hold-down %+v", res)
	}
	if res = tb.Resolve(vl10, target, []byte{5}, 33*sec); !res.Send || !res.Queued {
		t.Fatalf("after hold-down %+v", res)
	}
	// The answer releases the queued packet (a copy).
	d := tb.Receive(rep(vl10, hostA, "10.1.1.40", "10.1.1.1"), 33*sec+1)
	if d.Change != Created || len(d.Released) != 1 || !bytes.Equal(d.Released[0], []byte{5}) {
		t.Fatalf("release %+v", d)
	}
	if res = tb.Resolve(vl10, target, nil, 34*sec); !res.Resolved || res.MAC != hostA {
		t.Fatalf("resolved %+v", res)
	}
}

func TestQueueIsBoundedByAddresses(t *testing.T) {
	tb, _ := newTable(t, Config{QueueAddresses: 2, QueuePackets: 4})
	for i, a := range []string{"10.1.1.20", "10.1.1.21", "10.1.1.22"} {
		tb.Resolve(vl10, ip(a), []byte{byte(i)}, 10*sec)
	}
	if s := tb.Stats(); s.QueueDrops != 1 || s.QueuedPackets != 3 {
		t.Fatalf("LRU eviction not counted: %+v", s)
	}
	d := tb.Receive(rep(vl10, hostA, "10.1.1.20", "10.1.1.1"), 10*sec+1)
	if len(d.Released) != 0 || d.Change != Created {
		t.Fatalf("evicted address still released packets: %+v", d)
	}
	d = tb.Receive(rep(vl10, hostB, "10.1.1.22", "10.1.1.1"), 10*sec+1)
	if len(d.Released) != 1 {
		t.Fatalf("kept address lost packets: %+v", d)
	}
	if s := tb.Stats(); s.QueueDrops != 1 {
		t.Fatalf("release counted as drop: %+v", s)
	}
}

func TestIncompleteAgesAndRetriesViaDueForRefresh(t *testing.T) {
	tb, _ := newTable(t, Config{MaxRetries: 2, HoldDown: 10 * time.Second})
	tb.Resolve(vl10, ip("10.1.1.60"), nil, 0)
	if got := tb.DueForRefresh(sec); len(got) != 1 || got[0].Unicast != (packet.MAC{}) {
		t.Fatalf("retry %+v", got)
	}
	if got := tb.DueForRefresh(2 * sec); len(got) != 0 {
		t.Fatalf("retries not bounded %+v", got)
	}
	if tb.Age(11*sec) != 0 {
		t.Fatal("aged during hold-down")
	}
	if tb.Age(12*sec) != 1 {
		t.Fatal("incomplete entry not removed after hold-down")
	}
}

func TestClearReARPs(t *testing.T) {
	tb, r := newTable(t, Config{})
	tb.Receive(req(vl10, hostA, "10.1.1.5", "10.1.1.1"), 0)
	tb.Receive(req(vl20, hostB, "10.2.2.5", "10.2.2.1"), 0)
	tb.AddStatic(ip("10.1.1.99"), nlbMAC, 0)
	r.ev = nil
	reqs := tb.Clear(false, vl10, 5*sec)
	if len(reqs) != 1 || reqs[0].IP != ip("10.1.1.5") || reqs[0].Unicast != hostA {
		t.Fatalf("requests %+v", reqs)
	}
	if k := r.kinds(); len(k) != 2 || k[0] != EventRemoved || k[1] != EventIncomplete {
		t.Fatalf("events %v", k)
	}
	if e, _ := tb.Lookup(ip("10.1.1.5")); e.Type != Incomplete {
		t.Fatalf("cleared entry %+v", e)
	}
	if e, _ := tb.Lookup(ip("10.2.2.5")); e.Type != Dynamic {
		t.Fatal("other interface cleared")
	}
	if e, _ := tb.Lookup(ip("10.1.1.99")); e.Type != Static {
		t.Fatal("static cleared")
	}
	// The host's answer to the re-ARP is solicited and re-creates the entry.
	if d := tb.Receive(rep(vl10, hostA, "10.1.1.5", "10.1.1.1"), 5*sec+1); d.Change != Created || d.Gratuitous != NotGratuitous {
		t.Fatalf("re-learn %+v", d)
	}
	if reqs := tb.Clear(true, 0, 6*sec); len(reqs) != 2 {
		t.Fatalf("clear all %+v", reqs)
	}
}

func TestInterfaceEntriesAndDuplicate(t *testing.T) {
	tb, r := newTable(t, Config{})
	e, ok := tb.Lookup(svi10IP)
	if !ok || e.Type != Interface || e.MAC != ourMAC {
		t.Fatalf("interface entry %+v", e)
	}
	if d := tb.Receive(req(vl10, hostA, "10.1.1.1", "10.1.1.1"), 2*sec); d.Reason != ReasonDuplicateAddress {
		t.Fatalf("duplicate %+v", d)
	}
	if e, _ := tb.Lookup(svi10IP); e.MAC != ourMAC {
		t.Fatal("interface entry overwritten")
	}
	// Readdressing removes the old interface entry.
	r.ev = nil
	if err := tb.SetInterface(vl10, DefaultIfConfig("Vlan10", ourMAC, pfx("10.1.1.2/24")), 3*sec); err != nil {
		t.Fatal(err)
	}
	if _, ok := tb.Lookup(svi10IP); ok {
		t.Fatal("old address still an interface entry")
	}
	tb.RemoveInterface(vl10)
	if _, ok := tb.Lookup(ip("10.1.1.2")); ok {
		t.Fatal("interface removal left its entry")
	}
	if d := tb.Receive(req(vl10, hostA, "10.1.1.5", "10.1.1.2"), 4*sec); d.Reason != ReasonUnknownInterface {
		t.Fatalf("unknown interface %+v", d)
	}
}

func TestProxyARP(t *testing.T) {
	cfg := Config{ProxyResolver: func(in IfID, target netip.Addr) bool { return target == ip("192.168.5.5") }}
	tb, _ := newTable(t, cfg)
	if d := tb.Receive(req(vl10, hostA, "10.1.1.5", "192.168.5.5"), sec); !d.Reply || !d.Proxy || d.ReplyMAC != ourMAC {
		t.Fatalf("proxy %+v", d)
	}
	if d := tb.Receive(req(vl10, hostA, "10.1.1.5", "192.168.6.6"), sec); d.Reply {
		t.Fatalf("proxied without route %+v", d)
	}
	if d := tb.Receive(req(vl10, hostA, "10.1.1.5", "10.1.1.77"), sec); d.Reply {
		t.Fatalf("proxied inside the subnet %+v", d)
	}
}

// TestEntriesRows: the rows `show ip arp` is rendered from (by the CLI),
// in address order with their types, interfaces and ages.
func TestEntriesRows(t *testing.T) {
	tb, _ := newTable(t, Config{})
	tb.Receive(req(vl10, hostA, "10.1.1.5", "10.1.1.1"), 0)
	tb.AddStatic(ip("10.1.1.99"), nlbMAC, 0)
	tb.Resolve(vl20, ip("10.2.2.77"), nil, 0)
	now := int64(43*time.Minute) + 5*sec
	type row struct {
		ip     string
		mac    packet.MAC
		typ    EntryType
		ifName string
		ageMin int64
	}
	want := []row{
		{"10.1.1.1", ourMAC, Interface, "Vlan10", 0},
		{"10.1.1.5", hostA, Dynamic, "Vlan10", 43},
		{"10.1.1.99", nlbMAC, Static, "Vlan10", 0},
		{"10.1.2.1", ourMAC, Interface, "Vlan10", 0},
		{"10.2.2.1", ourMAC, Interface, "Vlan20", 0},
		{"10.2.2.77", packet.MAC{}, Incomplete, "Vlan20", 43},
	}
	got := tb.Entries(Filter{})
	if len(got) != len(want) {
		t.Fatalf("%d entries, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		e := got[i]
		age := int64(e.Age(now) / time.Minute)
		if w.typ == Interface || w.typ == Static {
			age = 0
		}
		if e.IP != ip(w.ip) || e.MAC != w.mac || e.Type != w.typ || e.IfName != w.ifName || age != w.ageMin {
			t.Errorf("entry %d: %+v (age %d min), want %+v", i, e, age, w)
		}
	}
	// Filters.
	if got := tb.Entries(Filter{ByIf: true, If: vl20}); len(got) != 2 {
		t.Fatalf("interface filter %+v", got)
	}
	if got := tb.Entries(Filter{IP: ip("10.1.1.5")}); len(got) != 1 || got[0].MAC != hostA {
		t.Fatalf("ip filter %+v", got)
	}
}

func TestStatsCountFrames(t *testing.T) {
	tb, _ := newTable(t, Config{})
	tb.Receive(req(vl10, hostA, "10.1.1.5", "10.1.1.1"), 0)
	if s := tb.Stats(); s.RequestsRx != 1 || s.RepliesRx != 0 || s.RequestsTx != 0 || s.RepliesTx != 1 {
		t.Fatalf("stats %+v", s)
	}
}

func FuzzReceive(f *testing.F) {
	f.Add(uint8(1), []byte{0, 0x11, 0x22, 0x33, 0x44, 0x55}, []byte{10, 1, 1, 5}, []byte{10, 1, 1, 1}, int64(1))
	f.Add(uint8(2), []byte{1, 0, 0x5e, 0, 0, 1}, []byte{10, 1, 1, 7}, []byte{10, 1, 1, 7}, int64(5))
	f.Fuzz(func(t *testing.T, op uint8, smac, sip, tip []byte, now int64) {
		if len(smac) < 6 || len(sip) < 4 || len(tip) < 4 {
			return
		}
		tb := New(Config{})
		tb.SetInterface(vl10, DefaultIfConfig("Vlan10", ourMAC, pfx("10.1.1.1/24")), 0)
		p := Packet{If: vl10, Op: Op(op % 4), SenderMAC: packet.MAC(smac[:6]),
			SenderIP: netip.AddrFrom4([4]byte(sip[:4])), TargetIP: netip.AddrFrom4([4]byte(tip[:4]))}
		d := tb.Receive(p, now)
		for _, e := range tb.Entries(Filter{}) {
			if e.Type == Dynamic && (e.MAC.IsMulticast() || e.MAC.IsZero()) {
				t.Fatalf("dynamic entry with invalid MAC %+v (decision %+v)", e, d)
			}
			if e.Type == Dynamic && !pfx("10.1.1.0/24").Contains(e.IP) {
				t.Fatalf("dynamic entry outside the subnet %+v", e)
			}
		}
		if d.Reply && !(p.Op == OpRequest && p.TargetIP == svi10IP) {
			t.Fatalf("reply to %+v", p)
		}
	})
}

func BenchmarkARPLookup(b *testing.B) {
	tb := New(Config{})
	tb.SetInterface(vl10, DefaultIfConfig("Vlan10", ourMAC, pfx("10.0.0.1/16")), 0)
	const n = 4096
	addrs := make([]netip.Addr, n)
	for i := range addrs {
		addrs[i] = netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i) | 2})
		tb.Receive(Packet{If: vl10, Op: OpRequest, SenderMAC: hostA, SenderIP: addrs[i], TargetIP: ip("10.0.0.1")}, 0)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, ok := tb.Lookup(addrs[i&(n-1)]); !ok {
			b.Fatal("miss")
		}
	}
}

func TestLookupDoesNotAllocate(t *testing.T) {
	tb, _ := newTable(t, Config{})
	tb.Receive(req(vl10, hostA, "10.1.1.5", "10.1.1.1"), 0)
	a := ip("10.1.1.5")
	if n := testing.AllocsPerRun(100, func() { tb.Lookup(a) }); n != 0 {
		t.Fatalf("Lookup allocates %v", n)
	}
}
