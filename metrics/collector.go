// Package metrics exports a switch's counters and table fills to Prometheus
// (`l2sw run --metrics ADDR`). Its Collector reads, when it is scraped, what
// the dataplane already counts for `show interfaces` and `show platform
// drops`, so an exporter adds no work and no lock to the per-frame path.
//
// The switch counts unknown-unicast floods per ingress port, not per VLAN,
// so that is what l2sw_port_unknown_unicast_flooded_total reports; a
// per-VLAN flood count would cost the forwarding path a counter per flooded
// frame and is left out on purpose. The ARP table has no size limit, so
// there is no ARP capacity gauge.
package metrics

import (
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/l2sw/l2sw/dataplane"
)

const namespace = "l2sw"

// portCounter is a per-port counter exported as its own metric.
type portCounter struct {
	desc *prometheus.Desc
	c    dataplane.Counter
}

// castCounter is one of the unicast/multicast/broadcast frame counters.
type castCounter struct {
	cast string
	c    dataplane.Counter
}

// reasonLabel is a drop reason with its label value.
type reasonLabel struct {
	r     dataplane.Reason
	label string
}

// Collector is a prometheus.Collector over one switch. It holds no state of
// its own beyond the metric descriptions: every Collect reads the switch
// afresh, so it is safe for concurrent scrapes.
type Collector struct {
	sw    *dataplane.Switch
	descs []*prometheus.Desc

	portCounters     []portCounter
	rxCast, txCast   *prometheus.Desc
	castCounters     [2][]castCounter // receive, transmit
	drops            *prometheus.Desc
	dropReasons      []reasonLabel
	portUp, portLink *prometheus.Desc

	vlans, camEntries, camCapacity, camAging                      *prometheus.Desc
	camLearned, camMoved, camAged, camCleared, camFlaps, camDispl *prometheus.Desc
	camNotLearned                                                 *prometheus.Desc
	arpEntries, arpRx, arpTx, arpFiltered, arpGratuitous          *prometheus.Desc
	arpQueued, arpQueueDrops, arpResFailed, arpAged, arpCleared   *prometheus.Desc
	fibEntries, fibCapacity, adjacencies, cefForwarded, cefPunted *prometheus.Desc
	cefDrops, routed                                              *prometheus.Desc
	tcamUsed, tcamCapacity, aclBindings                           *prometheus.Desc
	puntLen, puntCapacity, punted, puntDrops                      *prometheus.Desc
}

var _ prometheus.Collector = (*Collector)(nil)

