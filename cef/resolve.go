package cef

type resolution struct {
	ok bool
	If IfID
	NH uint32
}

// resolveNH resolves a next hop recursively to an interface and a
// connected next hop.
func (t *Table) resolveNH(nh uint32, depth int) resolution {
	if depth > errResolveDepth {
		return resolution{}
	}
	var buf [1]route
	for l := 32; l >= 0; l-- {
		for _, r := range t.rib.get(pfxKey{nh & mask(l), uint8(l)}, &buf) {
			switch {
			case r.typ == Connected:
				return resolution{true, r.ifc, nh}
			case r.typ == Local, r.typ == special:
				return resolution{} // the next hop is us, or a martian
			case r.hasIf() && r.ifc == Null0:
				return resolution{}
			case r.hasIf() && !r.hasNH():
				return resolution{true, r.ifc, nh}
			default:
				if res := t.resolveNH(r.nh, depth+1); res.ok {
					if r.hasIf() && res.If != r.ifc {
						continue
					}
					return res
				}
			}
		}
	}
	return resolution{}
}
