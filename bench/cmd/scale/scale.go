package main

import (
	"fmt"
	"io"
	"math/bits"
	"net/netip"
	"strings"
	"time"

	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/cli"
	"github.com/l2sw/l2sw/clock"
	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/dataplane/port/mem"
)

// step is one fill and the memory after it.
type step struct {
	name string
	what string
	took time.Duration
	mem  memory
}

type report struct {
	sw    *dataplane.Switch
	steps []step
}

// newSwitch is the switch of `l2sw run` (dataplane.New with a base MAC)
// with the MAC table sized to capacity (0: the default), mem ports that
// discard what they send, and a manual clock so that nothing ages.
func newSwitch(capacity int) (*dataplane.Switch, error) {
	sw := dataplane.New(dataplane.Config{
		CAM:     cam.Config{Capacity: capacity},
		Clock:   clock.NewManual(1000 * time.Second),
		BaseMAC: [6]byte{0x02, 0x1b, 0x2c, 0x00, 0x00, 0x01},
	})
	for i := 1; i <= hostPorts+1; i++ {
		if err := sw.AddPort(portName(i), mem.New(portName(i), mem.Sink())); err != nil {
			return nil, err
		}
	}
	return sw, nil
}

// camCapacity is the MAC table capacity for n addresses: the table has
// next-power-of-two(capacity/8) buckets of 8 ways, and at 8 per bucket on
// average a good share of the buckets overflow, so n addresses need twice
// n of capacity to be learned (nearly) all.
func camCapacity(n int) int {
	if n <= 0 {
		return 0
	}
	return 1 << bits.Len(uint(2*n-1))
}

func fill(o options) (*report, error) {
	rep := &report{}
	rep.steps = append(rep.steps, step{name: "process", what: "before the switch", mem: measure()})
	capacity := o.camCap
	if capacity == 0 {
		capacity = camCapacity(o.macs)
	}
	start := time.Now()
	sw, err := newSwitch(capacity)
	if err != nil {
		return nil, err
	}
	rep.sw = sw
	if err := setupSVIs(sw); err != nil {
		return nil, err
	}
	rep.add("switch", fmt.Sprintf("empty switch, MAC table capacity %d, %d SVIs, %d ARP entries", capacity, routeSVIs, routeSVIs*nextHopsPerSVI), start)

	if o.macs > 0 {
		start = time.Now()
		refused, err := learnMACs(sw, o.macs, o.macs/4)
		if err != nil {
			return nil, err
		}
		rep.add("MAC table", fmt.Sprintf("%d learned through the pipeline (%d sources refused: bucket full)", sw.MACCount(), refused), start)
	}
	if o.routes > 0 {
		ps := routePrefixes(o.routes, 1)
		start = time.Now()
		if err := installRoutes(sw, ps, 10000); err != nil {
			return nil, err
		}
		took := time.Since(start)
		if err := checkRoutes(sw, ps, 1000); err != nil {
			return nil, err
		}
		ps = nil
		rep.addTook("FIB", fmt.Sprintf("%d static routes, %d FIB entries, every one sampled via a valid adjacency", o.routes, sw.FIBCount()), took)
	}
	if o.tcam > 0 {
		start = time.Now()
		var what string
		if o.tcamFill == "packed" {
			aces, err := bindPacked(sw, o.tcam)
			if err != nil {
				return nil, err
			}
			what = fmt.Sprintf("%d ACEs packed eight to a mask as a router ACL", aces)
		} else {
			bound, err := bindACLs(sw, o.classbench, o.tcam)
			if err != nil {
				return nil, err
			}
			what = fmt.Sprintf("%d ClassBench ACEs as router ACLs", len(bound))
			if sw.ACLUsage().EntriesUsed < o.tcam {
				added, err := topUp(sw, bound, o.tcam)
				if err != nil {
					return nil, err
				}
				what += fmt.Sprintf(" + %d siblings in the masks' free entries", added.Len())
			}
		}
		u := sw.ACLUsage()
		rep.add("TCAM", fmt.Sprintf("%s: %d entries, %d masks, %d LOUs in use", what, u.EntriesUsed, u.MasksUsed, u.RangeUnitsUsed), start)
	}
	return rep, nil
}

func (r *report) add(name, what string, start time.Time) { r.addTook(name, what, time.Since(start)) }

func (r *report) addTook(name, what string, took time.Duration) {
	r.steps = append(r.steps, step{name: name, what: what, took: took, mem: measure()})
}

