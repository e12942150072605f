// This file holds the Ethernet MAC address as a comparable value type and
// its IOS spellings, so no package needs net.HardwareAddr or strings on the
// hot path.

package packet

import (
	"errors"
	"fmt"
	"strings"
)

// MAC is a 48-bit Ethernet address. It is comparable and usable as a map key.
type MAC [6]byte

// BroadcastMAC is ffff.ffff.ffff.
var BroadcastMAC = MAC{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

// IsZero reports whether m is 0000.0000.0000.
func (m MAC) IsZero() bool { return m == MAC{} }

// IsMulticast reports whether the group bit is set (broadcast included).
func (m MAC) IsMulticast() bool { return m[0]&1 != 0 }

// IsBroadcast reports whether m is ffff.ffff.ffff.
func (m MAC) IsBroadcast() bool { return m == BroadcastMAC }

// Uint64 packs the address into the low 48 bits, most significant byte
// first: the form the CAM keys on.
func (m MAC) Uint64() uint64 { return MACUint64(m[:]) }

// MACUint64 packs the address in the first six bytes of b as MAC.Uint64
// does, without building an array (b is usually a frame).
func MACUint64(b []byte) uint64 {
	_ = b[5]
	return uint64(b[0])<<40 | uint64(b[1])<<32 | uint64(b[2])<<24 |
		uint64(b[3])<<16 | uint64(b[4])<<8 | uint64(b[5])
}

// MACFromUint64 is the inverse of Uint64; bits above 48 are ignored.
func MACFromUint64(v uint64) MAC {
	return MAC{byte(v >> 40), byte(v >> 32), byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}
}

const hexDigits = "0123456789abcdef"

// String renders the Cisco dotted form 0011.2233.4455, as every IOS show
// command does.
func (m MAC) String() string {
	var b [14]byte
	j := 0
	for i, x := range m {
		if i == 2 || i == 4 {
			b[j] = '.'
			j++
		}
		b[j] = hexDigits[x>>4]
		b[j+1] = hexDigits[x&0xf]
		j += 2
	}
	return string(b[:])
}

// Hyphenated renders 00-11-22-33-44-55, the CatOS form used by the
// %SYS-4-P2_WARN filtering message.
func (m MAC) Hyphenated() string { return m.separated('-') }

// Colon renders 00:11:22:33:44:55, the Linux form.
func (m MAC) Colon() string { return m.separated(':') }

// separated renders the six bytes in hex with sep between them.
func (m MAC) separated(sep byte) string {
	var b [17]byte
	for i, x := range m {
		b[i*3] = hexDigits[x>>4]
		b[i*3+1] = hexDigits[x&0xf]
		if i < 5 {
			b[i*3+2] = sep
		}
	}
	return string(b[:])
}

// ErrMACSyntax is returned (wrapped) for a string that is no MAC address.
var ErrMACSyntax = errors.New("invalid MAC address")

// ParseDottedMAC accepts the IOS form H.H.H, each group 1 to 4 hex digits
// (0011.2233.4455, or 11.2233.4455 as IOS takes it too).
func ParseDottedMAC(s string) (MAC, error) {
	var m MAC
	for i := 0; i < 3; i++ {
		g := s
		if i < 2 {
			dot := strings.IndexByte(s, '.')
			if dot < 0 {
				return MAC{}, fmt.Errorf("%w: %q", ErrMACSyntax, s)
			}
			g, s = s[:dot], s[dot+1:]
		}
		if len(g) == 0 || len(g) > 4 {
			return MAC{}, fmt.Errorf("%w: %q", ErrMACSyntax, s)
		}
		var v uint16
		for k := 0; k < len(g); k++ {
			d, ok := nibble(g[k])
			if !ok {
				return MAC{}, fmt.Errorf("%w: %q", ErrMACSyntax, g)
			}
			v = v<<4 | uint16(d)
		}
		m[2*i], m[2*i+1] = byte(v>>8), byte(v)
	}
	return m, nil
}

// ParseMAC accepts the dotted IOS form (ParseDottedMAC) and, for lab users
// pasting from Linux, the colon and hyphen forms (00:11:22:33:44:55).
func ParseMAC(s string) (MAC, error) {
	if len(s) != 17 {
		return ParseDottedMAC(s)
	}
	var m MAC
	sep := s[2]
	if sep != ':' && sep != '-' {
		return m, fmt.Errorf("%w: %q", ErrMACSyntax, s)
	}
	for i := 0; i < 6; i++ {
		if i < 5 && s[i*3+2] != sep {
			return m, fmt.Errorf("%w: %q", ErrMACSyntax, s)
		}
		hi, ok1 := nibble(s[i*3])
		lo, ok2 := nibble(s[i*3+1])
		if !ok1 || !ok2 {
			return m, fmt.Errorf("%w: %q", ErrMACSyntax, s)
		}
		m[i] = hi<<4 | lo
	}
	return m, nil
}

func nibble(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
