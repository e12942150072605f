// Package pktgen is a traffic generator that is not the bottleneck of the
// systems it measures: a batched AF_PACKET sender (sendmmsg(2) of prebuilt
// frames, PACKET_QDISC_BYPASS, so one system call moves a whole batch and
// no qdisc is taken per frame) and a TPACKET_V3 ring receiver that counts
// the frames of the stream without a system call per frame.
//
// Both ends work on one interface of the namespace they are opened in; the
// side-by-side harness (bench/e2e) runs its command, cmd/pktgen, inside
// `ip netns exec`, and a Go test can open them after setns(2).
package pktgen

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
)

// Magic marks the payload of every generated frame, so the receiver counts
// only the stream's frames and none of the hosts' own traffic.
const Magic = 0x6c3273775067656e // "l2swPgen"

// Frame sizes: an Ethernet frame without its FCS.
const (
	MinFrame = 60 // a 64-byte frame on the wire
	MaxFrame = 1514
	headers  = 14 + 20 + 8 // Ethernet, IPv4, UDP
)

// Stream describes the UDP-in-IPv4 frames a Sender sends and a Receiver
// counts. Flows > 1 varies the UDP source port over SrcPort..SrcPort+Flows-1,
// which spreads the stream over a multi-queue device's queues.
type Stream struct {
	Src, Dst         net.HardwareAddr
	SrcIP, DstIP     netip.Addr
	SrcPort, DstPort uint16
	Size             int // frame length without FCS; 0 means MinFrame
	Flows            int // 0 means 1
}

func (s *Stream) normalize() error {
	if s.Size == 0 {
		s.Size = MinFrame
	}
	if s.Flows == 0 {
		s.Flows = 1
	}
	switch {
	case len(s.Src) != 6 || len(s.Dst) != 6:
		return fmt.Errorf("pktgen: stream needs 6-byte source and destination MACs")
	case !s.SrcIP.Is4() || !s.DstIP.Is4():
		return fmt.Errorf("pktgen: stream needs IPv4 source and destination addresses")
	case s.Size < MinFrame || s.Size > MaxFrame:
		return fmt.Errorf("pktgen: frame size %d out of range %d-%d", s.Size, MinFrame, MaxFrame)
	case s.Flows < 1 || int(s.SrcPort)+s.Flows-1 > 0xffff:
		return fmt.Errorf("pktgen: %d flows from source port %d overrun the port range", s.Flows, s.SrcPort)
	}
	return nil
}

// Frame returns flow's frame (0 <= flow < Flows) of a normalized stream: a
// valid IPv4 header with its checksum, UDP without a checksum (0 is legal
// in IPv4), and a payload that starts with Magic.
func (s *Stream) Frame(flow int) []byte {
	f := make([]byte, s.Size)
	copy(f[0:], s.Dst)
	copy(f[6:], s.Src)
	binary.BigEndian.PutUint16(f[12:], 0x0800)
	ip := f[14:34]
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:], uint16(s.Size-14))
	ip[6] = 0x40 // don't fragment
	ip[8] = 64
	ip[9] = 17
	src, dst := s.SrcIP.As4(), s.DstIP.As4()
	copy(ip[12:], src[:])
	copy(ip[16:], dst[:])
	binary.BigEndian.PutUint16(ip[10:], ipChecksum(ip))
	udp := f[34:42]
	binary.BigEndian.PutUint16(udp[0:], s.SrcPort+uint16(flow))
	binary.BigEndian.PutUint16(udp[2:], s.DstPort)
	binary.BigEndian.PutUint16(udp[4:], uint16(s.Size-34))
	binary.BigEndian.PutUint64(f[headers:], Magic)
	return f
}

// matches reports whether f is one of the stream's frames.
func (s *Stream) matches(f []byte) bool {
	if len(f) < headers+8 {
		return false
	}
	if binary.BigEndian.Uint64(f[headers:]) != Magic ||
		string(f[0:6]) != string(s.Dst) || string(f[6:12]) != string(s.Src) ||
		binary.BigEndian.Uint16(f[12:]) != 0x0800 || f[23] != 17 ||
		binary.BigEndian.Uint16(f[36:]) != s.DstPort {
		return false
	}
	sp := binary.BigEndian.Uint16(f[34:])
	return sp >= s.SrcPort && int(sp) < int(s.SrcPort)+s.Flows
}

func ipChecksum(h []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(h); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(h[i:]))
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return ^uint16(sum)
}

// htons converts a 16-bit protocol number to network order, as AF_PACKET's
// socket and bind calls take it.
func htons(v uint16) uint16 { return v<<8 | v>>8 }
