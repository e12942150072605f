package tcam

import "github.com/l2sw/l2sw/tcam/acl"

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
