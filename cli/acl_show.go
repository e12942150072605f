package cli

import (
	"fmt"
	"github.com/l2sw/l2sw/ifname"
	"strings"

	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/tcam/acl"
)

// This file holds the EXEC commands of the access lists: show access-lists
// with per-entry match counters, clear access-list counters, the VLAN map
// and filter listings, the TCAM capacity and the FM summary.

func (d *Device) aclExecCommands() []engine.Command {
	help := map[string]string{
		"access-lists": "List access lists", "$name": "ACL name or number",
		"access-list": "Clear access list statistical information", "counters": "Clear access list counters",
		"ip": "IP information", "filter": "VLAN filter information", "access-map": "Vlan access-map",
		"platform": "Show platform information", "hardware": "Show platform hardware information",
		"capacity": "Show resource capacity", "acl": "Show ACL TCAM capacity",
		"fm": "FM information", "summary": "Show FM summary", "tcam": "TCAM information", "counts": "Show TCAM usage counts",
	}
	show := func(c *engine.Ctx, a engine.Args) error { return d.showAccessLists(c, a.String("name")) }
	clear := func(c *engine.Ctx, a engine.Args) error {
		name := a.String("name")
		if name != "" {
			d.acl.mu.Lock()
			exists := d.acl.lists[name] != nil
			d.acl.mu.Unlock()
			if !exists {
				return engine.Rejectf("%% Access list %s does not exist", name)
			}
		}
		d.sw.ClearACLCounters(name)
		return nil
	}
	capacity := func(c *engine.Ctx, _ engine.Args) error {
		c.Printf("%s", tcamCapacity(d.sw.ACLUsage()))
		return nil
	}
	return []engine.Command{
		{Syntax: "show access-lists [WORD$name]", Level: engine.LevelUser, Help: help, Run: show},
		{Syntax: "show ip access-lists [WORD$name]", Level: engine.LevelUser, Help: help, Run: show},
		{Syntax: "clear access-list counters [WORD$name]", Help: help, Run: clear},
		{Syntax: "clear ip access-list counters [WORD$name]", Help: help, Run: clear},
		{Syntax: "show vlan access-map [WORD$name]", Level: engine.LevelUser, Help: help,
			Run: func(c *engine.Ctx, a engine.Args) error { return d.showVLANAccessMap(c, a.String("name")) }},
		{Syntax: "show vlan filter", Level: engine.LevelUser, Help: help,
			Run: func(c *engine.Ctx, _ engine.Args) error { c.Printf("%s", d.showVLANFilter()); return nil }},
		{Syntax: "show platform hardware capacity acl", Level: engine.LevelUser, Help: help, Run: capacity},
		{Syntax: "show tcam counts", Level: engine.LevelUser, Help: help, Run: capacity},
		{Syntax: "show fm summary", Level: engine.LevelUser, Help: help,
			Run: func(c *engine.Ctx, _ engine.Args) error { c.Printf("%s", d.showFMSummary()); return nil }},
	}
}

// showAccessLists is `show [ip] access-lists [NAME]`: every list (or one),
// numbered first by number, then named by name, with the match counters
// the dataplane sums over every place the list is applied.
func (d *Device) showAccessLists(c *engine.Ctx, name string) error {
	s := d.acl
	s.mu.Lock()
	var lists []*acl.List
	if name != "" {
		if l := s.lists[name]; l != nil {
			lists = append(lists, l)
		}
	} else {
		named, numbered := s.sortedLists()
		lists = append(numbered, named...)
	}
	s.mu.Unlock()
	for _, l := range lists {
		if err := writeACLListing(c.Out, l, func(seq uint32) uint64 { return d.sw.ACLMatches(l.Name, seq) }); err != nil {
			return engine.Rejectf("%% %v", err)
		}
	}
	return nil
}

