package packet

import "encoding/binary"

// This file is the one Internet checksum (RFC 1071) of the switch: the
// IPv4 header checksum of the routed path, the ICMP messages the switch
// sends, and the TCP/UDP checksums the offload code completes all use it.

// Sum adds b to the one's-complement accumulator acc without folding it.
// It adds 32-bit words into a 64-bit sum, which gives the same result as
// adding 16-bit words (2^16 = 1 mod 2^16-1) in half the additions; the
// carries are kept and folded once, by Fold. Sums of pieces may be added
// together as long as every piece but the last has an even length.
func Sum(acc uint64, b []byte) uint64 {
	i := 0
	if len(b) >= 20 { // an IPv4 header without options, unrolled
		acc += uint64(binary.BigEndian.Uint32(b[0:])) + uint64(binary.BigEndian.Uint32(b[4:])) +
			uint64(binary.BigEndian.Uint32(b[8:])) + uint64(binary.BigEndian.Uint32(b[12:])) +
			uint64(binary.BigEndian.Uint32(b[16:]))
		i = 20
	}
	for ; i+4 <= len(b); i += 4 {
		acc += uint64(binary.BigEndian.Uint32(b[i:]))
	}
	for ; i+1 < len(b); i += 2 {
		acc += uint64(binary.BigEndian.Uint16(b[i:]))
	}
	if i < len(b) {
		acc += uint64(b[i]) << 8
	}
	return acc
}

// Fold reduces an accumulator of Sum to 16 bits with end-around carry.
func Fold(acc uint64) uint16 {
	acc = acc&0xffffffff + acc>>32
	acc = acc&0xffffffff + acc>>32
	acc = acc&0xffff + acc>>16
	acc = acc&0xffff + acc>>16
	return uint16(acc)
}

// Checksum is the Internet checksum of b, with any checksum field in b
// counted as it is (zero it first to compute a fresh one): the IPv4 header
// checksum of a header, the ICMP checksum of a message.
func Checksum(b []byte) uint16 { return ^Fold(Sum(0, b)) }

// HeaderChecksumOK reports whether the 20-byte IPv4 header h (one without
// options; Checksum checks the others) carries a correct checksum. It
// inlines, with no call per routed packet: the words are read in the
// little-endian order, which the one's-complement sum does not mind (RFC
// 1071 §2(B): the sum of byte-swapped words is the swapped sum, and 0xffff
// is its own swap).
func HeaderChecksumOK(h []byte) bool {
	h = h[:IPv4Min]
	a, b := binary.LittleEndian.Uint64(h[0:]), binary.LittleEndian.Uint64(h[8:])
	acc := a&0xffffffff + a>>32 + b&0xffffffff + b>>32 + uint64(binary.LittleEndian.Uint32(h[16:]))
	acc = acc&0xffff + acc>>16 // five words, below 5·2^32: three folds
	acc = acc&0xffff + acc>>16
	acc = acc&0xffff + acc>>16
	return acc == 0xffff
}
