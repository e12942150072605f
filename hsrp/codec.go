// Package hsrp is the Hot Standby Router Protocol of l2sw: the codec of
// HSRP version 1 (RFC 2281) and of Cisco's TLV-based version 2, and the
// per-group state machine (Initial, Learn, Listen, Speak, Standby, Active)
// driven by received messages and by the time its caller passes in. It
// does no I/O and starts no goroutine: the CLI's runner binds it to the
// switch.
package hsrp

import (
	"crypto/md5"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"time"
)

// Wire constants.
const (
	Port = 1985 // UDP source and destination port of both versions
	// v1Len is the fixed length of an RFC 2281 message.
	v1Len = 20
	// TLV types of version 2 (and of the MD5 TLV a version 1 message
	// carries after its fixed part).
	tlvGroupState = 1
	tlvText       = 3
	tlvMD5        = 4
	groupStateLen = 40
	textLen       = 8
	md5Len        = 28
	// md5Algorithm is the algorithm byte of the MD5 TLV: keyed MD5.
	md5Algorithm = 1
)

// Destination addresses and virtual MAC prefixes.
var (
	GroupV1 = netip.AddrFrom4([4]byte{224, 0, 0, 2})   // all routers
	GroupV2 = netip.AddrFrom4([4]byte{224, 0, 0, 102}) // HSRPv2
)

// MulticastMAC returns the Ethernet destination of the version's hellos.
func MulticastMAC(version int) [6]byte {
	if version == 2 {
		return [6]byte{0x01, 0x00, 0x5e, 0x00, 0x00, 0x66}
	}
	return [6]byte{0x01, 0x00, 0x5e, 0x00, 0x00, 0x02}
}

// VirtualMAC returns a group's default virtual MAC: 0000.0c07.acNN for
// version 1 (groups 0-255), 0000.0c9f.fNNN for version 2 (0-4095).
func VirtualMAC(version int, group uint16) [6]byte {
	if version == 2 {
		return [6]byte{0x00, 0x00, 0x0c, 0x9f, 0xf0 | byte(group>>8&0x0f), byte(group)}
	}
	return [6]byte{0x00, 0x00, 0x0c, 0x07, 0xac, byte(group)}
}

// OpCode is a message's operation.
type OpCode uint8

// The operations (RFC 2281 §5.1; Advertise is a version 1 extension that
// is recognised and ignored).
const (
	Hello     OpCode = 0
	Coup      OpCode = 1
	Resign    OpCode = 2
	Advertise OpCode = 3
)

func (o OpCode) String() string {
	switch o {
	case Hello:
		return "Hello"
	case Coup:
		return "Coup"
	case Resign:
		return "Resign"
	case Advertise:
		return "Advertise"
	}
	return fmt.Sprintf("OpCode(%d)", uint8(o))
}

// State is a group's state, with its wire value.
type State uint8

// The states (RFC 2281 §5.1).
const (
	Initial State = 0
	Learn   State = 1
	Listen  State = 2
	Speak   State = 4
	Standby State = 8
	Active  State = 16
)

