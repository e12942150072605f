package gso

import (
	"encoding/binary"

	"github.com/l2sw/l2sw/packet"
)

const (
	tcpCsumOff = 16
	udpCsumOff = 6

	tcpFlagFIN = 0x01
	tcpFlagPSH = 0x08
	tcpFlagCWR = 0x80

	maxTags = 2
)

// layout is where a super-frame's headers are, as Segment needs them.
type layout struct {
	l3, l4, hdrLen int
	v6             bool
	proto          uint8
	mss            int
}

// parse checks h against the frame and finds its headers. It trusts the
// frame's own headers, not h.HdrLen, which senders fill in only as a hint.
func parse(frame []byte, h Header) (layout, error) {
	var lo layout
	switch h.Type() {
	case GSOTCPv4, GSOTCPv6:
		lo.proto = packet.ProtoTCP
	case GSOUDPL4:
		lo.proto = packet.ProtoUDP
	default:
		return lo, ErrUnsupported
	}
	if h.GSOSize == 0 {
		return lo, ErrBadOffload
	}
	lo.mss = int(h.GSOSize)
	// Skip the Ethernet header and up to two VLAN tags.
	off, et := 12, uint16(0)
	for tags := 0; ; tags++ {
		if off+2 > len(frame) {
			return lo, ErrBadOffload
		}
		et = binary.BigEndian.Uint16(frame[off:])
		off += 2
		if et != packet.TypeDot1Q && et != packet.TypeQinQ {
			break
		}
		if tags == maxTags {
			return lo, ErrBadOffload
		}
		off += 2
	}
	lo.l3, lo.l4 = off, int(h.CsumStart)
	switch et {
	case packet.TypeIPv4:
		if lo.l3+20 > len(frame) || frame[lo.l3]>>4 != 4 || h.Type() == GSOTCPv6 {
			return lo, ErrBadOffload
		}
		ihl := int(frame[lo.l3]&0x0f) * 4
		if ihl < 20 || lo.l4 != lo.l3+ihl || frame[lo.l3+9] != lo.proto {
			return lo, ErrBadOffload
		}
	case packet.TypeIPv6:
		lo.v6 = true
		if lo.l3+40 > len(frame) || frame[lo.l3]>>4 != 6 || h.Type() == GSOTCPv4 || lo.l4 < lo.l3+40 {
			return lo, ErrBadOffload
		}
	default:
		return lo, ErrBadOffload
	}
	if lo.proto == packet.ProtoTCP {
		if lo.l4+20 > len(frame) || h.CsumOffset != tcpCsumOff {
			return lo, ErrBadOffload
		}
		thl := int(frame[lo.l4+12]>>4) * 4
		if thl < 20 {
			return lo, ErrBadOffload
		}
		lo.hdrLen = lo.l4 + thl
	} else {
		if h.CsumOffset != udpCsumOff {
			return lo, ErrBadOffload
		}
		lo.hdrLen = lo.l4 + 8
	}
	if lo.hdrLen > len(frame) {
		return lo, ErrBadOffload
	}
	return lo, nil
}

// Count returns how many segments Segment makes of frame.
func Count(frame []byte, h Header) (int, error) {
	lo, err := parse(frame, h)
	if err != nil {
		return 0, err
	}
	return segments(len(frame)-lo.hdrLen, lo.mss), nil
}

func segments(payload, mss int) int {
	if payload <= 0 {
		return 1
	}
	return (payload + mss - 1) / mss
}

