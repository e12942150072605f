//go:build amd64 || arm64

package prefetch

// Lines issues a non-faulting prefetch of the cache line at each address.
// It is assembly because Go has no prefetch intrinsic outside the runtime,
// and an ordinary load of the line would hold up the instructions behind it
// until the miss resolves.
//
//go:noescape
func Lines(addrs []uintptr)

// LinesForWrite is Lines for lines the caller is about to write: it asks
// for them in a state that lets a store complete without a second
// request for ownership.
//
//go:noescape
func LinesForWrite(addrs []uintptr)
