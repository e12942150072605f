package dataplane

import (
	"errors"
	"fmt"
	"github.com/l2sw/l2sw/counter"
	"github.com/l2sw/l2sw/ifname"
	"math/rand/v2"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/clock"
	"github.com/l2sw/l2sw/dataplane/port"
	"github.com/l2sw/l2sw/dataplane/port/fault"
	"github.com/l2sw/l2sw/packet"
	"github.com/l2sw/l2sw/syslog"
)

// PortMode is a switchport's mode.
type PortMode uint8

// Switchport modes.
const (
	ModeAccess PortMode = iota
	ModeTrunk
)

// String returns the IOS keyword.
func (m PortMode) String() string {
	if m == ModeTrunk {
		return "trunk"
	}
	return "access"
}

// PortSettings is the layer-2 configuration of a port.
type PortSettings struct {
	Mode        PortMode
	AccessVLAN  uint16
	NativeVLAN  uint16
	Allowed     VLANSet // trunk allowed list
	Shutdown    bool
	Description string
	MTU         int // payload MTU (`mtu`); 0: the system MTU
}

// Port MTU limits (`system mtu`, `mtu`): a Catalyst carries DefaultMTU
// payloads and, when told, jumbo frames up to 9198 bytes.
const (
	MinPortMTU = 1500
	MaxPortMTU = 9198
)

// DefaultPortSettings is what an unconfigured port does: access in VLAN 1,
// and as a trunk native VLAN 1 with every VLAN allowed.
func DefaultPortSettings() PortSettings {
	return PortSettings{Mode: ModeAccess, AccessVLAN: 1, NativeVLAN: 1, Allowed: AllVLANs()}
}

// VLAN is an entry of the VLAN database.
type VLAN struct {
	ID   uint16
	Name string
}

// DefaultVLANName is the name IOS gives a VLAN created without one.
func DefaultVLANName(id uint16) string { return fmt.Sprintf("VLAN%04d", id) }

// Config configures a Switch.
type Config struct {
	MaxPorts int            // highest number of ports; default 64
	CAM      cam.Config     // MAC table sizing and aging
	Clock    clock.Clock    // default: a coarse clock started by Start
	Log      *syslog.Logger // default: a logger with no writer
	BaseMAC  packet.MAC     // the switch's own MAC (show version, SVIs)
}

// Errors of the control API.
var (
	ErrNoSuchPort  = errors.New("no such interface")
	ErrPortExists  = errors.New("interface already exists")
	ErrTooManyPort = errors.New("too many interfaces")
	ErrNoSuchVLAN  = errors.New("no such VLAN")
	ErrBadVLAN     = errors.New("VLAN ID out of range")
)

// Switch is one emulated switch.
type Switch struct {
	cfg Config
	cam *cam.Table
	clk clock.Clock
	log *syslog.Logger

	snap     atomic.Pointer[snapshot]
	observer atomic.Pointer[Observer] // the pipeline's observer (observe.go); nil: none

	observing  []*Observer            // the attached observers, fanned out into observer; under mu
	lastWorker int                    // the number of the newest Receiver (Decision.Worker); under mu
	span       map[int]MonitorSession // SPAN sessions by number (span.go); under mu
	ctrl       []*controlListener     // control protocols' listeners (control.go); under mu

	ctrlHandlers atomic.Pointer[[]*controlListener] // ctrl, as the control plane reads it
	refl         reflectListeners                   // ListenReflected (control_reflect.go)
	virtual      map[string][]VirtualGateway        // virtual gateways by owner (virtual.go); under mu
	mcast        map[mcastKey][]string              // static multicast entries (mcast.go); under mu
	stp          map[cam.PortID]*stpTable           // spanning-tree states (stp.go); under mu

	mu       sync.Mutex // the one writer of configuration
	ports    []*swPort  // by cam.PortID; nil holes
	byName   map[string]cam.PortID
	vlans    map[uint16]*VLAN
	workers  map[*Receiver]struct{}
	retired  []PortCounters // per port id: the sum of stopped workers' counters
	baseline map[cam.PortID]PortCounters
	running  bool
	stop     chan struct{}
	wg       sync.WaitGroup
	coarse   *clock.Coarse
	mtu      int       // the system MTU, for ports without their own
	l3       *l3State  // SVIs, ARP, FIB, control plane (svi.go)
	acl      *aclState // access lists and where they apply (acl.go)
	// shards are the counter locks of the goroutines that count into the
	// routed path's and the ACLs' per-entry counters (one per Receiver,
	// the CPU's first); see package counter.
	shards *counter.Shards
	sim    simState       // the simulated trace's dry-run receiver (simulate.go)
	sec    *securityState // err-disable, port security, storm control (security.go)
	lag    lagState       // Port-channels and their members (etherchannel.go)
}

