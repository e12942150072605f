package dataplane

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/dataplane/port"
	"github.com/l2sw/l2sw/ifname"
	"github.com/l2sw/l2sw/packet"
)

// EtherChannel: a Port-channel is a port of its own (an entry of sw.ports
// with a backend that moves no frames), so the MAC table learns it, VLANs
// flood to it, show commands name it and its switchport configuration is
// the one its members take. The data plane sees two things only (the
// snapshot's lagView): a frame received on a bundled member enters as the
// Port-channel (forward.go), and a frame for the Port-channel leaves on one
// bundled member chosen by the load-balance hash of the frame
// (snapshot.egressPort). Which members are bundled is decided above, by
// LACP or by `mode on`, through SetBundled.

// MaxPortChannel is the highest channel-group number (a Catalyst 3750's).
const MaxPortChannel = ifname.MaxPortChannel

// LoadBalance is the `port-channel load-balance` method: what the hash
// that picks a frame's member reads.
type LoadBalance uint8

// The load-balance methods of a Catalyst 2960/3750.
const (
	LoadBalanceSrcMAC LoadBalance = iota // the default
	LoadBalanceDstMAC
	LoadBalanceSrcDstMAC
	LoadBalanceSrcIP
	LoadBalanceDstIP
	LoadBalanceSrcDstIP
)

var loadBalanceNames = [...]string{"src-mac", "dst-mac", "src-dst-mac", "src-ip", "dst-ip", "src-dst-ip"}

// String returns the IOS keyword.
func (lb LoadBalance) String() string { return loadBalanceNames[lb] }

// ParseLoadBalance returns the method of an IOS keyword.
func ParseLoadBalance(s string) (LoadBalance, bool) {
	i := slices.Index(loadBalanceNames[:], s)
	return LoadBalance(i), i >= 0
}

// Errors of the EtherChannel API.
var (
	ErrNoPortChannel  = errors.New("no such port-channel")
	ErrBadChannel     = errors.New("channel-group number out of range")
	ErrNotPhysical    = errors.New("not a physical port")
	ErrNotChannelPort = errors.New("not a member of a port-channel")
)

// PortChannelName is the interface name of channel-group n.
func PortChannelName(n int) string { return "Port-channel" + strconv.Itoa(n) }

// ParsePortChannel returns the group number of a Port-channel name.
func ParsePortChannel(name string) (int, bool) {
	num, ok := strings.CutPrefix(name, "Port-channel")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(num)
	return n, err == nil && n >= 1 && n <= MaxPortChannel && strconv.Itoa(n) == num
}

// lagState is the switch's EtherChannel configuration; under sw.mu.
type lagState struct {
	bundles  map[cam.PortID]*bundle // by the Port-channel's port ID
	memberOf map[cam.PortID]*bundle // by member port ID
	lb       LoadBalance
}

// bundle is one Port-channel and its members.
type bundle struct {
	group   int
	po      *swPort
	members []*swPort           // in the order they joined
	bundled map[cam.PortID]bool // members the protocol bundled
}

// lagView is the snapshot's picture of one Port-channel: its bundled,
// forwarding members and the hash that picks one.
type lagView struct {
	id      cam.PortID
	members []cam.PortID
	lb      LoadBalance
}

// egressPort returns the port a frame f for out leaves on: out itself, or
// for a Port-channel the bundled member its load-balance hash picks. With
// no Port-channel it costs one test.
func (s *snapshot) egressPort(out cam.PortID, f []byte) cam.PortID {
	if s.lags == nil {
		return out
	}
	return s.lagMember(out, f)
}

func (s *snapshot) lagMember(out cam.PortID, f []byte) cam.PortID {
	if int(out) >= len(s.lags) || s.lags[out] == nil {
		return out
	}
	l := s.lags[out]
	switch len(l.members) {
	case 0:
		return out // not forwarding: nothing chose it (its backend discards)
	case 1:
		return l.members[0]
	}
	return l.members[lbHash(l.lb, f)%uint32(len(l.members))]
}

