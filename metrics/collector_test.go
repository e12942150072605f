package metrics_test

import (
	"fmt"
	"net"
	"net/netip"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"github.com/l2sw/l2sw/clock"
	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/dataplane/port/mem"
	"github.com/l2sw/l2sw/metrics"
)

var (
	macA  = net.HardwareAddr{0x02, 0, 0, 0, 0, 0x0a}
	macB  = net.HardwareAddr{0x02, 0, 0, 0, 0, 0x0b}
	mcast = net.HardwareAddr{0x01, 0, 0x5e, 0, 0, 0x01}
	bcast = net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
)

func serialize(t *testing.T, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func udp(t *testing.T, src, dst net.HardwareAddr, payload string) []byte {
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: net.IP{10, 0, 10, 5}, DstIP: net.IP{10, 0, 10, 6}}
	u := &layers.UDP{SrcPort: 1000, DstPort: 2000}
	_ = u.SetNetworkLayerForChecksum(ip)
	return serialize(t, &layers.Ethernet{SrcMAC: src, DstMAC: dst, EthernetType: layers.EthernetTypeIPv4}, ip, u, gopacket.Payload(payload))
}

func arpRequest(t *testing.T, src net.HardwareAddr, spa, tpa net.IP) []byte {
	return serialize(t, &layers.Ethernet{SrcMAC: src, DstMAC: bcast, EthernetType: layers.EthernetTypeARP},
		&layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4, HwAddressSize: 6, ProtAddressSize: 4,
			Operation: layers.ARPRequest, SourceHwAddress: src, SourceProtAddress: spa, DstHwAddress: make([]byte, 6), DstProtAddress: tpa})
}

// lab is a running switch: Gi0/1 and Gi0/2 access ports in VLAN 10 with an
// SVI 10.0.10.1/24, Gi0/3 in VLAN 20, on mem ports and a manual clock.
type lab struct {
	sw    *dataplane.Switch
	clk   *clock.Manual
	ports map[int]*mem.Port
}

