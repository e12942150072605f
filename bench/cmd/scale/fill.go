package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"net/netip"

	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/dataplane/port"
	"github.com/l2sw/l2sw/packet"
	"github.com/l2sw/l2sw/tcam"
	"github.com/l2sw/l2sw/tcam/acl"
	"github.com/l2sw/l2sw/tcam/classbench"
)

// The switch the fills run on: hostPorts access ports in VLAN 1 the
// learned sources arrive on, one more (the last) for the one destination
// every frame goes to, and routeSVIs SVIs whose connected subnets hold
// the routes' next hops.
const (
	hostPorts = 4
	routeSVIs = 4
	// nextHopsPerSVI neighbours per SVI, each with a static ARP entry, so
	// every route's adjacency is complete (a prebuilt rewrite).
	nextHopsPerSVI = 16
)

func portName(i int) string { return fmt.Sprintf("GigabitEthernet0/%d", i) }

// learnMACs sends frames with n distinct source addresses through the
// switch's real pipeline (a Receiver per ingress port, as a worker drives
// it), to one known destination, and returns how many sources the table
// refused (a full hash bucket drops the frame, as in hardware). extra
// sources beyond n are tried until n are learned or extra runs out.
func learnMACs(sw *dataplane.Switch, n, extra int) (refused int, err error) {
	sink := portName(hostPorts + 1)
	rxs := make([]*dataplane.Receiver, hostPorts+1)
	for i := range rxs {
		if rxs[i], err = sw.NewReceiver(portName(i + 1)); err != nil {
			return 0, err
		}
	}
	dst := packet.MAC{0x02, 0xee, 0, 0, 0, 1}
	// The destination first, from its own port, so every later frame is
	// forwarded to one port instead of flooded.
	sendBatch(rxs[hostPorts], [][2]packet.MAC{{packet.BroadcastMAC, dst}})
	if p, ok := sw.MACPort(1, dst); !ok || p != sink {
		return 0, fmt.Errorf("destination not learned on %s", sink)
	}
	start := sw.MACCount()
	want := start + n
	var batch [][2]packet.MAC
	next := uint64(0)
	for tries := 0; sw.MACCount() < want && tries < n+extra; {
		r := rxs[int(next)%hostPorts]
		batch = batch[:0]
		for k := 0; k < len(mustBufs(r)) && tries < n+extra && sw.MACCount()+len(batch) < want; k++ {
			next++
			tries++
			batch = append(batch, [2]packet.MAC{dst, hostMAC(next)})
		}
		sendBatch(r, batch)
	}
	learned := sw.MACCount() - start
	if learned < n {
		return int(next) - learned, fmt.Errorf("learned %d of %d addresses after %d sources", learned, n, next)
	}
	return int(next) - learned, nil
}

func mustBufs(r *dataplane.Receiver) [][]byte {
	b, _ := r.Buffers()
	return b
}

// hostMAC is the i-th learned source: locally administered unicast, the
// index in the low 40 bits.
func hostMAC(i uint64) packet.MAC {
	var m packet.MAC
	m[0] = 0x02
	for k := 5; k >= 1; k-- {
		m[k] = byte(i)
		i >>= 8
	}
	return m
}

// sendBatch has r receive one batch of minimal Ethernet frames (dst, src).
func sendBatch(r *dataplane.Receiver, frames [][2]packet.MAC) {
	bufs, sizes := r.Buffers()
	for k, f := range frames {
		b := bufs[k][port.Headroom:]
		copy(b[0:6], f[0][:])
		copy(b[6:12], f[1][:])
		binary.BigEndian.PutUint16(b[12:14], 0x88b5) // IEEE local experimental
		clear(b[14:60])
		sizes[k] = 60
	}
	r.Process(len(frames))
}

// sviSubnet is the connected subnet of route SVI i: 10.i.0.0/16.
func sviSubnet(i int) netip.Prefix {
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i), 0, 1}), 16)
}

// nextHop is neighbour j of route SVI i.
func nextHop(i, j int) netip.Addr { return netip.AddrFrom4([4]byte{10, byte(i), 1, byte(j + 1)}) }

