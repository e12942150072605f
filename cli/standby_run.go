package cli

import (
	"context"
	"encoding/binary"
	"net/netip"
	"slices"
	"sync/atomic"
	"time"

	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/hsrp"
	"github.com/l2sw/l2sw/ifname"
	"github.com/l2sw/l2sw/packet"
	"github.com/l2sw/l2sw/syslog"
)

// The HSRP runner binds the hsrp state machines to the switch: it hears
// hellos through a control listener on the two HSRP multicast MACs
// (copied, so they still flood), sends hellos, coups and resigns into the
// SVI's VLAN (the active router from the virtual MAC, the others from the
// router MAC, as IOS does), owns the virtual IP and MAC on the SVI while
// a group is active, and announces them with a gratuitous ARP when it
// becomes active. It runs on one goroutine under the daemon's context.

// hsrpTick is how often the runner looks at its timers, the SVIs and the
// tracked interfaces: well under the shortest hello (15 ms is IOS's
// minimum, but 50 ms keeps an idle switch quiet and is what a loaded lab
// machine can honour anyway).
const hsrpTick = 50 * time.Millisecond

// hsrpReconcileEvery is how many ticks pass between two looks at the
// SVIs and tracked interfaces (their state is read through the switch's
// status calls, which also sum counters: not a thing to do 20 times a
// second); a configuration change is applied at once.
const hsrpReconcileEvery = 5

// hsrpRxQueue bounds the hellos waiting for the runner.
const hsrpRxQueue = 256

type hsrpKey struct{ vlan, group uint16 }

// hsrpLive is one running group.
type hsrpLive struct {
	g         *hsrp.Group
	vmac      packet.MAC
	secondary []netip.Addr
	activeMAC packet.MAC // the source MAC of the active router's hellos
}

type hsrpFrame struct {
	vlan uint16
	b    []byte
}

// hsrpStats count what the runner received and sent.
type hsrpStats struct {
	rx, bad, badAuth, unknown, dropped, tx, txErr atomic.Uint64
}

// hsrpRunner is the runtime side of hsrpState; guarded by hsrpState.mu
// except rx and stats.
type hsrpRunner struct {
	live    map[hsrpKey]*hsrpLive
	trackUp map[int]bool
	pushed  []dataplane.VirtualGateway
	garp    []hsrpKey // groups that just became active
	rx      chan hsrpFrame
	cancel  []func()
	stats   hsrpStats
}

func newHSRPRunner() *hsrpRunner {
	return &hsrpRunner{live: map[hsrpKey]*hsrpLive{}, trackUp: map[int]bool{}, rx: make(chan hsrpFrame, hsrpRxQueue)}
}

// RunStandby runs the HSRP groups until ctx is done; then the active
// groups resign and hand their virtual addresses back. With no HSRP
// configured it sleeps until a standby command wakes it.
func (d *Device) RunStandby(ctx context.Context) {
	t := time.NewTicker(hsrpTick)
	defer t.Stop()
	defer d.hsrpShutdown()
	h := d.hsrp
	ticking := true
	for n := 0; ; {
		select {
		case <-ctx.Done():
			return
		case f := <-h.run.rx:
			d.hsrpReceive(f)
		case <-h.wake:
			d.hsrpStep(true)
		case <-t.C:
			n++
			d.hsrpStep(n%hsrpReconcileEvery == 0)
		}
		if busy := d.hsrpBusy(); busy != ticking {
			if busy {
				t.Reset(hsrpTick)
			} else {
				t.Stop()
			}
			ticking = busy
		}
	}
}

// hsrpBusy reports whether any HSRP configuration or group exists.
func (d *Device) hsrpBusy() bool {
	h := d.hsrp
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.svis) > 0 || len(h.run.live) > 0 || len(h.tracks) > 0
}

func (d *Device) hsrpNow() time.Duration { return time.Duration(d.sw.ClockNanos()) }

// hsrpShutdown stops every group (an active one resigns).
func (d *Device) hsrpShutdown() {
	h := d.hsrp
	h.mu.Lock()
	defer h.mu.Unlock()
	now := d.hsrpNow()
	for k, l := range h.run.live {
		d.hsrpOutputLocked(k, l, l.g.Stop(now))
		delete(h.run.live, k)
	}
	d.hsrpPushLocked()
	for _, c := range h.run.cancel {
		c()
	}
	h.run.cancel = nil
}

