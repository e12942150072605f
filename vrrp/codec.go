// Package vrrp is the Virtual Router Redundancy Protocol of l2sw's SVIs: the
// advertisement codec of VRRPv2 (RFC 3768) and VRRPv3 for IPv4 (RFC 5798),
// and the per-group state machine (Init, Backup, Master) with its timers.
//
// It does no I/O and keeps no clock: the runner in cli/ feeds it received
// advertisements and the current time, and carries out what it asks for
// (send an advertisement, own the virtual addresses, send gratuitous ARP).
package vrrp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
)

// Protocol is VRRP's IP protocol number, which CARP shares.
const Protocol = 112

// TTL is the only IP TTL an advertisement may have (RFC 3768 §7.1).
const TTL = 255

// Group is the IPv4 multicast address adverts are sent to, 224.0.0.18.
var Group = netip.AddrFrom4([4]byte{224, 0, 0, 18})

// GroupMAC is the Ethernet multicast address of Group, 0100.5e00.0012.
var GroupMAC = [6]byte{0x01, 0x00, 0x5e, 0x00, 0x00, 0x12}

// VirtualMAC is the virtual router MAC of an IPv4 VRID, 0000.5e00.01NN.
func VirtualMAC(vrid uint8) [6]byte { return [6]byte{0, 0, 0x5e, 0, 1, vrid} }

// Header sizes.
const (
	headerLen = 8 // version/type, VRID, priority, count, auth/rsvd+interval, checksum
	authLen   = 8 // VRRPv2's authentication data
	// MaxAddrs is the most addresses one advertisement carries here (the
	// count field allows 255; IOS allows far fewer per group).
	MaxAddrs = 64
)

// Authentication types of VRRPv2.
const (
	AuthNone = 0
	AuthText = 1 // simple text password, RFC 2338
)

// PriorityOwner is the priority of the router that owns the virtual
// address; PriorityStop is what a master sends when it resigns.
const (
	PriorityOwner = 255
	PriorityStop  = 0
)

// Advert is one VRRP advertisement.
type Advert struct {
	Version  uint8 // 2 or 3
	VRID     uint8
	Priority uint8
	// Interval is the advertisement interval in the packet's unit: whole
	// seconds in VRRPv2 (8 bits), centiseconds in VRRPv3 (12 bits).
	Interval uint16
	AuthType uint8   // VRRPv2 only
	Auth     [8]byte // VRRPv2 only: the text password, zero padded
	Addrs    []netip.Addr
}

// Errors of Decode; every one is a reason to drop and count the packet.
var (
	ErrShort    = errors.New("vrrp: packet too short")
	ErrVersion  = errors.New("vrrp: unknown version")
	ErrType     = errors.New("vrrp: not an advertisement")
	ErrLength   = errors.New("vrrp: length does not match the address count")
	ErrChecksum = errors.New("vrrp: bad checksum")
	ErrNoAddrs  = errors.New("vrrp: no addresses")
)

// Decode parses the VRRP message b (the IP payload) that src sent to dst;
// both are needed for the VRRPv3 checksum, which covers a pseudo-header.
//
// A CARP advertisement (same protocol, version 2, type 1) is refused with
// ErrLength: its fourth byte is an authentication length (7), not an
// address count, and its 36 bytes never equal VRRPv2's 8 + 4n + 8, which
// is how keepalived tells the two apart too.
func Decode(src, dst netip.Addr, b []byte) (Advert, error) {
	if len(b) < headerLen {
		return Advert{}, ErrShort
	}
	var a Advert
	a.Version = b[0] >> 4
	if b[0]&0x0f != 1 {
		return Advert{}, ErrType
	}
	a.VRID, a.Priority = b[1], b[2]
	n := int(b[3])
	if n == 0 {
		return Advert{}, ErrNoAddrs
	}
	switch a.Version {
	case 2:
		if len(b) != headerLen+4*n+authLen {
			return Advert{}, ErrLength
		}
		a.AuthType = b[4]
		a.Interval = uint16(b[5])
		if checksum(0, b) != 0 {
			return Advert{}, ErrChecksum
		}
		copy(a.Auth[:], b[headerLen+4*n:])
	case 3:
		if len(b) != headerLen+4*n {
			return Advert{}, ErrLength
		}
		a.Interval = binary.BigEndian.Uint16(b[4:]) & 0x0fff
		if checksum(pseudo(src, dst, len(b)), b) != 0 {
			return Advert{}, ErrChecksum
		}
	default:
		return Advert{}, ErrVersion
	}
	a.Addrs = make([]netip.Addr, n)
	for i := range n {
		a.Addrs[i] = netip.AddrFrom4([4]byte(b[headerLen+4*i:]))
	}
	return a, nil
}

