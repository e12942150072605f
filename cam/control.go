package cam

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/l2sw/l2sw/clock"
	"github.com/l2sw/l2sw/packet"
)

// Entry is one row of the table as the show commands see it. LastSeen is the
// `now` of the last frame (0 for static and system entries).
type Entry struct {
	VLAN     uint16
	MAC      packet.MAC
	Port     PortID
	Type     EntryType
	LastSeen int64
}

func entryOf(key, v uint64) Entry {
	e := Entry{VLAN: uint16(key >> 48), MAC: packet.MACFromUint64(key), Port: valuePort(v), Type: valueType(v)}
	if e.Type == Dynamic {
		e.LastSeen = valueSeen(v)
	}
	return e
}

// AddStatic installs `mac address-table static MAC vlan VLAN interface PORT`.
// It replaces a dynamic entry for the same address (and re-points an existing
// static one). When the address's bucket is full (or the table is), the least
// recently seen dynamic entry of that bucket gives way: configuration wins over
// learning. It fails with ErrFull when the bucket holds only static entries.
func (t *Table) AddStatic(vlan uint16, mac packet.MAC, port PortID) error {
	return t.addFixed(vlan, mac, port, Static)
}

// AddSystem installs one of the switch's own addresses (an SVI MAC towards the
// CPU port). It behaves like a static entry but is removed with RemoveSystem,
// so that `no mac address-table static` cannot delete it.
func (t *Table) AddSystem(vlan uint16, mac packet.MAC, port PortID) error {
	return t.addFixed(vlan, mac, port, System)
}

// RemoveStatic deletes a static entry (`no mac address-table static ...`).
func (t *Table) RemoveStatic(vlan uint16, mac packet.MAC) error {
	return t.removeFixed(vlan, mac, Static)
}

// RemoveSystem deletes a system entry.
func (t *Table) RemoveSystem(vlan uint16, mac packet.MAC) error {
	return t.removeFixed(vlan, mac, System)
}

func (t *Table) addFixed(vlan uint16, mac packet.MAC, port PortID, typ EntryType) error {
	switch {
	case !validVLAN(vlan):
		return fmt.Errorf("cam: %s entry %s vlan %d: %w", typ, mac, vlan, ErrInvalidVLAN)
	case mac.IsZero() || mac.IsBroadcast():
		return fmt.Errorf("cam: %s entry %s vlan %d: %w", typ, mac, vlan, ErrInvalidMAC)
	case port == NoPort:
		return fmt.Errorf("cam: %s entry %s vlan %d: %w", typ, mac, vlan, ErrInvalidPort)
	}
	key := Key(vlan, mac.Uint64())
	bk, st, home := t.bucket(key)
	nv := packValue(port, typ, 0)
	st.mu.Lock()
	defer st.mu.Unlock()
	if i, v := findLocked(bk, key); i >= 0 {
		if valueType(v) == Dynamic {
			t.statics.Add(1)
		}
		bk[i].val.Store(nv)
		t.changed()
		return nil
	}
	free, victim := freeSlot(bk, home), -1
	var victimSeen int64
	for j := range bk {
		if bk[j].key.Load() == 0 {
			continue
		}
		if v := bk[j].val.Load(); valueType(v) == Dynamic && (victim < 0 || valueSeen(v) < victimSeen) {
			victim, victimSeen = j, valueSeen(v)
		}
	}
	if free >= 0 {
		if t.used.Add(1) <= t.capacity {
			st.seq.Add(1)
			bk[free].val.Store(nv)
			bk[free].key.Store(key)
			t.statics.Add(1)
			return nil
		}
		t.used.Add(-1)
	}
	if victim < 0 {
		return fmt.Errorf("cam: %s entry %s vlan %d: %w (bucket holds only static entries)", typ, mac, vlan, ErrFull)
	}
	st.seq.Add(1)
	bk[victim].key.Store(0)
	bk[victim].val.Store(nv)
	bk[victim].key.Store(key)
	t.changed()
	t.statics.Add(1)
	t.stats.displaced.Add(1)
	return nil
}

func (t *Table) removeFixed(vlan uint16, mac packet.MAC, typ EntryType) error {
	key := Key(vlan, mac.Uint64())
	if key == 0 || !validVLAN(vlan) {
		return fmt.Errorf("cam: remove %s entry %s vlan %d: %w", typ, mac, vlan, ErrNotFound)
	}
	bk, st, _ := t.bucket(key)
	st.mu.Lock()
	defer st.mu.Unlock()
	i, v := findLocked(bk, key)
	if i < 0 || valueType(v) != typ {
		return fmt.Errorf("cam: remove %s entry %s vlan %d: %w", typ, mac, vlan, ErrNotFound)
	}
	st.seq.Add(1)
	bk[i].key.Store(0)
	t.changed()
	t.used.Add(-1)
	t.statics.Add(-1)
	return nil
}

// SetAgingTime sets the global aging time in seconds; 0 (or less) disables
// aging, as `mac address-table aging-time 0` does.
func (t *Table) SetAgingTime(seconds int64) { t.aging.Store(max(seconds, 0)) }

