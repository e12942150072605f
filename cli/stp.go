package cli

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/ifname"
	"github.com/l2sw/l2sw/packet"
	"github.com/l2sw/l2sw/stp"
	"github.com/l2sw/l2sw/syslog"
	"github.com/l2sw/l2sw/vlanset"
)

// This file is the spanning-tree runner: PVST+ and Rapid PVST+ as a
// Catalyst runs them, one stp.Tree per VLAN, bound to the switch. BPDUs
// come from the data plane's control listeners (consumed, never
// forwarded) and go out with SendFrame; the trees' port states go into
// the data plane with SetSTPStates. The commands are in stp_commands.go,
// the shows in stp_show.go.

// stpDefaultPriority is the bridge priority of an unconfigured VLAN.
const stpDefaultPriority = 32768

// stpTick is how often the runner advances the trees' timers.
const stpTick = 100 * time.Millisecond

// stpPortConfig is the spanning-tree configuration of one interface.
type stpPortConfig struct {
	portfast   string // "", "portfast", "trunk" (portfast trunk), "disable"
	bpduguard  string // "", "enable", "disable"
	bpdufilter string // "", "enable", "disable"
	guard      string // "", "root", "loop", "none"
	cost       uint32 // 0: by speed
	priority   int    // -1: default 128
	vlanCost   map[uint16]uint32
	vlanPrio   map[uint16]int
	mstCost    map[uint16]uint32 // spanning-tree mst N cost
	mstPrio    map[uint16]int    // spanning-tree mst N port-priority
}

// stpVLANConfig is `spanning-tree vlan V ...` of one VLAN.
type stpVLANConfig struct {
	priority               int // -1: default
	hello, forward, maxAge int // seconds; 0: default
}

// stpConfig is the global spanning-tree configuration.
type stpConfig struct {
	mode            string // "pvst", "rapid-pvst" or "mst"
	extend          bool
	portfastDefault bool
	bpduguardDef    bool // spanning-tree portfast bpduguard default
	disabled        map[uint16]bool
	vlans           map[uint16]*stpVLANConfig
	ports           map[string]*stpPortConfig
	mst             stpMSTConfig // stp_mst.go
}

func newSTPConfig() stpConfig {
	return stpConfig{mode: "pvst", extend: true, disabled: map[uint16]bool{}, vlans: map[uint16]*stpVLANConfig{},
		ports: map[string]*stpPortConfig{}, mst: stpMSTConfig{inst: map[uint16]vlanset.Set{}}}
}

func (c *stpConfig) vlan(v uint16) *stpVLANConfig {
	x := c.vlans[v]
	if x == nil {
		x = &stpVLANConfig{priority: -1}
		c.vlans[v] = x
	}
	return x
}

func (c *stpConfig) port(name string) *stpPortConfig {
	x := c.ports[name]
	if x == nil {
		x = &stpPortConfig{priority: -1}
		c.ports[name] = x
	}
	return x
}

// stpPort is what the runner knows of one switch port.
type stpPort struct {
	name    string
	index   int // the IOS port number in port IDs: 1 for the first port
	up      bool
	mode    dataplane.PortMode
	access  uint16
	native  uint16
	allowed dataplane.VLANSet
	errdis  time.Duration // when it was err-disabled; 0: not
	st      dataplane.PortStatus
}

// stpRunner runs the trees.
type stpRunner struct {
	d  *Device
	mu sync.Mutex // guards everything below; the config too (edited by commands)

	cfg     stpConfig
	trees   map[uint16]*stp.Tree
	ports   []*stpPort // by index-1
	byName  map[string]*stpPort
	applied map[stpKey]dataplane.STPState // what the data plane holds
	rx      chan dataplane.ControlFrame
	running bool
	kick    chan struct{}
	buf     []byte
	txHook  func(port string, frame []byte) // tests: sees every BPDU sent

	mst       *stp.MSTBridge           // mode mst (stp_mst.go); nil otherwise
	mstDigest stp.MSTConfigID          // the region mst runs with
	pvstInc   map[string]time.Duration // PVST simulation: port -> inconsistent until
}