func nextHopMAC(i, j int) packet.MAC { return packet.MAC{0x02, 0xaa, 0, byte(i), 0, byte(j + 1)} }

// sviVLAN is the VLAN of route SVI i.
func sviVLAN(i int) uint16 { return uint16(100 + i) }

// setupSVIs creates the route SVIs with their addresses and resolved
// neighbours, through the same calls the CLI makes for `interface VlanN`,
// `ip address` and `arp IP MAC arpa`.
func setupSVIs(sw *dataplane.Switch) error {
	for i := 1; i <= routeSVIs; i++ {
		v := sviVLAN(i)
		if err := sw.SetVLAN(v, ""); err != nil {
			return err
		}
		if err := sw.CreateSVI(v); err != nil {
			return err
		}
		if err := sw.SetSVIAddress(v, sviSubnet(i), false); err != nil {
			return err
		}
		for j := 0; j < nextHopsPerSVI; j++ {
			if err := sw.AddStaticARP(nextHop(i, j), nextHopMAC(i, j)); err != nil {
				return err
			}
		}
	}
	return nil
}

// routePrefixes returns n distinct prefixes shaped like an Internet
// table: mostly /24, then /22, /23, /20, /16 and some longer ones, none
// inside 10.0.0.0/8 (the connected subnets) or the special ranges.
func routePrefixes(n int, seed uint64) []netip.Prefix {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	lens := []struct {
		l   int
		pct int
	}{{24, 60}, {22, 10}, {23, 9}, {21, 5}, {20, 5}, {19, 3}, {16, 2}, {25, 2}, {27, 2}, {32, 2}}
	seen := make(map[netip.Prefix]struct{}, n)
	out := make([]netip.Prefix, 0, n)
	for len(out) < n {
		r, l := rng.IntN(100), 24
		for _, x := range lens {
			if r < x.pct {
				l = x.l
				break
			}
			r -= x.pct
		}
		a := rng.Uint32()
		if b := a >> 24; b == 0 || b == 10 || b == 127 || b >= 224 {
			continue
		}
		var ab [4]byte
		binary.BigEndian.PutUint32(ab[:], a)
		p := netip.PrefixFrom(netip.AddrFrom4(ab), l).Masked()
		if _, dup := seen[p]; dup {
			continue
		}
		seen[p] = struct{}{}
		out = append(out, p)
	}
	return out
}

// routeVia is the next hop of route k: spread over every neighbour.
func routeVia(k int) netip.Addr {
	i := k%routeSVIs + 1
	j := (k / routeSVIs) % nextHopsPerSVI
	return nextHop(i, j)
}

// installRoutes adds the prefixes as static routes in batches, as a
// routing protocol or a bulk load hands them over (one FIB publication
// per batch).
func installRoutes(sw *dataplane.Switch, ps []netip.Prefix, batch int) error {
	rs := make([]dataplane.StaticRoute, 0, batch)
	for k, p := range ps {
		rs = append(rs, dataplane.StaticRoute{Prefix: p, NextHop: routeVia(k)})
		if len(rs) == batch || k == len(ps)-1 {
			if err := sw.AddStaticRoutes(rs); err != nil {
				return err
			}
			rs = rs[:0]
		}
	}
	return nil
}

// aclSets are the ClassBench sets bound to the route SVIs, one per SVI and
// direction, in this order, until the TCAM holds the entries asked for.
// The IPC sets come first: their ACEs share masks more than the ACL and
// firewall sets', and the PFC3's 4 096 masks (8 entries each), not its
// 32 768 entries, are what a mix of ClassBench sets runs out of first.
var aclSets = []string{"neurocuts/ipc1_10k", "cutsplit/ipc_10k", "neurocuts/fw1_10k", "cutsplit/fw_10k",
	"neurocuts/acl1_10k", "cutsplit/acl_10k", "neurocuts/acl1_1k", "neurocuts/fw1_1k"}