// showVLANAccessMap is `show vlan access-map [NAME]`, in the Catalyst layout:
//
//	Vlan access-map "SEC"  10
//	  Match clauses:
//	    ip  address: 101
//	  Action:
//	    drop
func (d *Device) showVLANAccessMap(c *engine.Ctx, name string) error {
	s := d.acl
	s.mu.Lock()
	defer s.mu.Unlock()
	names := sortedKeys(s.maps)
	if name != "" {
		names = nil
		if s.maps[name] != nil {
			names = []string{name}
		}
	}
	for _, n := range names {
		for _, e := range s.maps[n].entries {
			c.Printf("Vlan access-map \"%s\"  %d\n", n, e.seq)
			c.Printf("  Match clauses:\n")
			if len(e.matches) > 0 {
				c.Printf("    ip  address: %s\n", strings.Join(e.matches, " "))
			}
			c.Printf("  Action:\n")
			if e.drop {
				c.Printf("    drop\n")
			} else {
				c.Printf("    forward\n")
			}
		}
	}
	return nil
}

// showVLANFilter is `show vlan filter`:
//
//	VLAN Map SEC is filtering VLANs:
//	  20-22
func (d *Device) showVLANFilter() string {
	s := d.acl
	s.mu.Lock()
	defer s.mu.Unlock()
	sets := map[string]*dataplane.VLANSet{}
	for v, m := range s.filters {
		if sets[m] == nil {
			sets[m] = &dataplane.VLANSet{}
		}
		sets[m].Add(v)
	}
	var b strings.Builder
	for _, m := range sortedKeys(sets) {
		fmt.Fprintf(&b, "VLAN Map %s is filtering VLANs:\n  %s\n", m, iosVLANList(*sets[m]))
	}
	return b.String()
}

// tcamCapacity renders `show platform hardware capacity acl`: used, free
// and total of each TCAM resource.
func tcamCapacity(u dataplane.ACLUsage) string {
	var b strings.Builder
	b.WriteString("ACL TCAM Resources\n")
	fmt.Fprintf(&b, "  %-22s %10s %10s %10s %6s\n", "Resource", "Used", "Free", "Total", "Used%")
	for _, r := range []struct {
		res   dataplane.ACLResource
		label string
	}{{dataplane.ResEntries, "ACL TCAM entries"}, {dataplane.ResMasks, "ACL TCAM masks"}, {dataplane.ResRangeUnits, "LOUs (range checkers)"}} {
		used, limit := u.Used(r.res), u.Limit(r.res)
		pct := 0
		if limit > 0 {
			pct = used * 100 / limit
		}
		fmt.Fprintf(&b, "  %-22s %10d %10d %10d %5d%%\n", r.label, used, u.Free(r.res), limit, pct)
	}
	fmt.Fprintf(&b, "  Entries per mask: %d\n", u.EntriesPerMask)
	return b.String()
}

// showFMSummary is `show fm summary`: the router ACL interfaces and whether
// their ACL is in the TCAM (ACTIVE) or software switched (INACTIVE).
//
//	Interface: Vlan202 is up
//	  TCAM screening for features: INACTIVE inbound
func (d *Device) showFMSummary() string {
	var b strings.Builder
	type dirs struct{ in, out string }
	byIf := map[string]*dirs{}
	var order []string
	for _, st := range d.sw.ACLSummary() {
		if st.ID.Feature != dataplane.FeatureRACL {
			continue
		}
		x := byIf[st.ID.Interface]
		if x == nil {
			x = &dirs{}
			byIf[st.ID.Interface] = x
			order = append(order, st.ID.Interface)
		}
		if st.ID.Dir == dataplane.ACLOut {
			x.out = fmStateWord(st.State)
		} else {
			x.in = fmStateWord(st.State)
		}
	}
	for _, name := range order {
		status := "down"
		if vlan, ok := ifname.ParseSVI(name); ok {
			if c, err := d.sw.SVI(vlan); err == nil {
				status = "up"
				if c.Shutdown {
					status = "administratively down"
				}
			}
		}
		fmt.Fprintf(&b, "Interface: %s is %s\n", name, status)
		if x := byIf[name]; x.in != "" {
			fmt.Fprintf(&b, "  TCAM screening for features: %s inbound\n", x.in)
		}
		if x := byIf[name]; x.out != "" {
			fmt.Fprintf(&b, "  TCAM screening for features: %s outbound\n", x.out)
		}
	}
	return b.String()
}