func newLab(t *testing.T) *lab {
	t.Helper()
	clk := clock.NewManual(1000 * time.Second)
	l := &lab{sw: dataplane.New(dataplane.Config{Clock: clk}), clk: clk, ports: map[int]*mem.Port{}}
	for i := 1; i <= 3; i++ {
		name := fmt.Sprintf("GigabitEthernet0/%d", i)
		l.ports[i] = mem.New(name)
		if err := l.sw.AddPort(name, l.ports[i]); err != nil {
			t.Fatal(err)
		}
		s := dataplane.DefaultPortSettings()
		s.AccessVLAN = map[int]uint16{1: 10, 2: 10, 3: 20}[i]
		if _, err := l.sw.SetPortSettings(name, s); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.sw.CreateSVI(10); err != nil {
		t.Fatal(err)
	}
	if err := l.sw.SetSVIAddress(10, netip.MustParsePrefix("10.0.10.1/24"), false); err != nil {
		t.Fatal(err)
	}
	l.sw.Start()
	t.Cleanup(func() { _ = l.sw.Stop() })
	return l
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// families gathers g into a map by metric name.
func families(t *testing.T, g prometheus.Gatherer) map[string]*dto.MetricFamily {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*dto.MetricFamily{}
	for _, mf := range mfs {
		out[mf.GetName()] = mf
	}
	return out
}

// value returns the sample of name whose labels include the label=value
// pairs given; ok is false when there is none.
func value(fams map[string]*dto.MetricFamily, name string, labels ...string) (float64, bool) {
	mf := fams[name]
	if mf == nil {
		return 0, false
	}
next:
	for _, m := range mf.GetMetric() {
		have := map[string]string{}
		for _, lp := range m.GetLabel() {
			have[lp.GetName()] = lp.GetValue()
		}
		for i := 0; i+1 < len(labels); i += 2 {
			if have[labels[i]] != labels[i+1] {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		}
		return m.GetUntyped().GetValue(), true
	}
	return 0, false
}

// want checks one sample.
func want(t *testing.T, fams map[string]*dto.MetricFamily, v float64, name string, labels ...string) {
	t.Helper()
	got, ok := value(fams, name, labels...)
	if !ok {
		t.Errorf("%s%v: no such sample", name, labels)
		return
	}
	if got != v {
		t.Errorf("%s%v = %v, want %v", name, labels, got, v)
	}
}

const (
	gi1 = "GigabitEthernet0/1"
	gi2 = "GigabitEthernet0/2"
	gi3 = "GigabitEthernet0/3"
)

// TestCollectorCountsRealFrames drives a running switch with frames and
// checks what a scrape reports: port counters, drops by reason, the MAC
// table's learn/move/age counts, ARP, FIB, TCAM and punt figures.
func TestCollectorCountsRealFrames(t *testing.T) {
	l := newLab(t)
	reg := prometheus.NewRegistry()
	reg.MustRegister(metrics.NewCollector(l.sw))
	scrape := func() map[string]*dto.MetricFamily { return families(t, reg) }
	sample := func(name string, labels ...string) float64 {
		v, _ := value(scrape(), name, labels...)
		return v
	}

	// A to B, B not known yet: flooded to Gi0/2 (Gi0/3 is in VLAN 20).
	a2b := udp(t, macA, macB, "a to b")
	l.ports[1].Inject(a2b)
	waitFor(t, "the flood", func() bool { return len(l.ports[2].Sent()) == 1 })
	// B answers: A is known, one frame to Gi0/1.
	b2a := udp(t, macB, macA, "b to a, longer")
	l.ports[2].Inject(b2a)
	waitFor(t, "the unicast", func() bool { return len(l.ports[1].Sent()) == 1 })
	// A multicast source is invalid: dropped, not learned.
	bad := udp(t, mcast, macB, "bad")
	l.ports[1].Inject(bad)
	waitFor(t, "the drop", func() bool {
		return sample("l2sw_port_drops_total", "interface", gi1, "reason", "invalid_source_mac") == 1
	})
	// A asks for the SVI: flooded to Gi0/2, punted, answered.
	req := arpRequest(t, macA, net.IP{10, 0, 10, 5}, net.IP{10, 0, 10, 1})
	l.ports[1].Inject(req)
	waitFor(t, "the ARP reply", func() bool { return len(l.ports[1].Sent()) == 1 })
	waitFor(t, "the ARP flood", func() bool { return len(l.ports[2].Sent()) == 1 })
	// A shows up on Gi0/2: the entry moves.
	l.ports[2].Inject(udp(t, macA, macB, "moved"))
	waitFor(t, "the move", func() bool { return sample("l2sw_cam_moved_total") == 1 })

	f := scrape()
	rx1 := len(a2b) + len(bad) + len(req)
	want(t, f, 3, "l2sw_port_receive_frames_total", "interface", gi1)
	want(t, f, float64(rx1), "l2sw_port_receive_bytes_total", "interface", gi1)
	want(t, f, 1, "l2sw_port_receive_cast_frames_total", "interface", gi1, "cast", "broadcast")
	want(t, f, 2, "l2sw_port_receive_frames_total", "interface", gi2)
	want(t, f, 2, "l2sw_port_transmit_frames_total", "interface", gi1) // B's answer and the ARP reply
	want(t, f, 2, "l2sw_port_transmit_frames_total", "interface", gi2) // the flood and the ARP broadcast
	want(t, f, float64(len(a2b)+len(req)), "l2sw_port_transmit_bytes_total", "interface", gi2)
	want(t, f, 0, "l2sw_port_transmit_frames_total", "interface", gi3)
	want(t, f, 1, "l2sw_port_unknown_unicast_flooded_total", "interface", gi1)
	want(t, f, 1, "l2sw_port_drops_total", "interface", gi1, "reason", "invalid_source_mac")
	want(t, f, 0, "l2sw_port_drops_total", "interface", gi2, "reason", "invalid_source_mac")
	want(t, f, 0, "l2sw_port_drops_total", "interface", gi1, "reason", "malformed_runt")
	want(t, f, 1, "l2sw_port_up", "interface", gi1)
	want(t, f, 1, "l2sw_port_link_up", "interface", gi3)

	want(t, f, 2, "l2sw_cam_learned_total")
	want(t, f, 1, "l2sw_cam_moved_total")
	want(t, f, 1, "l2sw_cam_not_learned_total", "reason", "invalid_source")
	want(t, f, 65536, "l2sw_cam_capacity") // cam.DefaultCapacity
	want(t, f, float64(l.sw.MACCount()), "l2sw_cam_entries")
	want(t, f, 300, "l2sw_cam_aging_time_seconds")
	want(t, f, 3, "l2sw_vlans") // 1, 10, 20

	want(t, f, 1, "l2sw_arp_received_total", "op", "request")
	want(t, f, 1, "l2sw_arp_sent_total", "op", "reply")
	want(t, f, float64(l.sw.ARPCount()), "l2sw_arp_entries")
	if v, _ := value(f, "l2sw_arp_entries"); v < 1 {
		t.Errorf("l2sw_arp_entries = %v, want host A at least", v)
	}
	want(t, f, 0, "l2sw_arp_filtered_total", "reason", "wrong_cable")
	if v, _ := value(f, "l2sw_fib_entries"); v < 2 {
		t.Errorf("l2sw_fib_entries = %v, want the connected and receive entries", v)
	}
	want(t, f, float64(l.sw.FIBCapacity()), "l2sw_fib_capacity")
	want(t, f, 0, "l2sw_cef_drops_total", "reason", "no_route")
	want(t, f, 32768, "l2sw_tcam_capacity", "resource", "entries") // PFC3
	want(t, f, 0, "l2sw_tcam_used", "resource", "entries")
	want(t, f, 0, "l2sw_acl_bindings", "state", "inactive")
	if v, _ := value(f, "l2sw_punt_frames_total"); v < 1 {
		t.Errorf("l2sw_punt_frames_total = %v, want the ARP request", v)
	}
	want(t, f, 0, "l2sw_punt_queue_length")
	want(t, f, dataplane.PuntQueueDepth, "l2sw_punt_queue_capacity")
	want(t, f, 0, "l2sw_punt_drops_total")

	// Aging: both hosts expire; the counters survive a clear counters.
	if err := l.sw.ClearCounters(""); err != nil {
		t.Fatal(err)
	}
	l.clk.Advance(301 * time.Second)
	l.sw.AgeNow()
	f = scrape()
	want(t, f, 2, "l2sw_cam_aged_total")
	want(t, f, 3, "l2sw_port_receive_frames_total", "interface", gi1)
}

// TestEveryDropReasonHasASeries: each port has a drops series for every
// reason show platform drops lists, with a snake_case reason label, and no
// two reasons share a label.
func TestEveryDropReasonHasASeries(t *testing.T) {
	l := newLab(t)
	c := metrics.NewCollector(l.sw)
	var reasons []string
	for r := dataplane.Reason(1); r < dataplane.NumReasons; r++ {
		if r.IsDrop() {
			reasons = append(reasons, metrics.LabelValue(r.String()))
		}
	}
	seen := map[string]bool{}
	for _, r := range reasons {
		if seen[r] || !validLabel(r) {
			t.Errorf("reason label %q duplicated or not snake_case", r)
		}
		seen[r] = true
	}
	if n := testutil.CollectAndCount(c, "l2sw_port_drops_total"); n != 3*len(reasons) {
		t.Errorf("%d drop series, want %d (3 ports x %d reasons)", n, 3*len(reasons), len(reasons))
	}
	if err := testutil.CollectAndCompare(c, strings.NewReader(`
# HELP l2sw_cam_not_learned_total Source MACs not learned, by reason (table_full, zero_source, invalid_source).
# TYPE l2sw_cam_not_learned_total counter
l2sw_cam_not_learned_total{reason="invalid_source"} 0
l2sw_cam_not_learned_total{reason="table_full"} 0
l2sw_cam_not_learned_total{reason="zero_source"} 0
`), "l2sw_cam_not_learned_total"); err != nil {
		t.Error(err)
	}
}

func validLabel(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

func TestLabelValue(t *testing.T) {
	for in, out := range map[string]string{
		"vlan not allowed":          "vlan_not_allowed",
		"malformed: bad IP header":  "malformed_bad_ip_header",
		"fragmentation needed (DF)": "fragmentation_needed_df",
		"gratuitous-reply":          "gratuitous_reply",
		"LOUs":                      "lous",
	} {
		if got := metrics.LabelValue(in); got != out {
			t.Errorf("LabelValue(%q) = %q, want %q", in, got, out)
		}
	}
}

// TestMetricNamesFollowConventions: l2sw_ prefix, snake_case, counters end
// in _total and nothing else does, every metric has help text; and the
// registry's own lint finds nothing.
func TestMetricNamesFollowConventions(t *testing.T) {
	l := newLab(t)
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(metrics.NewCollector(l.sw))
	fams := families(t, reg)
	var names []string
	for name, mf := range fams {
		names = append(names, name)
		if !strings.HasPrefix(name, "l2sw_") || !validLabel(name) {
			t.Errorf("%s: not l2sw_ snake_case", name)
		}
		if (mf.GetType() == dto.MetricType_COUNTER) != strings.HasSuffix(name, "_total") {
			t.Errorf("%s: type %v, and only counters end in _total", name, mf.GetType())
		}
		if mf.GetHelp() == "" {
			t.Errorf("%s: no HELP", name)
		}
	}
	sort.Strings(names)
	if len(names) < 40 {
		t.Errorf("only %d metrics: %v", len(names), names)
	}
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}

// TestScrapeWhileForwarding scrapes in a loop while frames flow: under
// -race it shows that Collect reads the workers' counters without a data
// race, and that the scraped counters only grow.
func TestScrapeWhileForwarding(t *testing.T) {
	l := newLab(t)
	reg := prometheus.NewRegistry()
	reg.MustRegister(metrics.NewCollector(l.sw))
	done := make(chan struct{})
	go func() {
		defer close(done)
		f := udp(t, macA, macB, "load")
		for range 200 {
			l.ports[1].Inject(f)
		}
	}()
	last := 0.0
	for range 50 {
		v, _ := value(families(t, reg), "l2sw_port_receive_frames_total", "interface", gi1)
		if v < last {
			t.Fatalf("receive frames went back from %v to %v", last, v)
		}
		last = v
	}
	<-done
	waitFor(t, "all frames counted", func() bool {
		v, _ := value(families(t, reg), "l2sw_port_receive_frames_total", "interface", gi1)
		return v == 200
	})
}