func (r *report) print(w io.Writer) {
	fmt.Fprintf(w, "%-10s %9s %9s %9s %9s %9s  %s\n", "step", "RSS MiB", "+MiB", "heap MiB", "HWM MiB", "time", "what")
	var prev memory
	for _, s := range r.steps {
		fmt.Fprintf(w, "%-10s %9s %9s %9s %9s %9v  %s\n", s.name, mib(s.mem.rss), mib(s.mem.rss-prev.rss),
			mib(int64(s.mem.heapInuse)), mib(s.mem.hwm), s.took.Round(time.Millisecond), s.what)
		prev = s.mem
	}
	last := r.steps[len(r.steps)-1].mem
	fmt.Fprintf(w, "total: RSS %s MiB (target <= 256), peak %s MiB\n", mib(last.rss), mib(last.hwm))
}

// checkRoutes looks up every step-th prefix of ps (and the last) in the
// FIB, as `show ip cef P M` does, and wants it to forward via its next
// hop with a valid (rewrite-ready) adjacency.
func checkRoutes(sw *dataplane.Switch, ps []netip.Prefix, step int) error {
	for k := 0; k < len(ps); k += step {
		if err := checkRoute(sw, ps, k); err != nil {
			return err
		}
	}
	if len(ps) > 0 {
		return checkRoute(sw, ps, len(ps)-1)
	}
	return nil
}

func checkRoute(sw *dataplane.Switch, ps []netip.Prefix, k int) error {
	row, ok := sw.CEFFind(ps[k], true, false)
	switch {
	case !ok:
		return fmt.Errorf("route %v not in the FIB", ps[k])
	case row.Kind != dataplane.FIBNextHop || row.NextHop != routeVia(k) || row.Adj != dataplane.AdjValid:
		return fmt.Errorf("route %v: FIB entry %+v, want via %v with a valid adjacency", ps[k], row, routeVia(k))
	}
	return nil
}

// configLoad is the result of a timed startup-config load.
type configLoad struct {
	lines, bytes, rejected, fibRoutes int
	took                              time.Duration
}

// startupConfig is a startup-config with the route SVIs, their ARP
// entries and n `ip route` lines to the prefixes routePrefixes gives.
func startupConfig(n int) string {
	var b strings.Builder
	b.WriteString("hostname scale\n!\n")
	for i := 1; i <= routeSVIs; i++ {
		fmt.Fprintf(&b, "vlan %d\n!\n", sviVLAN(i))
	}
	for i := 1; i <= routeSVIs; i++ {
		p := sviSubnet(i)
		fmt.Fprintf(&b, "interface Vlan%d\n ip address %s %s\n no shutdown\n!\n", sviVLAN(i), p.Addr(), dotted(p.Bits()))
	}
	for i := 1; i <= routeSVIs; i++ {
		for j := 0; j < nextHopsPerSVI; j++ {
			m := nextHopMAC(i, j)
			fmt.Fprintf(&b, "arp %s %02x%02x.%02x%02x.%02x%02x arpa\n", nextHop(i, j), m[0], m[1], m[2], m[3], m[4], m[5])
		}
	}
	b.WriteString("!\n")
	for k, p := range routePrefixes(n, 2) {
		fmt.Fprintf(&b, "ip route %s %s %s\n", p.Addr(), dotted(p.Bits()), routeVia(k))
	}
	b.WriteString("!\nend\n")
	return b.String()
}

func dotted(bits int) string {
	m := ^uint32(0) << (32 - bits)
	if bits == 0 {
		m = 0
	}
	return fmt.Sprintf("%d.%d.%d.%d", m>>24, m>>16&0xff, m>>8&0xff, m&0xff)
}

// timeConfigLoad loads startupConfig(n) into a fresh switch through the
// loader `l2sw run` uses and times it.
func timeConfigLoad(n int) (configLoad, error) {
	text := startupConfig(n)
	sw, err := newSwitch(0)
	if err != nil {
		return configLoad{}, err
	}
	dev := cli.NewDevice(sw, cli.Options{})
	start := time.Now()
	errs := dev.LoadConfig(strings.NewReader(text))
	took := time.Since(start)
	res := configLoad{lines: strings.Count(text, "\n"), bytes: len(text), rejected: len(errs), took: took,
		fibRoutes: sw.StaticRouteCount()}
	if len(errs) > 0 {
		return res, fmt.Errorf("%d lines rejected, first: %v", len(errs), errs[0])
	}
	return res, checkRoutes(sw, routePrefixes(n, 2), 100)
}