// hsrpWant is what one configured group should run as now.
type hsrpWant struct {
	cfg       hsrp.Config
	vmac      packet.MAC
	secondary []netip.Addr
}

// hsrpStep runs the timers, after applying the configuration and the
// SVIs' and tracked interfaces' states when reconcile is set.
func (d *Device) hsrpStep(reconcile bool) {
	h := d.hsrp
	h.mu.Lock()
	defer h.mu.Unlock()
	now := d.hsrpNow()
	r := h.run
	if reconcile {
		d.hsrpReconcileLocked(now)
	}
	for k, l := range r.live {
		d.hsrpOutputLocked(k, l, l.g.Tick(now))
	}
	d.hsrpPushLocked()
}

// hsrpReconcileLocked starts, stops and reconfigures the groups as the
// configuration, the SVIs and the tracked objects say.
func (d *Device) hsrpReconcileLocked(now time.Duration) {
	h, r := d.hsrp, d.hsrp.run
	d.hsrpListenLocked()
	d.hsrpTracksLocked()
	want := map[hsrpKey]hsrpWant{}
	for vlan, s := range h.svis {
		st, err := d.sw.SVIStatus(vlan)
		if err != nil || !st.ProtocolUp || st.Shutdown || len(st.Addresses) == 0 {
			continue
		}
		for n, g := range s.groups {
			if !g.ipSet {
				continue
			}
			want[hsrpKey{vlan, n}] = d.hsrpWantLocked(s.version, n, g, st.Addresses[0].Addr(), st.MAC)
		}
	}
	for k, l := range r.live {
		w, ok := want[k]
		c := l.g.Config()
		if !ok || w.cfg.Version != c.Version || w.cfg.VIP != c.VIP || w.vmac != l.vmac || w.cfg.IP != c.IP {
			d.hsrpOutputLocked(k, l, l.g.Stop(now))
			delete(r.live, k)
		}
	}
	for k, w := range want {
		l := r.live[k]
		if l == nil {
			l = &hsrpLive{g: hsrp.NewGroup(w.cfg), vmac: w.vmac, secondary: w.secondary}
			r.live[k] = l
			d.hsrpOutputLocked(k, l, l.g.Start(now))
			continue
		}
		l.g.SetConfig(w.cfg)
		l.secondary = w.secondary
	}
}

// hsrpWantLocked builds a group's state-machine configuration: its
// priority lowered by each tracked object that is down.
func (d *Device) hsrpWantLocked(version int, n uint16, g *hsrpGroupConf, ip netip.Addr, mac packet.MAC) hsrpWant {
	prio := hsrp.DefaultPriority
	if g.priority >= 0 {
		prio = g.priority
	}
	for _, t := range g.tracks {
		if up, ok := d.hsrp.run.trackUp[t.object]; ok && !up {
			prio -= t.dec()
		}
	}
	vmac := packet.MAC(hsrp.VirtualMAC(version, n))
	if !g.mac.IsZero() {
		vmac = g.mac
	}
	return hsrpWant{
		cfg: hsrp.Config{Version: version, Group: n, VIP: g.ip, Priority: uint8(max(prio, 0)),
			Preempt: g.preempt, PreemptDelay: time.Duration(g.delay) * time.Second,
			Hello: g.hello, Hold: g.hold, TimersSet: g.timersSet, Auth: g.auth, IP: ip, ID: mac},
		vmac: vmac, secondary: slices.Clone(g.secondary),
	}
}

// hsrpListenLocked hears the HSRP MACs while any group is configured.
func (d *Device) hsrpListenLocked() {
	h, r := d.hsrp, d.hsrp.run
	if len(h.svis) == 0 {
		for _, c := range r.cancel {
			c()
		}
		r.cancel = nil
		return
	}
	if r.cancel != nil {
		return
	}
	handler := func(cf dataplane.ControlFrame) {
		select {
		case r.rx <- hsrpFrame{vlan: cf.VLAN, b: slices.Clone(cf.Frame)}:
		default:
			r.stats.dropped.Add(1)
		}
	}
	for _, v := range []int{1, 2} {
		c, err := d.sw.ListenControl(packet.MAC(hsrp.MulticastMAC(v)), dataplane.ControlCopy, handler)
		if err != nil {
			continue
		}
		r.cancel = append(r.cancel, c)
	}
}