// AgingTime is the global aging time in seconds (0: never).
func (t *Table) AgingTime() int64 { return t.aging.Load() }

// SetVLANAgingTime overrides the aging time of one VLAN
// (`mac address-table aging-time N vlan V`); 0 disables aging in that VLAN.
// Invalid VLANs are ignored.
func (t *Table) SetVLANAgingTime(vlan uint16, seconds int64) {
	if validVLAN(vlan) {
		t.vlanAging[vlan].Store(max(seconds, 0) + 1)
	}
}

// ClearVLANAgingTime removes a VLAN's override; the global time applies again.
func (t *Table) ClearVLANAgingTime(vlan uint16) {
	if validVLAN(vlan) {
		t.vlanAging[vlan].Store(0)
	}
}

// VLANAgingTime returns a VLAN's override, if it has one.
func (t *Table) VLANAgingTime(vlan uint16) (int64, bool) {
	if !validVLAN(vlan) {
		return 0, false
	}
	o := t.vlanAging[vlan].Load()
	return o - 1, o != 0
}

// EffectiveAgingTime is the aging time that applies to vlan (override, else
// global); 0 means never.
func (t *Table) EffectiveAgingTime(vlan uint16) int64 {
	if validVLAN(vlan) {
		if o := t.vlanAging[vlan].Load(); o != 0 {
			return o - 1
		}
	}
	return t.aging.Load()
}

// expired reports whether the dynamic entry (key, v) has outlived its aging
// time at now.
func (t *Table) expired(key, v uint64, now, global int64) bool {
	if valueType(v) != Dynamic {
		return false
	}
	a := global
	if o := t.vlanAging[key>>48&0xfff].Load(); o != 0 {
		a = o - 1
	}
	return a > 0 && now-valueSeen(v) >= a
}

// Age removes every dynamic entry not seen for its VLAN's aging time
// (now-lastSeen >= aging time) and returns how many it removed. It scans
// without locks and locks only the stripes of buckets that hold an expired
// entry, so it does not stall forwarding.
func (t *Table) Age(now int64) int {
	global := t.aging.Load()
	removed := 0
	for b := range t.Buckets() {
		bk, st := t.bucketAt(b)
		due := false
		for j := range bk {
			if k := bk[j].key.Load(); k != 0 && t.expired(k, bk[j].val.Load(), now, global) {
				due = true
				break
			}
		}
		if !due {
			continue
		}
		st.mu.Lock()
		n := 0
		for j := range bk {
			if k := bk[j].key.Load(); k != 0 && t.expired(k, bk[j].val.Load(), now, global) {
				if n == 0 {
					st.seq.Add(1)
				}
				t.stats.aged.Add(1) // counted before it shows: see counters
				bk[j].key.Store(0)
				n++
			}
		}
		if n > 0 {
			t.changed()
		}
		st.mu.Unlock()
		t.used.Add(int64(-n))
		removed += n
	}
	for i := range t.stripes {
		st := &t.stripes[i]
		st.mu.Lock()
		if len(st.flaps) > 0 {
			t.pruneFlapsLocked(st, now)
		}
		st.mu.Unlock()
	}
	return removed
}

// RunSweeper calls Age every interval with c's time in seconds until stop is
// closed. Run it in its own goroutine; it is the table's only goroutine.
func (t *Table) RunSweeper(c clock.Clock, interval time.Duration, stop <-chan struct{}) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			t.Age(clock.Seconds(c))
		case <-stop:
			return
		}
	}
}

// Filter selects entries for ClearDynamic and Entries. The zero value is NOT
// "everything": Port 0 is a real port, so start from MatchAll (or set Port to
// NoPort) and narrow down.
type Filter struct {
	VLAN    uint16     // 0 = any VLAN
	MAC     packet.MAC // used when HasMAC
	HasMAC  bool
	Port    PortID // NoPort = any port
	Type    EntryType
	HasType bool
}

// MatchAll is the filter that selects every entry.
func MatchAll() Filter { return Filter{Port: NoPort} }

// ForVLAN selects the entries of one VLAN (`... vlan N`).
func ForVLAN(vlan uint16) Filter { return Filter{VLAN: vlan, Port: NoPort} }

// ForPort selects the entries pointing at one port (`... interface I`).
func ForPort(port PortID) Filter { return Filter{Port: port} }

// ForMAC selects one address in every VLAN (`... address M`).
func ForMAC(mac packet.MAC) Filter { return Filter{MAC: mac, HasMAC: true, Port: NoPort} }

func (f Filter) match(key, v uint64) bool {
	return (f.VLAN == 0 || uint16(key>>48) == f.VLAN) &&
		(!f.HasMAC || key&macMask == f.MAC.Uint64()) &&
		(f.Port == NoPort || valuePort(v) == f.Port) &&
		(!f.HasType || valueType(v) == f.Type)
}