type stpKey struct {
	port string
	vlan uint16
}

func newSTPRunner(d *Device) *stpRunner {
	return &stpRunner{d: d, cfg: newSTPConfig(), trees: map[uint16]*stp.Tree{}, byName: map[string]*stpPort{},
		applied: map[stpKey]dataplane.STPState{}, rx: make(chan dataplane.ControlFrame, 512), kick: make(chan struct{}, 1)}
}

// changed asks the runner to look at the configuration again soon.
func (r *stpRunner) changed() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// StartSpanningTree starts the spanning tree on the switch under ctx:
// the first pass blocks every port that must wait before this returns,
// so that no loop forwards while the protocol starts. It returns an error
// if the BPDU listeners cannot be registered.
func (d *Device) StartSpanningTree(ctx context.Context) error {
	r := d.stp
	h := func(f dataplane.ControlFrame) {
		select {
		case r.rx <- dataplane.ControlFrame{Port: f.Port, VLAN: f.VLAN, Frame: slices.Clone(f.Frame)}:
		default: // a BPDU storm: the protocol tolerates losing some
		}
	}
	cancelIEEE, err := d.sw.ListenControl(packet.MAC(stp.IEEEAddr), dataplane.ControlConsume, h)
	if err != nil {
		return fmt.Errorf("spanning tree: %w", err)
	}
	cancelSSTP, err := d.sw.ListenControl(packet.MAC(stp.SSTPAddr), dataplane.ControlConsume, h)
	if err != nil {
		cancelIEEE()
		return fmt.Errorf("spanning tree: %w", err)
	}
	r.mu.Lock()
	r.running = true
	r.syncLocked(r.now())
	r.mu.Unlock()
	go func() {
		defer cancelIEEE()
		defer cancelSSTP()
		t := time.NewTicker(stpTick)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				r.mu.Lock()
				r.running = false
				r.mu.Unlock()
				return
			case m := <-r.rx:
				r.mu.Lock()
				r.receiveLocked(m, r.now())
				r.mu.Unlock()
			case <-r.kick:
				r.mu.Lock()
				r.syncLocked(r.now())
				r.mu.Unlock()
			case <-t.C:
				r.mu.Lock()
				r.tickLocked(r.now())
				r.mu.Unlock()
			}
		}
	}()
	return nil
}

// now is the switch clock as the trees' time.
func (r *stpRunner) now() time.Duration { return time.Duration(r.d.sw.ClockNanos()) }

func (p *stpPort) id() int { return int(p.st.ID) }

// member reports whether the port carries vlan.
func (p *stpPort) member(v uint16) bool {
	if p.mode == dataplane.ModeTrunk {
		return p.allowed.Has(v)
	}
	return p.access == v
}

