package dataplane

import (
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/packet"
	"github.com/l2sw/l2sw/syslog"
)

// Port security of a Catalyst access port (`switchport port-security`):
// the port accepts frames from at most Maximum source addresses (per VLAN
// too, on a trunk), configured, sticky (learned and kept in the
// running-config) or dynamic (learned, aged, forgotten when the port goes
// down). A frame from one more address is a violation: protect drops it,
// restrict drops and counts and logs it, shutdown err-disables the port.
//
// On the frame path the learn stage asks the port first (secureSource):
// a known secure address is one map read in an immutable set; a new one
// takes the port's lock only while there is room for it, so a flood of
// sources on a full port costs a map read and an atomic add per frame and
// never reaches the CAM.

// Violation is the action on a port-security violation.
type Violation uint8

// The violation modes; the zero value is the IOS default.
const (
	ViolationShutdown Violation = iota
	ViolationRestrict
	ViolationProtect
)

// String is the keyword of `switchport port-security violation`.
func (v Violation) String() string {
	switch v {
	case ViolationRestrict:
		return "restrict"
	case ViolationProtect:
		return "protect"
	}
	return "shutdown"
}

// SecureAgingType is how secure addresses age: from when they were
// learned, or from their last frame.
type SecureAgingType uint8

// The aging types; absolute is the IOS default.
const (
	AgingAbsolute SecureAgingType = iota
	AgingInactivity
)

// String is the keyword of `switchport port-security aging type`.
func (a SecureAgingType) String() string {
	if a == AgingInactivity {
		return "inactivity"
	}
	return "absolute"
}

// Port-security limits, as on a Catalyst 2960/3750.
const (
	DefaultSecureMaximum = 1
	MaxSecureMaximum     = 4096
	MaxSecureAgingTime   = 1440 // minutes
)

// PortSecurity is the port-security configuration of a port.
type PortSecurity struct {
	Enabled     bool            // switchport port-security
	Maximum     int             // addresses in all; 0: DefaultSecureMaximum
	VLANMaximum map[uint16]int  // per VLAN (trunk): switchport port-security maximum N vlan V
	Violation   Violation       // switchport port-security violation ...
	Sticky      bool            // switchport port-security mac-address sticky
	AgingTime   int             // minutes; 0: no aging
	AgingType   SecureAgingType // switchport port-security aging type ...
}

func (c *PortSecurity) maximum() int {
	if c.Maximum == 0 {
		return DefaultSecureMaximum
	}
	return c.Maximum
}

// SecureKind is where a secure address came from, as `show port-security
// address` types it.
type SecureKind uint8

// The kinds of secure address.
const (
	SecureDynamic SecureKind = iota
	SecureSticky
	SecureConfigured
)

// String is the Type column of `show port-security address`.
func (k SecureKind) String() string {
	switch k {
	case SecureSticky:
		return "SecureSticky"
	case SecureConfigured:
		return "SecureConfigured"
	}
	return "SecureDynamic"
}

// SecureAddress is one secure address of a port.
type SecureAddress struct {
	MAC  packet.MAC
	VLAN uint16 // on an access port: its access VLAN
	Kind SecureKind
	// Remaining is the aging time left in minutes, -1 when the address
	// does not age.
	Remaining int
	// Configured is the VLAN as configured: 0 when the line named none.
	Configured uint16
}

// PortSecurityStatus is what `show port-security` reports of a port.
type PortSecurityStatus struct {
	Config     PortSecurity
	Addresses  []SecureAddress
	Violations uint64     // violations counted (restrict, shutdown)
	LastMAC    packet.MAC // the last source address seen, and its VLAN
	LastVLAN   uint16
}

// Errors of the port-security API.
var (
	ErrSecureMaximum = errors.New("total secure mac-addresses has reached maximum limit")
	ErrSecureMAC     = errors.New("not a unicast address")
)