// visitBuckets calls fn on every bucket f can match with its stripe locked:
// one bucket when f names an exact VLAN and MAC, all of them otherwise.
func (t *Table) visitBuckets(f Filter, fn func(bk []slot, st *stripe)) {
	if f.HasMAC && f.VLAN != 0 {
		key := Key(f.VLAN, f.MAC.Uint64())
		bk, st, _ := t.bucket(key)
		st.mu.Lock()
		fn(bk, st)
		st.mu.Unlock()
		return
	}
	for b := range t.Buckets() {
		bk, st := t.bucketAt(b)
		st.mu.Lock()
		fn(bk, st)
		st.mu.Unlock()
	}
}

// ClearDynamic removes the dynamic entries f selects
// (`clear mac address-table dynamic [address M | interface I | vlan N]`) and
// returns how many. Static and system entries always survive.
func (t *Table) ClearDynamic(f Filter) int {
	if f.HasType && f.Type != Dynamic {
		return 0
	}
	removed := 0
	t.visitBuckets(f, func(bk []slot, st *stripe) {
		bumped := false
		for j := range bk {
			k := bk[j].key.Load()
			if k == 0 {
				continue
			}
			if v := bk[j].val.Load(); valueType(v) == Dynamic && f.match(k, v) {
				if !bumped {
					st.seq.Add(1)
					bumped = true
				}
				t.stats.cleared.Add(1)
				bk[j].key.Store(0)
				t.used.Add(-1)
				removed++
			}
		}
		if bumped {
			t.changed()
		}
	})
	return removed
}

// Entries returns the entries f selects, sorted by VLAN then MAC, as
// `show mac address-table` lists them.
func (t *Table) Entries(f Filter) []Entry {
	var out []Entry
	t.visitBuckets(f, func(bk []slot, _ *stripe) {
		for j := range bk {
			if k := bk[j].key.Load(); k != 0 {
				if v := bk[j].val.Load(); f.match(k, v) {
					out = append(out, entryOf(k, v))
				}
			}
		}
	})
	slices.SortFunc(out, func(a, b Entry) int {
		if c := cmp.Compare(a.VLAN, b.VLAN); c != 0 {
			return c
		}
		return cmp.Compare(a.MAC.Uint64(), b.MAC.Uint64())
	})
	return out
}

// Len is the number of entries of every type.
func (t *Table) Len() int { return int(t.used.Load()) }

// VLANCount is one VLAN's line of `show mac address-table count`.
type VLANCount struct {
	VLAN    uint16
	Dynamic int
	Static  int // user-configured static entries
	System  int // the switch's own addresses (IOS counts them as static)
}

// Counts is what `show mac address-table count` prints.
type Counts struct {
	Dynamic, Static, System int
	Total                   int
	Capacity                int
	Free                    int         // Capacity - Total ("Total Mac Address Space Available")
	PerVLAN                 []VLANCount // VLANs with at least one entry, ascending
}

// Counts scans the table and counts entries by type, globally and per VLAN.
func (t *Table) Counts() Counts {
	per := map[uint16]*VLANCount{}
	var c Counts
	t.visitBuckets(MatchAll(), func(bk []slot, _ *stripe) {
		for j := range bk {
			k := bk[j].key.Load()
			if k == 0 {
				continue
			}
			vlan := uint16(k >> 48)
			vc := per[vlan]
			if vc == nil {
				vc = &VLANCount{VLAN: vlan}
				per[vlan] = vc
			}
			switch valueType(bk[j].val.Load()) {
			case Dynamic:
				vc.Dynamic++
				c.Dynamic++
			case Static:
				vc.Static++
				c.Static++
			default:
				vc.System++
				c.System++
			}
		}
	})
	c.Total = c.Dynamic + c.Static + c.System
	c.Capacity = int(t.capacity)
	c.Free = max(c.Capacity-c.Total, 0)
	for _, vc := range per {
		c.PerVLAN = append(c.PerVLAN, *vc)
	}
	slices.SortFunc(c.PerVLAN, func(a, b VLANCount) int { return cmp.Compare(a.VLAN, b.VLAN) })
	return c
}

// Stats are the table's policy counters since New.
type Stats struct {
	Learned        uint64 // new dynamic entries
	Refreshed      uint64 // last-seen updates (at most one per entry per second; the read-only refreshes are not counted)
	Moved          uint64 // entries that moved to another port
	Aged           uint64 // entries removed by Age
	Cleared        uint64 // entries removed by ClearDynamic
	NotLearnedFull uint64 // sources refused because the bucket or the table was full
	FilteredZero   uint64 // all-zero sources filtered
	InvalidSource  uint64 // multicast/broadcast sources
	Flaps          uint64 // MAC-flap notifications raised
	Displaced      uint64 // dynamic entries displaced by AddStatic in a full bucket
}

// Stats returns the counters.
func (t *Table) Stats() Stats {
	s := &t.stats
	return Stats{
		Learned: s.learned.Load(), Refreshed: s.refreshed.Load(), Moved: s.moved.Load(),
		Aged: s.aged.Load(), Cleared: s.cleared.Load(), NotLearnedFull: s.full.Load(),
		FilteredZero: s.zero.Load(), InvalidSource: s.invalid.Load(), Flaps: s.flaps.Load(),
		Displaced: s.displaced.Load(),
	}
}
