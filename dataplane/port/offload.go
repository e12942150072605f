package port

import (
	"strings"

	"github.com/l2sw/l2sw/dataplane/gso"
)

// Offload is a set of virtio-net offloads a port can deliver on Read and
// accept on WriteOffload.
type Offload uint8

// Offloads.
const (
	// OffloadCsum: frames may carry a partial L4 checksum
	// (gso.FlagNeedsCsum). Required by every other offload.
	OffloadCsum Offload = 1 << iota
	// OffloadTSO4 / OffloadTSO6: TCP super-frames (gso.GSOTCPv4/v6).
	OffloadTSO4
	OffloadTSO6
	// OffloadUSO: UDP super-frames (gso.GSOUDPL4), Linux 6.2+.
	OffloadUSO

	// OffloadAll is every offload this package knows.
	OffloadAll = OffloadCsum | OffloadTSO4 | OffloadTSO6 | OffloadUSO
)

var offloadNames = []string{"csum", "tso4", "tso6", "uso"}

// String lists the offloads, e.g. "csum|tso4|tso6", or "none".
func (o Offload) String() string {
	if o == 0 {
		return "none"
	}
	var parts []string
	for i, n := range offloadNames {
		if o&(1<<i) != 0 {
			parts = append(parts, n)
		}
	}
	return strings.Join(parts, "|")
}

// Accepts reports whether a port with offloads o can take, unchanged, a
// frame with virtio-net header h.
func (o Offload) Accepts(h gso.Header) bool {
	if h.NeedsCsum() && o&OffloadCsum == 0 {
		return false
	}
	switch h.Type() {
	case gso.GSONone:
		return true
	case gso.GSOTCPv4:
		return o&OffloadTSO4 != 0
	case gso.GSOTCPv6:
		return o&OffloadTSO6 != 0
	case gso.GSOUDPL4:
		return o&OffloadUSO != 0
	}
	return false
}

// MaxSuperFrame is the largest offloaded frame (an IPv4 packet of 64 KiB
// plus Ethernet header and two tags).
const MaxSuperFrame = 65535 + 14 + 8

// OffloadPort is implemented by backends that exchange virtio-net headers
// with their medium (a TAP opened with IFF_VNET_HDR). Offloads are off until
// the consumer enables them, so a consumer that knows nothing of offloads
// sees plain frames with complete checksums.
type OffloadPort interface {
	Port
	// SetOffload enables the offloads of want that the medium supports
	// (and disables the others) and returns those now in effect. While any
	// is in effect, frames read may be up to MaxSuperFrame long (see
	// BufferSizer) and carry partial checksums; each frame's header is at
	// bufs[i][offset-gso.HeaderLen:offset] after Read, so offset must be at
	// least gso.HeaderLen.
	SetOffload(want Offload) (Offload, error)
	// WriteOffload is Write with a virtio-net header per frame: hdrs[i]
	// describes frames[i], and must be accepted by the offloads in effect.
	WriteOffload(frames [][]byte, hdrs []gso.Header) (n int, err error)
}
