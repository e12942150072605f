package cam

// WouldLearn returns what Learn of (vlan, mac) on port at now would return,
// without doing it: no entry is inserted, moved or refreshed, no statistic
// counts and no event is raised. The simulated packet trace uses it, which
// must report the learn stage's outcome and leave the table as it was.
//
// A refresh that Learn would make is Refreshed here too; an insert that
// would lose a race to a concurrent one is reported as Learned.
func (t *Table) WouldLearn(vlan uint16, mac uint64, port PortID, now int64) LearnResult {
	mac &= macMask
	switch {
	case mac == 0:
		return FilteredZero
	case mac&(1<<40) != 0:
		return InvalidSource
	case !validVLAN(vlan):
		return InvalidVLAN
	}
	bk, _, home, i, v := t.probe(Key(vlan, mac))
	switch {
	case i >= 0 && valueType(v) != Dynamic:
		return StaticHit
	case i >= 0 && valuePort(v) == port:
		return Refreshed
	case i >= 0:
		return Moved
	case t.used.Load() >= t.limit.Load() || freeSlot(bk, home) < 0:
		return NotLearnedFull
	}
	return Learned
}
