package gso

import (
	"encoding/binary"

	"github.com/l2sw/l2sw/packet"
)

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
	c := packet.Checksum(frame[start:])
	if c == 0 && h.CsumOffset == udpCsumOff {
		// A zero UDP checksum means "none"; RFC 768 sends all ones instead.
		c = 0xffff
	}
	binary.BigEndian.PutUint16(frame[field:], c)
	return nil
}

// pseudoSum is the sum of the TCP/UDP pseudo-header for an L4 length.
func pseudoSum(ip []byte, v6 bool, proto uint8, l4len int) uint64 {
	var acc uint64
	if v6 {
		acc = packet.Sum(0, ip[8:40])
	} else {
		acc = packet.Sum(0, ip[packet.IPv4Src:packet.IPv4Dst+4])
	}
	return acc + uint64(proto) + uint64(l4len)
}
