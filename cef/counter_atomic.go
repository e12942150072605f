//go:build race || !(amd64 || arm64 || ppc64le || riscv64 || s390x || loong64)

package cef

import "sync/atomic"

// counter is a 64-bit count with a single writer (its worker) and any
// number of readers; see counter_plain.go for why the writer does not use
// atomics there. Here (race detector, 32-bit targets) it does.
type counter struct{ v atomic.Uint64 }

func (c *counter) add(d uint64) { c.v.Store(c.v.Load() + d) }

func (c *counter) load() uint64 { return c.v.Load() }

// store is for the writer side (reset); it may lose a racing add.
func (c *counter) store(v uint64) { c.v.Store(v) }
