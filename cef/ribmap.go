package cef

import (
	"iter"
	"math/bits"
)

// ribMap is the RIB's hash table from prefix to ribSlot: open addressing
// with linear probing over packed 20-byte cells (the key and the slot in
// one, no padding, no pointers), grown by half when four fifths full, so
// that it is between 53% and 80% full. A Go map of the same key and value
// holds 24-byte slots at 45-65% full (measured: 46-59 MiB for a million
// routes, against 24-36 here). Not safe for concurrent use, and not to be
// changed while all runs.
type ribMap struct {
	cells []ribCell
	n     int
}

// ribCell is a key and its slot; l == emptyLen marks a free cell.
type ribCell struct {
	a, nh, fib uint32
	ifc        IfID
	l, dist    uint8
	typ        RouteType
	flags      uint8
}

const emptyLen = 0xff

func (c *ribCell) key() pfxKey { return pfxKey{c.a, c.l} }

func (c *ribCell) slot() ribSlot {
	return ribSlot{one: route{nh: c.nh, ifc: c.ifc, dist: c.dist, typ: c.typ, flags: c.flags}, fib: c.fib}
}

func cellOf(k pfxKey, s ribSlot) ribCell {
	return ribCell{a: k.a, nh: s.one.nh, ifc: s.one.ifc, fib: s.fib, l: k.l, dist: s.one.dist, typ: s.one.typ, flags: s.one.flags}
}

// home is k's first cell in a table of n cells (multiply-shift, so n need
// not be a power of two).
func home(k pfxKey, n int) int {
	h := (uint64(k.a)<<8 | uint64(k.l)) * 0x9e3779b97f4a7c15
	h ^= h >> 29
	hi, _ := bits.Mul64(h*0xbf58476d1ce4e5b9, uint64(n))
	return int(hi)
}

// find returns the cell of k, or the free cell where it would go.
func (m *ribMap) find(k pfxKey) (int, bool) {
	n := len(m.cells)
	for i := home(k, n); ; i++ {
		if i == n {
			i = 0
		}
		c := &m.cells[i]
		if c.l == emptyLen {
			return i, false
		}
		if c.a == k.a && c.l == k.l {
			return i, true
		}
	}
}

func (m *ribMap) lookup(k pfxKey) (ribSlot, bool) {
	if m.n == 0 {
		return ribSlot{}, false
	}
	i, ok := m.find(k)
	if !ok {
		return ribSlot{}, false
	}
	return m.cells[i].slot(), true
}

func (m *ribMap) store(k pfxKey, s ribSlot) {
	if (m.n+1)*5 > len(m.cells)*4 {
		m.grow()
	}
	i, ok := m.find(k)
	if !ok {
		m.n++
	}
	m.cells[i] = cellOf(k, s)
}

func (m *ribMap) grow() {
	old := m.cells
	m.cells = make([]ribCell, max(len(old)+len(old)/2, 16))
	for i := range m.cells {
		m.cells[i].l = emptyLen
	}
	for i := range old {
		if c := &old[i]; c.l != emptyLen {
			j, _ := m.find(c.key())
			m.cells[j] = *c
		}
	}
}

// remove deletes k, shifting back the cells after it that probed past its
// cell, so that no tombstones are needed.
func (m *ribMap) remove(k pfxKey) {
	if m.n == 0 {
		return
	}
	i, ok := m.find(k)
	if !ok {
		return
	}
	m.n--
	n := len(m.cells)
	for j := i; ; {
		m.cells[i].l = emptyLen
		for {
			j++
			if j == n {
				j = 0
			}
			c := &m.cells[j]
			if c.l == emptyLen {
				return
			}
			// c may fill the hole at i unless its home lies cyclically
			// in (i, j]: then it would be found before reaching i.
			h := home(c.key(), n)
			if i <= j {
				if i < h && h <= j {
					continue
				}
			} else if i < h || h <= j {
				continue
			}
			m.cells[i] = *c
			i = j
			break
		}
	}
}

func (m *ribMap) len() int { return m.n }

// all yields every key and slot, in no order.
func (m *ribMap) all() iter.Seq2[pfxKey, ribSlot] {
	return func(yield func(pfxKey, ribSlot) bool) {
		for i := range m.cells {
			if c := &m.cells[i]; c.l != emptyLen && !yield(c.key(), c.slot()) {
				return
			}
		}
	}
}