// lbHash hashes what the method reads of frame f: MAC addresses, or the
// IPv4 addresses (an IPv4 frame, untagged or with one tag; other frames
// fall back to the MACs, as a Catalyst's IP methods do).
func lbHash(lb LoadBalance, f []byte) uint32 {
	if lb >= LoadBalanceSrcIP {
		l3 := packet.EthLen
		et := binary.BigEndian.Uint16(f[packet.EthType:])
		if et == packet.TypeDot1Q && len(f) >= packet.EthLen+packet.TagLen {
			l3 += packet.TagLen
			et = binary.BigEndian.Uint16(f[l3-2:])
		}
		if et == packet.TypeIPv4 && len(f) >= l3+20 {
			src, dst := binary.BigEndian.Uint32(f[l3+12:]), binary.BigEndian.Uint32(f[l3+16:])
			switch lb {
			case LoadBalanceSrcIP:
				return fold(src)
			case LoadBalanceDstIP:
				return fold(dst)
			}
			return fold(src ^ dst)
		}
		lb -= LoadBalanceSrcIP // the MAC method of the same direction
	}
	dst, src := binary.BigEndian.Uint32(f[2:6]), binary.BigEndian.Uint32(f[8:12])
	switch lb {
	case LoadBalanceSrcMAC:
		return fold(src)
	case LoadBalanceDstMAC:
		return fold(dst)
	}
	return fold(src ^ dst)
}

// fold mixes the bits of x so that addresses that differ in any byte
// spread over the members.
func fold(x uint32) uint32 {
	x ^= x >> 16
	x *= 0x45d9f3b
	x ^= x >> 16
	return x
}

// lagBackend is a Port-channel's backend: it moves no frames (its members
// do), and is up only as its members are, which the switch decides.
type lagBackend struct {
	name   string
	closed chan struct{}
	once   sync.Once
}

func (b *lagBackend) Read([][]byte, []int, int) (int, error) {
	<-b.closed
	return 0, port.ErrClosed
}

func (b *lagBackend) Write(frames [][]byte) (int, error) { return len(frames), nil }
func (b *lagBackend) BatchSize() int                     { return 1 }
func (b *lagBackend) Close() error                       { b.once.Do(func() { close(b.closed) }); return nil }
func (b *lagBackend) String() string                     { return "etherchannel" }

var _ port.Port = (*lagBackend)(nil)

// CreatePortChannel creates interface Port-channel n (no members, down).
// It is not an error if it exists.
func (sw *Switch) CreatePortChannel(n int) error {
	if n < 1 || n > MaxPortChannel {
		return fmt.Errorf("port-channel %d: %w", n, ErrBadChannel)
	}
	name := PortChannelName(n)
	sw.mu.Lock()
	_, exists := sw.byName[name]
	sw.mu.Unlock()
	if exists {
		return nil
	}
	if err := sw.AddPort(name, &lagBackend{name: name, closed: make(chan struct{})}); err != nil {
		return err
	}
	sw.mu.Lock()
	defer sw.mu.Unlock()
	p, err := sw.portLocked(name)
	if err != nil {
		return err
	}
	if sw.lag.bundles == nil {
		sw.lag.bundles, sw.lag.memberOf = map[cam.PortID]*bundle{}, map[cam.PortID]*bundle{}
	}
	p.linkUp = false
	sw.lag.bundles[p.id] = &bundle{group: n, po: p, bundled: map[cam.PortID]bool{}}
	sw.publishLocked()
	return nil
}

// RemovePortChannel removes Port-channel n; its members leave it (`no
// interface Port-channel n`).
func (sw *Switch) RemovePortChannel(n int) error {
	name := PortChannelName(n)
	sw.mu.Lock()
	b, err := sw.bundleLocked(name)
	if err != nil {
		sw.mu.Unlock()
		return err
	}
	for _, m := range b.members {
		delete(sw.lag.memberOf, m.id)
	}
	delete(sw.lag.bundles, b.po.id)
	b.po.linkUp = false
	sw.mu.Unlock()
	return sw.RemovePort(name)
}

