// Package fhrpsnoop decodes the first-hop redundancy adverts a switch
// forwards (HSRP v1 and v2, VRRP v2 and v3, CARP) and keeps the table of
// the speakers it saw, with the two faults a switch can notice from the
// middle: a speaker's adverts reflected back to it, and a group with two
// actives or masters at once. It is pure: frames and times in, rows and
// events out; the runner that feeds it and the text it turns into live
// in cli.
package fhrpsnoop

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/l2sw/l2sw/packet"
)

// Proto is a first-hop redundancy protocol.
type Proto uint8

// The protocols.
const (
	HSRP Proto = iota + 1
	VRRP
	CARP
)

// String names the protocol as the show output does.
func (p Proto) String() string {
	switch p {
	case HSRP:
		return "HSRP"
	case VRRP:
		return "VRRP"
	case CARP:
		return "CARP"
	}
	return fmt.Sprintf("Proto(%d)", uint8(p))
}

// State is the state an advert announces.
type State uint8

// The states: HSRP's six, and for VRRP and CARP, where only the master
// advertises, Master (or Resign: VRRP priority 0, the master leaving).
const (
	StateUnknown State = iota
	StateInit
	StateLearn
	StateListen
	StateSpeak
	StateStandby
	StateActive
	StateMaster
	StateResign
)

var stateNames = [...]string{"Unknown", "Init", "Learn", "Listen", "Speak", "Standby", "Active", "Master", "Resign"}

// String names the state as IOS does.
func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// Forwarding reports whether a speaker in state s owns the virtual
// address: an HSRP active router, a VRRP or CARP master.
func (s State) Forwarding() bool { return s == StateActive || s == StateMaster }

// Advert is one decoded advertisement.
type Advert struct {
	Proto   Proto
	Version uint8  // HSRP 1 or 2, VRRP 2 or 3, CARP 2
	Group   uint16 // HSRP group, VRRP VRID, CARP VHID
	// VIP is the first virtual address the advert carries; invalid when
	// it carries none (CARP authenticates its addresses but does not send
	// them; an HSRP router that has not learnt it sends 0.0.0.0).
	VIP      netip.Addr
	Source   netip.Addr // the speaker's IPv4 source address
	SrcMAC   packet.MAC
	VLAN     uint16 // the 802.1Q tag's VLAN; 0 when untagged
	State    State
	Priority int           // HSRP and VRRP priority; CARP advskew (lower wins)
	Interval time.Duration // hello or advertisement interval
	Hold     time.Duration // HSRP's hold time; three intervals for the others
}

// VirtualMAC is the group's virtual MAC as the protocol derives it: HSRP
// v1 0000.0c07.acXX, v2 0000.0c9f.fXXX, VRRP 0000.5e00.01XX; CARP's
// master sends from its virtual MAC (ucarp's 0000.5e00.00XX, the BSDs'
// 0000.5e00.01XX), so it is the advert's source when that lies in the
// IANA block, else the BSD default.
func (a Advert) VirtualMAC() packet.MAC {
	switch a.Proto {
	case HSRP:
		if a.Version == 2 {
			return packet.MAC{0, 0, 0x0c, 0x9f, 0xf0 | byte(a.Group>>8&0x0f), byte(a.Group)}
		}
		return packet.MAC{0, 0, 0x0c, 0x07, 0xac, byte(a.Group)}
	case CARP:
		if s := a.SrcMAC; s[0] == 0 && s[1] == 0 && s[2] == 0x5e && s[3] == 0 && s[4] <= 1 {
			return s
		}
	}
	return packet.MAC{0, 0, 0x5e, 0, 1, byte(a.Group)}
}

// Decoding errors. ErrNotFHRP means the frame is something else (the
// caller ignores it); ErrMalformed, that it claims to be an advert and is
// not a valid one (the caller counts it).
var (
	ErrNotFHRP   = errors.New("not a first-hop redundancy advert")
	ErrMalformed = errors.New("malformed advert")
)

func malformed(proto, format string, args ...any) error {
	return fmt.Errorf("%s: %s: %w", proto, fmt.Sprintf(format, args...), ErrMalformed)
}

// Well-known values.
const (
	hsrpPort    = 1985
	protoUDP    = 17
	protoVRRP   = 112 // VRRP and CARP share it
	vrrpTTL     = 255
	carpLen     = 36 // version/type .. advbase, checksum, counter, HMAC-SHA1
	hsrpV1Len   = 20
	hsrpV2State = 1  // Group State TLV
	hsrpV2TLV   = 40 // its length
)