// Segment cuts the TCP or UDP super-frame into segments of at most
// h.GSOSize payload bytes each, as the kernel's GSO would: segment i is
// written to bufs[i][:sizes[i]] with the frame's headers, the IPv4 total
// length, ID (+i) and header checksum, or the IPv6 payload length, the TCP
// sequence number (FIN and PSH only on the last segment, CWR only on the
// first) or the UDP length fixed, and a complete L4 checksum. It returns the
// number of segments; the frame is not modified. Each buffer must hold the
// headers plus GSOSize bytes.
func Segment(frame []byte, h Header, bufs [][]byte, sizes []int) (int, error) {
	lo, err := parse(frame, h)
	if err != nil {
		return 0, err
	}
	if n := segments(len(frame)-lo.hdrLen, lo.mss); n > len(bufs) || n > len(sizes) {
		return 0, ErrShortBuffer
	}
	n, _, err := segmentFrom(frame, lo, 0, bufs, sizes)
	return n, err
}

// SegmentFrom is Segment for a caller with fewer buffers than segments: it
// writes segments first, first+1, ... into as many of bufs as it fills and
// returns how many it wrote and whether they were the last ones. Calling it
// again with first advanced by n continues where it stopped, so a switch
// cuts a super-frame of any gso_size with a fixed set of scratch buffers.
func SegmentFrom(frame []byte, h Header, first int, bufs [][]byte, sizes []int) (n int, done bool, err error) {
	lo, err := parse(frame, h)
	if err != nil {
		return 0, false, err
	}
	return segmentFrom(frame, lo, first, bufs, sizes)
}

func segmentFrom(frame []byte, lo layout, first int, bufs [][]byte, sizes []int) (int, bool, error) {
	hdr, payload := frame[:lo.hdrLen], frame[lo.hdrLen:]
	total := segments(len(payload), lo.mss)
	if first < 0 || first >= total {
		return 0, true, nil
	}
	n := min(total-first, len(bufs), len(sizes))
	if n == 0 {
		return 0, false, ErrShortBuffer
	}
	var ipID uint16
	if !lo.v6 {
		ipID = binary.BigEndian.Uint16(hdr[lo.l3+4:])
	}
	var seq uint32
	if lo.proto == packet.ProtoTCP {
		seq = binary.BigEndian.Uint32(hdr[lo.l4+4:])
	}
	for j := range n {
		i := first + j
		chunk := payload[min(i*lo.mss, len(payload)):min((i+1)*lo.mss, len(payload))]
		segLen := lo.hdrLen + len(chunk)
		if len(bufs[j]) < segLen {
			return 0, false, ErrShortBuffer
		}
		seg := bufs[j][:segLen]
		copy(seg, hdr)
		copy(seg[lo.hdrLen:], chunk)
		ip := seg[lo.l3:]
		if lo.v6 {
			binary.BigEndian.PutUint16(ip[4:], uint16(segLen-lo.l3-40))
		} else {
			ihl := lo.l4 - lo.l3
			binary.BigEndian.PutUint16(ip[2:], uint16(segLen-lo.l3))
			binary.BigEndian.PutUint16(ip[4:], ipID+uint16(i))
			ip[10], ip[11] = 0, 0
			binary.BigEndian.PutUint16(ip[packet.IPv4Checksum:], packet.Checksum(ip[:ihl]))
		}
		l4 := seg[lo.l4:]
		var csumOff int
		if lo.proto == packet.ProtoTCP {
			binary.BigEndian.PutUint32(l4[4:], seq+uint32(i*lo.mss))
			if i < total-1 {
				l4[13] &^= tcpFlagFIN | tcpFlagPSH
			}
			if i > 0 {
				l4[13] &^= tcpFlagCWR
			}
			csumOff = tcpCsumOff
		} else {
			binary.BigEndian.PutUint16(l4[4:], uint16(len(l4)))
			csumOff = udpCsumOff
		}
		l4[csumOff], l4[csumOff+1] = 0, 0
		c := ^packet.Fold(packet.Sum(pseudoSum(ip, lo.v6, lo.proto, len(l4)), l4))
		if c == 0 && lo.proto == packet.ProtoUDP {
			c = 0xffff
		}
		binary.BigEndian.PutUint16(l4[csumOff:], c)
		sizes[j] = segLen
	}
	return n, first+n == total, nil
}
