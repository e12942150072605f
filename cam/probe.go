package cam

import (
	"unsafe"

	"github.com/l2sw/l2sw/internal/prefetch"
)

// Probe is a unicast frame's two table keys and their hashes, computed by
// PrepareProbes ahead of the frame's turn: a worker hashes a whole batch in
// one tight loop, where the hashes of different frames overlap, and
// LearnLookupProbe then hashes nothing. A probe whose keys turn out not to
// be the frame's (its VLAN was guessed from the port, and the pipeline
// decided otherwise) is only a wasted computation: LearnLookupProbe checks
// the keys and hashes again.
type Probe struct {
	SKey, DKey   uint64 // Key(vlan, src), Key(vlan, dst)
	SHash, DHash uint64
}

// SetProbe fills p for (vlan, src, dst).
func (t *Table) SetProbe(p *Probe, vlan uint16, src, dst uint64) {
	p.SKey, p.DKey = Key(vlan, src), Key(vlan, dst)
	p.SHash, p.DHash = t.hash(p.SKey), t.hash(p.DKey)
}

// SetSourceProbe fills p for a frame whose source alone is looked up (one
// to the router MAC, which is routed, not bridged): its destination is not
// hashed, and its prefetch loads the source's line twice, which costs
// nothing.
func (t *Table) SetSourceProbe(p *Probe, vlan uint16, src uint64) {
	p.SKey, p.DKey = Key(vlan, src), 0
	p.SHash = t.hash(p.SKey)
	p.DHash = p.SHash
}

// LearnProbe is Learn(vlan, mac, port, now) with the hash taken from p
// when p holds this key as its source key (nil: none).
//
// The common cases are inline, as in LearnLookupProbe: a source known on
// this port and seen this second, found in its home line, is Refreshed
// after one branchless compare of that line (homeProbe), without the
// bucket scan of Learn; a static or system one is a StaticHit. This is
// the whole learn of a routed frame, whose destination, the router MAC, is
// not looked up.
func (t *Table) LearnProbe(p *Probe, vlan uint16, mac uint64, port PortID, now int64) LearnResult {
	if m := mac & macMask; m != 0 && m&(1<<40) == 0 && validVLAN(vlan) {
		key := Key(vlan, m)
		if v, ok := t.homeProbe(key, t.sourceHash(p, key)); ok {
			if valueType(v) != Dynamic {
				return StaticHit
			}
			if current(v, port, now) {
				return Refreshed
			}
		}
	}
	return t.learnWith(p, vlan, mac, port, now)
}

// PrefetchProbes asks the CPU to start loading the home lines of the
// probes' keys (see Prefetch), from their hashes. It changes nothing.
func (t *Table) PrefetchProbes(ps []Probe) {
	var addrs [64]uintptr
	for len(ps) > 0 {
		n := min(len(ps), len(addrs)/2)
		for i := range ps[:n] {
			p := &ps[i]
			addrs[2*i] = uintptr(unsafe.Pointer(&t.slots[int(p.SHash&t.bmask)*t.ways+t.homeOf(p.SHash)]))
			addrs[2*i+1] = uintptr(unsafe.Pointer(&t.slots[int(p.DHash&t.bmask)*t.ways+t.homeOf(p.DHash)]))
		}
		prefetch.Lines(addrs[:2*n])
		ps = ps[n:]
	}
}

// LearnLookupProbe is LearnLookup(vlan, src, dst, port, now) with the
// hashes taken from p when p holds this frame's keys (nil: none).
func (t *Table) LearnLookupProbe(p *Probe, vlan uint16, src, dst uint64, port PortID, now int64) (LearnResult, PortID, bool) {
	skey, dkey := Key(vlan, src), Key(vlan, dst)
	var hs, hd uint64
	if p != nil && p.SKey == skey && p.DKey == dkey {
		hs, hd = p.SHash, p.DHash
	} else { // hashed here rather than in LearnLookup: one call less per frame
		hs, hd = t.hash(skey), t.hash(dkey)
	}
	return t.learnLookupHashed(vlan, src, dst, skey, dkey, hs, hd, port, now)
}

// sourceHash is the hash of the source key key: p's when p (nil: none)
// was made for it, else computed.
func (t *Table) sourceHash(p *Probe, key uint64) uint64 {
	if p != nil && p.SKey == key {
		return p.SHash
	}
	return t.hash(key)
}
