//go:build race || !(amd64 || arm64 || ppc64le || riscv64 || s390x || loong64)

package counter

import "sync/atomic"

// Owned is a 64-bit count with a single writer (the worker that owns it)
// and any number of readers. In race-detector builds and on 32-bit targets
// the writer uses atomics (see the package comment).
type Owned struct{ v atomic.Uint64 }

// Add adds d. Only the owner may call it.
func (c *Owned) Add(d uint64) { c.v.Store(c.v.Load() + d) }

// Inc adds one. Only the owner may call it.
func (c *Owned) Inc() { c.v.Store(c.v.Load() + 1) }

// Load reads the count from any goroutine; it may be a few events old.
func (c *Owned) Load() uint64 { return c.v.Load() }

// Store sets the count (the owner publishing a total, or a reset that may
// lose a racing Add).
func (c *Owned) Store(v uint64) { c.v.Store(v) }