// secureAddr is one address of a psecSet. seen is the last second a frame
// came from it (inactivity aging), written by workers.
type secureAddr struct {
	mac     uint64
	vlan    uint16 // the VLAN it was seen in (access ports: the access VLAN at the time)
	cfgVLAN uint16 // the VLAN its config line named (0: none)
	kind    SecureKind
	learned int64
	seen    atomic.Int64
}

// psecSet is a port's secure addresses, immutable once published: a change
// copies the map.
type psecSet struct {
	m       map[uint64]*secureAddr // by psecKey
	perVLAN map[uint16]int         // by key VLAN
}

func (s *psecSet) clone() *psecSet {
	n := &psecSet{m: make(map[uint64]*secureAddr, len(s.m)+1), perVLAN: make(map[uint16]int, len(s.perVLAN))}
	for k, a := range s.m {
		n.m[k] = a
	}
	for v, c := range s.perVLAN {
		n.perVLAN[v] = c
	}
	return n
}

func (s *psecSet) add(k uint64, a *secureAddr) {
	s.m[k] = a
	s.perVLAN[uint16(k>>48)]++
}

func (s *psecSet) remove(k uint64) {
	if _, ok := s.m[k]; ok {
		delete(s.m, k)
		s.perVLAN[uint16(k>>48)]--
	}
}

// psecKey is the key of mac in the set: VLAN 0 on an access port, whose
// addresses belong to the port whatever its VLAN, the VLAN on a trunk.
func psecKey(keyVLAN uint16, mac uint64) uint64 { return cam.Key(keyVLAN, mac) }

// psecPort is the port-security state of one port. The snapshot points at
// it while security is on; workers read cfg and addrs and count with
// atomics, writers (control plane and workers adding an address) hold mu.
type psecPort struct {
	id   cam.PortID
	name string

	mu    sync.Mutex
	cfg   atomic.Pointer[PortSecurity] // immutable copies
	addrs atomic.Pointer[psecSet]

	violations atomic.Uint64
	last       atomic.Uint64 // cam.Key(VLAN, MAC) of the last source seen
	// tripped: the port is err-disabled, or on its way there (shutdown).
	// Workers still on a snapshot from before the err-disable learn no new
	// address meanwhile: the one its dynamic addresses made room for would
	// otherwise be secured, and stay, on a port that is down.
	tripped atomic.Bool
	logNext atomic.Int64 // restrict: the second the next violation message may go
}

func newPsecPort(id cam.PortID, name string) *psecPort {
	p := &psecPort{id: id, name: name}
	p.cfg.Store(&PortSecurity{})
	p.addrs.Store(&psecSet{m: map[uint64]*secureAddr{}, perVLAN: map[uint16]int{}})
	return p
}

// room reports whether set has room for one more address in keyVLAN.
func (c *PortSecurity) room(set *psecSet, keyVLAN uint16) bool {
	if len(set.m) >= c.maximum() {
		return false
	}
	if n, ok := c.VLANMaximum[keyVLAN]; ok && set.perVLAN[keyVLAN] >= n {
		return false
	}
	return true
}

// secureSource is the port-security check of the learn stage: it reports
// whether the frame from src in vlan may go on to be learned and
// forwarded, and drops it (reason port security) when not.
func (r *Receiver) secureSource(pv *portView, vlan uint16, src uint64, now int64) bool {
	if src == 0 || src&(1<<40) != 0 {
		return true // the learn stage refuses these itself
	}
	ps := pv.psec
	kv := vlan
	if pv.mode == ModeAccess {
		kv = 0
	}
	if a := ps.addrs.Load().m[psecKey(kv, src)]; a != nil {
		if !r.dry && a.seen.Load() < now {
			a.seen.Store(now)
		}
		return true
	}
	return r.secureNew(ps, vlan, kv, src, now)
}

// securedElsewhere reports whether src in vlan is a secure address of
// another secured port: on a Catalyst, an address secured on one port and
// seen on another in the same VLAN is a violation there.
func (r *Receiver) securedElsewhere(vlan uint16, src uint64) bool {
	out, ok := r.sw.cam.Lookup(vlan, src)
	s := r.sw.snap.Load()
	if !ok || out == r.in || int(out) >= len(s.ports) {
		return false
	}
	ov := &s.ports[out]
	if ov.psec == nil {
		return false
	}
	kv := vlan
	if ov.mode == ModeAccess {
		kv = 0
	}
	return ov.psec.addrs.Load().m[psecKey(kv, src)] != nil
}

