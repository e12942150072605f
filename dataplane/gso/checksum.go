package gso

import "encoding/binary"

// sum adds b to the one's-complement accumulator acc (not folded). Eight
// bytes per step: the accumulator is 64 bits wide, so carries are kept and
// folded once at the end.
func sum(acc uint64, b []byte) uint64 {
	for len(b) >= 8 {
		v := binary.BigEndian.Uint64(b)
		acc += v >> 32
		acc += v & 0xffffffff
		b = b[8:]
	}
	for len(b) >= 2 {
		acc += uint64(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		acc += uint64(b[0]) << 8
	}
	return acc
}

// fold reduces the accumulator to 16 bits with end-around carry.
func fold(acc uint64) uint16 {
	for acc>>16 != 0 {
		acc = acc&0xffff + acc>>16
	}
	return uint16(acc)
}

// Checksum completes the partial L4 checksum of frame as h describes
// (FlagNeedsCsum): it sums [CsumStart, end of frame), which includes the
// pseudo-header sum the sender left in the checksum field, and stores the
// complement there. It does nothing for a header without FlagNeedsCsum.
// The frame must not be a super-frame (segment it instead).
func Checksum(frame []byte, h Header) error {
	if !h.NeedsCsum() {
		return nil
	}
	start, field := int(h.CsumStart), int(h.CsumStart)+int(h.CsumOffset)
	if start >= len(frame) || field+2 > len(frame) {
		return ErrBadOffload
	}
	c := ^fold(sum(0, frame[start:]))
	if c == 0 && h.CsumOffset == udpCsumOff {
		// A zero UDP checksum means "none"; RFC 768 sends all ones instead.
		c = 0xffff
	}
	binary.BigEndian.PutUint16(frame[field:], c)
	return nil
}

// ipv4HeaderChecksum computes the RFC 791 checksum of an IPv4 header whose
// checksum field is zero.
func ipv4HeaderChecksum(hdr []byte) uint16 { return ^fold(sum(0, hdr)) }

// pseudoSum is the sum of the TCP/UDP pseudo-header for an L4 length.
func pseudoSum(ip []byte, v6 bool, proto uint8, l4len int) uint64 {
	var acc uint64
	if v6 {
		acc = sum(0, ip[8:40])
	} else {
		acc = sum(0, ip[12:20])
	}
	return acc + uint64(proto) + uint64(l4len)
}
