package packet

// Offsets of the IPv4 header fields the forwarding path reads or edits,
// from the start of the header (RFC 791).
const (
	IPv4TotalLen = 2  // total length, 2 bytes
	IPv4Flags    = 6  // flags (DF 0x40, MF 0x20) and the fragment offset's top bits
	IPv4TTL      = 8  // time to live
	IPv4Proto    = 9  // protocol
	IPv4Checksum = 10 // header checksum, 2 bytes
	IPv4Src      = 12 // source address, 4 bytes
	IPv4Dst      = 16 // destination address, 4 bytes
)

// IPv4DF is the don't-fragment bit in the byte at IPv4Flags.
const IPv4DF = 0x40