// secureNew decides for an address the port does not know: learned while
// there is room and no other secured port holds it, a violation otherwise.
//
//go:noinline
func (r *Receiver) secureNew(ps *psecPort, vlan, kv uint16, src uint64, now int64) bool {
	cfg := ps.cfg.Load()
	if ps.tripped.Load() {
		r.drop(StageLearn, ReasonPortSecurity, r.view.B)
		return false
	}
	if cfg.room(ps.addrs.Load(), kv) && !r.securedElsewhere(vlan, src) {
		if r.dry {
			return true
		}
		ps.mu.Lock()
		set := ps.addrs.Load()
		k := psecKey(kv, src)
		if set.m[k] != nil {
			ps.mu.Unlock()
			return true
		}
		if cfg = ps.cfg.Load(); cfg.room(set, kv) && !ps.tripped.Load() {
			kind := SecureDynamic
			if cfg.Sticky {
				kind = SecureSticky
			}
			a := &secureAddr{mac: src, vlan: vlan, kind: kind, learned: now}
			if kind == SecureSticky && kv != 0 {
				a.cfgVLAN = vlan
			}
			a.seen.Store(now)
			n := set.clone()
			n.add(k, a)
			ps.addrs.Store(n)
			ps.last.Store(cam.Key(vlan, src))
			ps.mu.Unlock()
			return true
		}
		ps.mu.Unlock()
	}
	r.drop(StageLearn, ReasonPortSecurity, r.view.B)
	if r.dry {
		return false
	}
	r.sw.psecViolation(ps, cfg.Violation, vlan, src, now)
	return false
}

// psecViolation acts on a violation by src in vlan on ps's port (the frame
// is dropped already): restrict counts and logs (at most once a second),
// shutdown counts and err-disables the port; protect does nothing more.
func (sw *Switch) psecViolation(ps *psecPort, mode Violation, vlan uint16, src uint64, now int64) {
	if mode == ViolationProtect {
		return
	}
	ps.violations.Add(1)
	ps.last.Store(cam.Key(vlan, src))
	mac := packet.MACFromUint64(src)
	msg := func() {
		sw.log.Log("PORT_SECURITY", syslog.Critical, "PSECURE_VIOLATION",
			"Security violation occurred, caused by MAC address %s on port %s.", mac, ps.name)
	}
	if mode == ViolationRestrict {
		if n := ps.logNext.Load(); now >= n && ps.logNext.CompareAndSwap(n, now+1) {
			msg()
		}
		return
	}
	if ps.tripped.CompareAndSwap(false, true) && !sw.ErrDisable(ps.name, CausePsecureViolation, msg) && sw.ErrDisabledCause(ps.name) == "" {
		ps.tripped.Store(false) // not err-disabled after all (shut down meanwhile)
	}
}

// psecPortDown forgets the dynamic secure addresses of a port that went
// down (err-disabled), as IOS does; configured and sticky ones stay. The
// port learns no new address until psecPortUpLocked.
func (sw *Switch) psecPortDown(id cam.PortID) {
	sw.mu.Lock()
	ps := sw.sec.psec[id]
	sw.mu.Unlock()
	if ps == nil {
		return
	}
	ps.mu.Lock()
	ps.tripped.Store(true)
	ps.removeLocked(func(a *secureAddr) bool { return a.kind == SecureDynamic })
	ps.mu.Unlock()
}

// psecPortUpLocked lets a port whose err-disable ended (recovery, or
// shutdown and no shutdown) secure addresses again; under sw.mu.
func (sw *Switch) psecPortUpLocked(id cam.PortID) {
	if ps := sw.sec.psec[id]; ps != nil {
		ps.tripped.Store(false)
	}
}

