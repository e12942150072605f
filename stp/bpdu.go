// Package stp is the spanning-tree protocol of l2sw as a plain library:
// the BPDU codec (IEEE 802.1D/802.1w BPDUs and Cisco's PVST+ SSTP frames)
// and the per-VLAN bridge (Tree) whose port roles and states follow
// 802.1D or, in rapid mode, 802.1w. It does no I/O and keeps no clock:
// time comes in as an argument, BPDUs to send and events come out.
package stp

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// BridgeID is a bridge identifier: the 16-bit priority (with the extended
// system ID, the priority plus the VLAN) above the 48-bit MAC address, so
// that a smaller value is a better bridge.
type BridgeID uint64

// MakeBridgeID builds a bridge ID from its priority field and MAC.
func MakeBridgeID(priority uint16, mac [6]byte) BridgeID {
	return BridgeID(uint64(priority)<<48 | uint64(mac[0])<<40 | uint64(mac[1])<<32 |
		uint64(mac[2])<<24 | uint64(mac[3])<<16 | uint64(mac[4])<<8 | uint64(mac[5]))
}

// Priority is the priority field (with the system ID, if extended).
func (b BridgeID) Priority() uint16 { return uint16(b >> 48) }

// MAC is the bridge's address.
func (b BridgeID) MAC() [6]byte {
	var m [6]byte
	for i := range m {
		m[i] = byte(b >> (40 - 8*i))
	}
	return m
}

// MACString is the address in the Cisco dotted form, 0011.2233.4455.
func (b BridgeID) MACString() string {
	m := b.MAC()
	return fmt.Sprintf("%02x%02x.%02x%02x.%02x%02x", m[0], m[1], m[2], m[3], m[4], m[5])
}

// BPDU types (802.1D 9.3, 802.1w 9.3.3).
const (
	TypeConfig uint8 = 0x00
	TypeTCN    uint8 = 0x80
	TypeRST    uint8 = 0x02
)

// Protocol versions.
const (
	VersionSTP  uint8 = 0
	VersionRSTP uint8 = 2
	VersionMSTP uint8 = 3
)

// Flag bits of configuration and RST BPDUs.
const (
	FlagTC         uint8 = 0x01
	FlagProposal   uint8 = 0x02
	flagRoleShift        = 2
	flagRoleMask   uint8 = 0x0c
	FlagLearning   uint8 = 0x10
	FlagForwarding uint8 = 0x20
	FlagAgreement  uint8 = 0x40
	FlagTCA        uint8 = 0x80
)

// Port roles as RST BPDUs encode them.
const (
	bpduRoleUnknown    = 0
	bpduRoleAlternate  = 1 // alternate or backup
	bpduRoleRoot       = 2
	bpduRoleDesignated = 3
)

// BPDU is one bridge protocol data unit. The times are in 1/256 s, as on
// the wire.
type BPDU struct {
	Version      uint8
	Type         uint8
	Flags        uint8
	Root         BridgeID
	Cost         uint32
	Bridge       BridgeID
	Port         uint16 // the sender's port ID: priority<<8 | number
	MessageAge   uint16
	MaxAge       uint16
	HelloTime    uint16
	ForwardDelay uint16
	// MST is the MST part of a version 3 BPDU (nil for others); Bridge
	// then holds the CIST regional root, as it does in any BPDU an MST
	// bridge sends.
	MST *MST
}

// Lengths of the BPDUs on the wire.
const (
	LenTCN    = 4
	LenConfig = 35
	LenRST    = 36
)

// Errors of the decoder.
var (
	ErrShort    = errors.New("bpdu too short")
	ErrProtocol = errors.New("not a spanning-tree bpdu")
	ErrType     = errors.New("unknown bpdu type")
	ErrEncap    = errors.New("not a bpdu frame")
)

// ParseBPDU decodes a BPDU (the bytes after the LLC header). An MST BPDU
// is read as its CIST part, which is what an 802.1w bridge sees of it,
// with the MST part in MST.
func ParseBPDU(p []byte) (BPDU, error) {
	var b BPDU
	if len(p) < LenTCN {
		return b, ErrShort
	}
	if p[0] != 0 || p[1] != 0 {
		return b, ErrProtocol
	}
	b.Version, b.Type = p[2], p[3]
	switch b.Type {
	case TypeTCN:
		return b, nil
	case TypeConfig:
		if len(p) < LenConfig {
			return b, ErrShort
		}
	case TypeRST:
		if len(p) < LenRST {
			return b, ErrShort
		}
	default:
		return b, ErrType
	}
	b.Flags = p[4]
	b.Root = BridgeID(binary.BigEndian.Uint64(p[5:13]))
	b.Cost = binary.BigEndian.Uint32(p[13:17])
	b.Bridge = BridgeID(binary.BigEndian.Uint64(p[17:25]))
	b.Port = binary.BigEndian.Uint16(p[25:27])
	b.MessageAge = binary.BigEndian.Uint16(p[27:29])
	b.MaxAge = binary.BigEndian.Uint16(p[29:31])
	b.HelloTime = binary.BigEndian.Uint16(p[31:33])
	b.ForwardDelay = binary.BigEndian.Uint16(p[33:35])
	if b.Type == TypeRST && b.Version >= VersionMSTP {
		m, err := parseMST(p)
		if err != nil {
			return b, err
		}
		b.MST = m
	}
	return b, nil
}

// Len is the BPDU's length on the wire.
func (b *BPDU) Len() int {
	switch b.Type {
	case TypeTCN:
		return LenTCN
	case TypeRST:
		if b.MST != nil {
			return LenMSTBase + LenMRecord*len(b.MST.MSTIs)
		}
		return LenRST
	}
	return LenConfig
}

