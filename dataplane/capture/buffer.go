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
	ring     []Packet // the packets kept: n of them from head on, wrapping
	head, n  int
	shed     uint64 // packets a circular buffer let go
	slab     []byte // where the next packets' bytes are copied
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
		for b.n > 0 && (b.used+cost > b.size || b.limit > 0 && b.n >= b.limit) {
			old := &b.ring[b.head]
			b.used -= len(old.Data) + packetOverhead
			*old = Packet{} // its slab may go
			b.head = (b.head + 1) % len(b.ring)
			b.n--
			b.shed++
		}
	} else if b.full() || b.used+cost > b.size {
		return false
	}
	p.Data = b.copyLocked(p.Data)
	b.pushLocked(p)
	b.used += cost
	return !b.full()
}

// pushLocked appends p to the ring, doubling it when full: a circular
// buffer that sheds a packet per packet moves no others.
func (b *Buffer) pushLocked(p Packet) {
	if b.n == len(b.ring) {
		grown := make([]Packet, max(64, 2*len(b.ring)))
		b.copyOutLocked(grown)
		b.ring, b.head = grown, 0
	}
	b.ring[(b.head+b.n)%len(b.ring)] = p
	b.n++
}

// copyOutLocked copies the packets kept, oldest first, to dst.
func (b *Buffer) copyOutLocked(dst []Packet) {
	k := copy(dst, b.ring[b.head:min(b.head+b.n, len(b.ring))])
	copy(dst[k:], b.ring[:b.n-k])
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
	return !b.circular && b.limit > 0 && b.n >= b.limit
}

// Packets returns the packets kept, oldest first. The Data slices are
// shared and must not be written.
func (b *Buffer) Packets() []Packet {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]Packet, b.n)
	b.copyOutLocked(out)
	return out
}

// Stats returns the bytes used (with their overhead), the packets kept and
// the packets a circular buffer let go.
func (b *Buffer) Stats() (used, kept int, shed uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used, b.n, b.shed
}

// Clear forgets every packet (`monitor capture NAME clear`).
func (b *Buffer) Clear() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.ring, b.head, b.n, b.used, b.shed, b.slab = nil, 0, 0, 0, 0, nil
}
