package cam

import (
	"sync/atomic"

	"github.com/l2sw/l2sw/packet"
)

// maxOptimisticReads is how many times a reader retries a bucket whose stripe
// keeps changing before it falls back to the stripe lock. Writers hold the lock
// for a few stores, so a retry almost always succeeds; the bound only keeps a
// reader from starving behind a storm of inserts.
const maxOptimisticReads = 4

// findLocked returns key's slot and value; the caller holds the stripe lock.
func findLocked(bk []slot, key uint64) (int, uint64) {
	for i := range bk {
		if bk[i].key.Load() == key {
			return i, bk[i].val.Load()
		}
	}
	return -1, 0
}

// probe finds key without locking: its bucket, stripe and home slot, and
// the slot holding key (-1 if absent) with a value that slot held for key at
// some instant during the call (see the package comment for the protocol).
// It is the whole per-frame path of Lookup and Learn in one call: hash,
// bucket (as Table.bucket computes it, written out to save a call), scan
// from the home line round the bucket, validate.
func (t *Table) probe(key uint64) (bk []slot, st *stripe, home, i int, v uint64) {
	return t.probeHashed(key, t.hash(key))
}

// probeHashed is probe with the key's hash already computed.
func (t *Table) probeHashed(key, h uint64) (bk []slot, st *stripe, home, i int, v uint64) {
	b := h & t.bmask
	base := int(b) * t.ways
	bk = t.slots[base : base+t.ways : base+t.ways]
	st = &t.stripes[b&t.smask]
	home = t.homeOf(h)
	for range maxOptimisticReads {
		s1 := st.seq.Load()
		i = scan(bk, home, key)
		if i < 0 {
			// A miss needs no validation: if the key was being deleted and
			// reinserted elsewhere in the bucket, there was an instant within
			// this scan when it was absent.
			return bk, st, home, -1, 0
		}
		v = bk[i].val.Load()
		if bk[i].key.Load() == key && st.seq.Load() == s1 {
			return bk, st, home, i, v
		}
	}
	st.mu.Lock()
	i, v = findLocked(bk, key)
	st.mu.Unlock()
	return bk, st, home, i, v
}

// scan returns the slot holding key, looking from home to the end of the
// bucket and then from its start (-1 if absent).
func scan(bk []slot, home int, key uint64) int {
	for j := home; j < len(bk); j++ {
		if bk[j].key.Load() == key {
			return j
		}
	}
	for j := range bk[:home] {
		if bk[j].key.Load() == key {
			return j
		}
	}
	return -1
}

// freeSlot returns the first empty slot scanning from home round the bucket,
// or -1: inserts fill a key's home line first so that lookups find it there.
func freeSlot(bk []slot, home int) int {
	for n := range bk {
		j := home + n
		if j >= len(bk) {
			j -= len(bk)
		}
		if bk[j].key.Load() == 0 {
			return j
		}
	}
	return -1
}

// Lookup returns the port of (vlan, mac). It takes no lock, stores nothing and
// does not allocate.
func (t *Table) Lookup(vlan uint16, mac uint64) (PortID, bool) {
	key := Key(vlan, mac)
	if key == 0 { // would match every empty slot
		return NoPort, false
	}
	h := t.hash(key)
	if v, ok := t.homeProbe(key, h); ok {
		return valuePort(v), true
	}
	_, _, _, i, v := t.probeHashed(key, h)
	if i < 0 {
		return NoPort, false
	}
	return valuePort(v), true
}

// LearnLookup is Learn of (vlan, src) on port followed by Lookup of (vlan,
// dst): the two probes of a unicast frame in one call. The destination's
// hash is computed and its home line read before the source is learned, so
// the CPU overlaps the two bucket reads; in a table much larger than the
// caches that is one memory wait per frame instead of two.
func (t *Table) LearnLookup(vlan uint16, src, dst uint64, port PortID, now int64) (LearnResult, PortID, bool) {
	skey, dkey := Key(vlan, src), Key(vlan, dst)
	if dkey == 0 {
		return t.Learn(vlan, src, port, now), NoPort, false
	}
	hd := t.hash(dkey)
	_ = t.slots[int(hd&t.bmask)*t.ways+t.homeOf(hd)].key.Load() // start the line's fetch; the result is not needed yet
	return t.learnLookupHashed(vlan, src, dst, skey, dkey, t.hash(skey), hd, port, now)
}