func (sw *Switch) bundleLocked(po string) (*bundle, error) {
	id, ok := sw.byName[po]
	if !ok || sw.lag.bundles[id] == nil {
		return nil, fmt.Errorf("%s: %w", po, ErrNoPortChannel)
	}
	return sw.lag.bundles[id], nil
}

// SetChannelGroup makes the physical port member a member of Port-channel
// n (which must exist), or of none when n is 0. A new member takes the
// Port-channel's switchport configuration and starts unbundled; addresses
// learned on it are flushed.
func (sw *Switch) SetChannelGroup(member string, n int) error {
	sw.mu.Lock()
	p, err := sw.portLocked(member)
	if err != nil {
		sw.mu.Unlock()
		return err
	}
	if sw.lag.bundles[p.id] != nil {
		sw.mu.Unlock()
		return fmt.Errorf("%s: %w", member, ErrNotPhysical)
	}
	var to *bundle
	if n != 0 {
		if to, err = sw.bundleLocked(PortChannelName(n)); err != nil {
			sw.mu.Unlock()
			return err
		}
	}
	from := sw.lag.memberOf[p.id]
	if from == to {
		sw.mu.Unlock()
		return nil
	}
	if from != nil {
		from.members = slices.DeleteFunc(from.members, func(m *swPort) bool { return m == p })
		delete(from.bundled, p.id)
		delete(sw.lag.memberOf, p.id)
	}
	if to != nil {
		to.members = append(to.members, p)
		sw.lag.memberOf[p.id] = to
		inherit(&p.settings, to.po.settings)
	}
	sw.publishLocked()
	sw.mu.Unlock()
	sw.cam.ClearDynamic(cam.Filter{Port: p.id})
	return nil
}

// inherit gives a member the switchport configuration of its Port-channel.
func inherit(m *PortSettings, po PortSettings) {
	m.Mode, m.AccessVLAN, m.NativeVLAN, m.Allowed = po.Mode, po.AccessVLAN, po.NativeVLAN, po.Allowed
}

// ChannelGroup returns the channel-group a port is a member of, or 0.
func (sw *Switch) ChannelGroup(member string) int {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if id, ok := sw.byName[member]; ok {
		if b := sw.lag.memberOf[id]; b != nil {
			return b.group
		}
	}
	return 0
}

// SetBundled says whether a member carries its Port-channel's frames (its
// LACP partner agreed, or it is in mode on and up). The Port-channel is up
// while one member is bundled and forwarding; members that leave or go
// down are rebalanced over without it going down.
func (sw *Switch) SetBundled(member string, bundled bool) error {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	p, err := sw.portLocked(member)
	if err != nil {
		return err
	}
	b := sw.lag.memberOf[p.id]
	if b == nil {
		return fmt.Errorf("%s: %w", member, ErrNotChannelPort)
	}
	if b.bundled[p.id] == bundled {
		return nil
	}
	if bundled {
		b.bundled[p.id] = true
	} else {
		delete(b.bundled, p.id)
	}
	sw.publishLocked()
	return nil
}

// SetLoadBalance sets the hash method of every Port-channel.
func (sw *Switch) SetLoadBalance(lb LoadBalance) {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	sw.lag.lb = lb
	sw.publishLocked()
}

// LoadBalanceMethod returns the configured hash method.
func (sw *Switch) LoadBalanceMethod() LoadBalance {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	return sw.lag.lb
}

// ChannelMember is a Port-channel member's state.
type ChannelMember struct {
	Name    string
	ID      cam.PortID
	LinkUp  bool // link up and not shut down
	Bundled bool // carries the channel's frames
}

// PortChannel is one Port-channel's state, for the show commands.
type PortChannel struct {
	Group   int
	Name    string
	ID      cam.PortID
	Up      bool // some member is bundled and forwarding
	Members []ChannelMember
}

