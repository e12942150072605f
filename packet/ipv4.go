// This file holds the IPv4 header edits of the routed path: the TTL
// decrement with an incremental checksum update (RFC 1624) and the
// fragmentation of a packet to an egress MTU (RFC 791). They work in place
// or into caller-provided buffers and never allocate.

package packet

import (
	"encoding/binary"
	"errors"
)

// Errors of Fragment.
var (
	ErrDontFragment = errors.New("packet exceeds MTU with DF set") // caller sends ICMP 3/4 frag needed
	ErrShortBuffer  = errors.New("fragment buffers too few or too small")
	ErrBadPacket    = errors.New("malformed IPv4 packet")
	ErrBadMTU       = errors.New("MTU too small for the header and 8 bytes of data")
)

// DecTTL decrements the TTL of the IPv4 header at the start of h and patches
// the header checksum incrementally (RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m')).
// It returns false, leaving h untouched, when the TTL is 0 or 1: the packet
// must not be forwarded (ICMP time exceeded).
func DecTTL(h []byte) bool {
	if len(h) < 20 || h[8] <= 1 {
		return false
	}
	// The TTL is the high byte of the 16-bit word at offset 8.
	old := uint32(binary.BigEndian.Uint16(h[8:]))
	h[8]--
	nw := uint32(binary.BigEndian.Uint16(h[8:]))
	sum := uint32(^binary.BigEndian.Uint16(h[10:])) + (^old & 0xffff) + nw
	sum = (sum & 0xffff) + (sum >> 16)
	sum = (sum & 0xffff) + (sum >> 16)
	binary.BigEndian.PutUint16(h[10:], ^uint16(sum))
	return true
}

// Fragment splits the IPv4 packet pkt (header + payload, no link header)
// into fragments of at most mtu bytes written into out[i][:n[i]]. It
// returns the number of fragments; lens receives each fragment's length.
// Options marked "copied" are repeated in every fragment; the others only in
// the first (RFC 791). A packet that fits is copied as one fragment. With DF
// set and the packet too big it returns ErrDontFragment.
func FragmentIPv4(pkt []byte, mtu int, out [][]byte, lens []int) (int, error) {
	if len(pkt) < 20 || pkt[0]>>4 != 4 {
		return 0, ErrBadPacket
	}
	ihl := int(pkt[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(pkt[2:]))
	if ihl < 20 || ihl > len(pkt) || total < ihl || total > len(pkt) {
		return 0, ErrBadPacket
	}
	pkt = pkt[:total]
	if total <= mtu {
		if len(out) < 1 || len(lens) < 1 || len(out[0]) < total {
			return 0, ErrShortBuffer
		}
		lens[0] = copy(out[0], pkt)
		return 1, nil
	}
	flagsOff := binary.BigEndian.Uint16(pkt[6:])
	if flagsOff&0x4000 != 0 {
		return 0, ErrDontFragment
	}
	origMF := flagsOff&0x2000 != 0
	origOff := int(flagsOff&0x1fff) * 8

	// Header of the later fragments: the base header plus copied options.
	var later [60]byte
	copy(later[:20], pkt[:20])
	laterLen := 20
	for i := 20; i < ihl; {
		t := pkt[i]
		if t == 0 { // end of options
			break
		}
		if t == 1 { // no-op
			i++
			continue
		}
		if i+1 >= ihl || int(pkt[i+1]) < 2 || i+int(pkt[i+1]) > ihl {
			return 0, ErrBadPacket
		}
		l := int(pkt[i+1])
		if t&0x80 != 0 {
			copy(later[laterLen:], pkt[i:i+l])
			laterLen += l
		}
		i += l
	}
	for laterLen%4 != 0 {
		later[laterLen] = 0 // pad with end-of-options
		laterLen++
	}

	payload := pkt[ihl:]
	n := 0
	for off := 0; off < len(payload); n++ {
		hdr := pkt[:ihl]
		if n > 0 {
			hdr = later[:laterLen]
		}
		room := (mtu - len(hdr)) &^ 7
		if room < 8 {
			return 0, ErrBadMTU
		}
		chunk := min(room, len(payload)-off)
		if n >= len(out) || n >= len(lens) || len(out[n]) < len(hdr)+chunk {
			return 0, ErrShortBuffer
		}
		f := out[n]
		copy(f, hdr)
		copy(f[len(hdr):], payload[off:off+chunk])
		last := off+chunk == len(payload)
		f[0] = 0x40 | byte(len(hdr)/4)
		binary.BigEndian.PutUint16(f[2:], uint16(len(hdr)+chunk))
		fo := uint16((origOff + off) / 8)
		if !last || origMF {
			fo |= 0x2000
		}
		binary.BigEndian.PutUint16(f[6:], fo)
		f[10], f[11] = 0, 0
		binary.BigEndian.PutUint16(f[10:], Checksum(f[:len(hdr)]))
		lens[n] = len(hdr) + chunk
		off += chunk
	}
	return n, nil
}
