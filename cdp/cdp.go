// Package cdp is the Cisco Discovery Protocol version 2 codec: it builds
// and parses CDP packets (the SNAP payload, OUI 00000c type 0x2000, of an
// 802.3 frame to 0100.0ccc.cccc) and computes their checksum as Cisco
// does. It holds no state and does no I/O; the neighbor table and the
// timers live with the runner in cli/.
package cdp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// MulticastMAC is the destination of CDP (and VTP, DTP, PAgP) frames.
var MulticastMAC = [6]byte{0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xcc}

// snapHeader is LLC (AA AA 03) and SNAP (OUI 00000c, protocol 0x2000).
var snapHeader = [8]byte{0xaa, 0xaa, 0x03, 0x00, 0x00, 0x0c, 0x20, 0x00}

// TLV types.
const (
	TypeDeviceID     = 0x0001
	TypeAddresses    = 0x0002
	TypePortID       = 0x0003
	TypeCapabilities = 0x0004
	TypeVersion      = 0x0005
	TypePlatform     = 0x0006
	TypeVTPDomain    = 0x0009
	TypeNativeVLAN   = 0x000a
	TypeDuplex       = 0x000b
	TypeMgmtAddrs    = 0x0016
)

// Capabilities is the CDP capabilities bitmap.
type Capabilities uint32

// The capability bits.
const (
	CapRouter      Capabilities = 0x001
	CapTransBridge Capabilities = 0x002
	CapSRBridge    Capabilities = 0x004
	CapSwitch      Capabilities = 0x008
	CapHost        Capabilities = 0x010
	CapIGMP        Capabilities = 0x020
	CapRepeater    Capabilities = 0x040
	CapPhone       Capabilities = 0x080
	CapRemote      Capabilities = 0x100
	CapCVTA        Capabilities = 0x200
	CapMacRelay    Capabilities = 0x400
)

var capNames = []struct {
	c           Capabilities
	code, words string
}{
	{CapRouter, "R", "Router"}, {CapTransBridge, "T", "Trans-Bridge"}, {CapSRBridge, "B", "Source-Route-Bridge"},
	{CapSwitch, "S", "Switch"}, {CapHost, "H", "Host"}, {CapIGMP, "I", "IGMP"}, {CapRepeater, "r", "Repeater"},
	{CapPhone, "P", "Phone"}, {CapRemote, "D", "Remote"}, {CapCVTA, "C", "CVTA"}, {CapMacRelay, "M", "Two-port Mac Relay"},
}

// Codes renders the capabilities as the letters of `show cdp neighbors`
// ("R S I").
func (c Capabilities) Codes() string {
	var out []string
	for _, n := range capNames {
		if c&n.c != 0 {
			out = append(out, n.code)
		}
	}
	return strings.Join(out, " ")
}

// Words renders the capabilities as `show cdp neighbors detail` does
// ("Router Switch IGMP").
func (c Capabilities) Words() string {
	var out []string
	for _, n := range capNames {
		if c&n.c != 0 {
			out = append(out, n.words)
		}
	}
	return strings.Join(out, " ")
}

// Packet is one CDP advertisement. The Has fields say whether an optional
// TLV of a fixed size was present.
type Packet struct {
	Version uint8 // 2
	TTL     uint8 // holdtime, seconds

	DeviceID      string
	Addresses     []netip.Addr
	PortID        string
	Capabilities  Capabilities
	HasCaps       bool
	Software      string // the version TLV: `show version`'s first lines
	Platform      string
	VTPDomain     string
	HasVTPDomain  bool
	NativeVLAN    uint16
	HasNativeVLAN bool
	FullDuplex    bool
	HasDuplex     bool
	MgmtAddresses []netip.Addr

	// Unknown counts the TLVs Decode skipped.
	Unknown int
}

// Errors of Decode.
var (
	ErrShort    = errors.New("cdp: packet too short")
	ErrVersion  = errors.New("cdp: unknown version")
	ErrChecksum = errors.New("cdp: bad checksum")
	ErrTLV      = errors.New("cdp: malformed TLV")
	ErrNotCDP   = errors.New("cdp: not a CDP frame")
)

func appendTLV(b []byte, typ uint16, val []byte) []byte {
	b = binary.BigEndian.AppendUint16(b, typ)
	b = binary.BigEndian.AppendUint16(b, uint16(4+len(val)))
	return append(b, val...)
}