// String is the state as IOS names it in show standby and its syslog.
func (s State) String() string {
	switch s {
	case Initial:
		return "Init"
	case Learn:
		return "Learn"
	case Listen:
		return "Listen"
	case Speak:
		return "Speak"
	case Standby:
		return "Standby"
	case Active:
		return "Active"
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

func validState(s State) bool {
	switch s {
	case Initial, Learn, Listen, Speak, Standby, Active:
		return true
	}
	return false
}

// AuthKind is a group's authentication.
type AuthKind uint8

// The kinds. Version 1 without configured authentication sends the
// plain-text default "cisco", as IOS does; version 2 then sends none.
const (
	AuthNone AuthKind = iota
	AuthText
	AuthMD5
)

// DefaultText is the text authentication IOS uses when none is configured.
const DefaultText = "cisco"

// Auth is a group's authentication settings.
type Auth struct {
	Kind AuthKind
	Key  string // the text (at most 8 bytes on the wire) or the MD5 key string
}

// Message is one decoded HSRP message.
type Message struct {
	Version  int // 1 or 2
	Op       OpCode
	State    State
	Group    uint16
	Priority uint8
	Hello    time.Duration // 0 when the sender does not say (v1 msec timers)
	Hold     time.Duration
	VIP      netip.Addr // invalid when the sender does not know it (v1 zero)
	// ID is the version 2 sender identifier (its interface MAC).
	ID [6]byte
	// AuthKind and what came with it: Text for text authentication,
	// KeyID, Digest and SenderIP of the MD5 TLV.
	AuthKind AuthKind
	Text     string
	KeyID    uint32
	SenderIP netip.Addr
	Digest   [16]byte
	md5At    int // offset of the MD5 digest in the encoded message
}

// Decode errors; each names one reason a message is dropped and counted.
var (
	ErrShort      = errors.New("message too short")
	ErrVersion    = errors.New("unknown version")
	ErrTLV        = errors.New("malformed TLV")
	ErrState      = errors.New("unknown state")
	ErrNoGroup    = errors.New("no group state TLV")
	ErrAuthFailed = errors.New("authentication failed")
)

// Decode parses a UDP payload. It never keeps b.
func Decode(b []byte) (Message, error) {
	if len(b) < 2 {
		return Message{}, ErrShort
	}
	// Version 1 starts with version 0; version 2 with the group state
	// TLV's type (1) and length (40).
	if b[0] == 0 {
		return decodeV1(b)
	}
	if b[0] == tlvGroupState && b[1] == groupStateLen {
		return decodeV2(b)
	}
	return Message{}, fmt.Errorf("hsrp: first byte %d: %w", b[0], ErrVersion)
}

func decodeV1(b []byte) (Message, error) {
	if len(b) < v1Len {
		return Message{}, fmt.Errorf("hsrp v1: %d bytes: %w", len(b), ErrShort)
	}
	m := Message{Version: 1, Op: OpCode(b[1]), State: State(b[2]),
		Hello: time.Duration(b[3]) * time.Second, Hold: time.Duration(b[4]) * time.Second,
		Priority: b[5], Group: uint16(b[6])}
	if !validState(m.State) {
		return Message{}, fmt.Errorf("hsrp v1: state %d: %w", b[2], ErrState)
	}
	if vip := netip.AddrFrom4([4]byte(b[16:20])); !vip.IsUnspecified() {
		m.VIP = vip
	}
	m.AuthKind, m.Text = AuthText, trimNUL(b[8:16])
	rest := b[v1Len:]
	if len(rest) >= 2 && rest[0] == tlvMD5 {
		if err := m.md5TLV(rest, v1Len); err != nil {
			return Message{}, err
		}
	}
	return m, nil
}

func decodeV2(b []byte) (Message, error) {
	m := Message{Version: 2}
	seen := false
	for off := 0; off < len(b); {
		if len(b)-off < 2 {
			return Message{}, fmt.Errorf("hsrp v2: %d trailing bytes: %w", len(b)-off, ErrTLV)
		}
		typ, n := b[off], int(b[off+1])
		v := b[off+2:]
		if len(v) < n {
			return Message{}, fmt.Errorf("hsrp v2: TLV %d of %d bytes in %d: %w", typ, n, len(v), ErrTLV)
		}
		v = v[:n]
		switch typ {
		case tlvGroupState:
			if n != groupStateLen || seen {
				return Message{}, fmt.Errorf("hsrp v2: group state TLV of %d bytes: %w", n, ErrTLV)
			}
			seen = true
			if v[0] != 2 {
				return Message{}, fmt.Errorf("hsrp v2: version %d: %w", v[0], ErrVersion)
			}
			m.Op, m.State = OpCode(v[1]), State(v[2])
			if !validState(m.State) {
				return Message{}, fmt.Errorf("hsrp v2: state %d: %w", v[2], ErrState)
			}
			ipVersion := v[3]
			m.Group = binary.BigEndian.Uint16(v[4:6])
			copy(m.ID[:], v[6:12])
			p := binary.BigEndian.Uint32(v[12:16])
			m.Priority = uint8(min(p, 255))
			m.Hello = time.Duration(binary.BigEndian.Uint32(v[16:20])) * time.Millisecond
			m.Hold = time.Duration(binary.BigEndian.Uint32(v[20:24])) * time.Millisecond
			if ipVersion == 4 {
				if vip := netip.AddrFrom4([4]byte(v[24:28])); !vip.IsUnspecified() {
					m.VIP = vip
				}
			}
		case tlvText:
			if n != textLen {
				return Message{}, fmt.Errorf("hsrp v2: text TLV of %d bytes: %w", n, ErrTLV)
			}
			m.AuthKind, m.Text = AuthText, trimNUL(v)
		case tlvMD5:
			if err := m.md5TLV(b[off:], off); err != nil {
				return Message{}, err
			}
		}
		off += 2 + n
	}
	if !seen {
		return Message{}, ErrNoGroup
	}
	return m, nil
}

// md5TLV reads an MD5 TLV at t, which is at offset off of the message.
func (m *Message) md5TLV(t []byte, off int) error {
	if len(t) < 2+md5Len || t[1] != md5Len {
		return fmt.Errorf("hsrp: MD5 TLV of %d bytes: %w", len(t), ErrTLV)
	}
	v := t[2 : 2+md5Len]
	m.AuthKind, m.Text = AuthMD5, ""
	m.SenderIP = netip.AddrFrom4([4]byte(v[4:8]))
	m.KeyID = binary.BigEndian.Uint32(v[8:12])
	copy(m.Digest[:], v[12:28])
	m.md5At = off + 2 + 12
	return nil
}

func trimNUL(b []byte) string {
	n := len(b)
	for n > 0 && b[n-1] == 0 {
		n--
	}
	return string(b[:n])
}

// Check reports whether a decoded message passes the group's
// authentication; raw is the payload m was decoded from.
func Check(raw []byte, m *Message, a Auth) bool {
	switch a.Kind {
	case AuthMD5:
		if m.AuthKind != AuthMD5 || m.md5At+16 > len(raw) {
			return false
		}
		want := digest(raw, m.md5At, a.Key)
		return subtle.ConstantTimeCompare(want[:], m.Digest[:]) == 1
	default:
		if m.AuthKind == AuthMD5 {
			return false
		}
		want := wireText(m.Version, a)
		return m.Text == want
	}
}

// wireText is the text a group sends: its key, the v1 default "cisco"
// when none, and nothing for an unauthenticated v2 group.
func wireText(version int, a Auth) string {
	t := a.Key
	if a.Kind == AuthNone {
		t = ""
		if version == 1 {
			t = DefaultText
		}
	}
	if len(t) > textLen {
		t = t[:textLen]
	}
	return t
}

// digest is the keyed MD5 of a message: MD5(key, message with the digest
// field zeroed, key), the keyed-MD5 construction of RFC 1828 that the MD5
// TLV carries.
func digest(raw []byte, at int, key string) [16]byte {
	h := md5.New()
	h.Write([]byte(key))
	h.Write(raw[:at])
	h.Write(make([]byte, 16))
	h.Write(raw[at+16:])
	h.Write([]byte(key))
	var d [16]byte
	h.Sum(d[:0])
	return d
}

// Encode appends the message m, authenticated as a says, to b and returns
// it. For MD5, senderIP goes into the TLV; m.ID is the v2 identifier.
func Encode(b []byte, m *Message, a Auth, senderIP netip.Addr) []byte {
	start := len(b)
	var vip [4]byte
	if m.VIP.Is4() {
		vip = m.VIP.As4()
	}
	md5At := -1
	if m.Version == 2 {
		b = append(b, tlvGroupState, groupStateLen, 2, byte(m.Op), byte(m.State), 4)
		b = binary.BigEndian.AppendUint16(b, m.Group)
		b = append(b, m.ID[:]...)
		b = binary.BigEndian.AppendUint32(b, uint32(m.Priority))
		b = binary.BigEndian.AppendUint32(b, uint32(m.Hello/time.Millisecond))
		b = binary.BigEndian.AppendUint32(b, uint32(m.Hold/time.Millisecond))
		b = append(b, vip[:]...)
		b = append(b, make([]byte, 12)...)
		switch a.Kind {
		case AuthText:
			var t [textLen]byte
			copy(t[:], wireText(2, a))
			b = append(b, tlvText, textLen)
			b = append(b, t[:]...)
		case AuthMD5:
			md5At = len(b) - start + 2 + 12
			b = appendMD5TLV(b, senderIP)
		}
	} else {
		b = append(b, 0, byte(m.Op), byte(m.State), secs(m.Hello), secs(m.Hold), m.Priority, byte(m.Group), 0)
		var t [textLen]byte
		if a.Kind != AuthMD5 {
			copy(t[:], wireText(1, a))
		}
		b = append(b, t[:]...)
		b = append(b, vip[:]...)
		if a.Kind == AuthMD5 {
			md5At = v1Len + 2 + 12
			b = appendMD5TLV(b, senderIP)
		}
	}
	if md5At >= 0 {
		d := digest(b[start:], md5At, a.Key)
		copy(b[start+md5At:], d[:])
	}
	return b
}

func appendMD5TLV(b []byte, senderIP netip.Addr) []byte {
	var ip [4]byte
	if senderIP.Is4() {
		ip = senderIP.As4()
	}
	b = append(b, tlvMD5, md5Len, md5Algorithm, 0, 0, 0)
	b = append(b, ip[:]...)
	b = append(b, 0, 0, 0, 0) // key ID: key-string has no key chain
	return append(b, make([]byte, 16)...)
}

// secs is a version 1 timer field: whole seconds (0 for sub-second
// timers, which version 1 cannot carry; receivers then use their own).
func secs(d time.Duration) byte {
	s := d / time.Second
	if d%time.Second != 0 {
		s = 0
	}
	return byte(min(s, 255))
}