// bindACLs applies ClassBench ACLs (from dir) to the route SVIs as router
// ACLs, one list per SVI and direction, until the TCAM's entries in use
// reach want; the last list is cut to the ACEs that reach it exactly
// enough. It returns the ACEs bound.
func bindACLs(sw *dataplane.Switch, dir string, want int) (bound []acl.ACE, err error) {
	slot := 0
	for _, set := range aclSets {
		if sw.ACLUsage().EntriesUsed >= want {
			break
		}
		fs, err := classbench.LoadFilters(dir + "/" + set)
		if err != nil {
			return bound, err
		}
		all, err := classbench.ACEs(fs)
		if err != nil {
			return bound, fmt.Errorf("%s: %w", set, err)
		}
		svi, d := slot/2+1, dataplane.ACLIn
		if slot%2 == 1 {
			d = dataplane.ACLOut
		}
		if svi > routeSVIs {
			return bound, fmt.Errorf("ran out of SVIs at %d entries", sw.ACLUsage().EntriesUsed)
		}
		slot++
		// Each ACE takes at least one entry, more when its port ranges
		// expand (fw1_10k alone needs 41 818 entries of 32 768): bind
		// the longest prefix of the set that the TCAM takes (programmed,
		// entries in use at most want), found by bisection over the
		// number of ACEs.
		bind := func(n int) (ok bool, err error) {
			list := acl.NewList(fmt.Sprintf("CB%d", slot), acl.Extended)
			for _, a := range all[:n] {
				a.Seq = 0
				if _, err := list.Add(a); err != nil {
					return false, fmt.Errorf("%s: %w", set, err)
				}
			}
			res, err := sw.SetSVIACL(sviVLAN(svi), d, list)
			if err != nil {
				return false, fmt.Errorf("%s on Vlan%d: %w", set, sviVLAN(svi), err)
			}
			return res.State == dataplane.ACLActive && sw.ACLUsage().EntriesUsed <= want, nil
		}
		lo, hi := 0, min(len(all), want-sw.ACLUsage().EntriesUsed)+1 // all[:lo] fits, all[:hi] does not
		if ok, err := bind(hi - 1); err != nil {
			return bound, err
		} else if ok {
			lo = hi - 1
		}
		for hi-lo > 1 {
			mid := (lo + hi) / 2
			ok, err := bind(mid)
			if err != nil {
				return bound, err
			}
			if ok {
				lo = mid
			} else {
				hi = mid
			}
		}
		if lo == 0 {
			if _, err := sw.SetSVIACL(sviVLAN(svi), d, nil); err != nil {
				return bound, err
			}
			break
		}
		if ok, err := bind(lo); err != nil || !ok {
			return bound, fmt.Errorf("%s on Vlan%d: %d ACEs fitted, then not (%v)", set, sviVLAN(svi), lo, err)
		}
		bound = append(bound, all[:lo]...)
	}
	return bound, nil
}

// topUp fills the TCAM entries that the ClassBench lists leave free in
// the masks they use, with siblings of their own rules. ClassBench sets
// run out of the PFC3's 4 096 masks (eight entries each) at ~27.5K
// entries, with most masks partly used; a real rule set of 32K entries
// has that many because it holds many rules of each shape (the same
// prefix lengths, protocol and ports for other subnets). A sibling is a
// bound ACE with the k-th other value in the lowest bits of its source
// prefix (its destination's when the source is any): the same shape, so
// the same masks, and no new range unit. The siblings go in one port ACL
// (masks are shared by every binding) on port 1, one ACE at a time, as a
// one-line edit; a shape the TCAM refuses (its masks full, or more
// entries than are left) is not tried again. It stops at want entries in
// use and returns the list of the ACEs added.
func topUp(sw *dataplane.Switch, bound []acl.ACE, want int) (*acl.List, error) {
	list := acl.NewList("CBTOP", acl.Extended)
	refused := map[acl.ACE]bool{} // shapes: ACEs with their addresses' values zeroed
	for k := uint32(1); k < 8 && sw.ACLUsage().EntriesUsed < want; k++ {
		for _, a := range bound {
			if sw.ACLUsage().EntriesUsed >= want {
				break
			}
			s, ok := sibling(a, k)
			shape := shapeOf(a)
			if !ok || refused[shape] || list.Has(s) {
				continue
			}
			next := list.Clone()
			if _, err := next.Add(s); err != nil {
				return list, fmt.Errorf("sibling list: %w", err)
			}
			if _, err := sw.SetPortACL(portName(1), next); errors.Is(err, tcam.ErrTCAMFull) {
				refused[shape] = true
				continue
			} else if err != nil {
				return list, err
			}
			list = next
		}
	}
	return list, nil
}

