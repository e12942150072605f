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
	for l := 32; l >= 0; l-- {
		rs := t.routes[pfxKey{nh & mask(l), uint8(l)}]
		for _, r := range rs {
			switch {
			case r.Type == Connected:
				return resolution{true, r.If, nh}
			case r.Type == Local, r.Type == special:
				return resolution{} // the next hop is us, or a martian
			case r.HasIf && r.If == Null0:
				return resolution{}
			case r.HasIf && !r.NextHop.IsValid():
				return resolution{true, r.If, nh}
			default:
				if res := t.resolveNH(addrU32(r.NextHop), depth+1); res.ok {
					if r.HasIf && res.If != r.If {
						continue
					}
					return res
				}
			}
		}
	}
	return resolution{}
}
