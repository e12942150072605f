package dataplane

import (
	"errors"
	"fmt"
	"github.com/l2sw/l2sw/counter"
	"github.com/l2sw/l2sw/ifname"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/l2sw/l2sw/arp"
	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/cef"
	"github.com/l2sw/l2sw/packet"
)

// Defaults of an SVI, as on IOS.
const (
	DefaultMTU = 1500
	MinIPMTU   = 68
	MaxMTU     = 9216
)

// fallbackRouterMAC is the router MAC when the switch was given no BaseMAC.
var fallbackRouterMAC = packet.MAC{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}

// Errors of the layer-3 API.
var (
	ErrNoSuchSVI   = errors.New("no such interface")
	ErrBadAddress  = errors.New("bad IPv4 address or mask")
	ErrOverlap     = errors.New("overlaps with another interface")
	ErrBadMTU      = errors.New("MTU out of range")
	ErrNoSuchRoute = errors.New("no such route")
)

// SVIConfig is the configuration of `interface VlanN`.
type SVIConfig struct {
	VLAN        uint16
	Description string
	Shutdown    bool
	// Addresses: the primary first (`ip address A M`), then the
	// secondaries (`ip address A M secondary`).
	Addresses []netip.Prefix
	// MTU is `mtu` (default 1500); IPMTU is `ip mtu` (0: same as MTU).
	MTU, IPMTU int
	// ARPTimeout is `arp timeout` (default 4 h; 0 never ages).
	ARPTimeout time.Duration
	// GratuitousUpdate is `ip arp gratuitous update` (default on).
	GratuitousUpdate bool
	// ProxyARP is `ip proxy-arp` (default on).
	ProxyARP bool
}

// DefaultSVIConfig returns the IOS defaults for interface Vlan vlan.
func DefaultSVIConfig(vlan uint16) SVIConfig {
	return SVIConfig{VLAN: vlan, MTU: DefaultMTU, ARPTimeout: arp.DefaultTimeout, GratuitousUpdate: true, ProxyARP: true}
}

// EffectiveIPMTU is the largest IPv4 packet routed out of the SVI.
func (c SVIConfig) EffectiveIPMTU() int {
	if c.IPMTU > 0 {
		return c.IPMTU
	}
	if c.MTU > 0 {
		return c.MTU
	}
	return DefaultMTU
}

// StaticRoute is `ip route PREFIX MASK {NEXTHOP | INTERFACE [NEXTHOP]} [DISTANCE]`.
type StaticRoute struct {
	Prefix    netip.Prefix
	NextHop   netip.Addr // invalid when only an interface is given
	Interface string     // "", "Null0" or "VlanN"
	Distance  uint8      // 0: the default, 1
}

// ARPEntry is one row of `show ip arp`.
type ARPEntry = arp.Entry

// l3State is the switch's layer-3 configuration and tables. Guarded by
// sw.mu except the tables (own locks) and the control plane (one goroutine).
type l3State struct {
	mac     packet.MAC
	routing bool
	// perPrefix is `ip cef accounting per-prefix` (off by default, as on
	// IOS): routed packets are counted against their FIB prefix too.
	perPrefix bool
	svis      map[uint16]*SVIConfig
	arp       *arp.Table
	fib       *cef.Table
	punt      *puntQueue
	cp        *controlPlane
	workers   []*l3Worker
}