type swPort struct {
	id       cam.PortID
	name     string
	backend  port.Port
	queues   []port.Port
	offload  port.Offload // virtio-net offloads in effect (OffloadPort backends)
	settings PortSettings
	linkUp   bool // forwarding as far as the link goes: neither down below is set
	// backendDown: the backend reported its link down or failed;
	// flapDown: a `fault flap` holds the link down (linkstate.go).
	backendDown, flapDown bool
	// failed: a read error ended the backend (a deleted TAP or netdev);
	// only ReattachPort brings the port back (reattach.go).
	failed bool

	faults *fault.Injector // wraps backend and queues (facade_fault.go)
}

// New returns a switch with VLAN 1 and no ports.
func New(cfg Config) *Switch {
	if cfg.MaxPorts <= 0 {
		cfg.MaxPorts = 64
	}
	if cfg.Log == nil {
		cfg.Log = syslog.New()
	}
	sw := &Switch{
		cfg:      cfg,
		log:      cfg.Log,
		byName:   map[string]cam.PortID{},
		vlans:    map[uint16]*VLAN{1: {ID: 1, Name: "default"}},
		workers:  map[*Receiver]struct{}{},
		baseline: map[cam.PortID]PortCounters{},
		mtu:      DefaultMTU,
	}
	if cfg.Clock == nil {
		sw.coarse = clock.NewCoarse()
		sw.clk = sw.coarse
	} else {
		sw.clk = cfg.Clock
	}
	if cfg.CAM.Seed == 0 {
		cfg.CAM.Seed = rand.Uint64() // a seed per start: buckets nobody can aim at (security.go)
	}
	sw.cam = cam.New(cfg.CAM)
	sw.sec = newSecurityState()
	sw.cam.SetEventHandler(sw.camEvent)
	sw.ports = make([]*swPort, 0, cfg.MaxPorts)
	sw.retired = make([]PortCounters, cfg.MaxPorts)
	sw.shards = counter.NewShards(cfg.MaxPorts + 1)
	sw.acl = newACLState(sw.shards)
	sw.l3 = newL3State(sw)
	sw.publishLocked()
	return sw
}

// Log is the switch's system message log.
func (sw *Switch) Log() *syslog.Logger { return sw.log }

// Clock is the clock the switch ages its tables with.
func (sw *Switch) Clock() clock.Clock { return sw.clk }

// BaseMAC is the switch's own MAC address.
func (sw *Switch) BaseMAC() packet.MAC { return sw.cfg.BaseMAC }

// AddPort attaches a backend as the interface name (canonical IOS spelling,
// e.g. GigabitEthernet0/1). If the switch is running, the port starts
// forwarding at once.
func (sw *Switch) AddPort(name string, backend port.Port) error {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if _, ok := sw.byName[name]; ok {
		return fmt.Errorf("add %s: %w", name, ErrPortExists)
	}
	id := -1
	for i, p := range sw.ports {
		if p == nil {
			id = i
			break
		}
	}
	if id < 0 {
		if len(sw.ports) >= sw.cfg.MaxPorts {
			return fmt.Errorf("add %s: %w (maximum %d)", name, ErrTooManyPort, sw.cfg.MaxPorts)
		}
		id = len(sw.ports)
		sw.ports = append(sw.ports, nil)
	}
	p := &swPort{id: cam.PortID(id), name: name, backend: backend, settings: DefaultPortSettings(), linkUp: true}
	p.queues = []port.Port{backend}
	if mq, ok := backend.(interface{ Queues() []port.Port }); ok {
		p.queues = mq.Queues()
	}
	p.faults, p.backend, p.queues = sw.wrapFaults(p, backend, p.queues)
	if op, ok := p.backend.(port.OffloadPort); ok {
		// Before any receiver sizes its buffers: with offloads they hold
		// 64 KiB super-frames. On failure SetOffload reports what is in
		// effect; the port then forwards what that allows.
		o, err := op.SetOffload(port.OffloadAll)
		if err != nil {
			sw.log.Log("L2SW", syslog.Warning, "OFFLOAD", "Interface %s: offloads %v: %v", name, o, err)
		}
		p.offload = o
	}
	sw.watchLinkLocked(p, backend)
	sw.ports[id] = p
	sw.byName[name] = p.id
	// The id may have belonged to a removed port: start from zero.
	sw.baseline[p.id] = sw.rawCountersLocked(p.id)
	sw.publishLocked()
	if sw.running {
		sw.startPortLocked(p)
	}
	return nil
}