// learnLookupHashed is LearnLookup with the keys and their hashes computed.
func (t *Table) learnLookupHashed(vlan uint16, src, dst, skey, dkey, hs, hd uint64, port PortID, now int64) (LearnResult, PortID, bool) {
	if dkey == 0 {
		return t.Learn(vlan, src, port, now), NoPort, false
	}
	// The common case inline: the source known on this port and seen this
	// second, found in its home line. Anything else takes Learn.
	res := Refreshed
	if src&macMask == 0 || src&(1<<40) != 0 || !validVLAN(vlan) {
		res = t.Learn(vlan, src, port, now)
	} else if v, ok := t.homeProbe(skey, hs); !ok || !current(v, port, now) {
		res = t.Learn(vlan, src, port, now)
	}
	if v, ok := t.homeProbe(dkey, hd); ok {
		return res, valuePort(v), true
	}
	_, _, _, i, v := t.probeHashed(dkey, hd)
	if i < 0 {
		return res, NoPort, false
	}
	return res, valuePort(v), true
}

// current reports whether the value v of a source seen on port at now
// needs no update: dynamic, on that port, seen this second already.
func current(v uint64, port PortID, now int64) bool {
	return valueType(v) == Dynamic && valuePort(v) == port && now <= valueSeen(v)
}

// homeProbe looks for key in its home line only, validated like probe; ok
// false means not found there or changing: probeHashed decides.
//
// A full home line (Ways a multiple of four, as by default) is compared
// without branches: the four keys are loaded and the match's index
// computed arithmetically, since which of the four slots holds the key is
// random and a loop that stops at it mispredicts nearly every probe.
func (t *Table) homeProbe(key, h uint64) (uint64, bool) {
	b := h & t.bmask
	j := int(b)*t.ways + t.homeOf(h)
	seq := &t.stripes[b&t.smask].seq
	s1 := seq.Load()
	if j+slotsPerLine <= int(b+1)*t.ways {
		line := (*[slotsPerLine]slot)(t.slots[j : j+slotsPerLine])
		e0, e1 := eq(line[0].key.Load(), key), eq(line[1].key.Load(), key)
		e2, e3 := eq(line[2].key.Load(), key), eq(line[3].key.Load(), key)
		if e0|e1|e2|e3 == 0 {
			return 0, false
		}
		sl := &line[e1|e2<<1|e3*3&3]
		v := sl.val.Load()
		if sl.key.Load() == key && seq.Load() == s1 {
			return v, true
		}
		return 0, false
	}
	end := min(j+slotsPerLine, int(b+1)*t.ways)
	for ; j < end; j++ {
		if t.slots[j].key.Load() == key {
			v := t.slots[j].val.Load()
			if t.slots[j].key.Load() == key && seq.Load() == s1 {
				return v, true
			}
			return 0, false
		}
	}
	return 0, false
}

// eq is 1 if a == b, else 0, computed without a branch.
func eq(a, b uint64) uint64 {
	x := a ^ b
	return (x|-x)>>63 ^ 1
}

// LookupEntry is Lookup with the entry's type and last-seen time, for traces.
func (t *Table) LookupEntry(vlan uint16, mac uint64) (Entry, bool) {
	key := Key(vlan, mac)
	if key == 0 {
		return Entry{}, false
	}
	_, _, _, i, v := t.probe(key)
	if i < 0 {
		return Entry{}, false
	}
	return entryOf(key, v), true
}

// Learn records that a frame from (vlan, mac) arrived on port at now (seconds
// of a coarse clock). The common case — known on this port and already seen
// this second — takes no lock and stores nothing; a refresh in a new second is
// one compare-and-swap; only inserts and moves lock a stripe. Events are raised
// synchronously before Learn returns.
func (t *Table) Learn(vlan uint16, mac uint64, port PortID, now int64) LearnResult {
	return t.learnWith(nil, vlan, mac, port, now)
}

// learnWith is Learn, with the key's hash taken from p (as LearnProbe
// does) when p is not nil and holds the key as its source key.
func (t *Table) learnWith(p *Probe, vlan uint16, mac uint64, port PortID, now int64) LearnResult {
	mac &= macMask
	if mac == 0 {
		return t.filterZero(vlan, port, now)
	}
	if mac&(1<<40) != 0 { // group bit of the first octet
		t.stats.invalid.Add(1)
		return InvalidSource
	}
	if !validVLAN(vlan) {
		return InvalidVLAN
	}
	key := Key(vlan, mac)
	bk, st, home, i, v := t.probeHashed(key, t.sourceHash(p, key))
	if i >= 0 {
		if valueType(v) != Dynamic {
			return StaticHit
		}
		if valuePort(v) == port {
			// A clock read a moment earlier by another worker may be a
			// second behind: never move last-seen backwards, never store
			// twice in a second.
			if now <= valueSeen(v) {
				return Refreshed
			}
			if bk[i].val.CompareAndSwap(v, withSeen(v, now)) {
				t.stats.refreshed.Add(1)
				return Refreshed
			}
		}
	} else if t.used.Load() >= t.limit.Load() || freeSlot(bk, home) < 0 {
		// The flooding-attack path: refuse without taking a lock.
		return t.notLearned(vlan, mac, port, now)
	}
	return t.learnLocked(bk, st, home, key, vlan, mac, port, now)
}