func newL3State(sw *Switch) *l3State {
	mac := sw.cfg.BaseMAC
	if mac.IsZero() {
		mac = fallbackRouterMAC
	}
	l := &l3State{mac: mac, routing: true, svis: map[uint16]*SVIConfig{}}
	l.fib = cef.New(cef.Config{Shards: sw.shards})
	l.arp = arp.New(arp.Config{ProxyResolver: func(in arp.IfID, target netip.Addr) bool {
		b := target.As4()
		res := l.fib.Lookup(uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]))
		switch res.Entry.Kind {
		case cef.KindNoRoute, cef.KindDrop, cef.KindNull, cef.KindReceive:
			return false
		}
		return res.Entry.If != cef.IfID(in)
	}})
	l.arp.SetHandler(sw.arpEvent)
	l.punt = newPuntQueue(PuntQueueDepth)
	// The CPU's transmit side is a Receiver that never receives: its
	// ingress counters stay zero, so the port it names as ingress (0) only
	// gets the transmit counts every publish copies anyway.
	cpu := &Receiver{
		cpu: true, sw: sw, stats: make(statsTable, sw.cfg.MaxPorts), local: make([]localStats, sw.cfg.MaxPorts),
		scratch: [][]byte{make([]byte, 1<<16)}, dirty: make([]cam.PortID, 0, sw.cfg.MaxPorts),
	}
	cpu.initTx(sw.cfg.MaxPorts, 0)
	cpu.takeShard(sw.shards) // the first: shard 0
	cpu.l3w = l.newWorkerLocked(cpu.shardID, cpu.shard)
	sw.workers[cpu] = struct{}{} // worker 0
	l.cp = &controlPlane{sw: sw, q: l.punt, arp: l.arp, fib: l.fib, r: cpu,
		obuf: make([]byte, 1<<16), ibuf: make([]byte, 1<<16), aclLog: newACLLogger(sw.log)}
	return l
}

// newWorkerLocked gives the receiver that counts under shard i its
// routed-path counters.
func (l *l3State) newWorkerLocked(i int, sh *counter.Shard) *l3Worker {
	w := &l3Worker{cef: l.fib.Counters().Worker(i), sh: sh}
	l.workers = append(l.workers, w)
	return w
}

// snapshotLocked builds the layer-3 part of a forwarding snapshot.
func (l *l3State) snapshotLocked() *l3Snapshot {
	if len(l.svis) == 0 {
		return nil
	}
	s := &l3Snapshot{routerMAC: l.mac.Uint64(), mac: l.mac, routing: l.routing, perPrefix: l.perPrefix, fib: l.fib, punt: l.punt}
	for vid, c := range l.svis {
		s.svis[vid] = &sviView{vlan: vid, up: !c.Shutdown, mtu: c.EffectiveIPMTU(), addrs: slices.Clone(c.Addresses)}
	}
	return s
}

// arpEvent wires ARP changes to the FIB adjacencies and logs filtered frames
// as `debug arp` would print them.
func (sw *Switch) arpEvent(e arp.Event) {
	fib := sw.l3.fib
	switch e.Kind {
	case arp.EventAdded, arp.EventUpdated:
		if e.Type != arp.Interface && e.If != 0 {
			fib.Resolve(cef.IfID(e.If), e.IP, e.MAC)
		}
	case arp.EventRemoved:
		switch {
		case e.Type == arp.Interface || e.If == 0:
		case e.Type == arp.Static:
			fib.Forget(cef.IfID(e.If), e.IP)
		default:
			fib.Unresolve(cef.IfID(e.If), e.IP)
		}
	case arp.EventAged, arp.EventIncomplete:
		if e.If != 0 {
			fib.Unresolve(cef.IfID(e.If), e.IP)
		}
	case arp.EventFiltered:
		sw.logARPFiltered(e)
	}
}

func checkVLAN(vlan uint16) error {
	if vlan < 1 || vlan > MaxVLAN {
		return fmt.Errorf("interface vlan %d: %w", vlan, ErrBadVLAN)
	}
	return nil
}

// CreateSVI creates interface Vlan vlan with the IOS defaults (no address,
// up); an existing SVI is left as it is. The router MAC becomes a system
// entry of the VLAN's MAC table (STATIC, port CPU).
func (sw *Switch) CreateSVI(vlan uint16) error {
	if err := checkVLAN(vlan); err != nil {
		return err
	}
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if _, ok := sw.l3.svis[vlan]; ok {
		return nil
	}
	c := DefaultSVIConfig(vlan)
	return sw.applySVILocked(&c, true)
}

// DeleteSVI removes interface Vlan vlan (`no interface VlanN`), its routes,
// ARP entries and MAC table entry.
func (sw *Switch) DeleteSVI(vlan uint16) error {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if _, ok := sw.l3.svis[vlan]; !ok {
		return fmt.Errorf("%s: %w", ifname.SVI(vlan), ErrNoSuchSVI)
	}
	delete(sw.l3.svis, vlan)
	sw.l3.arp.RemoveInterface(arp.IfID(vlan))
	sw.l3.fib.RemoveInterface(cef.IfID(vlan))
	_ = sw.cam.RemoveSystem(vlan, sw.l3.mac)
	sw.publishLocked()
	return nil
}

