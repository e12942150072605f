// Package lldp is the IEEE 802.1AB Link Layer Discovery Protocol codec: it
// builds and parses LLDPDUs (the payload of an Ethernet frame of type
// 0x88cc to 0180.c200.000e). It holds no state and does no I/O; the
// neighbor table and the timers live with the runner in cli/.
package lldp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// EtherType is the Ethernet type of LLDP frames.
const EtherType = 0x88cc

// MulticastMAC is the nearest-bridge address LLDP is sent to; no 802.1D
// bridge forwards it.
var MulticastMAC = [6]byte{0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e}

// TLV types of 802.1AB.
const (
	TypeEnd         = 0
	TypeChassisID   = 1
	TypePortID      = 2
	TypeTTL         = 3
	TypePortDesc    = 4
	TypeSysName     = 5
	TypeSysDesc     = 6
	TypeSysCaps     = 7
	TypeMgmtAddr    = 8
	TypeOrgSpecific = 127
)

// Chassis ID subtypes.
const (
	ChassisComponent   = 1
	ChassisIfAlias     = 2
	ChassisPortComp    = 3
	ChassisMAC         = 4
	ChassisNetworkAddr = 5
	ChassisIfName      = 6
	ChassisLocal       = 7
)

// Port ID subtypes.
const (
	PortIfAlias     = 1
	PortComponent   = 2
	PortMAC         = 3
	PortNetworkAddr = 4
	PortIfName      = 5
	PortAgentCircID = 6
	PortLocal       = 7
)

// Capabilities is the system capabilities bitmap of 802.1AB 8.5.8.
type Capabilities uint16

// The capability bits.
const (
	CapOther     Capabilities = 1 << 0
	CapRepeater  Capabilities = 1 << 1
	CapBridge    Capabilities = 1 << 2
	CapWLANAP    Capabilities = 1 << 3
	CapRouter    Capabilities = 1 << 4
	CapTelephone Capabilities = 1 << 5
	CapDOCSIS    Capabilities = 1 << 6
	CapStation   Capabilities = 1 << 7
)

// String renders the capabilities as IOS does in `show lldp neighbors`:
// the letters, comma separated, in IOS's order (B,R,T,C,W,P,S,O).
func (c Capabilities) String() string {
	var out []string
	for _, l := range []struct {
		c Capabilities
		s string
	}{{CapBridge, "B"}, {CapRouter, "R"}, {CapTelephone, "T"}, {CapDOCSIS, "C"}, {CapWLANAP, "W"}, {CapRepeater, "P"}, {CapStation, "S"}, {CapOther, "O"}} {
		if c&l.c != 0 {
			out = append(out, l.s)
		}
	}
	return strings.Join(out, ",")
}

// Organizationally specific TLVs understood here.
var (
	OUI8021 = [3]byte{0x00, 0x80, 0xc2} // IEEE 802.1
	OUI8023 = [3]byte{0x00, 0x12, 0x0f} // IEEE 802.3
)

// Subtypes of the 802.1 and 802.3 organizational TLVs.
const (
	Sub8021PortVLAN = 1
	Sub8023MACPHY   = 1
)

// MACPHY is the 802.3 MAC/PHY configuration/status TLV.
type MACPHY struct {
	AutonegSupported, AutonegEnabled bool
	Advertised                       uint16 // PMD auto-negotiation advertised capability
	MAU                              uint16 // operational MAU type (RFC 4836), 30 = 1000BASE-T full duplex
}

// Frame is one LLDPDU.
type Frame struct {
	ChassisSubtype uint8
	ChassisID      []byte
	PortSubtype    uint8
	PortID         []byte
	TTL            uint16 // seconds; 0 asks the neighbor to forget us

	PortDescription   string
	SystemName        string
	SystemDescription string
	HasCaps           bool
	SystemCaps        Capabilities
	EnabledCaps       Capabilities
	MgmtAddrs         []netip.Addr
	MgmtIfIndex       uint32 // the interface number sent with every management address

	PortVLAN uint16 // 802.1 port VLAN ID; 0 when absent
	MACPHY   *MACPHY

	// Unknown counts the TLVs Decode skipped: other organizations,
	// subtypes and types it does not read.
	Unknown int
}

// Errors of Decode.
var (
	ErrTruncated = errors.New("lldp: truncated TLV")
	ErrMandatory = errors.New("lldp: missing or misplaced mandatory TLV")
	ErrBadTLV    = errors.New("lldp: malformed TLV")
)