// NewCollector returns a collector of sw's metrics.
func NewCollector(sw *dataplane.Switch) *Collector {
	c := &Collector{sw: sw}
	ifl := []string{"interface"}
	for _, m := range []struct {
		name, help string
		c          dataplane.Counter
	}{
		{"port_receive_frames_total", "Frames received on the interface.", dataplane.RxFrames},
		{"port_receive_bytes_total", "Bytes received on the interface.", dataplane.RxBytes},
		{"port_transmit_frames_total", "Frames transmitted on the interface.", dataplane.TxFrames},
		{"port_transmit_bytes_total", "Bytes transmitted on the interface.", dataplane.TxBytes},
		{"port_transmit_errors_total", "Frames the interface's transmit queue refused (output drops).", dataplane.TxErrors},
		{"port_forwarded_frames_total", "Frames received on the interface that the pipeline sent toward egress, unicast or flooded.", dataplane.Forwarded},
		{"port_to_router_frames_total", "Frames received on the interface for the router MAC that layer 3 took (routed, punted or dropped there).", dataplane.ToRouter},
		{"port_unknown_unicast_flooded_total", "Unknown unicast frames received on the interface and flooded in their VLAN.", dataplane.UnknownUnicastFlooded},
		{"port_zero_source_forwarded_total", "Frames with source MAC 0000.0000.0000 received on the interface: not learned, still forwarded.", dataplane.ZeroSourceForwarded},
	} {
		c.portCounters = append(c.portCounters, portCounter{c.def(m.name, m.help, ifl...), m.c})
	}
	c.rxCast = c.def("port_receive_cast_frames_total", "Frames received on the interface by destination kind (unicast, multicast, broadcast).", "interface", "cast")
	c.txCast = c.def("port_transmit_cast_frames_total", "Frames transmitted on the interface by destination kind (unicast, multicast, broadcast).", "interface", "cast")
	c.castCounters = [2][]castCounter{
		{{"unicast", dataplane.RxUnicast}, {"multicast", dataplane.RxMulticast}, {"broadcast", dataplane.RxBroadcast}},
		{{"unicast", dataplane.TxUnicast}, {"multicast", dataplane.TxMulticast}, {"broadcast", dataplane.TxBroadcast}},
	}
	c.drops = c.def("port_drops_total", "Frames received on the interface and dropped, by reason (as show platform drops lists them).", "interface", "reason")
	// Every drop reason, zeros included, as `show platform drops` lists
	// them: a series that exists from the first scrape rates correctly.
	for r := dataplane.Reason(1); r < dataplane.NumReasons; r++ {
		if r.IsDrop() {
			c.dropReasons = append(c.dropReasons, reasonLabel{r, LabelValue(r.String())})
		}
	}
	c.portUp = c.def("port_up", "1 if the interface forwards (link up and not shut down), else 0.", ifl...)
	c.portLink = c.def("port_link_up", "1 if the interface's backend (TAP, pcap, ...) is alive, else 0.", ifl...)

	c.vlans = c.def("vlans", "VLANs in the VLAN database.")
	c.camEntries = c.def("cam_entries", "Entries in the MAC address table, of every type.")
	c.camCapacity = c.def("cam_capacity", "The most entries the MAC address table holds.")
	c.camAging = c.def("cam_aging_time_seconds", "The global MAC aging time (0: aging disabled).")
	c.camLearned = c.def("cam_learned_total", "Dynamic MAC entries learned.")
	c.camMoved = c.def("cam_moved_total", "MAC entries that moved to another port.")
	c.camAged = c.def("cam_aged_total", "Dynamic MAC entries removed by aging.")
	c.camCleared = c.def("cam_cleared_total", "Dynamic MAC entries removed by clear mac address-table or a port change.")
	c.camFlaps = c.def("cam_flaps_total", "MAC flap notifications raised (%SW_MATM-4-MACFLAP_NOTIF).")
	c.camDispl = c.def("cam_displaced_total", "Dynamic MAC entries displaced by a static entry in a full bucket.")
	c.camNotLearned = c.def("cam_not_learned_total", "Source MACs not learned, by reason (table_full, zero_source, invalid_source).", "reason")

	c.arpEntries = c.def("arp_entries", "Entries in the ARP table, of every type (incomplete ones included).")
	c.arpRx = c.def("arp_received_total", "ARP frames the SVIs received, by operation.", "op")
	c.arpTx = c.def("arp_sent_total", "ARP frames the switch sent, by operation.", "op")
	c.arpFiltered = c.def("arp_filtered_total", "ARP frames filtered, by reason.", "reason")
	c.arpGratuitous = c.def("arp_gratuitous_received_total", "Gratuitous ARP frames received, by kind.", "kind")
	c.arpQueued = c.def("arp_queued_packets_total", "Packets held while their next hop was resolved.")
	c.arpQueueDrops = c.def("arp_queue_drops_total", "Packets dropped from the ARP resolution queue (full, evicted, or resolution gave up).")
	c.arpResFailed = c.def("arp_resolution_failures_total", "Addresses that did not answer the ARP retries.")
	c.arpAged = c.def("arp_aged_total", "ARP entries removed by aging.")
	c.arpCleared = c.def("arp_cleared_total", "ARP entries removed by clear arp-cache.")

	c.fibEntries = c.def("fib_entries", "Installed FIB (CEF) entries.")
	c.fibCapacity = c.def("fib_capacity", "The most FIB entries the forwarding table can address.")
	c.adjacencies = c.def("cef_adjacencies", "CEF adjacencies by state.", "state")
	c.cefForwarded = c.def("cef_forwarded_packets_total", "Packets CEF forwarded.")
	c.cefPunted = c.def("cef_punted_packets_total", "Packets CEF punted to the CPU.")
	c.cefDrops = c.def("cef_drops_total", "Packets CEF dropped, by reason.", "reason")
	c.routed = c.def("routed_packets_total", "IPv4 packets routed out, by the fast path and the CPU.")

	c.tcamUsed = c.def("tcam_used", "ACL TCAM resources in use (entries, masks, range_units).", "resource")
	c.tcamCapacity = c.def("tcam_capacity", "ACL TCAM resource limits (entries, masks, range_units).", "resource")
	c.aclBindings = c.def("acl_bindings", "Applied ACLs by programming state: active in the TCAM, or inactive (classified in software).", "state")

	c.puntLen = c.def("punt_queue_length", "Punted frames waiting for the control plane.")
	c.puntCapacity = c.def("punt_queue_capacity", "The most punted frames that may wait for the control plane.")
	c.punted = c.def("punt_frames_total", "Frames handed to the control plane.")
	c.puntDrops = c.def("punt_drops_total", "Punts dropped because the control plane's queue was full.")
	return c
}

// def makes a metric description under the l2sw namespace and keeps it for
// Describe.
func (c *Collector) def(name, help string, labels ...string) *prometheus.Desc {
	d := prometheus.NewDesc(prometheus.BuildFQName(namespace, "", name), help, labels, nil)
	c.descs = append(c.descs, d)
	return d
}

// Describe sends every metric's description.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
}

