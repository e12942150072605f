package cam

import (
	"cmp"
	"errors"
	"slices"
	"testing"

	"github.com/l2sw/l2sw/packet"
)

// model is the slow oracle: a map and the rules of DESIGN §3 written
// plainly. It shares only the bucket function with the table (the geometry is
// part of the behaviour: which addresses collide decides which are refused).
type model struct {
	tb        *Table
	entries   map[uint64]Entry
	aging     int64
	vlanAging map[uint16]int64
}

func (m *model) bucketLoad(key uint64) int {
	n := 0
	for k := range m.entries {
		if hashKey(k)&m.tb.bmask == hashKey(key)&m.tb.bmask {
			n++
		}
	}
	return n
}

func (m *model) learn(vlan uint16, mac uint64, port PortID, now int64) LearnResult {
	switch {
	case mac == 0:
		return FilteredZero
	case packet.MACFromUint64(mac).IsMulticast():
		return InvalidSource
	case !validVLAN(vlan):
		return InvalidVLAN
	}
	key := Key(vlan, mac)
	e, ok := m.entries[key]
	switch {
	case ok && e.Type != Dynamic:
		return StaticHit
	case ok && e.Port == port:
		e.LastSeen = max(e.LastSeen, now)
		m.entries[key] = e
		return Refreshed
	case ok:
		e.Port, e.LastSeen = port, now
		m.entries[key] = e
		return Moved
	case m.bucketLoad(key) >= m.tb.ways || len(m.entries) >= m.tb.Capacity():
		return NotLearnedFull
	}
	m.entries[key] = Entry{VLAN: vlan, MAC: packet.MACFromUint64(mac), Port: port, Type: Dynamic, LastSeen: now}
	return Learned
}

func (m *model) agingFor(vlan uint16) int64 {
	if a, ok := m.vlanAging[vlan]; ok {
		return a
	}
	return m.aging
}

func (m *model) age(now int64) int {
	n := 0
	for k, e := range m.entries {
		if a := m.agingFor(e.VLAN); e.Type == Dynamic && a > 0 && now-e.LastSeen >= a {
			delete(m.entries, k)
			n++
		}
	}
	return n
}

func (m *model) clear(f Filter) int {
	n := 0
	for k, e := range m.entries {
		if e.Type == Dynamic && f.match(k, packValue(e.Port, e.Type, 0)) && (!f.HasType || f.Type == Dynamic) {
			delete(m.entries, k)
			n++
		}
	}
	return n
}

func (m *model) sorted() []Entry {
	out := make([]Entry, 0, len(m.entries))
	for _, e := range m.entries {
		if e.Type != Dynamic {
			e.LastSeen = 0
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b Entry) int {
		if c := cmp.Compare(a.VLAN, b.VLAN); c != 0 {
			return c
		}
		return cmp.Compare(a.MAC.Uint64(), b.MAC.Uint64())
	})
	return out
}

// addStatic applies AddStatic to the model. Which dynamic entry gives way when
// several share the oldest last-seen is the table's choice: the model accepts
// any of them and learns which one from the table.
func (m *model) addStatic(t *testing.T, vlan uint16, mac packet.MAC, port PortID, err error) {
	key := Key(vlan, mac.Uint64())
	if e, ok := m.entries[key]; ok {
		if err != nil {
			t.Fatalf("AddStatic over an existing entry failed: %v", err)
		}
		e.Port, e.Type = port, Static
		m.entries[key] = e
		return
	}
	if m.bucketLoad(key) < m.tb.ways && len(m.entries) < m.tb.Capacity() {
		if err != nil {
			t.Fatalf("AddStatic with room failed: %v", err)
		}
		m.entries[key] = Entry{VLAN: vlan, MAC: mac, Port: port, Type: Static}
		return
	}
	oldest := int64(-1 << 62)
	var candidates []uint64
	for k, e := range m.entries {
		if e.Type != Dynamic || hashKey(k)&m.tb.bmask != hashKey(key)&m.tb.bmask {
			continue
		}
		if len(candidates) == 0 || e.LastSeen < oldest {
			oldest, candidates = e.LastSeen, []uint64{k}
		} else if e.LastSeen == oldest {
			candidates = append(candidates, k)
		}
	}
	if len(candidates) == 0 {
		if !errors.Is(err, ErrFull) {
			t.Fatalf("AddStatic into a bucket of statics: %v, want ErrFull", err)
		}
		return
	}
	if err != nil {
		t.Fatalf("AddStatic should have displaced a dynamic entry: %v", err)
	}
	gone := 0
	for _, k := range candidates {
		if _, ok := m.tb.Lookup(uint16(k>>48), k); !ok {
			delete(m.entries, k)
			gone++
		}
	}
	if gone != 1 {
		t.Fatalf("AddStatic displaced %d of the oldest dynamic entries, want 1", gone)
	}
	m.entries[key] = Entry{VLAN: vlan, MAC: mac, Port: port, Type: Static}
}