// SVI returns the configuration of interface Vlan vlan.
func (sw *Switch) SVI(vlan uint16) (SVIConfig, error) {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	c, ok := sw.l3.svis[vlan]
	if !ok {
		return SVIConfig{}, fmt.Errorf("%s: %w", ifname.SVI(vlan), ErrNoSuchSVI)
	}
	out := *c
	out.Addresses = slices.Clone(c.Addresses)
	return out, nil
}

// SVIs returns every SVI's configuration, by VLAN.
func (sw *Switch) SVIs() []SVIConfig {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	out := make([]SVIConfig, 0, len(sw.l3.svis))
	for _, c := range sw.l3.svis {
		o := *c
		o.Addresses = slices.Clone(c.Addresses)
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].VLAN < out[j].VLAN })
	return out
}

// SetSVI replaces the configuration of interface Vlan c.VLAN, creating it
// when needed. Addresses are validated as IOS does (no network or
// broadcast address as host, no overlap with another SVI); MTUs must be in
// range. On error nothing changes.
func (sw *Switch) SetSVI(c SVIConfig) error {
	if err := checkVLAN(c.VLAN); err != nil {
		return err
	}
	if c.MTU == 0 {
		c.MTU = DefaultMTU
	}
	if c.MTU < 64 || c.MTU > MaxMTU || (c.IPMTU != 0 && (c.IPMTU < MinIPMTU || c.IPMTU > c.MTU)) {
		return fmt.Errorf("%s mtu %d ip mtu %d: %w", ifname.SVI(c.VLAN), c.MTU, c.IPMTU, ErrBadMTU)
	}
	if c.ARPTimeout < 0 || c.ARPTimeout > arp.MaxTimeoutSeconds*time.Second {
		return fmt.Errorf("%s: %w", ifname.SVI(c.VLAN), arp.ErrBadTimeout)
	}
	c.Addresses = slices.Clone(c.Addresses)
	sw.mu.Lock()
	defer sw.mu.Unlock()
	for i, p := range c.Addresses {
		if err := checkHostPrefix(p); err != nil {
			return fmt.Errorf("%s: %w", ifname.SVI(c.VLAN), err)
		}
		for j := range i {
			if c.Addresses[j].Overlaps(p) {
				return fmt.Errorf("%s %v: %w %s", ifname.SVI(c.VLAN), p.Masked(), ErrOverlap, ifname.SVI(c.VLAN))
			}
		}
		for vid, o := range sw.l3.svis {
			if vid == c.VLAN {
				continue
			}
			for _, q := range o.Addresses {
				if q.Overlaps(p) {
					return fmt.Errorf("%v: %w %s", p.Masked().Addr(), ErrOverlap, ifname.SVI(vid))
				}
			}
		}
	}
	_, exists := sw.l3.svis[c.VLAN]
	return sw.applySVILocked(&c, !exists)
}

func checkHostPrefix(p netip.Prefix) error {
	if !p.IsValid() || !p.Addr().Is4() || p.Bits() < 1 || p.Addr().IsUnspecified() || p.Addr().IsMulticast() || p.Addr().IsLoopback() {
		return fmt.Errorf("%v: %w", p, ErrBadAddress)
	}
	if p.Bits() <= 30 {
		a := p.Addr().As4()
		h := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
		host := h &^ (^uint32(0) << (32 - p.Bits()))
		if host == 0 || host == ^uint32(0)>>p.Bits() {
			return fmt.Errorf("%v: %w", p, ErrBadAddress)
		}
	}
	return nil
}

// applySVILocked stores c and pushes it to the ARP table, the FIB, the MAC
// table and the forwarding snapshot.
func (sw *Switch) applySVILocked(c *SVIConfig, created bool) error {
	l := sw.l3
	if created {
		if err := sw.cam.AddSystem(c.VLAN, l.mac, cpuPort); err != nil {
			return fmt.Errorf("%s: router MAC: %w", ifname.SVI(c.VLAN), err)
		}
	}
	if err := sw.pushSVITablesLocked(c); err != nil {
		return err
	}
	l.svis[c.VLAN] = c
	sw.publishLocked()
	return nil
}