// Collect reads the switch and sends its metrics. Per-port counters are the
// atomics the workers publish once per batch; the layer-3 totals are read
// between two batches; the MAC table's occupancy is its entry count, not a
// scan, so a scrape never holds the table's bucket locks.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(d *prometheus.Desc, v int, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(v), labels...)
	}
	sw := c.sw

	for _, p := range sw.PortTotals() {
		pc := &p.Counters
		for _, m := range c.portCounters {
			counter(m.desc, pc.Get(m.c), p.Name)
		}
		for _, m := range c.castCounters[0] {
			counter(c.rxCast, pc.Get(m.c), p.Name, m.cast)
		}
		for _, m := range c.castCounters[1] {
			counter(c.txCast, pc.Get(m.c), p.Name, m.cast)
		}
		for _, r := range c.dropReasons {
			counter(c.drops, pc.Get(dataplane.Drops(r.r)), p.Name, r.label)
		}
		gauge(c.portUp, b2i(p.Up), p.Name)
		gauge(c.portLink, b2i(p.LinkUp), p.Name)
	}

	gauge(c.vlans, len(sw.VLANs()))
	gauge(c.camEntries, sw.MACCount())
	gauge(c.camCapacity, sw.MACCapacity())
	gauge(c.camAging, int(sw.MACAgingTime()))
	ms := sw.MACStats()
	counter(c.camLearned, ms.Learned)
	counter(c.camMoved, ms.Moved)
	counter(c.camAged, ms.Aged)
	counter(c.camCleared, ms.Cleared)
	counter(c.camFlaps, ms.Flaps)
	counter(c.camDispl, ms.Displaced)
	counter(c.camNotLearned, ms.NotLearnedFull, "table_full")
	counter(c.camNotLearned, ms.FilteredZero, "zero_source")
	counter(c.camNotLearned, ms.InvalidSource, "invalid_source")

	l3 := sw.L3Stats()
	as := l3.ARP
	gauge(c.arpEntries, sw.ARPCount())
	counter(c.arpRx, as.RequestsRx, "request")
	counter(c.arpRx, as.RepliesRx, "reply")
	counter(c.arpTx, as.RequestsTx, "request")
	counter(c.arpTx, as.RepliesTx, "reply")
	counter(c.arpTx, as.ProxyRepliesTx, "proxy_reply")
	for i := 1; i < len(as.Filtered); i++ { // 0 is no reason
		counter(c.arpFiltered, as.Filtered[i], LabelValue(dataplane.ARPReason(i).String()))
	}
	for i := 1; i < len(as.GratuitousRx); i++ { // 0 is not gratuitous
		counter(c.arpGratuitous, as.GratuitousRx[i], LabelValue(dataplane.ARPGratuitous(i).String()))
	}
	counter(c.arpQueued, as.QueuedPackets)
	counter(c.arpQueueDrops, as.QueueDrops)
	counter(c.arpResFailed, as.ResolutionFailed)
	counter(c.arpAged, as.EntriesAged)
	counter(c.arpCleared, as.EntriesCleared)

	gauge(c.fibEntries, sw.FIBCount())
	gauge(c.fibCapacity, sw.FIBCapacity())
	var adj [dataplane.AdjPunt + 1]int
	for _, a := range sw.Adjacencies(false) {
		if int(a.State) < len(adj) {
			adj[a.State]++
		}
	}
	for s, n := range adj {
		gauge(c.adjacencies, n, LabelValue(dataplane.AdjState(s).String()))
	}
	counter(c.cefForwarded, l3.CEF.Forwarded)
	counter(c.cefPunted, l3.CEF.Punted)
	for r := range dataplane.CEFDropReasonLast + 1 {
		counter(c.cefDrops, l3.CEF.DropsBy(r), LabelValue(r.String()))
	}
	counter(c.routed, l3.Routed)

	u := sw.ACLUsage()
	for _, r := range []struct {
		label      string
		used, have int
	}{
		{"entries", u.EntriesUsed, u.Entries},
		{"masks", u.MasksUsed, u.Masks},
		{"range_units", u.RangeUnitsUsed, u.RangeUnits},
	} {
		gauge(c.tcamUsed, r.used, r.label)
		gauge(c.tcamCapacity, r.have, r.label)
	}
	var active, inactive int
	for _, b := range sw.ACLSummary() {
		if b.State == dataplane.ACLActive {
			active++
		} else {
			inactive++
		}
	}
	gauge(c.aclBindings, active, "active")
	gauge(c.aclBindings, inactive, "inactive")

	gauge(c.puntLen, sw.PuntQueueLen())
	gauge(c.puntCapacity, dataplane.PuntQueueDepth)
	counter(c.punted, l3.Punted)
	counter(c.puntDrops, l3.PuntQueueFull)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// LabelValue turns a reason as the CLI words it ("vlan not allowed",
// "malformed: bad IP header", "fragmentation needed (DF)") into the
// snake_case label value the metrics use ("vlan_not_allowed",
// "malformed_bad_ip_header", "fragmentation_needed_df"), so that PromQL
// matchers need no quoting of spaces or punctuation.
func LabelValue(s string) string {
	var b strings.Builder
	gap := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if gap && b.Len() > 0 {
				b.WriteByte('_')
			}
			gap = false
			b.WriteRune(r)
			continue
		}
		gap = true
	}
	return b.String()
}