// PortChannels returns every Port-channel by group number.
func (sw *Switch) PortChannels() []PortChannel {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	var out []PortChannel
	for _, b := range sw.lag.bundles {
		pc := PortChannel{Group: b.group, Name: b.po.name, ID: b.po.id, Up: b.po.linkUp && !b.po.settings.Shutdown}
		for _, m := range b.members {
			pc.Members = append(pc.Members, ChannelMember{Name: m.name, ID: m.id, LinkUp: m.linkUp && !m.settings.Shutdown, Bundled: b.bundled[m.id]})
		}
		slices.SortFunc(pc.Members, func(a, b ChannelMember) int {
			if ifname.Less(a.Name, b.Name) {
				return -1
			}
			return 1
		})
		out = append(out, pc)
	}
	slices.SortFunc(out, func(a, b PortChannel) int { return a.Group - b.Group })
	return out
}

// lagLinkLocked brings each Port-channel's link state in line with its
// members before a snapshot is built: up while a member is bundled and
// forwarding, with the IOS link messages when that changes.
func (sw *Switch) lagLinkLocked() {
	for _, b := range sw.lag.bundles {
		up := false
		for _, m := range b.members {
			if b.bundled[m.id] && m.linkUp && !m.settings.Shutdown {
				up = true
			}
		}
		if up != b.po.linkUp {
			b.po.linkUp = up
			if !b.po.settings.Shutdown {
				sw.logLinkState(b.po.name, up, false)
			}
		}
	}
}

// lagSnapshotLocked adds the Port-channels to a snapshot whose ports are
// built: members carry their Port-channel's VLANs and ACL, leave the flood
// lists (the Port-channel is on them instead), and the bundled, forwarding
// ones are where the Port-channel's frames go.
func (sw *Switch) lagSnapshotLocked(s *snapshot) {
	if len(sw.lag.bundles) == 0 {
		return
	}
	s.lags = make([]*lagView, len(s.ports))
	var gone []cam.PortID
	for _, b := range sw.lag.bundles {
		pov := &s.ports[b.po.id]
		l := &lagView{id: b.po.id, lb: sw.lag.lb}
		s.lags[b.po.id] = l
		for _, m := range b.members {
			mv := &s.ports[m.id]
			mv.mode, mv.access, mv.native, mv.untagged = pov.mode, pov.access, pov.native, pov.untagged
			mv.allowed, mv.configured, mv.pacl = pov.allowed, pov.configured, pov.pacl
			mv.lag = l
			mv.bundled = b.bundled[m.id] && pov.forwarding
			if mv.bundled && mv.forwarding {
				l.members = append(l.members, m.id)
			}
			gone = append(gone, m.id)
		}
		slices.Sort(l.members)
	}
	for vid, ps := range s.flood {
		if len(ps) > 0 {
			s.flood[vid] = slices.DeleteFunc(ps, func(p cam.PortID) bool { return slices.Contains(gone, p) })
		}
	}
}

// lagSettingsLocked hands a Port-channel's new switchport configuration
// to its members, as IOS does.
func (sw *Switch) lagSettingsLocked(p *swPort) {
	if b := sw.lag.bundles[p.id]; b != nil {
		for _, m := range b.members {
			inherit(&m.settings, p.settings)
		}
	}
}

// lagCountersLocked adds a Port-channel's members' counters to its own
// (which nothing counts in): the channel's traffic is its members'.
func (sw *Switch) lagCountersLocked(id cam.PortID, c *PortCounters) {
	b := sw.lag.bundles[id]
	if b == nil {
		return
	}
	for _, m := range b.members {
		mc := sw.rawMemberCountersLocked(m.id)
		for i := range c {
			c[i] += mc[i]
		}
	}
}

func (sw *Switch) rawMemberCountersLocked(id cam.PortID) PortCounters {
	var c PortCounters
	for r := range sw.workers {
		r.stats.sumInto(int(id), &c)
	}
	for i, v := range sw.retired[id] {
		c[i] += v
	}
	return c
}