// removeLocked removes the addresses drop selects and returns them.
func (ps *psecPort) removeLocked(drop func(a *secureAddr) bool) []*secureAddr {
	set := ps.addrs.Load()
	var gone []*secureAddr
	var n *psecSet
	for k, a := range set.m {
		if drop(a) {
			if n == nil {
				n = set.clone()
			}
			n.remove(k)
			gone = append(gone, a)
		}
	}
	if n != nil {
		ps.addrs.Store(n)
	}
	return gone
}

// psecLocked returns the port-security state of p, created on first use.
func (sw *Switch) psecLocked(p *swPort) *psecPort {
	ps := sw.sec.psec[p.id]
	if ps == nil {
		ps = newPsecPort(p.id, p.name)
		sw.sec.psec[p.id] = ps
	}
	return ps
}

// SetPortSecurity replaces the port-security configuration of a port.
// Turning it on flushes the port's learned addresses (they are learned
// again as secure ones, within the maximum); turning it off forgets the
// dynamic secure addresses. Turning sticky learning on makes the dynamic
// addresses sticky; turning it off makes the sticky ones dynamic, as IOS
// does.
func (sw *Switch) SetPortSecurity(name string, c PortSecurity) error {
	if c.Maximum < 0 || c.Maximum > MaxSecureMaximum || c.AgingTime < 0 || c.AgingTime > MaxSecureAgingTime {
		return fmt.Errorf("%s: port-security: value out of range", name)
	}
	for v, n := range c.VLANMaximum {
		if v < 1 || v > MaxVLAN || n < 1 || n > MaxSecureMaximum {
			return fmt.Errorf("%s: port-security maximum %d vlan %d: out of range", name, n, v)
		}
	}
	sw.mu.Lock()
	p, err := sw.portLocked(name)
	if err != nil {
		sw.mu.Unlock()
		return err
	}
	ps := sw.psecLocked(p)
	ps.mu.Lock()
	old := ps.cfg.Load()
	cc := c
	if c.VLANMaximum != nil {
		cc.VLANMaximum = make(map[uint16]int, len(c.VLANMaximum))
		for v, n := range c.VLANMaximum {
			cc.VLANMaximum[v] = n
		}
	}
	ps.cfg.Store(&cc)
	var gone []*secureAddr
	switch {
	case !c.Enabled:
		gone = ps.removeLocked(func(a *secureAddr) bool { return a.kind == SecureDynamic })
	case c.Sticky != old.Sticky:
		from, to := SecureDynamic, SecureSticky
		if !c.Sticky {
			from, to = SecureSticky, SecureDynamic
		}
		set := ps.addrs.Load().clone()
		for k, a := range set.m {
			if a.kind == from {
				b := &secureAddr{mac: a.mac, vlan: a.vlan, cfgVLAN: a.cfgVLAN, kind: to, learned: a.learned}
				b.seen.Store(a.seen.Load())
				set.m[k] = b
			}
		}
		ps.addrs.Store(set)
	}
	ps.mu.Unlock()
	sw.publishLocked()
	sw.mu.Unlock()
	if c.Enabled && !old.Enabled {
		sw.cam.ClearDynamic(cam.Filter{Port: p.id})
	}
	sw.forgetSecure(p.id, gone)
	return nil
}

// forgetSecure removes the CAM entries of secure addresses a port lost.
func (sw *Switch) forgetSecure(id cam.PortID, gone []*secureAddr) {
	for _, a := range gone {
		sw.cam.ClearDynamic(cam.Filter{VLAN: a.vlan, MAC: packet.MACFromUint64(a.mac), HasMAC: true, Port: id})
	}
}