// hsrpTracksLocked refreshes the tracked objects' states, logging each
// change as IOS does.
func (d *Device) hsrpTracksLocked() {
	h, r := d.hsrp, d.hsrp.run
	for obj := range r.trackUp {
		if _, ok := h.tracks[obj]; !ok {
			delete(r.trackUp, obj)
		}
	}
	for obj, name := range h.tracks {
		up := d.lineProtocolUp(name)
		was, known := r.trackUp[obj]
		r.trackUp[obj] = up
		if known && was != up {
			d.sw.Log().Log("TRACK", syslog.Informational, "STATE", "%d interface %s line-protocol %s -> %s",
				obj, ifname.Short(name), upDown(was), upDown(up))
		}
	}
}

func upDown(up bool) string {
	if up {
		return "Up"
	}
	return "Down"
}

// lineProtocolUp is an interface's line protocol: an SVI's, or a port's
// (link up and not shut down).
func (d *Device) lineProtocolUp(name string) bool {
	if vlan, ok := ifname.ParseSVI(name); ok {
		st, err := d.sw.SVIStatus(vlan)
		return err == nil && st.ProtocolUp
	}
	st, err := d.sw.Status(name)
	return err == nil && st.Up
}

// hsrpOutputLocked logs a group's state changes and sends its messages.
func (d *Device) hsrpOutputLocked(k hsrpKey, l *hsrpLive, out hsrp.Output) {
	for _, c := range out.Changes {
		d.sw.Log().Log("HSRP", syslog.Notice, "STATECHANGE", "%s Grp %d state %s -> %s", ifname.SVI(k.vlan), k.group, c.From, c.To)
		if c.To == hsrp.Active {
			d.hsrp.run.garp = append(d.hsrp.run.garp, k)
		}
	}
	for _, m := range out.Send {
		d.hsrpSend(k, l, m)
	}
}

// hsrpSend sends one message into the group's VLAN.
func (d *Device) hsrpSend(k hsrpKey, l *hsrpLive, m hsrp.Message) {
	c := l.g.Config()
	src := d.sw.RouterMAC()
	if m.State == hsrp.Active {
		src = l.vmac
	}
	dstIP := hsrp.GroupV1
	if c.Version == 2 {
		dstIP = hsrp.GroupV2
	}
	const hdr = packet.EthLen + packet.IPv4Min + packet.UDPLen
	f := make([]byte, hdr, hdr+80)
	f = hsrp.Encode(f, &m, c.Auth, c.IP)
	packet.PutEthernet(f, packet.MAC(hsrp.MulticastMAC(c.Version)), src, packet.TypeIPv4)
	ip := f[packet.EthLen:]
	packet.PutIPv4Header(ip, packet.IPv4Header{TOS: 0xc0, TTL: 1, Proto: packet.ProtoUDP, Src: c.IP.As4(), Dst: dstIP.As4()})
	packet.PutUDP(ip, hsrp.Port, hsrp.Port)
	d.hsrpTransmit(k.vlan, f)
}

func (d *Device) hsrpTransmit(vlan uint16, f []byte) {
	if err := d.sw.SendVLANFrame(vlan, f); err != nil {
		d.hsrp.run.stats.txErr.Add(1)
		return
	}
	d.hsrp.run.stats.tx.Add(1)
}

// hsrpPushLocked hands the active groups' virtual addresses to the switch
// when they changed, then announces those of newly active groups with a
// gratuitous ARP reply from the virtual MAC (sender and target the
// virtual IP: what the receivers' `ip arp gratuitous update` governs).
func (d *Device) hsrpPushLocked() {
	r := d.hsrp.run
	var gws []dataplane.VirtualGateway
	for _, k := range slices.SortedFunc(mapKeys(r.live), cmpHSRPKey) {
		l := r.live[k]
		if l.g.State() != hsrp.Active || !l.g.VIP().IsValid() {
			continue
		}
		gws = append(gws, dataplane.VirtualGateway{VLAN: k.vlan, IP: l.g.VIP(), MAC: l.vmac})
		for _, ip := range l.secondary {
			gws = append(gws, dataplane.VirtualGateway{VLAN: k.vlan, IP: ip, MAC: l.vmac})
		}
	}
	if !slices.Equal(gws, r.pushed) {
		if err := d.sw.SetVirtualGateways("hsrp", gws); err != nil {
			d.sw.Log().LogLimited("hsrp-vgw", time.Minute, "HSRP", syslog.Warning, "VIRTUAL", "cannot own the virtual addresses: %v", err)
		} else {
			r.pushed = gws
		}
	}
	for _, k := range r.garp {
		l := r.live[k]
		if l == nil || l.g.State() != hsrp.Active || !l.g.VIP().IsValid() {
			continue
		}
		for _, ip := range append([]netip.Addr{l.g.VIP()}, l.secondary...) {
			f := make([]byte, packet.EthLen+packet.ARPLen)
			a := ip.As4()
			packet.PutARP(f, packet.BroadcastMAC, l.vmac, packet.ARPReply, l.vmac, a, packet.BroadcastMAC, a)
			d.hsrpTransmit(k.vlan, f)
		}
	}
	r.garp = r.garp[:0]
}