// Append appends the encoded BPDU to dst.
func (b *BPDU) Append(dst []byte) []byte {
	dst = append(dst, 0, 0, b.Version, b.Type)
	if b.Type == TypeTCN {
		return dst
	}
	dst = append(dst, b.Flags)
	dst = binary.BigEndian.AppendUint64(dst, uint64(b.Root))
	dst = binary.BigEndian.AppendUint32(dst, b.Cost)
	dst = binary.BigEndian.AppendUint64(dst, uint64(b.Bridge))
	dst = binary.BigEndian.AppendUint16(dst, b.Port)
	dst = binary.BigEndian.AppendUint16(dst, b.MessageAge)
	dst = binary.BigEndian.AppendUint16(dst, b.MaxAge)
	dst = binary.BigEndian.AppendUint16(dst, b.HelloTime)
	dst = binary.BigEndian.AppendUint16(dst, b.ForwardDelay)
	if b.Type == TypeRST {
		dst = append(dst, 0) // version 1 length
		if b.MST != nil {
			dst = b.MST.appendMST(dst)
		}
	}
	return dst
}

// Encap says how a BPDU frame was framed.
type Encap uint8

// The encapsulations.
const (
	// EncapIEEE is an 802.1D/802.1w BPDU: LLC 42-42-03 to 0180.c200.0000.
	EncapIEEE Encap = iota
	// EncapSSTP is Cisco's PVST+ BPDU: SNAP 00000c/010b to 0100.0ccc.cccd,
	// with the VLAN it belongs to in a trailing PVID TLV.
	EncapSSTP
)

// The destination addresses.
var (
	IEEEAddr = [6]byte{0x01, 0x80, 0xc2, 0x00, 0x00, 0x00}
	SSTPAddr = [6]byte{0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xcd}
)

var (
	llcIEEE  = []byte{0x42, 0x42, 0x03}
	snapSSTP = []byte{0xaa, 0xaa, 0x03, 0x00, 0x00, 0x0c, 0x01, 0x0b}
)

// Frame is a decoded BPDU frame.
type Frame struct {
	Encap Encap
	Src   [6]byte
	VID   uint16 // the 802.1Q tag's VLAN; 0 when untagged
	PVID  uint16 // SSTP: the originating VLAN from the PVID TLV; 0 when absent
	BPDU  BPDU
}

// ParseFrame decodes an Ethernet frame carrying a BPDU, tagged or not.
func ParseFrame(f []byte) (Frame, error) {
	var fr Frame
	if len(f) < 14 {
		return fr, ErrShort
	}
	var dst [6]byte
	copy(dst[:], f[0:6])
	copy(fr.Src[:], f[6:12])
	off := 12
	if binary.BigEndian.Uint16(f[off:]) == 0x8100 {
		if len(f) < 18 {
			return fr, ErrShort
		}
		fr.VID = binary.BigEndian.Uint16(f[14:16]) & 0x0fff
		off = 16
	}
	length := int(binary.BigEndian.Uint16(f[off:]))
	off += 2
	if length > 1500 {
		return fr, ErrEncap
	}
	body := f[off:]
	if length < len(body) {
		body = body[:length] // drop the padding
	}
	switch dst {
	case IEEEAddr:
		if len(body) < len(llcIEEE) || string(body[:3]) != string(llcIEEE) {
			return fr, ErrEncap
		}
		fr.Encap = EncapIEEE
		body = body[3:]
	case SSTPAddr:
		if len(body) < len(snapSSTP) || string(body[:8]) != string(snapSSTP) {
			return fr, ErrEncap
		}
		fr.Encap = EncapSSTP
		body = body[8:]
	default:
		return fr, ErrEncap
	}
	b, err := ParseBPDU(body)
	if err != nil {
		return fr, err
	}
	fr.BPDU = b
	if fr.Encap == EncapSSTP && b.Type != TypeTCN && len(body) >= LenRST+6 {
		tlv := body[LenRST:]
		if binary.BigEndian.Uint16(tlv[0:2]) == 0 && binary.BigEndian.Uint16(tlv[2:4]) == 2 {
			fr.PVID = binary.BigEndian.Uint16(tlv[4:6]) & 0x0fff
		}
	}
	return fr, nil
}

// AppendFrame appends a BPDU frame from src to dst: tagged with vid unless
// vid is 0, SSTP frames with the PVID TLV of pvid, padded to the minimum
// Ethernet length.
func AppendFrame(dst []byte, enc Encap, src [6]byte, vid, pvid uint16, b BPDU) []byte {
	start := len(dst)
	if enc == EncapSSTP {
		dst = append(dst, SSTPAddr[:]...)
	} else {
		dst = append(dst, IEEEAddr[:]...)
	}
	dst = append(dst, src[:]...)
	if vid != 0 {
		dst = append(dst, 0x81, 0x00, byte(vid>>8)&0x0f, byte(vid))
	}
	lenAt := len(dst)
	dst = append(dst, 0, 0)
	if enc == EncapSSTP {
		dst = append(dst, snapSSTP...)
		dst = b.Append(dst)
		if b.Type != TypeTCN {
			if b.Type == TypeConfig {
				dst = append(dst, 0) // a config BPDU is padded to the RST length
			}
			dst = append(dst, 0, 0, 0, 2, byte(pvid>>8), byte(pvid))
		}
	} else {
		dst = append(dst, llcIEEE...)
		dst = b.Append(dst)
	}
	binary.BigEndian.PutUint16(dst[lenAt:], uint16(len(dst)-lenAt-2))
	for len(dst)-start < 60 {
		dst = append(dst, 0)
	}
	return dst
}
