package cam

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// TestSlotsCacheLineAligned: the layout promise (four whole slots per line,
// a bucket of four ways is exactly one line) depends on the array's start.
func TestSlotsCacheLineAligned(t *testing.T) {
	if unsafe.Sizeof(slot{}) != slotSize {
		t.Fatalf("slot is %d bytes, want %d", unsafe.Sizeof(slot{}), slotSize)
	}
	for _, cfg := range []Config{{Capacity: 1, Ways: 1}, {Capacity: 7, Ways: 2}, {Capacity: 13, Ways: 6}, {}, {Capacity: 1 << 18}} {
		tb := New(cfg)
		if a := uintptr(unsafe.Pointer(&tb.slots[0])); a%cacheLine != 0 {
			t.Errorf("%+v: slots start at %#x, not on a %d-byte line", cfg, a, cacheLine)
		}
		if len(tb.slots) != tb.Buckets()*tb.Ways() {
			t.Errorf("%+v: %d slots for %d x %d", cfg, len(tb.slots), tb.Buckets(), tb.Ways())
		}
	}
}

// keyPatterns are address sets a switch really sees: one OUI with counting
// NIC ids, one host in many VLANs, random addresses.
func keyPatterns(n int) map[string][]uint64 {
	r := rand.New(rand.NewPCG(7, 8))
	seq := make([]uint64, n)
	vlans := make([]uint64, 0, n)
	rnd := make([]uint64, n)
	for i := range n {
		seq[i] = Key(1, 0x0011_2200_0000|uint64(i))
		rnd[i] = Key(uint16(1+r.IntN(MaxVLAN)), r.Uint64()&macMask&^(1<<40))
	}
	for v := uint16(1); len(vlans) < n; v++ {
		for m := uint64(0); m < 64 && len(vlans) < n; m++ {
			vlans = append(vlans, Key(v, 0x00aa_bb00_0000|m))
		}
	}
	return map[string][]uint64{"sequential": seq, "vlans": vlans, "random": rnd}
}

// TestHashSpreadsKeys checks that the bucket index (low hash bits) and the
// home line (high bits) spread structured keys like random ones: the bucket
// loads have a Poisson-like variance, and each line of an 8-way bucket is
// home to half the keys.
func TestHashSpreadsKeys(t *testing.T) {
	const buckets, perBucket = 1 << 14, 4
	tb := New(Config{Capacity: buckets * 8, Ways: 8})
	if tb.Buckets() != buckets || tb.lines != 2 {
		t.Fatalf("geometry %d buckets, %d lines", tb.Buckets(), tb.lines)
	}
	for name, keys := range keyPatterns(buckets * perBucket) {
		load := make([]int, buckets)
		homes := [2]int{}
		for _, k := range keys {
			_, _, home := tb.bucket(k)
			load[hashKey(k)&tb.bmask]++
			homes[home/slotsPerLine]++
		}
		var sq float64
		for _, l := range load {
			d := float64(l - perBucket)
			sq += d * d
		}
		// Poisson: variance = mean. A structured hash would be far off
		// (0 for a perfect stride, much more for clustering).
		if v := sq / buckets; v < 0.9*perBucket || v > 1.1*perBucket {
			t.Errorf("%s: bucket load variance %.2f, want about %d", name, v, perBucket)
		}
		if f := float64(homes[0]) / float64(len(keys)); f < 0.48 || f > 0.52 {
			t.Errorf("%s: %.3f of keys have line 0 as home, want about 0.5", name, f)
		}
	}
}

// TestKeysStayInHomeLine is the point of the layout: at half load almost
// every key sits in its home line, so a hit reads one cache line.
func TestKeysStayInHomeLine(t *testing.T) {
	const n = 1 << 14
	for _, ways := range []int{6, 8, 16} {
		t.Run(fmt.Sprintf("ways=%d", ways), func(t *testing.T) {
			tb := New(Config{Capacity: 2 * n, Ways: ways})
			home, stored := 0, 0
			for _, k := range keyPatterns(n)["random"] {
				if tb.Learn(uint16(k>>48), k, 1, 1) != Learned {
					continue
				}
				stored++
				bk, _, h := tb.bucket(k)
				i, _ := findLocked(bk, k)
				if i >= h && i < h+slotsPerLine {
					home++
				}
			}
			t.Logf("%d of %d in home line", home, stored)
			if f := float64(home) / float64(stored); f < 0.9 {
				t.Fatalf("%.3f of %d keys in their home line, want > 0.9", f, stored)
			}
		})
	}
}