// syncLocked reads the ports and VLANs from the switch and brings the
// trees up to date: instances for the active VLANs, their ports, each
// port's configuration.
func (r *stpRunner) syncLocked(now time.Duration) {
	vlans := map[uint16]bool{}
	for _, v := range r.d.sw.VLANs() {
		vlans[v.ID] = true
	}
	names := r.d.sw.Ports()
	for i, name := range names {
		st, err := r.d.sw.Status(name)
		if err != nil {
			continue
		}
		p := r.byName[name]
		if p == nil {
			p = &stpPort{name: name}
			r.byName[name] = p
		}
		p.st = st
		p.index = i + 1
		// Err-disable is the switch's (errdisable.go): BPDU guard asks for
		// it, the recovery timer or a shutdown ends it.
		switch {
		case st.ErrDisabled == "":
			p.errdis = 0
		case p.errdis == 0:
			p.errdis = now | 1
		}
		p.up, p.mode, p.access, p.native = st.Up, st.Settings.Mode, st.Settings.AccessVLAN, st.Settings.NativeVLAN
		p.allowed = st.Settings.Allowed
	}
	r.ports = r.ports[:0]
	for _, name := range names {
		if p := r.byName[name]; p != nil {
			r.ports = append(r.ports, p)
		}
	}

	// The instances: every existing VLAN that spanning tree runs in and
	// that some port carries.
	want := map[uint16]bool{}
	if r.running && r.cfg.mode != "mst" {
		for v := range vlans {
			if r.cfg.disabled[v] {
				continue
			}
			// IOS runs an instance for a VLAN with a port up in it.
			for _, p := range r.ports {
				if p.member(v) && p.up && p.errdis == 0 {
					want[v] = true
					break
				}
			}
		}
	}
	for v, t := range r.trees {
		if !want[v] || t.Config().Rapid != (r.cfg.mode == "rapid-pvst") {
			delete(r.trees, v)
		}
	}
	for v := range want {
		cfg := r.treeConfig(v)
		t := r.trees[v]
		if t == nil {
			t = stp.NewTree(cfg)
			r.trees[v] = t
		} else if t.Config() != cfg {
			t.SetConfig(cfg, now)
		}
		for _, p := range r.ports {
			if !p.member(v) {
				t.RemovePort(p.id(), now)
				continue
			}
			t.SetPort(p.id(), r.portConfig(p, v), p.up && p.errdis == 0, now)
		}
	}
	ids := make([]uint16, 0, len(vlans))
	for v := range vlans {
		ids = append(ids, v)
	}
	r.syncMSTLocked(ids, now)
	r.flushLocked(now)
}

// treeConfig is the stp configuration of vlan's instance.
func (r *stpRunner) treeConfig(v uint16) stp.TreeConfig {
	prio := r.priority(v)
	if r.cfg.extend {
		prio += int(v)
	}
	mac := r.d.sw.RouterMAC()
	times := stp.DefaultTimes
	if vc := r.cfg.vlans[v]; vc != nil {
		if vc.hello != 0 {
			times.Hello = time.Duration(vc.hello) * time.Second
		}
		if vc.forward != 0 {
			times.ForwardDelay = time.Duration(vc.forward) * time.Second
		}
		if vc.maxAge != 0 {
			times.MaxAge = time.Duration(vc.maxAge) * time.Second
		}
	}
	return stp.TreeConfig{Bridge: stp.MakeBridgeID(uint16(prio), mac), Times: times, Rapid: r.cfg.mode == "rapid-pvst"}
}

// priority is the configured bridge priority of vlan, without the system ID.
func (r *stpRunner) priority(v uint16) int {
	if vc := r.cfg.vlans[v]; vc != nil && vc.priority >= 0 {
		return vc.priority
	}
	return stpDefaultPriority
}

// defaultCost is the short path-cost method's cost of a port by its speed
// (IOS: 10 Mb/s 100, 100 Mb/s 19, 1 Gb/s 4, 10 Gb/s 2).
func defaultCost(name string) uint32 {
	switch bps := ifname.Speed(name); {
	case bps <= 10_000_000:
		return 100
	case bps <= 100_000_000:
		return 19
	case bps <= 1_000_000_000:
		return 4
	case bps <= 25_000_000_000:
		return 2
	}
	return 1
}

// portConfig is port p's part in vlan's instance.
func (r *stpRunner) portConfig(p *stpPort, v uint16) stp.PortConfig {
	return r.treePortConfig(p, v, defaultCost(p.name), func(pc *stpPortConfig) (map[uint16]uint32, map[uint16]int) { return pc.vlanCost, pc.vlanPrio })
}

// treePortConfig is port p's part in the tree keyed k (a VLAN, or an MST
// instance): the port's own cost and priority, else cost and the default
// priority, each overridden by the tree's entry in the maps that
// overrides picks from the port's configuration.
func (r *stpRunner) treePortConfig(p *stpPort, k uint16, cost uint32, overrides func(*stpPortConfig) (map[uint16]uint32, map[uint16]int)) stp.PortConfig {
	pc := r.cfg.ports[p.name]
	prio := 128
	var c stp.PortConfig
	if pc != nil {
		costs, prios := overrides(pc)
		if pc.cost != 0 {
			cost = pc.cost
		}
		if x, ok := costs[k]; ok {
			cost = x
		}
		if pc.priority >= 0 {
			prio = pc.priority
		}
		if x, ok := prios[k]; ok {
			prio = x
		}
		c.RootGuard = pc.guard == "root"
		c.LoopGuard = pc.guard == "loop"
	}
	c.ID = uint16(prio)<<8 | uint16(p.index)
	c.Cost = cost
	c.Edge = r.edge(p)
	return c
}