// pushSVITablesLocked gives the FIB and the ARP table an SVI's addresses,
// the virtual ones it owns included (virtual.go).
func (sw *Switch) pushSVITablesLocked(c *SVIConfig) error {
	l := sw.l3
	name := ifname.SVI(c.VLAN)
	var addrs []netip.Prefix
	var vips []netip.Addr
	var vaddrs []arp.VirtualAddr
	if !c.Shutdown {
		addrs = c.Addresses
		vaddrs = sw.virtualOfLocked(c.VLAN)
		for _, v := range vaddrs {
			vips = append(vips, v.IP)
		}
	}
	if err := l.fib.SetInterface(cef.IfID(c.VLAN), cef.IfConfig{Name: name, MAC: l.mac, VLAN: c.VLAN, Addresses: addrs, Virtual: vips}); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	ac := arp.IfConfig{Name: name, MAC: l.mac, Addresses: addrs, Timeout: c.ARPTimeout, GratuitousUpdate: c.GratuitousUpdate, ProxyARP: c.ProxyARP, Virtual: vaddrs}
	if err := l.arp.SetInterface(arp.IfID(c.VLAN), ac, sw.clk.Nanos()); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// editSVI applies fn to a copy of an existing SVI's configuration and sets it.
func (sw *Switch) editSVI(vlan uint16, fn func(*SVIConfig)) error {
	c, err := sw.SVI(vlan)
	if err != nil {
		return err
	}
	fn(&c)
	return sw.SetSVI(c)
}

// SetSVIAddress is `ip address A M [secondary]`: without secondary it
// replaces the primary address, with it adds a secondary one.
func (sw *Switch) SetSVIAddress(vlan uint16, p netip.Prefix, secondary bool) error {
	return sw.editSVI(vlan, func(c *SVIConfig) {
		switch {
		case secondary && len(c.Addresses) == 0:
			c.Addresses = []netip.Prefix{p} // IOS refuses; keep it simple: becomes primary
		case secondary:
			if !slices.Contains(c.Addresses[1:], p) {
				c.Addresses = append(c.Addresses, p)
			}
		case len(c.Addresses) == 0:
			c.Addresses = []netip.Prefix{p}
		default:
			c.Addresses[0] = p
		}
	})
}

// RemoveSVIAddress is `no ip address [A M [secondary]]`: an invalid p
// removes every address; a secondary is removed alone; removing the
// primary removes all of them, as IOS does.
func (sw *Switch) RemoveSVIAddress(vlan uint16, p netip.Prefix, secondary bool) error {
	var missing bool
	err := sw.editSVI(vlan, func(c *SVIConfig) {
		switch i := slices.Index(c.Addresses, p); {
		case !p.IsValid() || (!secondary && i == 0):
			c.Addresses = nil
		case secondary && i > 0:
			c.Addresses = slices.Delete(c.Addresses, i, i+1)
		default:
			missing = true
		}
	})
	if err == nil && missing {
		return fmt.Errorf("%s %v: %w", ifname.SVI(vlan), p, ErrBadAddress)
	}
	return err
}

// SetSVIShutdown is `[no] shutdown` on interface Vlan vlan.
func (sw *Switch) SetSVIShutdown(vlan uint16, shut bool) error {
	return sw.editSVI(vlan, func(c *SVIConfig) { c.Shutdown = shut })
}

// SetSVIMTU is `mtu N` (ip false) or `ip mtu N` (ip true); 0 restores the default.
func (sw *Switch) SetSVIMTU(vlan uint16, mtu int, ip bool) error {
	return sw.editSVI(vlan, func(c *SVIConfig) {
		if ip {
			c.IPMTU = mtu
		} else {
			c.MTU = mtu
		}
	})
}

// SetARPTimeout is `arp timeout SECONDS` on interface Vlan vlan.
func (sw *Switch) SetARPTimeout(vlan uint16, d time.Duration) error {
	return sw.editSVI(vlan, func(c *SVIConfig) { c.ARPTimeout = d })
}

// SetGratuitousARPUpdate is `[no] ip arp gratuitous update`.
func (sw *Switch) SetGratuitousARPUpdate(vlan uint16, on bool) error {
	return sw.editSVI(vlan, func(c *SVIConfig) { c.GratuitousUpdate = on })
}

// SetProxyARP is `[no] ip proxy-arp`.
func (sw *Switch) SetProxyARP(vlan uint16, on bool) error {
	return sw.editSVI(vlan, func(c *SVIConfig) { c.ProxyARP = on })
}

// SetIPRouting is `[no] ip routing` (on by default). With routing off the
// SVIs still answer ARP and ping, but transit packets are dropped.
func (sw *Switch) SetIPRouting(on bool) {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	sw.l3.routing = on
	sw.publishLocked()
}

// SetCEFPrefixAccounting is `[no] ip cef accounting per-prefix`: with it
// on, every routed packet is also counted against its FIB prefix (`show ip
// cef PREFIX detail`), which costs a counter update per packet in a table
// as large as the FIB; off (the default, as on IOS), the adjacency and
// interface counters still count.
func (sw *Switch) SetCEFPrefixAccounting(on bool) {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	sw.l3.perPrefix = on
	sw.publishLocked()
}

// CEFPrefixAccounting reports whether `ip cef accounting per-prefix` is on.
func (sw *Switch) CEFPrefixAccounting() bool {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	return sw.l3.perPrefix
}

// IPRouting reports whether `ip routing` is on.
func (sw *Switch) IPRouting() bool {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	return sw.l3.routing
}

// RouterMAC is the MAC address of every SVI (the switch's base MAC).
func (sw *Switch) RouterMAC() packet.MAC { return sw.l3.mac }

func (sw *Switch) cefStaticLocked(r StaticRoute) (cef.StaticRoute, error) {
	cs := cef.StaticRoute{Prefix: r.Prefix, NextHop: r.NextHop, Distance: r.Distance}
	if r.Interface != "" {
		cs.HasIf = true
		if strings.EqualFold(r.Interface, "Null0") {
			cs.If = cef.Null0
		} else {
			vid, ok := ifname.ParseSVI(r.Interface)
			if !ok {
				return cs, fmt.Errorf("ip route %v: %s: %w", r.Prefix, r.Interface, ErrNoSuchSVI)
			}
			if _, ok := sw.l3.svis[vid]; !ok {
				return cs, fmt.Errorf("ip route %v: %s: %w", r.Prefix, r.Interface, ErrNoSuchSVI)
			}
			cs.If = cef.IfID(vid)
		}
	}
	return cs, nil
}

func normalizeRoute(r StaticRoute) StaticRoute {
	switch vid, ok := ifname.ParseSVI(r.Interface); {
	case strings.EqualFold(r.Interface, "null0"):
		r.Interface = "Null0"
	case ok:
		r.Interface = ifname.SVI(vid)
	}
	r.Prefix = r.Prefix.Masked()
	if r.Distance == 0 {
		r.Distance = 1
	}
	return r
}

// AddStaticRoute is `ip route PREFIX MASK {NEXTHOP | INTERFACE [NEXTHOP]} [DISTANCE]`.
func (sw *Switch) AddStaticRoute(r StaticRoute) error {
	return sw.AddStaticRoutes([]StaticRoute{r})
}

// AddStaticRoutes installs many static routes with one FIB publication (a
// configuration load). It stops at the first invalid route; the ones
// before it stay installed.
func (sw *Switch) AddStaticRoutes(rs []StaticRoute) error {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	return sw.l3.fib.Batch(func() error {
		for _, r := range rs {
			if !r.Prefix.IsValid() {
				return fmt.Errorf("ip route %v: %w", r.Prefix, cef.ErrBadPrefix)
			}
			r = normalizeRoute(r)
			cs, err := sw.cefStaticLocked(r)
			if err != nil {
				return err
			}
			if err := sw.l3.fib.AddStatic(cs); err != nil {
				return fmt.Errorf("ip route: %w", err)
			}
		}
		return nil
	})
}

// RemoveStaticRoute is `no ip route ...` (the distance is ignored). A
// route through a deleted SVI stays configured, as on IOS, and removing it
// is still valid.
func (sw *Switch) RemoveStaticRoute(r StaticRoute) error {
	if !r.Prefix.IsValid() {
		return fmt.Errorf("no ip route %v: %w", r.Prefix, ErrNoSuchRoute)
	}
	r = normalizeRoute(r)
	cs := cef.StaticRoute{Prefix: r.Prefix, NextHop: r.NextHop}
	if r.Interface != "" {
		id, ok := staticIf(r.Interface)
		if !ok {
			return fmt.Errorf("no ip route %v %s: %w", r.Prefix, r.Interface, ErrNoSuchRoute)
		}
		cs.HasIf, cs.If = true, id
	}
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if err := sw.l3.fib.RemoveStatic(cs); err != nil {
		if errors.Is(err, cef.ErrNoSuchRoute) {
			return fmt.Errorf("no ip route %v: %w", r.Prefix, ErrNoSuchRoute)
		}
		return fmt.Errorf("no ip route: %w", err)
	}
	return nil
}

// staticIf is the FIB's interface of a static route's (normalized)
// interface name: Null0 or an SVI, existing or not.
func staticIf(name string) (cef.IfID, bool) {
	if name == "Null0" {
		return cef.Null0, true
	}
	vid, ok := ifname.ParseSVI(name)
	return cef.IfID(vid), ok
}

// StaticRoutes returns the configured static routes (running-config order:
// by prefix, then next hop, then interface). The FIB's RIB is their only
// store: a million of them are twelve bytes each there.
func (sw *Switch) StaticRoutes() []StaticRoute {
	cs := sw.l3.fib.Statics()
	out := make([]StaticRoute, len(cs))
	for i, c := range cs {
		r := StaticRoute{Prefix: c.Prefix, NextHop: c.NextHop, Distance: c.Distance}
		switch {
		case !c.HasIf:
		case c.If == cef.Null0:
			r.Interface = "Null0"
		default:
			r.Interface = ifname.SVI(uint16(c.If))
		}
		out[i] = r
	}
	return out
}

// StaticRouteCount returns the number of configured static routes.
func (sw *Switch) StaticRouteCount() int { return sw.l3.fib.StaticCount() }

// AddStaticARP is `arp IP MAC arpa`. A unicast IP may map to a multicast MAC
// (Microsoft NLB multicast mode); routed traffic to it floods in the VLAN.
func (sw *Switch) AddStaticARP(ip netip.Addr, mac packet.MAC) error {
	return sw.l3.arp.AddStatic(ip, mac, sw.clk.Nanos())
}

// RemoveStaticARP is `no arp IP`.
func (sw *Switch) RemoveStaticARP(ip netip.Addr) error { return sw.l3.arp.RemoveStatic(ip) }

// ARPFilter selects rows of `show ip arp [IP | interface]`; zero fields
// match everything.
type ARPFilter struct {
	IP        netip.Addr
	Interface string // VlanN
	Types     []arp.EntryType
}

// ARPEntries returns the selected ARP entries sorted by address.
func (sw *Switch) ARPEntries(f ARPFilter) ([]ARPEntry, error) {
	af := arp.Filter{IP: f.IP, Types: f.Types}
	if f.Interface != "" {
		vid, ok := ifname.ParseSVI(f.Interface)
		if !ok {
			return nil, fmt.Errorf("%s: %w", f.Interface, ErrNoSuchSVI)
		}
		af.If, af.ByIf = arp.IfID(vid), true
	}
	return sw.l3.arp.Entries(af), nil
}

// ClearARPCache is `clear arp-cache [interface VlanN]` (ifName "" for all):
// dynamic entries go and are re-ARPed at once, as IOS does.
func (sw *Switch) ClearARPCache(ifName string) error {
	all, in := true, arp.IfID(0)
	if ifName != "" {
		vid, ok := ifname.ParseSVI(ifName)
		if !ok {
			return fmt.Errorf("%s: %w", ifName, ErrNoSuchSVI)
		}
		all, in = false, arp.IfID(vid)
	}
	for _, req := range sw.l3.arp.Clear(all, in, sw.clk.Nanos()) {
		sw.l3.cpSend(req)
	}
	return nil
}

// cpSend has the control plane send an ARP request on behalf of an API
// call; the control plane's lock keeps its buffers to one user.
func (l *l3State) cpSend(req arp.Request) {
	l.cp.mu.Lock()
	defer l.cp.mu.Unlock()
	l.cp.sendARPRequest(req)
}

// AgeARP runs the ARP table's periodic work now: refresh requests for
// entries about to expire, retries, and aging (the control plane does this
// every second; tests call it after moving a manual clock).
func (sw *Switch) AgeARP() {
	sw.l3.cp.mu.Lock()
	defer sw.l3.cp.mu.Unlock()
	sw.l3.cp.tick()
}