// RemovePort detaches and closes an interface.
func (sw *Switch) RemovePort(name string) error {
	sw.mu.Lock()
	p, err := sw.portLocked(name)
	if err != nil {
		sw.mu.Unlock()
		return err
	}
	sw.ports[p.id] = nil
	delete(sw.byName, name)
	sw.sec.forgetLocked(p.id)
	sw.publishLocked()
	sw.mu.Unlock()
	sw.cam.ClearDynamic(cam.Filter{Port: p.id})
	return p.backend.Close()
}

// Ports returns the interface names in IOS order (type, then slot/port numerically).
func (sw *Switch) Ports() []string {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	names := make([]string, 0, len(sw.byName))
	for n := range sw.byName {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return ifname.Less(names[i], names[j]) })
	return names
}

func (sw *Switch) portLocked(name string) (*swPort, error) {
	id, ok := sw.byName[name]
	if !ok {
		return nil, fmt.Errorf("%s: %w", name, ErrNoSuchPort)
	}
	return sw.ports[id], nil
}

// PortSettings returns the layer-2 settings of an interface.
func (sw *Switch) PortSettings(name string) (PortSettings, error) {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	p, err := sw.portLocked(name)
	if err != nil {
		return PortSettings{}, err
	}
	return p.settings, nil
}

// SetPortSettings replaces the layer-2 settings of an interface. An access
// VLAN that does not exist yet is created, as IOS does ("% Access VLAN does
// not exist. Creating vlan N"); created reports that. Addresses learned on
// the port are flushed when its VLAN membership or state changes.
func (sw *Switch) SetPortSettings(name string, s PortSettings) (created bool, err error) {
	if s.AccessVLAN < 1 || s.AccessVLAN > MaxVLAN || s.NativeVLAN < 1 || s.NativeVLAN > MaxVLAN {
		return false, fmt.Errorf("%s: %w", name, ErrBadVLAN)
	}
	if s.MTU != 0 && (s.MTU < MinPortMTU || s.MTU > MaxPortMTU) {
		return false, fmt.Errorf("%s: mtu %d: %w", name, s.MTU, ErrBadMTU)
	}
	sw.mu.Lock()
	p, err := sw.portLocked(name)
	if err != nil {
		sw.mu.Unlock()
		return false, err
	}
	old := p.settings
	if s.Mode == ModeAccess {
		if _, ok := sw.vlans[s.AccessVLAN]; !ok {
			sw.vlans[s.AccessVLAN] = &VLAN{ID: s.AccessVLAN, Name: DefaultVLANName(s.AccessVLAN)}
			created = true
		}
	}
	p.settings = s
	sw.lagSettingsLocked(p)
	wasUp, isUp := !old.Shutdown && p.linkUp && !sw.errDisabledLocked(p.id), !s.Shutdown && p.linkUp
	if s.Shutdown {
		sw.clearErrDisableLocked(p.id) // shutdown, then no shutdown, recovers (errdisable.go)
	}
	isUp = isUp && !sw.errDisabledLocked(p.id)
	sw.publishLocked()
	sw.mu.Unlock()
	if old.Mode != s.Mode || old.AccessVLAN != s.AccessVLAN || old.NativeVLAN != s.NativeVLAN || old.Allowed != s.Allowed || wasUp != isUp {
		sw.cam.ClearDynamic(cam.Filter{Port: p.id})
	}
	if wasUp != isUp {
		sw.logLinkState(name, isUp, s.Shutdown)
	}
	return created, nil
}