// appendAddrs is the body of the addresses and management addresses
// TLVs: a count, then each address as NLPID 0xcc (IPv4) or 802.2 with the
// IPv6 protocol ID.
func appendAddrs(addrs []netip.Addr) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(addrs)))
	for _, a := range addrs {
		if a.Is4() {
			b = append(b, 1, 1, 0xcc, 0, 4)
		} else {
			b = append(b, 2, 8, 0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, 0x86, 0xdd, 0, 16)
		}
		b = append(b, a.AsSlice()...)
	}
	return b
}

// maxString keeps every TLV well inside a frame.
const maxString = 1024

func clip(s string) string {
	if len(s) > maxString {
		return s[:maxString]
	}
	return s
}

// Append appends p as a CDP packet (header, TLVs, checksum filled in) to
// b.
func Append(b []byte, p *Packet) []byte {
	start := len(b)
	v := p.Version
	if v == 0 {
		v = 2
	}
	b = append(b, v, p.TTL, 0, 0)
	b = appendTLV(b, TypeDeviceID, []byte(clip(p.DeviceID)))
	if len(p.Addresses) > 0 {
		b = appendTLV(b, TypeAddresses, appendAddrs(p.Addresses))
	}
	b = appendTLV(b, TypePortID, []byte(clip(p.PortID)))
	if p.HasCaps {
		b = appendTLV(b, TypeCapabilities, binary.BigEndian.AppendUint32(nil, uint32(p.Capabilities)))
	}
	if p.Software != "" {
		b = appendTLV(b, TypeVersion, []byte(clip(p.Software)))
	}
	if p.Platform != "" {
		b = appendTLV(b, TypePlatform, []byte(clip(p.Platform)))
	}
	if p.HasVTPDomain {
		b = appendTLV(b, TypeVTPDomain, []byte(clip(p.VTPDomain)))
	}
	if p.HasNativeVLAN {
		b = appendTLV(b, TypeNativeVLAN, binary.BigEndian.AppendUint16(nil, p.NativeVLAN))
	}
	if p.HasDuplex {
		d := byte(0)
		if p.FullDuplex {
			d = 1
		}
		b = appendTLV(b, TypeDuplex, []byte{d})
	}
	if len(p.MgmtAddresses) > 0 {
		b = appendTLV(b, TypeMgmtAddrs, appendAddrs(p.MgmtAddresses))
	}
	binary.BigEndian.PutUint16(b[start+2:], Checksum(b[start:]))
	return b
}

// AppendFrame appends a whole CDP frame from src: the 802.3 header to
// MulticastMAC with its length, LLC and SNAP, then the packet.
func AppendFrame(b []byte, src [6]byte, p *Packet) []byte {
	start := len(b)
	b = append(b, MulticastMAC[:]...)
	b = append(b, src[:]...)
	b = append(b, 0, 0)
	b = append(b, snapHeader[:]...)
	b = Append(b, p)
	binary.BigEndian.PutUint16(b[start+12:], uint16(len(b)-start-14))
	return b
}

// Payload returns the CDP packet inside an Ethernet frame, or ErrNotCDP.
// The 802.3 length bounds the packet: the padding of a short frame is not
// part of it, and the checksum would fail over it.
func Payload(frame []byte) ([]byte, error) {
	if len(frame) < 14+len(snapHeader) {
		return nil, ErrNotCDP
	}
	n := int(binary.BigEndian.Uint16(frame[12:14]))
	if n >= 0x600 || n < len(snapHeader) || 14+n > len(frame) || [8]byte(frame[14:22]) != snapHeader {
		return nil, ErrNotCDP
	}
	return frame[22 : 14+n], nil
}