var (
	allRouters = netip.AddrFrom4([4]byte{224, 0, 0, 2})   // HSRP v1
	hsrpV2Addr = netip.AddrFrom4([4]byte{224, 0, 0, 102}) // HSRP v2
	vrrpAddr   = netip.AddrFrom4([4]byte{224, 0, 0, 18})  // VRRP, CARP
)

// Decode decodes the advert in an Ethernet frame (with up to two 802.1Q
// tags). It allocates nothing.
func Decode(f []byte) (Advert, error) {
	var a Advert
	if len(f) < packet.EthLen {
		return a, ErrNotFHRP
	}
	copy(a.SrcMAC[:], f[6:12])
	off := packet.EthLen
	et := binary.BigEndian.Uint16(f[12:])
	for i := 0; i < 2 && (et == packet.TypeDot1Q || et == packet.TypeQinQ); i++ {
		if len(f) < off+packet.TagLen {
			return a, ErrNotFHRP
		}
		if i == 0 {
			a.VLAN = binary.BigEndian.Uint16(f[off:]) & 0x0fff
		}
		et = binary.BigEndian.Uint16(f[off+2:])
		off += packet.TagLen
	}
	if et != 0x0800 || len(f) < off+20 {
		return a, ErrNotFHRP
	}
	ip := f[off:]
	if ip[0]>>4 != 4 {
		return a, ErrNotFHRP
	}
	ihl := int(ip[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(ip[2:]))
	if ihl < 20 || total < ihl || total > len(ip) {
		return a, ErrNotFHRP
	}
	if binary.BigEndian.Uint16(ip[6:])&0x3fff != 0 {
		return a, ErrNotFHRP // a fragment: adverts are never fragmented
	}
	dst := netip.AddrFrom4([4]byte(ip[16:20]))
	a.Source = netip.AddrFrom4([4]byte(ip[12:16]))
	body := ip[ihl:total]
	switch {
	case ip[9] == protoUDP && (dst == allRouters || dst == hsrpV2Addr):
		if len(body) < 8 || binary.BigEndian.Uint16(body[2:]) != hsrpPort {
			return a, ErrNotFHRP
		}
		ulen := int(binary.BigEndian.Uint16(body[4:]))
		if ulen < 8 || ulen > len(body) {
			return a, malformed("HSRP", "UDP length %d of %d bytes", ulen, len(body))
		}
		if dst == hsrpV2Addr {
			return a, decodeHSRPv2(&a, body[8:ulen])
		}
		return a, decodeHSRPv1(&a, body[8:ulen])
	case ip[9] == protoVRRP && dst == vrrpAddr:
		return a, decode112(&a, ip, body)
	}
	return a, ErrNotFHRP
}

// hsrpV1States maps RFC 2281's state values.
func hsrpV1State(v byte) State {
	switch v {
	case 0:
		return StateInit
	case 1:
		return StateLearn
	case 2:
		return StateListen
	case 4:
		return StateSpeak
	case 8:
		return StateStandby
	case 16:
		return StateActive
	}
	return StateUnknown
}

// decodeHSRPv1 decodes RFC 2281's 20-byte message. Only hellos (op 0)
// describe a speaker's steady state; coups and resigns are adverts too.
func decodeHSRPv1(a *Advert, b []byte) error {
	if len(b) < hsrpV1Len {
		return malformed("HSRPv1", "%d bytes", len(b))
	}
	if b[0] != 0 {
		return malformed("HSRPv1", "version %d", b[0])
	}
	if b[1] > 2 {
		return malformed("HSRPv1", "op code %d", b[1])
	}
	a.Proto, a.Version = HSRP, 1
	a.State = hsrpV1State(b[2])
	if a.State == StateUnknown {
		return malformed("HSRPv1", "state %d", b[2])
	}
	a.Interval = time.Duration(b[3]) * time.Second
	a.Hold = time.Duration(b[4]) * time.Second
	a.Priority = int(b[5])
	a.Group = uint16(b[6])
	if vip := netip.AddrFrom4([4]byte(b[16:20])); !vip.IsUnspecified() {
		a.VIP = vip
	}
	return nil
}

// decodeHSRPv2 decodes the Group State TLV of an HSRP v2 message (the
// authentication TLVs around it are skipped).
func decodeHSRPv2(a *Advert, b []byte) error {
	for len(b) >= 2 {
		typ, l := b[0], int(b[1])
		if len(b) < 2+l {
			return malformed("HSRPv2", "TLV %d of %d bytes in %d", typ, l, len(b)-2)
		}
		v := b[2 : 2+l]
		b = b[2+l:]
		if typ != hsrpV2State {
			continue
		}
		if l < hsrpV2TLV {
			return malformed("HSRPv2", "group state TLV of %d bytes", l)
		}
		if v[0] != 2 {
			return malformed("HSRPv2", "version %d", v[0])
		}
		if v[3] != 4 {
			return ErrNotFHRP // an IPv6 group: not shown
		}
		a.Proto, a.Version = HSRP, 2
		if v[2] < 1 || v[2] > 6 {
			return malformed("HSRPv2", "state %d", v[2])
		}
		a.State = [...]State{StateInit, StateLearn, StateListen, StateSpeak, StateStandby, StateActive}[v[2]-1]
		a.Group = binary.BigEndian.Uint16(v[4:])
		if a.Group > 4095 {
			return malformed("HSRPv2", "group %d", a.Group)
		}
		a.Priority = int(binary.BigEndian.Uint32(v[12:]))
		a.Interval = time.Duration(binary.BigEndian.Uint32(v[16:])) * time.Millisecond
		a.Hold = time.Duration(binary.BigEndian.Uint32(v[20:])) * time.Millisecond
		if vip := netip.AddrFrom4([4]byte(v[24:28])); !vip.IsUnspecified() {
			a.VIP = vip
		}
		return nil
	}
	return malformed("HSRPv2", "no group state TLV")
}

// decode112 decodes IP protocol 112 (ip is the IPv4 header): VRRP v2
// (RFC 3768), v3 (RFC 5798) or CARP, which reuses VRRP's version 2 and
// type 1. A CARP advert is 36 bytes with an authentication length of 7 in
// VRRP's address count; a VRRP v2 advert with 7 addresses would be 44.
func decode112(a *Advert, ip, b []byte) error {
	ttl := ip[8]
	if len(b) < 8 {
		return malformed("VRRP", "%d bytes", len(b))
	}
	ver, typ := b[0]>>4, b[0]&0x0f
	if typ != 1 {
		return malformed("VRRP", "type %d", typ)
	}
	if ttl != vrrpTTL {
		return malformed("VRRP", "TTL %d", ttl)
	}
	var sum uint64
	if ver == 3 {
		// RFC 5798 §5.2.8: over a pseudo-header as well (first: only
		// the last piece of a sum may have an odd length).
		var ph [12]byte
		copy(ph[:8], ip[12:20])
		ph[9] = protoVRRP
		binary.BigEndian.PutUint16(ph[10:], uint16(len(b)))
		sum = packet.Sum(0, ph[:])
	}
	if ^packet.Fold(packet.Sum(sum, b)) != 0 {
		return malformed("VRRP", "bad checksum")
	}
	a.Group = uint16(b[1])
	switch {
	case ver == 2 && len(b) == carpLen && b[3] == 7:
		a.Proto, a.Version, a.State = CARP, 2, StateMaster
		a.Priority = int(b[2]) // advskew
		a.Interval = time.Duration(b[5])*time.Second + time.Duration(b[2])*time.Second/256
	case ver == 2:
		n := int(b[3])
		if len(b) < 16+4*n {
			return malformed("VRRPv2", "%d addresses in %d bytes", n, len(b))
		}
		a.Proto, a.Version = VRRP, 2
		a.Priority = int(b[2])
		a.Interval = time.Duration(b[5]) * time.Second
		if n > 0 {
			a.VIP = netip.AddrFrom4([4]byte(b[8:12]))
		}
	case ver == 3:
		n := int(b[3])
		if len(b) < 8+4*n {
			return malformed("VRRPv3", "%d addresses in %d bytes", n, len(b))
		}
		a.Proto, a.Version = VRRP, 3
		a.Priority = int(b[2])
		a.Interval = time.Duration(binary.BigEndian.Uint16(b[4:])&0x0fff) * 10 * time.Millisecond
		if n > 0 {
			a.VIP = netip.AddrFrom4([4]byte(b[8:12]))
		}
	default:
		return malformed("VRRP", "version %d", ver)
	}
	if a.Proto == VRRP {
		a.State = StateMaster
		if a.Priority == 0 {
			a.State = StateResign
		}
	}
	a.Hold = 3 * a.Interval
	return nil
}