func appendTLV(b []byte, typ int, val ...[]byte) []byte {
	n := 0
	for _, v := range val {
		n += len(v)
	}
	if n > 511 {
		// The length field has nine bits; callers keep strings shorter.
		panic(fmt.Sprintf("lldp: TLV %d of %d bytes", typ, n))
	}
	b = binary.BigEndian.AppendUint16(b, uint16(typ)<<9|uint16(n))
	for _, v := range val {
		b = append(b, v...)
	}
	return b
}

// clip keeps a string TLV inside the 511-byte limit (255 is 802.1AB's
// limit for names and descriptions).
func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// Append appends f as an LLDPDU (the TLVs, End included) to b.
func Append(b []byte, f *Frame) []byte {
	b = appendTLV(b, TypeChassisID, []byte{f.ChassisSubtype}, []byte(clip(string(f.ChassisID), 255)))
	b = appendTLV(b, TypePortID, []byte{f.PortSubtype}, []byte(clip(string(f.PortID), 255)))
	b = appendTLV(b, TypeTTL, binary.BigEndian.AppendUint16(nil, f.TTL))
	if f.PortDescription != "" {
		b = appendTLV(b, TypePortDesc, []byte(clip(f.PortDescription, 255)))
	}
	if f.SystemName != "" {
		b = appendTLV(b, TypeSysName, []byte(clip(f.SystemName, 255)))
	}
	if f.SystemDescription != "" {
		b = appendTLV(b, TypeSysDesc, []byte(clip(f.SystemDescription, 255)))
	}
	if f.HasCaps {
		var v [4]byte
		binary.BigEndian.PutUint16(v[0:], uint16(f.SystemCaps))
		binary.BigEndian.PutUint16(v[2:], uint16(f.EnabledCaps))
		b = appendTLV(b, TypeSysCaps, v[:])
	}
	for _, a := range f.MgmtAddrs {
		raw := a.AsSlice()
		sub := byte(1) // IANA address family: IPv4
		if a.Is6() {
			sub = 2
		}
		var ifn [6]byte
		ifn[0] = 2 // interface numbering: ifIndex
		binary.BigEndian.PutUint32(ifn[1:], f.MgmtIfIndex)
		// ifn[5] = 0: no OID
		b = appendTLV(b, TypeMgmtAddr, []byte{byte(1 + len(raw)), sub}, raw, ifn[:])
	}
	if f.PortVLAN != 0 {
		b = appendTLV(b, TypeOrgSpecific, OUI8021[:], []byte{Sub8021PortVLAN}, binary.BigEndian.AppendUint16(nil, f.PortVLAN))
	}
	if m := f.MACPHY; m != nil {
		var v [5]byte
		if m.AutonegSupported {
			v[0] |= 1
		}
		if m.AutonegEnabled {
			v[0] |= 2
		}
		binary.BigEndian.PutUint16(v[1:], m.Advertised)
		binary.BigEndian.PutUint16(v[3:], m.MAU)
		b = appendTLV(b, TypeOrgSpecific, OUI8023[:], []byte{Sub8023MACPHY}, v[:])
	}
	return appendTLV(b, TypeEnd)
}

// Decode parses an LLDPDU. The three mandatory TLVs must come first, in
// order, as 802.1AB 9.2.7.7.1 says a receiver checks; anything after End is
// ignored. The byte slices of the result are copies.
func Decode(b []byte) (Frame, error) {
	var f Frame
	for i := 0; ; i++ {
		if len(b) == 0 {
			if i < 3 {
				return f, ErrMandatory
			}
			return f, nil // no End TLV: tolerated, as lldpd does
		}
		if len(b) < 2 {
			return f, ErrTruncated
		}
		h := binary.BigEndian.Uint16(b)
		typ, n := int(h>>9), int(h&0x1ff)
		if len(b) < 2+n {
			return f, ErrTruncated
		}
		v := b[2 : 2+n]
		b = b[2+n:]
		if i < 3 && typ != i+1 {
			return f, fmt.Errorf("%w: TLV %d in place %d", ErrMandatory, typ, i+1)
		}
		switch typ {
		case TypeEnd:
			if i < 3 {
				return f, ErrMandatory
			}
			return f, nil
		case TypeChassisID, TypePortID:
			if n < 2 || n > 256 {
				return f, fmt.Errorf("%w: ID TLV of %d bytes", ErrBadTLV, n)
			}
			if i >= 3 {
				return f, fmt.Errorf("%w: second ID TLV", ErrMandatory)
			}
			if typ == TypeChassisID {
				f.ChassisSubtype, f.ChassisID = v[0], append([]byte(nil), v[1:]...)
			} else {
				f.PortSubtype, f.PortID = v[0], append([]byte(nil), v[1:]...)
			}
		case TypeTTL:
			if n < 2 {
				return f, fmt.Errorf("%w: TTL of %d bytes", ErrBadTLV, n)
			}
			if i >= 3 {
				return f, fmt.Errorf("%w: second TTL", ErrMandatory)
			}
			f.TTL = binary.BigEndian.Uint16(v)
		case TypePortDesc:
			f.PortDescription = string(v)
		case TypeSysName:
			f.SystemName = string(v)
		case TypeSysDesc:
			f.SystemDescription = string(v)
		case TypeSysCaps:
			if n != 4 {
				return f, fmt.Errorf("%w: capabilities of %d bytes", ErrBadTLV, n)
			}
			f.HasCaps = true
			f.SystemCaps = Capabilities(binary.BigEndian.Uint16(v))
			f.EnabledCaps = Capabilities(binary.BigEndian.Uint16(v[2:]))
		case TypeMgmtAddr:
			if err := f.decodeMgmt(v); err != nil {
				return f, err
			}
		case TypeOrgSpecific:
			if n < 4 {
				return f, fmt.Errorf("%w: organizational TLV of %d bytes", ErrBadTLV, n)
			}
			f.decodeOrg([3]byte(v[0:3]), v[3], v[4:])
		default:
			f.Unknown++
		}
	}
}