// Len is the encoded length of a.
func (a *Advert) Len() int {
	n := headerLen + 4*len(a.Addrs)
	if a.Version == 2 {
		n += authLen
	}
	return n
}

// Encode writes a into b (at least a.Len() bytes) as src sends it to dst,
// checksum included, and returns the length written.
func (a *Advert) Encode(b []byte, src, dst netip.Addr) (int, error) {
	if len(a.Addrs) == 0 || len(a.Addrs) > MaxAddrs {
		return 0, fmt.Errorf("vrrp: %d addresses: %w", len(a.Addrs), ErrNoAddrs)
	}
	n := a.Len()
	if len(b) < n {
		return 0, ErrShort
	}
	b = b[:n]
	b[0] = a.Version<<4 | 1
	b[1], b[2], b[3] = a.VRID, a.Priority, uint8(len(a.Addrs))
	b[6], b[7] = 0, 0
	for i, ip := range a.Addrs {
		if !ip.Is4() {
			return 0, fmt.Errorf("vrrp: address %s is not IPv4", ip)
		}
		v := ip.As4()
		copy(b[headerLen+4*i:], v[:])
	}
	var sum uint16
	switch a.Version {
	case 2:
		if a.Interval > 0xff {
			return 0, fmt.Errorf("vrrp: v2 interval %d s out of range", a.Interval)
		}
		b[4], b[5] = a.AuthType, uint8(a.Interval)
		copy(b[headerLen+4*len(a.Addrs):], a.Auth[:])
		sum = checksum(0, b)
	case 3:
		if a.Interval > 0x0fff {
			return 0, fmt.Errorf("vrrp: v3 interval %d cs out of range", a.Interval)
		}
		binary.BigEndian.PutUint16(b[4:], a.Interval)
		sum = checksum(pseudo(src, dst, n), b)
	default:
		return 0, fmt.Errorf("vrrp: version %d: %w", a.Version, ErrVersion)
	}
	binary.BigEndian.PutUint16(b[6:], sum)
	return n, nil
}

// pseudo is the one's-complement sum of the IPv4 pseudo-header of RFC 5798
// §5.2.8 (as for UDP: source, destination, zero, protocol, length).
func pseudo(src, dst netip.Addr, n int) uint32 {
	s, d := src.As4(), dst.As4()
	var acc uint32
	acc += uint32(s[0])<<8 | uint32(s[1])
	acc += uint32(s[2])<<8 | uint32(s[3])
	acc += uint32(d[0])<<8 | uint32(d[1])
	acc += uint32(d[2])<<8 | uint32(d[3])
	acc += Protocol + uint32(n)
	return acc
}

// checksum folds acc plus the 16-bit words of b and returns the
// complement: 0 when b carries a valid checksum.
func checksum(acc uint32, b []byte) uint16 {
	for len(b) >= 2 {
		acc += uint32(b[0])<<8 | uint32(b[1])
		b = b[2:]
	}
	if len(b) == 1 {
		acc += uint32(b[0]) << 8
	}
	for acc>>16 != 0 {
		acc = acc&0xffff + acc>>16
	}
	return ^uint16(acc)
}

// TextAuth returns the VRRPv2 authentication data of a text password (at
// most 8 characters, zero padded).
func TextAuth(key string) [8]byte {
	var a [8]byte
	copy(a[:], key)
	return a
}