// learnLocked inserts, moves or (after a lost race) refreshes under the stripe
// lock. Events are raised after the lock is released so that a handler may
// call back into the table.
func (t *Table) learnLocked(bk []slot, st *stripe, home int, key uint64, vlan uint16, mac uint64, port PortID, now int64) LearnResult {
	st.mu.Lock()
	i, v := findLocked(bk, key)
	if i >= 0 {
		switch {
		case valueType(v) != Dynamic:
			st.mu.Unlock()
			return StaticHit
		case valuePort(v) == port:
			if now > valueSeen(v) {
				bk[i].val.Store(withSeen(v, now))
				t.stats.refreshed.Add(1)
			}
			st.mu.Unlock()
			return Refreshed
		}
		old := valuePort(v)
		// Same key, one word: readers see the old or the new port, both
		// right at some instant, so no sequence bump is needed.
		t.stats.moved.Add(1)
		bk[i].val.Store(packValue(port, Dynamic, now))
		t.changed()
		flap := t.trackFlapLocked(st, key, now)
		st.mu.Unlock()
		ev := Event{Kind: EventMove, VLAN: vlan, MAC: packet.MACFromUint64(mac), Port: port, OldPort: old}
		t.emit(ev)
		if flap {
			ev.Kind = EventFlap
			t.emit(ev)
		}
		return Moved
	}
	free := freeSlot(bk, home)
	if free < 0 {
		st.mu.Unlock()
		return t.notLearned(vlan, mac, port, now)
	}
	if t.used.Add(1) > t.limit.Load() {
		t.used.Add(-1)
		st.mu.Unlock()
		return t.notLearned(vlan, mac, port, now)
	}
	st.seq.Add(1)
	t.stats.learned.Add(1)
	bk[free].val.Store(packValue(port, Dynamic, now))
	bk[free].key.Store(key) // publishes the slot
	st.mu.Unlock()
	return Learned
}

// trackFlapLocked counts a move of key and reports whether a flap
// notification is due. Moves are counted in a window that opens at the first
// move and lasts flapWindow seconds; the flapMoves-th move in a window flaps,
// and an address is notified at most once per flapHold seconds.
func (t *Table) trackFlapLocked(st *stripe, key uint64, now int64) bool {
	if t.flapMoves < 0 {
		return false
	}
	f := st.flaps[key]
	if f == nil {
		if st.flaps == nil {
			st.flaps = make(map[uint64]*flapState)
		}
		if len(st.flaps) >= maxFlapTracked {
			t.pruneFlapsLocked(st, now)
			if len(st.flaps) >= maxFlapTracked {
				return false
			}
		}
		f = &flapState{windowStart: now}
		st.flaps[key] = f
	}
	if now-f.windowStart >= t.flapWindow || now < f.windowStart {
		f.windowStart = now
		f.moves = 0
	}
	f.moves++
	if f.moves < t.flapMoves {
		return false
	}
	if f.notified && now-f.lastNotified < t.flapHold && now >= f.lastNotified {
		return false
	}
	f.notified = true
	f.lastNotified = now
	t.stats.flaps.Add(1)
	return true
}

// pruneFlapsLocked forgets addresses whose window and hold have both passed.
func (t *Table) pruneFlapsLocked(st *stripe, now int64) {
	for k, f := range st.flaps {
		if now-f.windowStart >= t.flapWindow && (!f.notified || now-f.lastNotified >= t.flapHold) {
			delete(st.flaps, k)
		}
	}
}

func (t *Table) filterZero(vlan uint16, port PortID, now int64) LearnResult {
	t.stats.zero.Add(1)
	if allowOncePerSecond(&t.zeroLast[int(port)%zeroLimiters], now) {
		t.emit(Event{Kind: EventZeroFiltered, VLAN: vlan, Port: port, OldPort: NoPort})
	}
	return FilteredZero
}

func (t *Table) notLearned(vlan uint16, mac uint64, port PortID, now int64) LearnResult {
	t.stats.full.Add(1)
	if allowOncePerSecond(&t.fullLast, now) {
		t.emit(Event{Kind: EventFull, VLAN: vlan, MAC: packet.MACFromUint64(mac), Port: port, OldPort: NoPort})
	}
	return NotLearnedFull
}

// allowOncePerSecond is a rate limiter over the caller's clock: next holds the
// first second at which the next event may go (0: at once). Only the goroutine
// that wins the CAS raises the event.
func allowOncePerSecond(next *atomic.Int64, now int64) bool {
	n := next.Load()
	if n != 0 && now < n {
		return false
	}
	return next.CompareAndSwap(n, now+1)
}
