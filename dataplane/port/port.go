// Package port defines how the dataplane moves frames in and out of the
// switch: a Port reads and writes batches of frames, and says how large a
// batch it can move per call. Backends (mem, tap, pcap) live in the
// subpackages; the forwarding core only knows this interface.
package port

import "errors"

// Headroom is the space kept free before each received frame in its buffer,
// so that a VLAN tag (4 bytes) or a virtio-net header can be pushed in place
// without a copy.
const Headroom = 64

// MaxFrame is the largest Ethernet frame a port accepts: a 9216-byte jumbo
// MTU plus Ethernet header and two 802.1Q tags.
const MaxFrame = 9216 + 14 + 8

// BufferSize is the size of one receive buffer: headroom plus the largest
// frame. Offload-capable backends may ask for larger buffers (BufferSizer).
const BufferSize = Headroom + MaxFrame

// ErrClosed is returned by Read and Write after Close.
var ErrClosed = errors.New("port closed")

// Port is a switch port's frame I/O.
type Port interface {
	// Read receives at least one and at most len(bufs) frames, blocking
	// until one arrives. Frame i is written at bufs[i][offset:] and its
	// length stored in sizes[i]. After Close it returns ErrClosed; any other
	// error means the link is gone.
	Read(bufs [][]byte, sizes []int, offset int) (n int, err error)
	// Write transmits the frames, each an exact frame slice. It returns the
	// number of frames handed to the medium. Implementations must be safe
	// for concurrent use: several workers may flood to the same port.
	Write(frames [][]byte) (n int, err error)
	// BatchSize is the most frames one Read or Write call moves.
	BatchSize() int
	// Close releases the port; a blocked Read returns ErrClosed.
	Close() error
	// String describes the backend and its argument, e.g. "tap:l2sw1".
	String() string
}

// BufferSizer is implemented by backends whose frames can exceed MaxFrame
// (offloaded super-frames).
type BufferSizer interface {
	BufferSize() int
}

// Stats are counters a backend keeps about its medium (not the switch's view).
type Stats struct {
	RxFrames, TxFrames, TxErrors uint64
}
