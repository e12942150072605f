package counter

import (
	"sync"
	"sync/atomic"
)

// Cell is a 64-bit count. It is read and written only by the holder of
// the Shard it belongs to.
type Cell struct{ v uint64 }

// Add adds d.
func (c *Cell) Add(d uint64) { c.v += d }

// Inc adds one.
func (c *Cell) Inc() { c.v++ }

// Load returns the count.
func (c *Cell) Load() uint64 { return c.v }

// Store sets the count.
func (c *Cell) Store(v uint64) { c.v = v }

// Shard guards the cells one worker counts into. The worker holds it for a
// batch; readers hold it briefly between batches. Changes that the control
// plane makes while it holds its own locks (zeroing a recycled counter)
// never wait for a worker: Do runs them now if the shard is free and
// otherwise leaves them to the holder, who runs them before it unlocks or
// at its next Lock, before it counts again. So nobody ever waits for a
// shard while holding a lock that a shard holder might want, and the lock
// order stays trivial: a Shard is taken with no other lock held, or
// through Do.
type Shard struct {
	mu    sync.Mutex
	pmu   sync.Mutex // guards todo
	todo  []func()
	ntodo atomic.Int32
	users int          // goroutines that count here (Shards.Acquire; under Shards.mu)
	_     [64 - 8]byte // keeps two shards' locks off one cache line
}

// Lock takes the shard, first running the changes left for it.
func (s *Shard) Lock() {
	s.mu.Lock()
	if s.ntodo.Load() != 0 {
		s.runTodo()
	}
}

// Unlock runs the changes left during the holder's batch and releases the
// shard.
func (s *Shard) Unlock() {
	if s.ntodo.Load() != 0 {
		s.runTodo()
	}
	s.mu.Unlock()
}

// Read runs f with the shard held: f may read the shard's cells.
func (s *Shard) Read(f func()) {
	s.Lock()
	f()
	s.Unlock()
}

// Do runs f with the shard held: now if the shard is free, otherwise by the
// current holder before any further count or read. It never waits for the
// holder, so it may be called with other locks held.
func (s *Shard) Do(f func()) {
	if s.mu.TryLock() {
		if s.ntodo.Load() != 0 {
			s.runTodo()
		}
		f()
		s.mu.Unlock()
		return
	}
	s.pmu.Lock()
	s.todo = append(s.todo, f)
	s.ntodo.Add(1)
	s.pmu.Unlock()
	// The holder may have unlocked between the TryLock and the append.
	if s.mu.TryLock() {
		s.runTodo()
		s.mu.Unlock()
	}
}

// runTodo runs the queued changes. The caller holds mu.
func (s *Shard) runTodo() {
	s.pmu.Lock()
	todo := s.todo
	s.todo = nil
	s.ntodo.Store(0)
	s.pmu.Unlock()
	for _, f := range todo {
		f()
	}
}

// Shards is a fixed set of shards, handed out to the goroutines that count.
type Shards struct {
	mu     sync.Mutex
	shards []Shard
}

// NewShards returns n shards (at least one).
func NewShards(n int) *Shards {
	return &Shards{shards: make([]Shard, max(n, 1))}
}

// Len returns the number of shards.
func (s *Shards) Len() int { return len(s.shards) }

// At returns shard i.
func (s *Shards) At(i int) *Shard { return &s.shards[i] }

// Acquire returns the index of the least used shard (the lowest of those),
// for a goroutine that starts counting. With more goroutines than shards
// some share one; the lock keeps them correct, at the price of taking
// turns.
func (s *Shards) Acquire() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	best := 0
	for i := range s.shards {
		if s.shards[i].users < s.shards[best].users {
			best = i
		}
	}
	s.shards[best].users++
	return best
}

// Release gives shard i back. Its cells keep their counts.
func (s *Shards) Release(i int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shards[i].users > 0 {
		s.shards[i].users--
	}
}
