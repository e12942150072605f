package packet

import "encoding/binary"

// This file builds the frames the switch itself originates: ARP requests
// and replies, its IPv4/ICMP messages, and the Ethernet header of a CEF
// rewrite. The builders write into a caller's buffer and never allocate.

// Offsets in the Ethernet header.
const (
	EthDst  = 0  // destination MAC, 6 bytes
	EthSrc  = 6  // source MAC, 6 bytes
	EthType = 12 // EtherType (or the TPID of a tag), 2 bytes
)

// Offsets in an Ethernet/IPv4 ARP packet, from its start (RFC 826 names).
const (
	ARPHrd = 0  // hardware type (1, Ethernet)
	ARPPro = 2  // protocol type (TypeIPv4)
	ARPHln = 4  // hardware address length (6)
	ARPPln = 5  // protocol address length (4)
	ARPOpr = 6  // operation, 2 bytes
	ARPSha = 8  // sender hardware address, 6 bytes
	ARPSpa = 14 // sender protocol address, 4 bytes
	ARPTha = 18 // target hardware address, 6 bytes
	ARPTpa = 24 // target protocol address, 4 bytes
)

// ARP operations.
const (
	ARPRequest = 1
	ARPReply   = 2
)

// Offsets and sizes in an ICMP message, from its start (RFC 792).
const (
	ICMPType     = 0
	ICMPCode     = 1
	ICMPChecksum = 2 // 2 bytes
	ICMPRest     = 4 // the rest of the header: id/sequence, next-hop MTU ...
	ICMPNextMTU  = 6 // next-hop MTU of fragmentation needed (RFC 1191), 2 bytes
	ICMPLen      = 8 // header length
)

// ICMP types the switch sends or inspects.
const (
	ICMPEchoReply           = 0
	ICMPUnreachable         = 3
	ICMPSourceQuench        = 4
	ICMPRedirect            = 5
	ICMPEcho                = 8
	ICMPTimeExceeded        = 11
	ICMPParamProblem        = 12
	ICMPCodeHost            = 1  // host unreachable
	ICMPCodePort            = 3  // port unreachable
	ICMPCodeFragNeeded      = 4  // fragmentation needed and DF set
	ICMPCodeAdminProhibited = 13 // communication administratively prohibited
)

// IsICMPError reports whether an ICMP type is an error message, about which
// no error is ever sent (RFC 1812 §4.3.2.7).
func IsICMPError(typ uint8) bool {
	switch typ {
	case ICMPUnreachable, ICMPSourceQuench, ICMPRedirect, ICMPTimeExceeded, ICMPParamProblem:
		return true
	}
	return false
}

// PutEthernet writes an untagged Ethernet header into f and returns its
// length.
func PutEthernet(f []byte, dst, src MAC, etherType uint16) int {
	copy(f[EthDst:EthDst+6], dst[:])
	copy(f[EthSrc:EthSrc+6], src[:])
	binary.BigEndian.PutUint16(f[EthType:], etherType)
	return EthLen
}

// PutEthernetTagged writes an Ethernet header with one 802.1Q tag of TCI
// tci into f and returns its length.
func PutEthernetTagged(f []byte, dst, src MAC, tci, etherType uint16) int {
	PutEthernet(f, dst, src, TypeDot1Q)
	binary.BigEndian.PutUint16(f[EthLen:], tci)
	binary.BigEndian.PutUint16(f[EthLen+2:], etherType)
	return EthLen + TagLen
}

// PutARP writes an untagged Ethernet/IPv4 ARP frame into f (which needs
// EthLen+ARPLen bytes) and returns its length.
func PutARP(f []byte, dst, src MAC, op uint16, sha MAC, spa [4]byte, tha MAC, tpa [4]byte) int {
	n := PutEthernet(f, dst, src, TypeARP)
	a := f[n : n+ARPLen]
	binary.BigEndian.PutUint16(a[ARPHrd:], 1)
	binary.BigEndian.PutUint16(a[ARPPro:], TypeIPv4)
	a[ARPHln], a[ARPPln] = 6, 4
	binary.BigEndian.PutUint16(a[ARPOpr:], op)
	copy(a[ARPSha:ARPSha+6], sha[:])
	copy(a[ARPSpa:ARPSpa+4], spa[:])
	copy(a[ARPTha:ARPTha+6], tha[:])
	copy(a[ARPTpa:ARPTpa+4], tpa[:])
	return n + ARPLen
}

