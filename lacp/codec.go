// Package lacp is the Link Aggregation Control Protocol of IEEE 802.1AX
// (formerly 802.3ad clause 43): the LACPDU codec and the per-port state
// machines (receive, periodic transmission, selection, mux) that decide
// which links of an EtherChannel are bundled. It is pure logic: time comes
// in as an argument, frames go out as return values; the runner that binds
// it to the switch's ports lives at the CLI floor.
package lacp

import (
	"encoding/binary"
	"errors"
)

// The slow-protocols addressing of 802.3 Annex 43B.
var (
	// DstMAC is the Slow_Protocols_Multicast address LACPDUs are sent to.
	DstMAC = [6]byte{0x01, 0x80, 0xc2, 0x00, 0x00, 0x02}
)

// Slow-protocol constants.
const (
	EtherType      = 0x8809 // Slow_Protocols_Type
	SubtypeLACP    = 1
	SubtypeMarker  = 2
	Version        = 1
	tlvActor       = 1
	tlvPartner     = 2
	tlvCollector   = 3
	infoLen        = 20 // actor and partner TLVs
	collectorLen   = 16
	pduLen         = 110 // from subtype to the end of the reserved octets
	FrameLen       = 14 + pduLen
	offSubtype     = 14
	offActor       = 16
	offPartner     = offActor + infoLen
	offCollector   = offPartner + infoLen
	offTerminator  = offCollector + collectorLen
	ethTypeOffset  = 12
	infoSysPrio    = 2
	infoSystem     = 4
	infoKey        = 10
	infoPortPrio   = 12
	infoPort       = 14
	infoState      = 16
	collectorDelay = 2
)

// State is the actor or partner state octet.
type State uint8

// The bits of State (802.1AX 6.4.2.3).
const (
	Activity        State = 1 << iota // active LACP (else passive)
	Timeout                           // short timeout: wants LACPDUs every second
	Aggregation                       // aggregatable (else individual)
	Synchronization                   // in sync: attached to the right aggregator
	Collecting
	Distributing
	Defaulted // using default partner information (no LACPDU heard)
	Expired   // the receive machine is expired
)

// String renders the bits as IOS' show lacp internal hex would not: in
// words, for tests and debugging.
func (s State) String() string {
	names := []string{"Activity", "Timeout", "Aggregation", "Sync", "Collecting", "Distributing", "Defaulted", "Expired"}
	out := ""
	for i, n := range names {
		if s&(1<<i) != 0 {
			if out != "" {
				out += "|"
			}
			out += n
		}
	}
	if out == "" {
		return "0"
	}
	return out
}

// Info is the actor's or partner's information of one LACPDU.
type Info struct {
	SystemPriority uint16
	System         [6]byte
	Key            uint16
	PortPriority   uint16
	Port           uint16
	State          State
}

// PDU is a decoded LACPDU.
type PDU struct {
	Actor, Partner    Info
	CollectorMaxDelay uint16
}

// Errors of Parse; the runner counts them as malformed.
var (
	ErrShort   = errors.New("lacp: frame too short")
	ErrNotSlow = errors.New("lacp: not a slow-protocols frame")
	ErrSubtype = errors.New("lacp: not an LACPDU")
	ErrVersion = errors.New("lacp: bad version")
	ErrTLV     = errors.New("lacp: bad TLV")
)

// Parse decodes an untagged Ethernet frame holding an LACPDU. It checks
// what 802.1AX 6.4.2.3 makes a receiver check (the TLV types and lengths);
// a version above 1 is accepted, as the standard asks, and its extra TLVs
// ignored.
func Parse(frame []byte) (PDU, error) {
	var p PDU
	if len(frame) < offTerminator {
		return p, ErrShort
	}
	if binary.BigEndian.Uint16(frame[ethTypeOffset:]) != EtherType {
		return p, ErrNotSlow
	}
	if frame[offSubtype] != SubtypeLACP {
		return p, ErrSubtype
	}
	if frame[offSubtype+1] < Version {
		return p, ErrVersion
	}
	if frame[offActor] != tlvActor || frame[offActor+1] != infoLen ||
		frame[offPartner] != tlvPartner || frame[offPartner+1] != infoLen ||
		frame[offCollector] != tlvCollector || frame[offCollector+1] != collectorLen {
		return p, ErrTLV
	}
	p.Actor = parseInfo(frame[offActor:])
	p.Partner = parseInfo(frame[offPartner:])
	p.CollectorMaxDelay = binary.BigEndian.Uint16(frame[offCollector+collectorDelay:])
	return p, nil
}

func parseInfo(b []byte) Info {
	var in Info
	in.SystemPriority = binary.BigEndian.Uint16(b[infoSysPrio:])
	copy(in.System[:], b[infoSystem:infoSystem+6])
	in.Key = binary.BigEndian.Uint16(b[infoKey:])
	in.PortPriority = binary.BigEndian.Uint16(b[infoPortPrio:])
	in.Port = binary.BigEndian.Uint16(b[infoPort:])
	in.State = State(b[infoState])
	return in
}

func putInfo(b []byte, typ byte, in Info) {
	b[0], b[1] = typ, infoLen
	binary.BigEndian.PutUint16(b[infoSysPrio:], in.SystemPriority)
	copy(b[infoSystem:], in.System[:])
	binary.BigEndian.PutUint16(b[infoKey:], in.Key)
	binary.BigEndian.PutUint16(b[infoPortPrio:], in.PortPriority)
	binary.BigEndian.PutUint16(b[infoPort:], in.Port)
	b[infoState] = byte(in.State)
	b[17], b[18], b[19] = 0, 0, 0
}

// Append appends the LACPDU as a complete untagged Ethernet frame from src
// (the sending port's MAC) to b: FrameLen bytes, the minimum frame without
// FCS being 60, which it exceeds.
func (p *PDU) Append(b []byte, src [6]byte) []byte {
	start := len(b)
	b = append(b, make([]byte, FrameLen)...)
	f := b[start:]
	copy(f[0:6], DstMAC[:])
	copy(f[6:12], src[:])
	binary.BigEndian.PutUint16(f[ethTypeOffset:], EtherType)
	f[offSubtype], f[offSubtype+1] = SubtypeLACP, Version
	putInfo(f[offActor:], tlvActor, p.Actor)
	putInfo(f[offPartner:], tlvPartner, p.Partner)
	f[offCollector], f[offCollector+1] = tlvCollector, collectorLen
	binary.BigEndian.PutUint16(f[offCollector+collectorDelay:], p.CollectorMaxDelay)
	// Terminator TLV (type 0, length 0) and 50 reserved octets are zero.
	return b
}