// FuzzTableAgainstModel drives random operation sequences through two tiny
// tables and the map model: 4 buckets x 2 ways (capacity 7), where buckets
// overflow all the time, and 4 buckets x 6 ways (capacity 13), where a
// bucket spans two cache lines so that home lines, overflow into the other
// line and wrap-around scans are exercised.
func FuzzTableAgainstModel(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 0, 9, 2, 3, 1, 1, 7, 2, 40, 5, 1})
	f.Add([]byte{0, 0, 0, 0, 0, 1, 0, 1, 0, 2, 0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	f.Add([]byte{2, 3, 1, 0, 2, 4, 1, 1, 0, 2, 1, 2, 5, 0, 6, 3, 200, 7, 1, 8, 9})
	macs := []uint64{0, 0x0100_5e00_0001, 0xffff_ffff_ffff, 0x0011_2233_4455, 0x0011_2233_4456,
		0x0011_2233_4457, 0x00aa_bbcc_dd01, 0x00aa_bbcc_dd02, 0x00aa_bbcc_dd03, 0x0200_0000_0001,
		0x0200_0000_0002, 0x0200_0000_0003, 0x0200_0000_0004, 0x0200_0000_0005, 0x0200_0000_0006, 0x0200_0000_0007}
	f.Fuzz(func(t *testing.T, ops []byte) {
		for _, geo := range []Config{{Capacity: 7, Ways: 2}, {Capacity: 13, Ways: 6}} {
			geo.AgingTime = 20
			runAgainstModel(t, New(geo), macs, ops)
		}
	})
}

func runAgainstModel(t *testing.T, tb *Table, macs []uint64, ops []byte) {
	m := &model{tb: tb, entries: map[uint64]Entry{}, aging: 20, vlanAging: map[uint16]int64{}}
	now := int64(0)
	next := func() byte {
		if len(ops) == 0 {
			return 0
		}
		b := ops[0]
		ops = ops[1:]
		return b
	}
	for len(ops) > 0 {
		op, a, b := next(), next(), next()
		vlan := uint16(a>>4) % 4 // 0 is invalid on purpose
		mac := macs[a&0xf]
		port := PortID(b % 4)
		switch op % 9 {
		case 0, 1, 2:
			got, want := tb.Learn(vlan, mac, port, now), m.learn(vlan, mac, port, now)
			if got != want {
				t.Fatalf("Learn(%d, %s, %d, %d) = %v, model %v", vlan, packet.MACFromUint64(mac), port, now, got, want)
			}
		case 3:
			now += int64(b % 16)
			if got, want := tb.Age(now), m.age(now); got != want {
				t.Fatalf("Age(%d) = %d, model %d", now, got, want)
			}
		case 4:
			err := tb.AddStatic(vlan, packet.MACFromUint64(mac), port)
			if mac == 0 || mac == 0xffff_ffff_ffff || !validVLAN(vlan) {
				if err == nil {
					t.Fatalf("AddStatic(%d, %s) accepted", vlan, packet.MACFromUint64(mac))
				}
				break
			}
			m.addStatic(t, vlan, packet.MACFromUint64(mac), port, err)
		case 5:
			err := tb.RemoveStatic(vlan, packet.MACFromUint64(mac))
			key := Key(vlan, mac)
			if e, ok := m.entries[key]; ok && e.Type == Static {
				if err != nil {
					t.Fatalf("RemoveStatic: %v", err)
				}
				delete(m.entries, key)
			} else if !errors.Is(err, ErrNotFound) {
				t.Fatalf("RemoveStatic of no static entry: %v", err)
			}
		case 6:
			fl := MatchAll()
			switch b % 4 {
			case 1:
				fl.VLAN = vlan
			case 2:
				fl.Port = port
			case 3:
				fl.MAC, fl.HasMAC = packet.MACFromUint64(mac), true
			}
			if got, want := tb.ClearDynamic(fl), m.clear(fl); got != want {
				t.Fatalf("ClearDynamic(%+v) = %d, model %d", fl, got, want)
			}
		case 7:
			if b&1 == 0 {
				tb.SetVLANAgingTime(vlan, int64(b%32))
				if validVLAN(vlan) {
					m.vlanAging[vlan] = int64(b % 32)
				}
			} else {
				tb.ClearVLANAgingTime(vlan)
				delete(m.vlanAging, vlan)
			}
		case 8:
			tb.SetAgingTime(int64(b % 40))
			m.aging = int64(b % 40)
		}
		// Every address, so that a key left outside its home line by an
		// overflow is still found after the slots before it were freed.
		for vlan := uint16(1); vlan <= 2; vlan++ {
			for _, mac := range macs {
				p, ok := tb.Lookup(vlan, mac)
				e, mok := m.entries[Key(vlan, mac)]
				if ok != mok || (ok && p != e.Port) {
					t.Fatalf("Lookup(%d, %s) = %d,%v; model %+v,%v", vlan, packet.MACFromUint64(mac), p, ok, e, mok)
				}
			}
		}
	}
	got, want := tb.Entries(MatchAll()), m.sorted()
	if !slices.Equal(got, want) {
		t.Fatalf("entries\n got %+v\nwant %+v", got, want)
	}
	if tb.Len() != len(want) {
		t.Fatalf("Len %d, model %d", tb.Len(), len(want))
	}
	checkQuiescent(t, tb)
}
