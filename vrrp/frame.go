package vrrp

import (
	"net/netip"

	"github.com/l2sw/l2sw/packet"
)

// Frame returns the Ethernet frame of advertisement a as the master of
// its VRID sends it: from the virtual MAC to 0100.5e00.0012, IPv4 from the
// interface's primary address src to 224.0.0.18 with TTL 255.
func Frame(a *Advert, src netip.Addr) ([]byte, error) {
	f := make([]byte, packet.EthLen+packet.IPv4Min+a.Len())
	n := packet.PutEthernet(f, packet.MAC(GroupMAC), packet.MAC(VirtualMAC(a.VRID)), packet.TypeIPv4)
	if _, err := a.Encode(f[n+packet.IPv4Min:], src, Group); err != nil {
		return nil, err
	}
	packet.PutIPv4Header(f[n:], packet.IPv4Header{TTL: TTL, Proto: Protocol, Src: src.As4(), Dst: Group.As4()})
	return f, nil
}

// Received is an advertisement taken out of a frame, with what the state
// machine needs of its IP header.
type Received struct {
	Advert
	SrcMAC packet.MAC
	Src    netip.Addr // the sender's primary address
	TTL    uint8
}

// ParseFrame takes the advertisement out of an untagged or tagged
// Ethernet frame addressed to 224.0.0.18. Frames of other protocols,
// fragments and CARP adverts (see Decode) are errors.
func ParseFrame(f []byte) (Received, error) {
	var v packet.View
	if v.Parse(f) != packet.ReasonNone || v.EtherType != packet.TypeIPv4 {
		return Received{}, ErrShort
	}
	if v.Proto != Protocol || v.MoreFrag || v.FragOff != 0 {
		return Received{}, ErrType
	}
	ip := f[v.L3 : v.L3+v.IPLen]
	hl, total := v.IHL, v.IPLen
	src := netip.AddrFrom4([4]byte(ip[packet.IPv4Src:]))
	dst := netip.AddrFrom4([4]byte(ip[packet.IPv4Dst:]))
	if dst != Group {
		return Received{}, ErrType
	}
	a, err := Decode(src, dst, ip[hl:total])
	if err != nil {
		return Received{}, err
	}
	return Received{Advert: a, SrcMAC: packet.MAC(f[6:12]), Src: src, TTL: ip[packet.IPv4TTL]}, nil
}