// sibling returns a with its source prefix's lowest bits set to the k-th
// other value (k >= 1), or its destination's when the source is any; false
// when neither prefix has room for that many values.
func sibling(a acl.ACE, k uint32) (acl.ACE, bool) {
	a.Seq = 0
	for _, ad := range []*acl.Address{&a.Src, &a.Dst} {
		if ad.Wildcard == ^uint32(0) {
			continue
		}
		free := bits.OnesCount32(ad.Wildcard) // host bits below the prefix
		if bits.Len32(k) > 32-free {
			return a, false
		}
		ad.IP ^= k << free
		return a, true
	}
	return a, false
}

// shapeOf is a with the values of its addresses cleared: what decides its
// TCAM masks and range units.
func shapeOf(a acl.ACE) acl.ACE {
	a.Seq, a.Src.IP, a.Dst.IP = 0, 0, 0
	return a
}

// packedACEs returns n ACEs whose TCAM entries fill whole masks (eight
// entries each on the PFC3): shapes of eight ACEs, one entry apiece, each
// shape a mask of its own (source and destination prefix lengths, and
// whether the protocol and the TCP ports are matched); the ACEs left over
// (eight when n is a multiple of eight) deny all, on the all-zero mask.
// ClassBench's real-world mixes run out of the PFC3's 4 096 masks at
// ~27.5K entries; n = 32 768 fills the whole TCAM. The shapes' short
// prefixes overlap, which the software classifier pays for in memory (see
// bench/README.md "Scale").
func packedACEs(n int) []acl.ACE {
	const per = 8
	base := acl.ACE{Kind: acl.Extended, AnyProto: true, Src: acl.AnyAddress, Dst: acl.AnyAddress, ICMPType: -1, ICMPCode: -1}
	shaped := (n - 1) / per * per
	out := make([]acl.ACE, 0, n)
	for _, m := range []struct{ proto, sport, dport bool }{{false, false, false}, {true, false, false}, {true, false, true}, {true, true, false}, {true, true, true}} {
		for sl := 32; sl >= 3; sl-- { // three source bits at least: eight values
			for dl := 32; dl >= 0 && len(out) < shaped; dl-- {
				for v := range uint32(per) {
					a := base
					a.Action = acl.Permit
					a.Src = acl.NewAddress(0x0a000000^v<<(32-sl), ^uint32(0)>>sl)
					a.Dst = acl.NewAddress(0xac100000, ^uint32(0)>>dl)
					if m.proto {
						a.AnyProto, a.Proto = false, 6
					}
					if m.sport {
						a.SrcPort = acl.PortMatch{Op: acl.PortEq, Lo: 1024}
					}
					if m.dport {
						a.DstPort = acl.PortMatch{Op: acl.PortEq, Lo: 80}
					}
					out = append(out, a)
				}
			}
		}
	}
	for len(out) < n {
		a := base
		a.Action = acl.Deny
		out = append(out, a)
	}
	return out
}

// bindPacked binds one router ACL of want packedACEs, want TCAM entries
// (the implicit deny takes none of its own), to the first route SVI.
func bindPacked(sw *dataplane.Switch, want int) (aces int, err error) {
	list := acl.NewList("PACKED", acl.Extended)
	for _, a := range packedACEs(want) {
		if _, err := list.Add(a); err != nil {
			return 0, fmt.Errorf("packed ACL: %w", err)
		}
	}
	res, err := sw.SetSVIACL(sviVLAN(1), dataplane.ACLIn, list)
	if err != nil {
		return 0, fmt.Errorf("packed ACL on Vlan%d: %w", sviVLAN(1), err)
	}
	if res.State != dataplane.ACLActive {
		return 0, fmt.Errorf("packed ACL of %d ACEs on Vlan%d: %v (TCAM %+v)", want, sviVLAN(1), res.State, sw.ACLUsage())
	}
	return want, nil
}
