// Package counter holds the forwarding path's statistics cell: a 64-bit
// count written by one worker and read by the control plane.
//
// atomic.Uint64.Store is an XCHG on amd64, a locked instruction that drains
// the store buffer and, when the counter is not in cache (a per-prefix
// counter of a big FIB), stalls the worker for the whole memory latency.
// One writer needs none of that: on 64-bit targets an aligned 64-bit store
// is never torn, so the owner adds with a plain read-modify-write and
// readers load atomically. Race-detector builds use atomics throughout,
// which keeps -race meaningful for everything else.
package counter