// edge reports whether portfast is in effect on p: configured on an
// access port, `portfast trunk` on a trunk, or the global default on an
// access port.
func (r *stpRunner) edge(p *stpPort) bool {
	pf := ""
	if pc := r.cfg.ports[p.name]; pc != nil {
		pf = pc.portfast
	}
	switch pf {
	case "disable":
		return false
	case "trunk":
		return true
	case "portfast":
		return p.mode != dataplane.ModeTrunk
	}
	return r.cfg.portfastDefault && p.mode != dataplane.ModeTrunk
}

// bpduguard reports whether BPDU guard acts on p.
func (r *stpRunner) bpduguard(p *stpPort) bool {
	g := ""
	if pc := r.cfg.ports[p.name]; pc != nil {
		g = pc.bpduguard
	}
	switch g {
	case "enable":
		return true
	case "disable":
		return false
	}
	return r.cfg.bpduguardDef && r.edge(p)
}

func (r *stpRunner) bpdufilter(p *stpPort) bool {
	pc := r.cfg.ports[p.name]
	return pc != nil && pc.bpdufilter == "enable"
}

// receiveLocked hands a BPDU to the instance of its VLAN.
func (r *stpRunner) receiveLocked(m dataplane.ControlFrame, now time.Duration) {
	p := r.portAt(int(m.Port))
	if p == nil || !p.up || p.errdis != 0 || r.bpdufilter(p) {
		return
	}
	fr, err := stp.ParseFrame(m.Frame)
	if err != nil {
		return // malformed: dropped (the data plane counted it as received)
	}
	if r.bpduguard(p) {
		r.errDisableLocked(p, now)
		return
	}
	if r.mst != nil {
		r.receiveMSTLocked(p, fr, now)
		r.flushLocked(now)
		return
	}
	vlan := fr.VID
	switch {
	case fr.Encap == stp.EncapSSTP && fr.PVID != 0:
		vlan = fr.PVID
	case vlan == 0 && p.mode == dataplane.ModeTrunk:
		if fr.Encap == stp.EncapIEEE {
			vlan = 1 // the IEEE BPDUs of a trunk are the CST's, VLAN 1's
		} else {
			vlan = p.native
		}
	case vlan == 0:
		vlan = p.access
	}
	t := r.trees[vlan]
	if t == nil || !p.member(vlan) {
		return
	}
	t.Receive(p.id(), fr.BPDU, now)
	r.flushLocked(now)
}

// errDisableLocked has the switch err-disable p for BPDU guard (the
// switch logs %PM-4-ERR_DISABLE and the link going down, and its recovery
// timer brings the port back: `errdisable recovery cause bpduguard`).
func (r *stpRunner) errDisableLocked(p *stpPort, now time.Duration) {
	r.d.sw.Log().Log("SPANTREE", syslog.Critical, "BLOCK_BPDUGUARD", "Received BPDU on port %s with BPDU Guard enabled. Disabling port.", ifname.Short(p.name))
	r.d.sw.ErrDisable(p.name, dataplane.CauseBPDUGuard, nil)
	p.errdis = now | 1
	for _, t := range r.trees {
		t.SetPort(p.id(), r.portConfigFor(t, p), false, now)
	}
	r.flushLocked(now)
}

func (r *stpRunner) portConfigFor(t *stp.Tree, p *stpPort) stp.PortConfig {
	for v, x := range r.trees {
		if x == t {
			return r.portConfig(p, v)
		}
	}
	return stp.PortConfig{}
}

