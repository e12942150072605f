package cli

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/tcam/acl"
)

// This file renders the access-list configuration as `show
// running-config` prints it.

// tcamLimitsConfig renders the non-default `platform acl tcam` lines.
func (d *Device) tcamLimitsConfig() string {
	l, def := d.sw.ACLLimits(), dataplane.DefaultACLLimits()
	var b strings.Builder
	for _, f := range []struct {
		word     string
		cur, def int
	}{{"entries", l.Entries, def.Entries}, {"masks", l.Masks, def.Masks},
		{"entries-per-mask", l.EntriesPerMask, def.EntriesPerMask}, {"lous", l.RangeUnits, def.RangeUnits}} {
		if f.cur != f.def {
			fmt.Fprintf(&b, "platform acl tcam %s %d\n", f.word, f.cur)
		}
	}
	if b.Len() > 0 {
		b.WriteString("!\n")
	}
	return b.String()
}

// portAccessGroupConfig is the ` ip access-group` line of a layer-2 port.
func (d *Device) portAccessGroupConfig(port string) string {
	d.acl.mu.Lock()
	defer d.acl.mu.Unlock()
	if n, ok := d.acl.ports[port]; ok {
		return " ip access-group " + n + " in\n"
	}
	return ""
}

// sviAccessGroupConfig is the ` ip access-group` lines of an SVI.
func (d *Device) sviAccessGroupConfig(vlan uint16) string {
	d.acl.mu.Lock()
	defer d.acl.mu.Unlock()
	var b strings.Builder
	for _, dir := range []dataplane.ACLDirection{dataplane.ACLIn, dataplane.ACLOut} {
		if n, ok := d.acl.svis[sviGroup{vlan, dir}]; ok {
			b.WriteString(" ip access-group " + n + " " + dir.String() + "\n")
		}
	}
	return b.String()
}

// vlanMapConfig renders the `vlan access-map` blocks and `vlan filter` lines.
func (d *Device) vlanMapConfig() string {
	s := d.acl
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	for _, name := range sortedKeys(s.maps) {
		for _, e := range s.maps[name].entries {
			fmt.Fprintf(&b, "vlan access-map %s %d\n", name, e.seq)
			if len(e.matches) > 0 {
				b.WriteString(" match ip address " + strings.Join(e.matches, " ") + "\n")
			}
			if e.drop {
				b.WriteString(" action drop\n")
			} else {
				b.WriteString(" action forward\n")
			}
			b.WriteString("!\n")
		}
	}
	byMap := map[string][]int{}
	for v, m := range s.filters {
		byMap[m] = append(byMap[m], int(v))
	}
	for _, m := range sortedKeys(byMap) {
		var set dataplane.VLANSet
		for _, v := range byMap[m] {
			set.Add(uint16(v))
		}
		fmt.Fprintf(&b, "vlan filter %s vlan-list %s\n", m, iosVLANList(set))
	}
	if len(byMap) > 0 {
		b.WriteString("!\n")
	}
	return b.String()
}

// accessListConfig renders the access lists: named lists, then numbered
// `access-list N` lines, as IOS orders them.
func (d *Device) accessListConfig() string {
	s := d.acl
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	named, numbered := s.sortedLists()
	for _, l := range named {
		for _, line := range l.ConfigLines() {
			b.WriteString(line + "\n")
		}
		b.WriteString("!\n")
	}
	for _, l := range numbered {
		for _, line := range l.ConfigLines() {
			b.WriteString(line + "\n")
		}
	}
	if len(numbered) > 0 {
		b.WriteString("!\n")
	}
	return b.String()
}

// sortedLists returns the named lists by name and the numbered lists by
// number; s.mu held.
func (s *aclConfig) sortedLists() (named, numbered []*acl.List) {
	for _, l := range s.lists {
		if l.Numbered {
			numbered = append(numbered, l)
		} else {
			named = append(named, l)
		}
	}
	sort.Slice(named, func(i, j int) bool { return named[i].Name < named[j].Name })
	sort.Slice(numbered, func(i, j int) bool {
		a, _ := strconv.Atoi(numbered[i].Name)
		b, _ := strconv.Atoi(numbered[j].Name)
		return a < b
	})
	return named, numbered
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
