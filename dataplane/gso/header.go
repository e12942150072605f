// Package gso is the virtio-net offload codec: the 10-byte virtio-net header
// that a TAP opened with IFF_VNET_HDR puts before every frame, software
// segmentation of TCP (TSO) and UDP (USO) super-frames, and completion of
// partial checksums. The switch forwards offloaded super-frames unchanged
// between ports that take them and uses this package for ports that do not
// (a plain TAP, a pcap file).
//
// It is a leaf: it imports nothing of l2sw, does no I/O, and works in
// caller-provided buffers so the forwarding path allocates nothing.
package gso

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// HeaderLen is the size of struct virtio_net_hdr (without num_buffers), the
// header a TAP exchanges when opened with IFF_VNET_HDR and the default
// TUNSETVNETHDRSZ.
const HeaderLen = 10

// Flags of Header.Flags (VIRTIO_NET_HDR_F_*).
const (
	// FlagNeedsCsum: the L4 checksum is partial; the field at
	// CsumStart+CsumOffset holds the pseudo-header sum and the sum over
	// [CsumStart, end) must still be folded in.
	FlagNeedsCsum uint8 = 1
	// FlagDataValid: the checksum was already verified by the sender.
	FlagDataValid uint8 = 2
)

// GSOType is Header.GSOType without the ECN bit (VIRTIO_NET_HDR_GSO_*).
type GSOType uint8

// GSO types.
const (
	GSONone  GSOType = 0
	GSOTCPv4 GSOType = 1
	GSOUDP   GSOType = 3 // UFO: IP fragmentation, deprecated; not segmented here
	GSOTCPv6 GSOType = 4
	GSOUDPL4 GSOType = 5 // USO: UDP segmentation (Linux 6.2+)
	// GSOECN is OR-ed into the type when the TCP super-frame has CWR set.
	GSOECN uint8 = 0x80
)

// String names the type as virtio does.
func (t GSOType) String() string {
	switch t {
	case GSONone:
		return "none"
	case GSOTCPv4:
		return "tcpv4"
	case GSOUDP:
		return "udp"
	case GSOTCPv6:
		return "tcpv6"
	case GSOUDPL4:
		return "udp_l4"
	}
	return fmt.Sprintf("gso(%d)", uint8(t))
}

// Header is struct virtio_net_hdr. Its fields are little-endian on the wire,
// the TAP's default on little-endian hosts (TUNSETVNETLE makes it explicit
// on the others).
type Header struct {
	Flags      uint8
	GSOType    uint8 // a GSOType, possibly with GSOECN
	HdrLen     uint16
	GSOSize    uint16
	CsumStart  uint16
	CsumOffset uint16
}

// Errors of Decode, Segment and Checksum.
var (
	ErrShortHeader = errors.New("virtio-net header shorter than 10 bytes")
	ErrBadOffload  = errors.New("offload metadata does not match the frame")
	ErrUnsupported = errors.New("unsupported GSO type")
	ErrShortBuffer = errors.New("not enough segment buffers")
)

// Decode reads a header from the first HeaderLen bytes of b.
func Decode(b []byte) (Header, error) {
	if len(b) < HeaderLen {
		return Header{}, ErrShortHeader
	}
	return Header{
		Flags:      b[0],
		GSOType:    b[1],
		HdrLen:     binary.LittleEndian.Uint16(b[2:]),
		GSOSize:    binary.LittleEndian.Uint16(b[4:]),
		CsumStart:  binary.LittleEndian.Uint16(b[6:]),
		CsumOffset: binary.LittleEndian.Uint16(b[8:]),
	}, nil
}

// Encode writes h into the first HeaderLen bytes of b, which must be that long.
func (h Header) Encode(b []byte) {
	_ = b[HeaderLen-1]
	b[0] = h.Flags
	b[1] = h.GSOType
	binary.LittleEndian.PutUint16(b[2:], h.HdrLen)
	binary.LittleEndian.PutUint16(b[4:], h.GSOSize)
	binary.LittleEndian.PutUint16(b[6:], h.CsumStart)
	binary.LittleEndian.PutUint16(b[8:], h.CsumOffset)
}

// Type is the GSO type without the ECN bit.
func (h Header) Type() GSOType { return GSOType(h.GSOType &^ GSOECN) }

// IsGSO reports whether the frame is a super-frame to be segmented.
func (h Header) IsGSO() bool { return h.Type() != GSONone }

// NeedsCsum reports whether the frame's L4 checksum is partial.
func (h Header) NeedsCsum() bool { return h.Flags&FlagNeedsCsum != 0 }

// Plain reports whether the frame can go, as it is, to a port that knows
// nothing of offloads: complete checksum, no segmentation.
func (h Header) Plain() bool { return !h.IsGSO() && !h.NeedsCsum() }

// Shift returns the header for the same frame after n bytes were inserted
// (n > 0) or removed (n < 0) before the network header, as when a switch
// pushes or pops an 802.1Q tag. Offsets of a header without NeedsCsum or GSO
// mean nothing and are left alone.
func (h Header) Shift(n int) Header {
	if h.NeedsCsum() || h.IsGSO() {
		h.CsumStart = uint16(int(h.CsumStart) + n)
		if h.HdrLen != 0 {
			h.HdrLen = uint16(int(h.HdrLen) + n)
		}
	}
	return h
}

// String shows the header as a trace would.
func (h Header) String() string {
	return fmt.Sprintf("flags=%#x gso=%s ecn=%v hdr_len=%d gso_size=%d csum_start=%d csum_offset=%d",
		h.Flags, h.Type(), h.GSOType&GSOECN != 0, h.HdrLen, h.GSOSize, h.CsumStart, h.CsumOffset)
}