// tickLocked advances the timers: err-disable recovery, the trees', short
// aging during an 802.1D topology change.
func (r *stpRunner) tickLocked(now time.Duration) {
	// Ports and VLANs change under the runner (links, switchport
	// commands): look again every tick, so that a link cut is seen within
	// one.
	r.syncLocked(now)
	for _, t := range r.trees {
		t.Tick(now)
	}
	if r.mst != nil {
		r.tickMSTLocked(now)
	}
	r.flushLocked(now)
	if now/time.Second != (now-stpTick)/time.Second {
		r.shortAgeLocked()
	}
}

// shortAgeLocked ages the addresses of VLANs in an 802.1D topology change
// in forward-delay time, as IOS does while the root's TC flag is set.
func (r *stpRunner) shortAgeLocked() {
	nowSec := r.d.sw.ClockNanos() / 1e9
	for v, t := range r.trees {
		if !t.ShortAging() {
			continue
		}
		fd := int64(t.Status().RootTimes.ForwardDelay / time.Second)
		es, err := r.d.sw.MACEntries(dataplane.MACFilter{VLAN: v, DynamicOnly: true})
		if err != nil {
			continue
		}
		for _, e := range es {
			if nowSec-e.LastSeen >= fd {
				_, _ = r.d.sw.ClearDynamicMACs(dataplane.MACFilter{VLAN: v, MAC: e.MAC, HasMAC: true, DynamicOnly: true})
			}
		}
	}
}

// flushLocked sends what the trees want sent, applies their states to
// the data plane and logs their events.
func (r *stpRunner) flushLocked(now time.Duration) {
	if r.mst != nil {
		r.flushMSTLocked(now)
		return
	}
	var changes []dataplane.STPChange
	for v, t := range r.trees {
		for _, o := range t.Outbox() {
			r.sendLocked(v, o)
		}
		for _, e := range t.Events() {
			r.eventLocked(v, t, e)
		}
		for _, ps := range t.Status().Ports {
			p := r.portAt(ps.Port)
			if p == nil {
				continue
			}
			want := dataplaneState(ps)
			k := stpKey{p.name, v}
			if cur, ok := r.applied[k]; !ok || cur != want {
				changes = append(changes, dataplane.STPChange{Port: p.name, VLAN: v, State: want})
				r.applied[k] = want
			}
		}
	}
	// Ports that left an instance, or VLANs whose instance is gone,
	// forward again (a port that is down forwards nothing anyway; an
	// err-disabled one stays blocked).
	for k, cur := range r.applied {
		t := r.trees[k.vlan]
		p := r.byName[k.port]
		inTree := false
		if t != nil && p != nil {
			for _, ps := range t.Status().Ports {
				if ps.Port == p.id() {
					inTree = true
				}
			}
		}
		if inTree {
			continue
		}
		want := dataplane.STPForwarding
		if p != nil && (p.errdis != 0 || (t != nil && !p.up)) {
			want = dataplane.STPBlocking
		}
		if cur != want {
			changes = append(changes, dataplane.STPChange{Port: k.port, VLAN: k.vlan, State: want})
		}
		if want == dataplane.STPForwarding {
			delete(r.applied, k)
		} else {
			r.applied[k] = want
		}
	}
	// A port that is down must not forward the moment it comes back up,
	// before the tree has it: block it in the VLANs of running instances.
	for _, p := range r.ports {
		if p.up && p.errdis == 0 {
			continue
		}
		for v := range r.trees {
			k := stpKey{p.name, v}
			if _, ok := r.applied[k]; !ok && p.member(v) {
				changes = append(changes, dataplane.STPChange{Port: p.name, VLAN: v, State: dataplane.STPBlocking})
				r.applied[k] = dataplane.STPBlocking
			}
		}
	}
	if len(changes) > 0 {
		if err := r.d.sw.SetSTPStates(changes); err != nil {
			r.d.sw.Log().Log("SPANTREE", syslog.Error, "INTERNAL", "cannot apply port states: %v", err)
		}
	}
}

func (r *stpRunner) portAt(id int) *stpPort {
	for _, p := range r.ports {
		if p.id() == id {
			return p
		}
	}
	return nil
}