// AddSecureMAC adds a configured (`switchport port-security mac-address
// H.H.H [vlan V]`) or sticky (`... mac-address sticky H.H.H [vlan V]`)
// address to a port; vlan 0 means the port's access VLAN. An address the
// port has already becomes of the kind given. When the port has no room
// left the error wraps ErrSecureMaximum.
func (sw *Switch) AddSecureMAC(name string, mac packet.MAC, vlan uint16, kind SecureKind) error {
	m := mac.Uint64()
	if m == 0 || m&(1<<40) != 0 {
		return fmt.Errorf("%s: %s: %w", name, mac, ErrSecureMAC)
	}
	if vlan > MaxVLAN {
		return fmt.Errorf("%s: vlan %d: %w", name, vlan, ErrBadVLAN)
	}
	sw.mu.Lock()
	defer sw.mu.Unlock()
	p, err := sw.portLocked(name)
	if err != nil {
		return err
	}
	ps := sw.psecLocked(p)
	ps.mu.Lock()
	defer ps.mu.Unlock()
	seen := vlan
	if seen == 0 {
		seen = p.settings.AccessVLAN
	}
	kv := vlan
	if p.settings.Mode == ModeAccess {
		kv = 0 // an access port's addresses are the port's, whatever its VLAN
	}
	k := psecKey(kv, m)
	set := ps.addrs.Load()
	if a := set.m[k]; a == nil && !ps.cfg.Load().room(set, kv) {
		return fmt.Errorf("%s: %w", name, ErrSecureMaximum)
	}
	now := sw.clk.Nanos() / 1e9
	a := &secureAddr{mac: m, vlan: seen, cfgVLAN: vlan, kind: kind, learned: now}
	a.seen.Store(now)
	n := set.clone()
	n.remove(k)
	n.add(k, a)
	ps.addrs.Store(n)
	return nil
}

// RemoveSecureMAC removes a configured or sticky address (the `no` form of
// its line); removing one that is not there is not an error.
func (sw *Switch) RemoveSecureMAC(name string, mac packet.MAC, vlan uint16, kind SecureKind) error {
	sw.mu.Lock()
	p, err := sw.portLocked(name)
	if err != nil {
		sw.mu.Unlock()
		return err
	}
	ps := sw.psecLocked(p)
	sw.mu.Unlock()
	ps.mu.Lock()
	k := psecKey(vlan, mac.Uint64())
	gone := ps.removeLocked(func(a *secureAddr) bool {
		return psecKey(a.cfgVLAN, a.mac) == k && a.kind == kind
	})
	ps.mu.Unlock()
	sw.forgetSecure(p.id, gone)
	return nil
}

// ClearSecureMACs removes the secure addresses of kind from a port, or from
// every port when name is empty (`clear port-security dynamic|sticky|
// configured`).
func (sw *Switch) ClearSecureMACs(name string, kind SecureKind) error {
	sw.mu.Lock()
	var ports []*psecPort
	if name != "" {
		p, err := sw.portLocked(name)
		if err != nil {
			sw.mu.Unlock()
			return err
		}
		if ps := sw.sec.psec[p.id]; ps != nil {
			ports = append(ports, ps)
		}
	} else {
		for _, ps := range sw.sec.psec {
			ports = append(ports, ps)
		}
	}
	sw.mu.Unlock()
	for _, ps := range ports {
		ps.mu.Lock()
		gone := ps.removeLocked(func(a *secureAddr) bool { return a.kind == kind })
		ps.mu.Unlock()
		sw.forgetSecure(ps.id, gone)
	}
	return nil
}

// PortSecurity returns the port-security configuration and state of a
// port.
func (sw *Switch) PortSecurity(name string) (PortSecurityStatus, error) {
	sw.mu.Lock()
	p, err := sw.portLocked(name)
	if err != nil {
		sw.mu.Unlock()
		return PortSecurityStatus{}, err
	}
	ps := sw.sec.psec[p.id]
	access := p.settings.AccessVLAN
	mode := p.settings.Mode
	sw.mu.Unlock()
	if ps == nil {
		return PortSecurityStatus{}, nil
	}
	cfg := *ps.cfg.Load()
	st := PortSecurityStatus{Config: cfg, Violations: ps.violations.Load()}
	last := ps.last.Load()
	st.LastMAC, st.LastVLAN = packet.MACFromUint64(last&(1<<48-1)), uint16(last>>48)
	now := sw.clk.Nanos() / 1e9
	for _, a := range ps.addrs.Load().m {
		sa := SecureAddress{MAC: packet.MACFromUint64(a.mac), VLAN: a.vlan, Kind: a.kind, Remaining: -1, Configured: a.cfgVLAN}
		if mode == ModeAccess && a.cfgVLAN == 0 {
			sa.VLAN = access
		}
		if cfg.AgingTime > 0 && a.kind == SecureDynamic {
			from := a.learned
			if cfg.AgingType == AgingInactivity {
				from = a.seen.Load()
			}
			left := from + int64(cfg.AgingTime)*60 - now
			sa.Remaining = int(max(0, (left+59)/60))
		}
		st.Addresses = append(st.Addresses, sa)
	}
	sort.Slice(st.Addresses, func(i, j int) bool {
		a, b := st.Addresses[i], st.Addresses[j]
		if a.VLAN != b.VLAN {
			return a.VLAN < b.VLAN
		}
		return a.MAC.Uint64() < b.MAC.Uint64()
	})
	return st, nil
}

