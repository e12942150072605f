//go:build !race && (amd64 || arm64 || ppc64le || riscv64 || s390x || loong64)

package counter

import "sync/atomic"

// Owned is a 64-bit count with a single writer (the worker that owns it)
// and any number of readers. See the package comment for why the writer
// adds without a locked instruction here.
type Owned struct{ v uint64 }

// Add adds d. Only the owner may call it.
func (c *Owned) Add(d uint64) { c.v += d }

// Inc adds one. Only the owner may call it.
func (c *Owned) Inc() { c.v++ }

// Load reads the count from any goroutine; it may be a few events old.
func (c *Owned) Load() uint64 { return atomic.LoadUint64(&c.v) }

// Store sets the count (the owner publishing a total, or a reset that may
// lose a racing Add).
func (c *Owned) Store(v uint64) { atomic.StoreUint64(&c.v, v) }