func dataplaneState(ps stp.PortStatus) dataplane.STPState {
	switch ps.State {
	case stp.Forwarding:
		return dataplane.STPForwarding
	case stp.Learning:
		return dataplane.STPLearning
	case stp.Listening:
		return dataplane.STPListening
	}
	return dataplane.STPBlocking
}

// sendLocked frames one BPDU of vlan's instance for its port: IEEE
// untagged for an access port; on a trunk, SSTP (tagged unless the VLAN is
// native) and, for VLAN 1, the IEEE BPDU of the CST as well, untagged.
func (r *stpRunner) sendLocked(v uint16, o stp.Out) {
	p := r.portAt(o.Port)
	if p == nil || !p.up || p.errdis != 0 || r.bpdufilter(p) {
		return
	}
	var src [6]byte
	mac := r.d.portMAC(p.index - 1) // the port's own address, as a Catalyst sends from
	copy(src[:], mac[:])
	send := func(f []byte) {
		if r.txHook != nil {
			r.txHook(p.name, f)
		}
		_ = r.d.sw.SendFrame(p.st.ID, f)
	}
	if p.mode != dataplane.ModeTrunk {
		r.buf = stp.AppendFrame(r.buf[:0], stp.EncapIEEE, src, 0, 0, o.BPDU)
		send(r.buf)
		return
	}
	if v == 1 {
		// The CST's IEEE BPDU goes untagged, on the native VLAN whatever
		// it is, as PVST+ sends it for 802.1D/802.1w bridges.
		r.buf = stp.AppendFrame(r.buf[:0], stp.EncapIEEE, src, 0, 0, o.BPDU)
		send(r.buf)
	}
	if o.BPDU.Type == stp.TypeTCN && v == 1 {
		return
	}
	var tag uint16
	if v != p.native {
		tag = v
	}
	r.buf = stp.AppendFrame(r.buf[:0], stp.EncapSSTP, src, tag, v, o.BPDU)
	send(r.buf)
}

// eventLocked acts on one event of vlan's instance.
func (r *stpRunner) eventLocked(v uint16, t *stp.Tree, e stp.Event) {
	log := r.d.sw.Log()
	p := r.portAt(e.Port)
	name := ""
	if p != nil {
		name = p.name
	}
	switch e.Kind {
	case stp.EventNewRoot:
		s := t.Status()
		if s.RootPort >= 0 && p != nil {
			log.Log("SPANTREE", syslog.Notice, "ROOTCHANGE", "Root Changed for vlan %d: New Root Port is %s. New Root Mac Address is %s", v, name, s.Root.MACString())
		}
	case stp.EventTopology:
		if t.Config().Rapid {
			// 802.1w: flush what was learned on the other non-edge ports.
			for _, ps := range t.Status().Ports {
				q := r.portAt(ps.Port)
				if q == nil || ps.Port == e.Port || ps.Edge {
					continue
				}
				_, _ = r.d.sw.ClearDynamicMACs(dataplane.MACFilter{VLAN: v, Port: q.name, DynamicOnly: true})
			}
		}
	case stp.EventRootGuard:
		word := "BLOCK"
		verb := "blocking"
		if !e.On {
			word, verb = "UNBLOCK", "unblocking"
		}
		log.Log("SPANTREE", syslog.Critical, "ROOTGUARD_"+word, "Root guard %s port %s on VLAN%04d.", verb, name, v)
	case stp.EventLoopGuard:
		word := "BLOCK"
		verb := "blocking"
		if !e.On {
			word, verb = "UNBLOCK", "unblocking"
		}
		log.Log("SPANTREE", syslog.Critical, "LOOPGUARD_"+word, "Loop guard %s port %s on VLAN%04d.", verb, name, v)
	}
}

// stpForwardingVLANs is the part of vlans in which spanning tree lets the
// port forward (`show interfaces trunk`).
func (d *Device) stpForwardingVLANs(name string, vlans dataplane.VLANSet) dataplane.VLANSet {
	r := d.stp
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, st := range r.applied {
		if k.port == name && st != dataplane.STPForwarding {
			vlans.Remove(k.vlan)
		}
	}
	return vlans
}