func mapKeys[V any](m map[hsrpKey]V) func(func(hsrpKey) bool) {
	return func(yield func(hsrpKey) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func cmpHSRPKey(a, b hsrpKey) int {
	if a.vlan != b.vlan {
		return int(a.vlan) - int(b.vlan)
	}
	return int(a.group) - int(b.group)
}

// hsrpReceive handles one heard frame: IPv4, UDP 1985, a message of a
// running group of its VLAN and version that passes the group's
// authentication. Anything else is counted and dropped.
func (d *Device) hsrpReceive(f hsrpFrame) {
	r := d.hsrp.run
	r.stats.rx.Add(1)
	src, srcIP, payload, ok := hsrpPayload(f.b)
	if !ok {
		r.stats.bad.Add(1)
		return
	}
	m, err := hsrp.Decode(payload)
	if err != nil {
		r.stats.bad.Add(1)
		return
	}
	h := d.hsrp
	h.mu.Lock()
	defer h.mu.Unlock()
	k := hsrpKey{f.vlan, m.Group}
	l := r.live[k]
	if l == nil || l.g.Config().Version != m.Version {
		r.stats.unknown.Add(1)
		return
	}
	if !hsrp.Check(payload, &m, l.g.Config().Auth) {
		r.stats.badAuth.Add(1)
		d.sw.Log().LogLimited("hsrp-badauth-"+srcIP.String(), 30*time.Second, "HSRP", syslog.Warning, "BADAUTH",
			"Bad authentication from %s, group %d, remote state %s", srcIP, m.Group, m.State)
		return
	}
	if m.State == hsrp.Active && m.Op == hsrp.Hello {
		l.activeMAC = src
	}
	d.hsrpOutputLocked(k, l, l.g.Receive(d.hsrpNow(), m, srcIP, src))
	d.hsrpPushLocked()
}

// hsrpPayload returns an HSRP frame's source MAC, source IP and UDP
// payload (tagged or untagged frames).
func hsrpPayload(b []byte) (packet.MAC, netip.Addr, []byte, bool) {
	if len(b) < packet.EthLen {
		return packet.MAC{}, netip.Addr{}, nil, false
	}
	src := packet.MAC(b[6:12])
	off := 12
	et := binary.BigEndian.Uint16(b[off:])
	if et == packet.TypeDot1Q && len(b) >= off+6 {
		off += 4
		et = binary.BigEndian.Uint16(b[off:])
	}
	ip := b[off+2:]
	if et != packet.TypeIPv4 || len(ip) < packet.IPv4Min || ip[0]>>4 != 4 {
		return src, netip.Addr{}, nil, false
	}
	ihl := packet.IPv4HeaderLen(ip)
	total := int(binary.BigEndian.Uint16(ip[packet.IPv4TotalLen:]))
	if ihl < packet.IPv4Min || total < ihl+packet.UDPLen || total > len(ip) || ip[packet.IPv4Proto] != packet.ProtoUDP || packet.IPv4IsFragment(ip) {
		return src, netip.Addr{}, nil, false
	}
	u := ip[ihl:total]
	if binary.BigEndian.Uint16(u[2:]) != hsrp.Port {
		return src, netip.Addr{}, nil, false
	}
	ul := int(binary.BigEndian.Uint16(u[4:]))
	if ul < packet.UDPLen || ul > len(u) {
		return src, netip.Addr{}, nil, false
	}
	return src, netip.AddrFrom4([4]byte(ip[packet.IPv4Src : packet.IPv4Src+4])), u[packet.UDPLen:ul], true
}
