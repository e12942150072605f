package tcam

import (
	"math"

	"github.com/l2sw/l2sw/tcam/acl"
)

// Header is the classification key of one packet. For ICMP, SrcPort carries
// the ICMP type and DstPort the code (as TCAMs reuse the L4 port fields);
// for protocols without ports both are 0. Flags is the TCP flags byte.
type Header struct {
	Src, Dst         uint32
	SrcPort, DstPort uint16
	Proto            uint8
	Flags            uint8
}

// Rule is one classifier rule: a ternary/range box with a priority. An ACE
// becomes one rule (two for `neq`, which is two port intervals).
type Rule struct {
	Priority uint32 // lower wins; the ACE sequence number
	ID       int32  // the binding slot of the ACE, returned on match
	Permit   bool
	Log      bool // the ACE has `log` or `log-input`: the switch logs matches

	SrcIP, SrcMask uint32 // match when addr & mask == ip
	DstIP, DstMask uint32

	SrcPortLo, SrcPortHi uint16
	DstPortLo, DstPortHi uint16

	Proto, ProtoMask uint8
	FlagsValue       uint8 // match when flags & FlagsMask == FlagsValue
	FlagsMask        uint8
	FlagsAny         uint8 // when non-zero, at least one of these bits set
}

// Matches reports whether the packet is inside the rule.
func (r *Rule) Matches(h *Header) bool {
	return h.Src&r.SrcMask == r.SrcIP && h.Dst&r.DstMask == r.DstIP &&
		h.SrcPort >= r.SrcPortLo && h.SrcPort <= r.SrcPortHi &&
		h.DstPort >= r.DstPortLo && h.DstPort <= r.DstPortHi &&
		h.Proto&r.ProtoMask == r.Proto &&
		h.Flags&r.FlagsMask == r.FlagsValue &&
		(r.FlagsAny == 0 || h.Flags&r.FlagsAny != 0)
}

func ruleLess(a, b *Rule) bool {
	if a.Priority != b.Priority {
		return a.Priority < b.Priority
	}
	return a.ID < b.ID
}

// catchAll reports whether r matches every packet.
func (r *Rule) catchAll() bool {
	return r.SrcMask == 0 && r.DstMask == 0 && r.ProtoMask == 0 && r.FlagsMask == 0 && r.FlagsAny == 0 &&
		r.SrcPortLo == 0 && r.SrcPortHi == math.MaxUint16 && r.DstPortLo == 0 && r.DstPortHi == math.MaxUint16
}

// RulesForACE returns the classifier rules of one ACE (none for a remark,
// two for `neq`, none for an impossible `lt 0`), with ID id and the ACE's
// sequence number as priority. Their union matches exactly what
// acl.ACE.Matches accepts.
func RulesForACE(a *acl.ACE, id int32) []Rule {
	if a.Action == acl.Remark {
		return nil
	}
	base := Rule{
		Priority:  a.Seq,
		ID:        id,
		Permit:    a.Action == acl.Permit,
		Log:       a.Log != acl.LogNone,
		SrcIP:     a.Src.IP,
		SrcMask:   ^a.Src.Wildcard,
		SrcPortHi: 0xffff,
		DstPortHi: 0xffff,
	}
	if a.Kind == acl.Standard {
		return []Rule{base}
	}
	base.DstIP, base.DstMask = a.Dst.IP, ^a.Dst.Wildcard
	if a.AnyProto {
		return []Rule{base}
	}
	base.Proto, base.ProtoMask = a.Proto, 0xff
	if a.Established {
		base.FlagsAny = acl.FlagACK | acl.FlagRST
	}
	base.FlagsMask, base.FlagsValue = a.TCPFlags, a.TCPFlags
	if a.ICMPType >= 0 {
		base.SrcPortLo, base.SrcPortHi = uint16(a.ICMPType), uint16(a.ICMPType)
	}
	if a.ICMPCode >= 0 {
		base.DstPortLo, base.DstPortHi = uint16(a.ICMPCode), uint16(a.ICMPCode)
	}
	out := make([]Rule, 0, 2)
	for _, s := range portIntervals(a.SrcPort) {
		for _, d := range portIntervals(a.DstPort) {
			r := base
			if a.SrcPort.Op != acl.PortAny {
				r.SrcPortLo, r.SrcPortHi = s[0], s[1]
			}
			if a.DstPort.Op != acl.PortAny {
				r.DstPortLo, r.DstPortHi = d[0], d[1]
			}
			out = append(out, r)
		}
	}
	return out
}

func portIntervals(p acl.PortMatch) [][2]uint16 { return p.Ranges() }
