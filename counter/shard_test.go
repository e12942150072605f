package counter

import (
	"sync"
	"testing"
	"time"
)

// TestShardOwnerAndReaders: an owner counting in batches under its shard
// and readers summing under it see every add, and reads never go back
// (under -race this also proves the plain cells are properly guarded).
func TestShardOwnerAndReaders(t *testing.T) {
	var sh Shard
	var c Cell
	const batches, perBatch = 2000, 64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			last := uint64(0)
			for {
				select {
				case <-stop:
					return
				default:
				}
				var v uint64
				sh.Read(func() { v = c.Load() })
				if v < last {
					t.Errorf("count went back from %d to %d", last, v)
					return
				}
				last = v
			}
		}()
	}
	for range batches {
		sh.Lock()
		for range perBatch {
			c.Inc()
		}
		sh.Unlock()
	}
	close(stop)
	wg.Wait()
	var got uint64
	sh.Read(func() { got = c.Load() })
	if got != batches*perBatch {
		t.Fatalf("count %d, want %d", got, batches*perBatch)
	}
}

// TestShardDoNeverWaits: Do on a held shard returns at once, and the change
// is applied before the holder releases the shard, so it is never lost to
// a later count or missed by a later read.
func TestShardDoNeverWaits(t *testing.T) {
	var sh Shard
	var c Cell
	sh.Lock()
	c.Add(10)
	done := make(chan struct{})
	go func() {
		sh.Do(func() { c.Store(0) }) // as a table resetting a recycled counter
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Do waited for the holder")
	}
	sh.Unlock()
	var got uint64
	sh.Read(func() { got = c.Load() })
	if got != 0 {
		t.Fatalf("after a Do left to the holder: %d, want 0", got)
	}
	// On a free shard Do runs at once.
	ran := false
	sh.Do(func() { ran = true })
	if !ran {
		t.Fatal("Do on a free shard did not run f")
	}
}

// TestShardsAcquireSpreads: goroutines get shards of their own until there
// are none left, then share the least used; a released shard is reused.
func TestShardsAcquireSpreads(t *testing.T) {
	s := NewShards(3)
	got := []int{s.Acquire(), s.Acquire(), s.Acquire(), s.Acquire()}
	want := []int{0, 1, 2, 0}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("acquired %v, want %v", got, want)
		}
	}
	s.Release(1)
	if i := s.Acquire(); i != 1 {
		t.Fatalf("after releasing 1, acquired %d", i)
	}
	var c Cell
	if a := testing.AllocsPerRun(100, func() { s.At(0).Lock(); c.Inc(); s.At(0).Unlock() }); a != 0 {
		t.Errorf("a batch's Lock/Unlock allocates %v", a)
	}
}
