package packet

import "encoding/binary"

// MinFrame is the shortest Ethernet frame without FCS. Popping the tag of
// a minimum-size tagged frame leaves a runt, which 802.1Q bridges pad.
const MinFrame = 60

// PushTag inserts an 802.1Q tag with TCI tci after the MAC addresses of the
// frame that starts at b[start], in place: the addresses move TagLen bytes
// toward the front, so b needs TagLen bytes of headroom before start. It
// returns the frame's new start.
func PushTag(b []byte, start int, tci uint16) int {
	s := start - TagLen
	copy(b[s:s+12], b[start:start+12])
	binary.BigEndian.PutUint16(b[s+12:], TypeDot1Q)
	binary.BigEndian.PutUint16(b[s+14:], tci)
	return s
}

// PopTag removes the outer tag of the frame that starts at b[start], in
// place: the MAC addresses move TagLen bytes toward the back. It returns
// the frame's new start.
func PopTag(b []byte, start int) int {
	s := start + TagLen
	copy(b[s:s+12], b[start:start+12])
	return s
}

// CopyPushTag copies the untagged frame f into dst with an 802.1Q tag of
// TCI tci after its MAC addresses and returns the copy's length. dst must
// hold len(f)+TagLen bytes.
func CopyPushTag(dst, f []byte, tci uint16) int {
	copy(dst[:12], f[:12])
	binary.BigEndian.PutUint16(dst[12:], TypeDot1Q)
	binary.BigEndian.PutUint16(dst[14:], tci)
	return 12 + TagLen + copy(dst[12+TagLen:], f[12:])
}

// CopyPopTag copies the tagged frame f into dst without its outer tag and
// returns the copy's length.
func CopyPopTag(dst, f []byte) int {
	copy(dst[:12], f[:12])
	return 12 + copy(dst[12:], f[12+TagLen:])
}

// Pad zero-fills b[start:end] up to MinFrame bytes, b's capacity allowing,
// and returns the frame.
func Pad(b []byte, start, end int) []byte {
	if end-start < MinFrame {
		clear(b[end : start+MinFrame])
		end = start + MinFrame
	}
	return b[start:end]
}

// SetOuterTCI sets the TCI of the outer tag of the tagged frame f.
func SetOuterTCI(f []byte, tci uint16) { binary.BigEndian.PutUint16(f[EthLen:], tci) }

// Tagged reports whether the frame f carries an outer 802.1Q or 802.1ad
// tag.
func Tagged(f []byte) bool {
	return len(f) >= EthLen+TagLen && isTag(binary.BigEndian.Uint16(f[EthType:]))
}