// IPv4Header describes the fixed 20-byte header PutIPv4Header writes.
type IPv4Header struct {
	TOS      uint8
	ID       uint16
	TTL      uint8
	Proto    uint8
	Src, Dst [4]byte
}

// PutIPv4Header writes h as an option-less IPv4 header at the start of m,
// whose length is the datagram's total length, with its checksum.
func PutIPv4Header(m []byte, h IPv4Header) {
	b := m[:IPv4Min]
	b[0], b[1] = 0x45, h.TOS
	binary.BigEndian.PutUint16(b[IPv4TotalLen:], uint16(len(m)))
	binary.BigEndian.PutUint16(b[4:], h.ID)
	b[IPv4Flags], b[IPv4Flags+1] = 0, 0
	b[IPv4TTL], b[IPv4Proto] = h.TTL, h.Proto
	b[IPv4Checksum], b[IPv4Checksum+1] = 0, 0
	copy(b[IPv4Src:IPv4Src+4], h.Src[:])
	copy(b[IPv4Dst:IPv4Dst+4], h.Dst[:])
	binary.BigEndian.PutUint16(b[IPv4Checksum:], Checksum(b))
}

// SetICMPChecksum computes the checksum of the ICMP message icmp and
// stores it.
func SetICMPChecksum(icmp []byte) {
	icmp[ICMPChecksum], icmp[ICMPChecksum+1] = 0, 0
	binary.BigEndian.PutUint16(icmp[ICMPChecksum:], Checksum(icmp))
}

// IPv4HeaderLen is the header length the IHL field of h gives, in bytes.
func IPv4HeaderLen(h []byte) int { return int(h[0]&0x0f) * 4 }

// IPv4FragOffset is the fragment offset field of h (in 8-byte units): it
// is not zero for every fragment but the first.
func IPv4FragOffset(h []byte) uint16 { return binary.BigEndian.Uint16(h[IPv4Flags:]) & 0x1fff }

// IPv4IsFragment reports whether h is any fragment (MF set or an offset).
func IPv4IsFragment(h []byte) bool { return binary.BigEndian.Uint16(h[IPv4Flags:])&0x3fff != 0 }

// Offsets in a TCP or UDP header, and the lengths the ACL key needs.
const (
	L4SrcPort = 0  // source port, 2 bytes
	L4DstPort = 2  // destination port, 2 bytes
	TCPFlags  = 13 // the flags byte (FIN 0x01 ... CWR 0x80)
	TCPMin    = 20 // header without options
	UDPLen    = 8  // header length
)

// UDPHeaderLen is the length of the UDP header.
const UDPHeaderLen = 8

// PutUDP writes, after the option-less IPv4 header of the datagram m, a UDP
// header from sport to dport over the payload that follows it, with its
// checksum (pseudo-header included; RFC 768 sends a zero sum as 0xffff).
// The IPv4 header's addresses must be written first.
func PutUDP(m []byte, sport, dport uint16) {
	u := m[IPv4Min:]
	binary.BigEndian.PutUint16(u[0:], sport)
	binary.BigEndian.PutUint16(u[2:], dport)
	binary.BigEndian.PutUint16(u[4:], uint16(len(u)))
	u[6], u[7] = 0, 0
	acc := Sum(0, m[IPv4Src:IPv4Src+8]) + uint64(ProtoUDP) + uint64(len(u))
	sum := ^Fold(Sum(acc, u))
	if sum == 0 {
		sum = 0xffff
	}
	binary.BigEndian.PutUint16(u[6:], sum)
}
