// Package counter holds the forwarding path's statistics: plain 64-bit
// cells that a worker adds to without locked instructions, and the shard
// lock that makes those plain accesses safe under the Go memory model.
//
// atomic.Uint64.Add is a LOCK XADD on amd64: it drains the store buffer
// and, when the counter is not in cache (a per-prefix counter of a big
// FIB), stalls the worker for the whole memory latency, several times per
// routed packet. Instead a worker holds its Shard for a whole batch of
// frames and counts in plain Cells; anybody else who reads or zeroes those
// cells takes the same Shard between two batches. One lock per batch, none
// per frame, and no data race for the race detector to miss or report.
package counter