// SetSystemMTU sets the payload MTU of every port without an `mtu` of its
// own (`system mtu`).
func (sw *Switch) SetSystemMTU(mtu int) error {
	if mtu < MinPortMTU || mtu > MaxPortMTU {
		return fmt.Errorf("system mtu %d: %w", mtu, ErrBadMTU)
	}
	sw.mu.Lock()
	defer sw.mu.Unlock()
	sw.mtu = mtu
	sw.publishLocked()
	return nil
}

// SystemMTU returns the system MTU.
func (sw *Switch) SystemMTU() int {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	return sw.mtu
}

// VLANs returns the VLAN database sorted by ID.
func (sw *Switch) VLANs() []VLAN {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	out := make([]VLAN, 0, len(sw.vlans))
	for _, v := range sw.vlans {
		out = append(out, *v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// SetVLAN creates a VLAN or renames it (empty name: the default name).
func (sw *Switch) SetVLAN(id uint16, name string) error {
	if id < 1 || id > MaxVLAN {
		return fmt.Errorf("vlan %d: %w", id, ErrBadVLAN)
	}
	if name == "" {
		name = DefaultVLANName(id)
	}
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if v, ok := sw.vlans[id]; ok {
		v.Name = name
		return nil
	}
	sw.vlans[id] = &VLAN{ID: id, Name: name}
	sw.publishLocked()
	return nil
}

// DeleteVLAN removes a VLAN from the database; its ports stop forwarding it
// (IOS leaves access ports in an inactive VLAN). VLAN 1 cannot be deleted.
func (sw *Switch) DeleteVLAN(id uint16) error {
	if id == 1 {
		return fmt.Errorf("vlan 1: default VLAN may not be deleted")
	}
	sw.mu.Lock()
	if _, ok := sw.vlans[id]; !ok {
		sw.mu.Unlock()
		return fmt.Errorf("vlan %d: %w", id, ErrNoSuchVLAN)
	}
	delete(sw.vlans, id)
	sw.publishLocked()
	sw.mu.Unlock()
	sw.cam.ClearDynamic(cam.Filter{VLAN: id, Port: cam.NoPort})
	return nil
}

// Start launches one receive worker per port queue and the aging sweeper.
func (sw *Switch) Start() {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if sw.running {
		return
	}
	sw.running = true
	sw.stop = make(chan struct{})
	if sw.coarse != nil {
		sw.coarse.Update()
		sw.wg.Add(1)
		go func() { defer sw.wg.Done(); sw.coarse.Run(clock.DefaultTick, sw.stop) }()
	}
	sw.wg.Add(1)
	go func() { defer sw.wg.Done(); sw.cam.RunSweeper(sw.clk, time.Second, sw.stop) }()
	sw.wg.Add(1)
	go func() { defer sw.wg.Done(); sw.l3.cp.run(sw.stop) }()
	sw.wg.Add(1)
	go func() { defer sw.wg.Done(); sw.runSecurityTimers(sw.stop) }()
	for _, p := range sw.ports {
		if p != nil {
			sw.startPortLocked(p)
		}
	}
}

func (sw *Switch) startPortLocked(p *swPort) {
	for i, q := range p.queues {
		r := sw.newReceiverLocked(p.id, q, i)
		sw.wg.Add(1)
		go func() { defer sw.wg.Done(); r.run() }()
	}
}

// Stop closes every port and waits for the workers and the sweeper to end.
func (sw *Switch) Stop() error {
	sw.mu.Lock()
	if !sw.running {
		sw.mu.Unlock()
		return nil
	}
	sw.running = false
	close(sw.stop)
	var errs []error
	for _, p := range sw.ports {
		if p != nil {
			if err := p.backend.Close(); err != nil {
				errs = append(errs, fmt.Errorf("close %s: %w", p.name, err))
			}
		}
	}
	sw.mu.Unlock()
	sw.wg.Wait()
	return errors.Join(errs...)
}

// linkDown takes a port whose backend failed out of forwarding.
func (sw *Switch) linkDown(id cam.PortID) {
	sw.mu.Lock()
	if int(id) >= len(sw.ports) || sw.ports[id] == nil {
		sw.mu.Unlock()
		return
	}
	p := sw.ports[id]
	p.backendDown, p.failed = true, true
	if !p.linkUp {
		sw.mu.Unlock()
		return
	}
	p.linkUp = false
	sw.publishLocked()
	sw.mu.Unlock()
	sw.cam.ClearDynamic(cam.Filter{Port: id})
	if !p.settings.Shutdown {
		sw.logLinkState(p.name, false, false)
	}
}

func (sw *Switch) logLinkState(name string, up, admin bool) {
	state := "down"
	if up {
		state = "up"
	} else if admin {
		state = "administratively down"
	}
	sw.log.Log("LINK", syslog.Error, "UPDOWN", "Interface %s, changed state to %s", name, state)
	proto := "down"
	if up {
		proto = "up"
	}
	sw.log.Log("LINEPROTO", syslog.Notice, "UPDOWN", "Line protocol on Interface %s, changed state to %s", name, proto)
}

// PortStatus is what show interfaces reports about a port's state.
type PortStatus struct {
	Name     string
	ID       cam.PortID // the port's number in Decisions and MAC entries
	Backend  string
	Settings PortSettings
	LinkUp   bool // the backend is alive
	Failed   bool // the backend failed for good (its device is gone): ReattachPort
	Up       bool // forwarding: link up, not shut down, not err-disabled

	ErrDisabled ErrDisableCause // why the port is err-disabled; "" when it is not (errdisable.go)
}

// Status returns the state of an interface.
func (sw *Switch) Status(name string) (PortStatus, error) {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	p, err := sw.portLocked(name)
	if err != nil {
		return PortStatus{}, err
	}
	errdis := sw.sec.errdis.ports[p.id].cause
	return PortStatus{Name: p.name, ID: p.id, Backend: p.backend.String(), Settings: p.settings, LinkUp: p.linkUp, Failed: p.failed,
		Up: p.linkUp && !p.settings.Shutdown && errdis == "", ErrDisabled: errdis}, nil
}

// Counters returns an interface's counters since the last ClearCounters.
func (sw *Switch) Counters(name string) (PortCounters, error) {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	p, err := sw.portLocked(name)
	if err != nil {
		return PortCounters{}, err
	}
	c := sw.rawCountersLocked(p.id)
	base := sw.baseline[p.id]
	for i := range c {
		c[i] -= base[i]
	}
	return c, nil
}

func (sw *Switch) rawCountersLocked(id cam.PortID) PortCounters {
	var c PortCounters
	for r := range sw.workers {
		r.stats.sumInto(int(id), &c)
	}
	for i, v := range sw.retired[id] {
		c[i] += v
	}
	sw.lagCountersLocked(id, &c)
	return c
}

// ClearCounters zeroes the counters of one interface, or of all when name is
// empty (`clear counters`). Workers are not disturbed: a baseline is kept.
func (sw *Switch) ClearCounters(name string) error {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if name != "" {
		p, err := sw.portLocked(name)
		if err != nil {
			return err
		}
		sw.baseline[p.id] = sw.rawCountersLocked(p.id)
		return nil
	}
	for _, p := range sw.ports {
		if p != nil {
			sw.baseline[p.id] = sw.rawCountersLocked(p.id)
		}
	}
	return nil
}

func (sw *Switch) portName(id cam.PortID) string {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if int(id) < len(sw.ports) && sw.ports[id] != nil {
		return sw.ports[id].name
	}
	return fmt.Sprintf("port%d", id)
}

// AgeNow removes the dynamic MAC entries that have expired at the switch's
// current time (the sweeper does this every second; tests call it after
// moving a manual clock).
func (sw *Switch) AgeNow() int { return sw.cam.Age(sw.clk.Nanos() / 1e9) }

// MACCount is the number of entries in the MAC address table.
func (sw *Switch) MACCount() int {
	return sw.cam.Len()
}

// ClearMACs removes every dynamic MAC entry.
func (sw *Switch) ClearMACs() int { return sw.cam.ClearDynamic(cam.Filter{Port: cam.NoPort}) }

// MACPort returns the interface (vlan, mac) is learned or configured on.
func (sw *Switch) MACPort(vlan uint16, mac packet.MAC) (string, bool) {
	id, ok := sw.cam.Lookup(vlan, mac.Uint64())
	if !ok {
		return "", false
	}
	return sw.portName(id), true
}