func (f *Frame) decodeMgmt(v []byte) error {
	if len(v) < 1 {
		return fmt.Errorf("%w: empty management address", ErrBadTLV)
	}
	alen := int(v[0])
	if alen < 2 || len(v) < 1+alen+6 {
		return fmt.Errorf("%w: management address of %d bytes", ErrBadTLV, len(v))
	}
	sub, raw := v[1], v[2:1+alen]
	rest := v[1+alen:]
	oidLen := int(rest[5])
	if len(rest) < 6+oidLen {
		return fmt.Errorf("%w: management address OID", ErrBadTLV)
	}
	switch {
	case sub == 1 && len(raw) == 4:
		f.MgmtAddrs = append(f.MgmtAddrs, netip.AddrFrom4([4]byte(raw)))
	case sub == 2 && len(raw) == 16:
		f.MgmtAddrs = append(f.MgmtAddrs, netip.AddrFrom16([16]byte(raw)))
	default:
		f.Unknown++ // another address family: kept out of the table
		return nil
	}
	f.MgmtIfIndex = binary.BigEndian.Uint32(rest[1:5])
	return nil
}

func (f *Frame) decodeOrg(oui [3]byte, sub byte, v []byte) {
	switch {
	case oui == OUI8021 && sub == Sub8021PortVLAN && len(v) == 2:
		f.PortVLAN = binary.BigEndian.Uint16(v)
	case oui == OUI8023 && sub == Sub8023MACPHY && len(v) == 5:
		f.MACPHY = &MACPHY{
			AutonegSupported: v[0]&1 != 0, AutonegEnabled: v[0]&2 != 0,
			Advertised: binary.BigEndian.Uint16(v[1:]), MAU: binary.BigEndian.Uint16(v[3:]),
		}
	default:
		f.Unknown++
	}
}

// AppendEthernet appends a whole LLDP frame from src: the Ethernet header
// to MulticastMAC, then the LLDPDU.
func AppendEthernet(b []byte, src [6]byte, f *Frame) []byte {
	b = append(b, MulticastMAC[:]...)
	b = append(b, src[:]...)
	b = binary.BigEndian.AppendUint16(b, EtherType)
	return Append(b, f)
}

// IDString renders a chassis or port ID as IOS shows it: a MAC subtype as
// dotted hex (7c25.86c9.aaaa), a network address as the address, names as
// text.
func IDString(subtype uint8, id []byte, chassis bool) string {
	isMAC := (chassis && subtype == ChassisMAC) || (!chassis && subtype == PortMAC)
	isAddr := (chassis && subtype == ChassisNetworkAddr) || (!chassis && subtype == PortNetworkAddr)
	switch {
	case isMAC && len(id) == 6:
		return fmt.Sprintf("%02x%02x.%02x%02x.%02x%02x", id[0], id[1], id[2], id[3], id[4], id[5])
	case isAddr && len(id) == 5 && id[0] == 1:
		return netip.AddrFrom4([4]byte(id[1:])).String()
	case isAddr && len(id) == 17 && id[0] == 2:
		return netip.AddrFrom16([16]byte(id[1:])).String()
	}
	return printable(id)
}

// printable keeps the text of an ID readable in a show command: control
// bytes and non-ASCII become '.'.
func printable(b []byte) string {
	out := make([]byte, len(b))
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			c = '.'
		}
		out[i] = c
	}
	return string(out)
}
