package capture

import (
	"slices"
	"sync"
)

// Buffer limits of `monitor capture NAME buffer size <1-100>` (MB) and
// `limit packets <1-100000>`; IOS-XE's default buffer is 10 MB.
const (
	MinBufferMB     = 1
	MaxBufferMB     = 100
	DefaultBufferMB = 10
	MaxLimitPackets = 100000
)

// packetOverhead is what a kept packet costs beside its bytes, counted
// against the buffer size so that a flood of small frames is bounded too.
const packetOverhead = 64

// Buffer is the memory an EPC capture writes into: at most Size bytes
// (each packet counted with its overhead) and, when Limit > 0, at most
// Limit packets. A linear buffer refuses the packet that does not fit,
// which stops the capture; a circular one lets its oldest packets go.
type Buffer struct {
	mu       sync.Mutex
	size     int
	limit    int
	circular bool
	used     int
	pkts     []Packet // oldest first
	shed     uint64   // packets a circular buffer let go
	slab     []byte   // where the next packets' bytes are copied
}

// slabSize is how much packet memory a Buffer allocates at a time: one
// allocation per many small frames instead of one per frame on the
// forwarding goroutine. A slab lives while one of its packets does.
const slabSize = 256 << 10

// NewBuffer returns an empty buffer of size bytes and limit packets (0: no
// packet limit).
func NewBuffer(size, limit int, circular bool) *Buffer {
	return &Buffer{size: size, limit: limit, circular: circular}
}

// Add copies p in; false when a linear buffer is full (a packet limit
// reached, or the packet does not fit in the bytes left).
func (b *Buffer) Add(p Packet) bool {
	cost := len(p.Data) + packetOverhead
	b.mu.Lock()
	defer b.mu.Unlock()
	if cost > b.size {
		return !b.full()
	}
	if b.circular {
		drop := 0
		for drop < len(b.pkts) && (b.used+cost > b.size || b.limit > 0 && len(b.pkts)-drop >= b.limit) {
			b.used -= len(b.pkts[drop].Data) + packetOverhead
			drop++
		}
		if drop > 0 {
			clear(b.pkts[:drop])
			b.pkts = b.pkts[drop:]
			b.shed += uint64(drop)
		}
	} else if b.full() || b.used+cost > b.size {
		return false
	}
	p.Data = b.copyLocked(p.Data)
	b.pkts = append(b.pkts, p)
	b.used += cost
	return !b.full()
}

// copyLocked copies data into the slab, starting a new one when it does
// not fit (a frame larger than a slab gets an allocation of its own).
func (b *Buffer) copyLocked(data []byte) []byte {
	n := len(data)
	if n > slabSize/4 {
		return slices.Clone(data)
	}
	if cap(b.slab)-len(b.slab) < n {
		b.slab = make([]byte, 0, slabSize)
	}
	start := len(b.slab)
	b.slab = append(b.slab, data...)
	return b.slab[start:len(b.slab):len(b.slab)]
}

// full reports whether a linear buffer holds its packet limit.
func (b *Buffer) full() bool {
	return !b.circular && b.limit > 0 && len(b.pkts) >= b.limit
}

// Packets returns the packets kept, oldest first. The Data slices are
// shared and must not be written.
func (b *Buffer) Packets() []Packet {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.pkts)
}

// Stats returns the bytes used (with their overhead), the packets kept and
// the packets a circular buffer let go.
func (b *Buffer) Stats() (used, kept int, shed uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used, len(b.pkts), b.shed
}

// Clear forgets every packet (`monitor capture NAME clear`).
func (b *Buffer) Clear() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.pkts, b.used, b.shed, b.slab = nil, 0, 0, nil
}