// Checksum computes the CDP checksum of pkt (its checksum field taken as
// it is; zero it to compute, keep it to verify: a good packet gives 0).
// It is the Internet checksum with Cisco's treatment of an odd length, as
// Wireshark and lldpd describe it: the last byte is added as the low byte
// of a word, sign-extended, because the reference implementation added it
// as a signed char on a big-endian machine.
func Checksum(pkt []byte) uint16 {
	var sum uint32
	n := len(pkt)
	for i := 0; i+1 < n; i += 2 {
		sum += uint32(pkt[i])<<8 | uint32(pkt[i+1])
	}
	if n&1 != 0 {
		last := pkt[n-1]
		if last&0x80 != 0 {
			sum += 0xff00 | uint32(last-1)
			// The off-by-one of the signed add: a word 0xff(last-1)
			// instead of 0xffff+last, as Wireshark compensates it.
		} else {
			sum += uint32(last)
		}
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

// Decode parses a CDP packet (version 1 or 2) and verifies its checksum.
func Decode(b []byte) (Packet, error) {
	var p Packet
	if len(b) < 4 {
		return p, ErrShort
	}
	p.Version, p.TTL = b[0], b[1]
	if p.Version != 1 && p.Version != 2 {
		return p, fmt.Errorf("%w %d", ErrVersion, p.Version)
	}
	if Checksum(b) != 0 {
		return p, ErrChecksum
	}
	for v := b[4:]; len(v) > 0; {
		if len(v) < 4 {
			return p, fmt.Errorf("%w: %d bytes left", ErrTLV, len(v))
		}
		typ, n := binary.BigEndian.Uint16(v), int(binary.BigEndian.Uint16(v[2:]))
		if n < 4 || n > len(v) {
			return p, fmt.Errorf("%w: type %#x length %d", ErrTLV, typ, n)
		}
		val := v[4:n]
		v = v[n:]
		var err error
		switch typ {
		case TypeDeviceID:
			p.DeviceID = string(val)
		case TypeAddresses:
			p.Addresses, err = decodeAddrs(val)
		case TypePortID:
			p.PortID = string(val)
		case TypeCapabilities:
			if len(val) != 4 {
				return p, fmt.Errorf("%w: capabilities of %d bytes", ErrTLV, len(val))
			}
			p.HasCaps, p.Capabilities = true, Capabilities(binary.BigEndian.Uint32(val))
		case TypeVersion:
			p.Software = string(val)
		case TypePlatform:
			p.Platform = string(val)
		case TypeVTPDomain:
			p.HasVTPDomain, p.VTPDomain = true, string(val)
		case TypeNativeVLAN:
			if len(val) != 2 {
				return p, fmt.Errorf("%w: native VLAN of %d bytes", ErrTLV, len(val))
			}
			p.HasNativeVLAN, p.NativeVLAN = true, binary.BigEndian.Uint16(val)
		case TypeDuplex:
			if len(val) != 1 {
				return p, fmt.Errorf("%w: duplex of %d bytes", ErrTLV, len(val))
			}
			p.HasDuplex, p.FullDuplex = true, val[0] == 1
		case TypeMgmtAddrs:
			p.MgmtAddresses, err = decodeAddrs(val)
		default:
			p.Unknown++
		}
		if err != nil {
			return p, err
		}
	}
	return p, nil
}

// decodeAddrs reads an address list; addresses of other protocols are
// skipped.
func decodeAddrs(v []byte) ([]netip.Addr, error) {
	if len(v) < 4 {
		return nil, fmt.Errorf("%w: address list of %d bytes", ErrTLV, len(v))
	}
	count := binary.BigEndian.Uint32(v)
	v = v[4:]
	var out []netip.Addr
	for i := uint32(0); i < count; i++ {
		if len(v) < 2 {
			return nil, fmt.Errorf("%w: address %d cut", ErrTLV, i)
		}
		pt, pl := v[0], int(v[1])
		if len(v) < 2+pl+2 {
			return nil, fmt.Errorf("%w: address %d cut", ErrTLV, i)
		}
		proto := v[2 : 2+pl]
		al := int(binary.BigEndian.Uint16(v[2+pl:]))
		if len(v) < 4+pl+al {
			return nil, fmt.Errorf("%w: address %d cut", ErrTLV, i)
		}
		a := v[4+pl : 4+pl+al]
		v = v[4+pl+al:]
		switch {
		case pt == 1 && pl == 1 && proto[0] == 0xcc && al == 4:
			out = append(out, netip.AddrFrom4([4]byte(a)))
		case pt == 2 && pl == 8 && binary.BigEndian.Uint16(proto[6:]) == 0x86dd && al == 16:
			out = append(out, netip.AddrFrom16([16]byte(a)))
		}
	}
	return out, nil
}
