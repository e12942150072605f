//go:build !race && (amd64 || arm64 || ppc64le || riscv64 || s390x || loong64)

package cef

import "sync/atomic"

// counter is a 64-bit count with a single writer (its worker) and any
// number of readers. atomic.Uint64.Store is an XCHG on amd64: a locked
// instruction that drains the store buffer and, on a cache miss (a per-
// prefix counter of a big table), stalls the worker for the whole memory
// latency. A single writer needs no such thing: on 64-bit targets an
// aligned 64-bit store is never torn, so the writer adds with a plain
// read-modify-write (one ADD to memory) and readers load atomically; a
// reader may see a count a few packets old. Race-detector builds use
// atomics throughout (counter_atomic.go), which keeps -race meaningful.
type counter struct{ v uint64 }

func (c *counter) add(d uint64) { c.v += d }

func (c *counter) load() uint64 { return atomic.LoadUint64(&c.v) }

// store is for the writer side (reset); it may lose a racing add.
func (c *counter) store(v uint64) { atomic.StoreUint64(&c.v, v) }
