package cam

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/zeebo/xxh3"
)

// TestSeededHashIsXXH3 pins the seeded bucket hash to XXH3's HashSeed, so
// that a seed changes every bucket as the published hash does.
func TestSeededHashIsXXH3(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var b [8]byte
	for range 10000 {
		seed, k := rng.Uint64(), rng.Uint64()
		binary.LittleEndian.PutUint64(b[:], k)
		if got, want := hashFlip(k, seedFlip(seed)), xxh3.HashSeed(b[:], seed); got != want {
			t.Fatalf("seed %#x key %#x: %#x, xxh3 %#x", seed, k, got, want)
		}
	}
	if seedFlip(0) != xxh3Flip {
		t.Fatal("seed 0 is not the default secret")
	}
}

// TestSeedMovesBuckets: keys that share a bucket under one seed are spread
// under another, so a flood crafted for seed 0 does not hit one bucket of
// a seeded table.
func TestSeedMovesBuckets(t *testing.T) {
	plain := New(Config{Capacity: 4096, Ways: 8})
	seeded := New(Config{Capacity: 4096, Ways: 8, Seed: 0x5eed1234abcd})
	var crafted []uint64
	for m := uint64(1); len(crafted) < 64; m++ {
		if k := Key(1, m); plain.hash(k)&plain.bmask == 0 {
			crafted = append(crafted, k)
		}
	}
	buckets := map[uint64]bool{}
	for _, k := range crafted {
		buckets[seeded.hash(k)&seeded.bmask] = true
	}
	if len(buckets) < 32 {
		t.Fatalf("64 keys of one seed-0 bucket fall in %d buckets of the seeded table", len(buckets))
	}
	// A crafted flood fills the plain table's bucket; the seeded table
	// learns it all.
	for i, k := range crafted {
		plain.Learn(1, k&macMask, 1, 1)
		seeded.Learn(1, k&macMask, 1, 1)
		_ = i
	}
	if plain.Len() != 8 || seeded.Len() != 64 {
		t.Fatalf("learned plain %d (want one bucket, 8), seeded %d (want 64)", plain.Len(), seeded.Len())
	}
}

// TestLimitRefusesBeyondIt: with a limit, sources beyond it are not
// learned and counted as full; known ones keep refreshing; lifting the
// limit lets them in.
func TestLimitRefusesBeyondIt(t *testing.T) {
	tb := New(Config{Capacity: 1024})
	tb.SetLimit(10)
	if tb.Limit() != 10 {
		t.Fatalf("Limit() = %d", tb.Limit())
	}
	for m := uint64(1); m <= 20; m++ {
		tb.Learn(1, m, 1, 1)
	}
	if tb.Len() != 10 || tb.Stats().NotLearnedFull != 10 {
		t.Fatalf("len %d, not learned %d; want 10, 10", tb.Len(), tb.Stats().NotLearnedFull)
	}
	if r := tb.Learn(1, 1, 1, 2); r != Refreshed {
		t.Fatalf("known source: %v", r)
	}
	if r := tb.Learn(1, 15, 1, 2); r != NotLearnedFull {
		t.Fatalf("beyond the limit: %v", r)
	}
	tb.SetLimit(0)
	if tb.Limit() != 0 {
		t.Fatalf("Limit() after removal = %d", tb.Limit())
	}
	if r := tb.Learn(1, 15, 1, 2); r != Learned {
		t.Fatalf("after lifting the limit: %v", r)
	}
}