// psecAge removes the dynamic secure addresses whose aging time has
// passed at now (seconds): absolute from when they were learned,
// inactivity from their last frame.
func (sw *Switch) psecAge(now int64) {
	sw.mu.Lock()
	ports := make([]*psecPort, 0, len(sw.sec.psec))
	for _, ps := range sw.sec.psec {
		ports = append(ports, ps)
	}
	sw.mu.Unlock()
	for _, ps := range ports {
		cfg := ps.cfg.Load()
		if cfg.AgingTime == 0 {
			continue
		}
		limit := int64(cfg.AgingTime) * 60
		ps.mu.Lock()
		gone := ps.removeLocked(func(a *secureAddr) bool {
			if a.kind != SecureDynamic {
				return false
			}
			from := a.learned
			if cfg.AgingType == AgingInactivity {
				from = a.seen.Load()
			}
			return now-from >= limit
		})
		ps.mu.Unlock()
		sw.forgetSecure(ps.id, gone)
	}
}

// A Catalyst installs secure addresses in its MAC table as static entries:
// `show mac address-table` types them STATIC (sticky and dynamic secure
// ones too), `show mac address-table dynamic` leaves them out, `count`
// counts them static, `clear mac address-table dynamic` and the table's
// aging time leave them alone (port-security aging and `clear
// port-security` remove them). Here the learn stage learns them as it
// learns any source; these keep them static to the operator's eye.

// secureCAMKeys returns the cam.Key of every secure address that is in the
// CAM on its own port, with the port. nil when no port has port security
// on.
func (sw *Switch) secureCAMKeys() map[uint64]cam.PortID {
	s := sw.snap.Load()
	var out map[uint64]cam.PortID
	for id := range s.ports {
		pv := &s.ports[id]
		if pv.psec == nil {
			continue
		}
		for _, a := range pv.psec.addrs.Load().m {
			vlan := a.vlan
			if pv.mode == ModeAccess {
				vlan = pv.access
			}
			if e, ok := sw.cam.LookupEntry(vlan, a.mac); ok && e.Port == cam.PortID(id) && e.Type == cam.Dynamic {
				if out == nil {
					out = map[uint64]cam.PortID{}
				}
				out[cam.Key(vlan, a.mac)] = cam.PortID(id)
			}
		}
	}
	return out
}

// psecKeepFresh refreshes the CAM entries of secure addresses that have
// half the aging time behind them, so that the table's aging never removes
// them (a secure address is a static entry on a Catalyst); the address's
// own aging is port security's (psecAge). A frame's learn refreshes them as
// often as every second: this adds one Learn per secure address and aging
// half-period for silent hosts.
func (sw *Switch) psecKeepFresh(now int64) {
	for key, id := range sw.secureCAMKeys() {
		vlan, mac := uint16(key>>48), key&(1<<48-1)
		aging := sw.cam.EffectiveAgingTime(vlan)
		if e, ok := sw.cam.LookupEntry(vlan, mac); ok && aging > 0 && e.Port == id && now-e.LastSeen >= aging/2 {
			sw.cam.Learn(vlan, mac, id, now)
		}
	}
}
