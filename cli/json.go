package cli

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"strings"

	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/cli/remote"
	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/tcam/acl"
)

// This file answers `l2sw exec --json`: the table shows (MAC table, ARP,
// routes, CEF, access-list counters, drops) as JSON for scripts, built from
// the rows the switch hands the text shows, never by parsing text. The
// commands are parsed by an engine of their own, with the same syntax as
// the text shows, so abbreviations and arguments work alike.

// JSONCommands are the commands `l2sw exec --json` answers.
var JSONCommands = []string{
	"show mac address-table", "show ip arp", "show ip route", "show ip cef",
	"show access-lists", "show ip access-lists", "show platform drops",
}

var _ remote.JSONExecer = (*Device)(nil)

// ExecJSON runs each line (a show in JSONCommands, in any abbreviation)
// and returns one JSON object per line, each on a line of its own (JSON
// Lines). A line the JSON engine refuses gives {"command": ..., "error":
// ...} and sets rejected.
func (d *Device) ExecJSON(lines []string) (output string, rejected bool) {
	var b strings.Builder
	for _, line := range lines {
		if strings.TrimSpace(line) == "" {
			continue
		}
		st := d.jsonEng.NewState(engine.LevelPrivileged)
		var out bytes.Buffer
		o := d.jsonEng.Exec(st, line, &out, -1)
		if o.Rejected() {
			rejected = true
			// A show that parses in the CLI but not here has no JSON form:
			// the engine's error says where, the list says what would do.
			var known []string
			if o.Status != engine.StatusFailed {
				known = JSONCommands
			}
			enc, _ := json.Marshal(struct {
				Command      string   `json:"command"`
				Error        string   `json:"error"`
				JSONCommands []string `json:"json_commands,omitempty"`
			}{line, strings.TrimSpace(out.String()), known})
			b.Write(enc)
			b.WriteByte('\n')
			continue
		}
		b.Write(out.Bytes())
	}
	return b.String(), rejected
}

// writeJSON prints v as one line of JSON under its command.
func writeJSON(c *engine.Ctx, command string, key string, v any) error {
	enc, err := json.Marshal(map[string]any{"command": command, key: v})
	if err != nil {
		return engine.Rejectf("%% JSON: %v", err)
	}
	c.Out.Write(append(enc, '\n'))
	return nil
}

// MACRow is one MAC table entry in JSON. VLAN 0 with AllVLANs is a
// Catalyst "All" row (the CPU's own multicast and broadcast entries).
type MACRow struct {
	VLAN     uint16 `json:"vlan"`
	AllVLANs bool   `json:"all_vlans,omitempty"`
	MAC      string `json:"mac"`
	Type     string `json:"type"` // "dynamic" or "static"
	Port     string `json:"port"`
}

// ARPRow is one ARP entry in JSON; AgeMinutes is -1 for entries that do
// not age (interface, static).
type ARPRow struct {
	IP         string `json:"ip"`
	MAC        string `json:"mac,omitempty"` // empty while incomplete
	Type       string `json:"type"`          // dynamic, static, interface, incomplete
	AgeMinutes int64  `json:"age_minutes"`
	Interface  string `json:"interface,omitempty"`
}

// RouteRowJSON is one route of `show ip route` in JSON.
type RouteRowJSON struct {
	Prefix    string `json:"prefix"`
	Type      string `json:"type"` // connected, local, static
	Distance  uint8  `json:"distance"`
	NextHop   string `json:"next_hop,omitempty"`
	Interface string `json:"interface,omitempty"`
}

// CEFRowJSON is one FIB entry in JSON.
type CEFRowJSON struct {
	Prefix    string `json:"prefix"`
	Kind      string `json:"kind"` // attached, host, nexthop, receive, drop, null
	NextHop   string `json:"next_hop,omitempty"`
	Via       string `json:"via,omitempty"`
	Interface string `json:"interface,omitempty"`
	Adjacency string `json:"adjacency"`
	Packets   uint64 `json:"packets"`
	Bytes     uint64 `json:"bytes"`
}

// ACLJSON is one access list with its entries' match counters.
type ACLJSON struct {
	Name    string       `json:"name"`
	Type    string       `json:"type"` // standard, extended
	Entries []ACEJSONRow `json:"entries"`
}

// ACEJSONRow is one access-list entry; Text is the entry as `show
// access-lists` prints it after the sequence number.
type ACEJSONRow struct {
	Seq     uint32 `json:"seq"`
	Action  string `json:"action"`
	Text    string `json:"text"`
	Matches uint64 `json:"matches"`
}

// DropRow is one drop reason with its count.
type DropRow struct {
	Reason  string `json:"reason"`
	Packets uint64 `json:"packets"`
}

// InterfaceDrops are one interface's non-zero drops.
type InterfaceDrops struct {
	Interface string    `json:"interface"`
	Drops     []DropRow `json:"drops"`
}

// installJSON builds the engine of `l2sw exec --json`.
func (d *Device) installJSON() {
	e := engine.New(engine.Options{Hostname: d.Hostname, Interfaces: d.eng.Interfaces(), NoTerminalCommands: true})
	d.jsonEng = e
	macFilter := "[{{dynamic|static}$type|address MAC|interface IFNAME|vlan <1-4094>}]"
	mac := func(c *engine.Ctx, a engine.Args) error {
		rows, err := d.macRows(a)
		if err != nil {
			return err
		}
		return writeJSON(c, "show mac address-table", "mac_address_table", rows)
	}
	acls := func(c *engine.Ctx, a engine.Args) error {
		return writeJSON(c, "show access-lists", "access_lists", d.aclRows(a.String("name")))
	}
	must(e.Install(e.ExecMode(),
		engine.Command{Syntax: "show mac address-table " + macFilter, Run: mac},
		engine.Command{Syntax: "show mac-address-table " + macFilter, Run: mac},
		engine.Command{Syntax: "show ip arp [{A.B.C.D$ip|IFNAME$ifname}]", Run: func(c *engine.Ctx, a engine.Args) error {
			es, err := d.sw.ARPEntries(dataplane.ARPFilter{IP: a.IP("ip"), Interface: a.Interface("ifname")})
			if err != nil {
				return l3Err(err)
			}
			now := d.sw.ClockNanos()
			rows := make([]ARPRow, 0, len(es))
			for _, e := range es {
				r := ARPRow{IP: e.IP.String(), MAC: e.MAC.String(), Type: e.Type.String(), AgeMinutes: -1, Interface: e.IfName}
				switch e.Type {
				case dataplane.ARPDynamic:
					r.AgeMinutes = int64(e.Age(now).Minutes())
				case dataplane.ARPIncomplete:
					r.AgeMinutes, r.MAC, r.Interface = int64(e.Age(now).Minutes()), "", ""
				}
				rows = append(rows, r)
			}
			return writeJSON(c, "show ip arp", "arp", rows)
		}},
		engine.Command{Syntax: "show ip route [A.B.C.D$addr [A.B.C.D$mask]]", Run: func(c *engine.Ctx, a engine.Args) error {
			p, err := showPrefix(a)
			if err != nil {
				return l3Err(err)
			}
			rows := []RouteRowJSON{}
			for _, r := range d.sw.Routes() {
				if p.IsValid() && !routeSelected(r.Prefix, p, a.Has("mask")) {
					continue
				}
				row := RouteRowJSON{Prefix: r.Prefix.String(), Type: r.Type.String(), Distance: r.Distance, Interface: r.IfName}
				if r.NextHop.IsValid() {
					row.NextHop = r.NextHop.String()
				}
				rows = append(rows, row)
			}
			return writeJSON(c, "show ip route", "routes", rows)
		}},
		engine.Command{Syntax: "show ip cef [A.B.C.D$addr [A.B.C.D$mask]] [detail]", Run: func(c *engine.Ctx, a engine.Args) error {
			p, err := showPrefix(a)
			if err != nil {
				return l3Err(err)
			}
			var es []dataplane.CEFRow
			if p.IsValid() {
				if e, ok := d.sw.CEFFind(p, a.Has("mask"), true); ok {
					es = append(es, e)
				}
			} else {
				es = d.sw.CEFEntries(true)
			}
			rows := make([]CEFRowJSON, 0, len(es))
			for _, e := range es {
				r := CEFRowJSON{Prefix: e.Prefix.String(), Kind: e.Kind.String(), Interface: e.IfName, Adjacency: e.Adj.String(),
					Packets: e.Packets, Bytes: e.Bytes}
				if e.NextHop.IsValid() {
					r.NextHop = e.NextHop.String()
				}
				if e.Via.IsValid() {
					r.Via = e.Via.String()
				}
				rows = append(rows, r)
			}
			return writeJSON(c, "show ip cef", "cef", rows)
		}},
		engine.Command{Syntax: "show access-lists [WORD$name]", Run: acls},
		engine.Command{Syntax: "show ip access-lists [WORD$name]", Run: acls},
		engine.Command{Syntax: "show platform drops [interface IFNAME$ifname]", Run: func(c *engine.Ctx, a engine.Args) error {
			v, err := d.dropRows(a.Interface("ifname"))
			if err != nil {
				return err
			}
			return writeJSON(c, "show platform drops", "platform_drops", v)
		}},
	))
}

// routeSelected is the `show ip route ADDR [MASK]` choice: the prefix
// itself with a mask, else every route containing the address.
func routeSelected(r, p netip.Prefix, exact bool) bool {
	if exact {
		return r == p
	}
	return r.Contains(p.Addr())
}

// macRows are the rows of `show mac address-table`, CPU rows included, as
// showMAC filters them.
func (d *Device) macRows(a engine.Args) ([]MACRow, error) {
	f := dataplane.MACFilter{VLAN: uint16(a.Int("vlan")), Port: a.Interface("interface")}
	switch a.String("type") {
	case "dynamic":
		f.DynamicOnly = true
	case "static":
		f.StaticOnly = true
	}
	if a.Has("address") {
		f.MAC, f.HasMAC = a.MAC("address"), true
	}
	entries, err := d.sw.MACEntries(f)
	if err != nil {
		return nil, engine.Rejectf("%% %v", err)
	}
	rows := []MACRow{}
	if !f.DynamicOnly && f.VLAN == 0 && f.Port == "" {
		for _, m := range cpuMACs {
			if f.HasMAC && m != f.MAC {
				continue
			}
			rows = append(rows, MACRow{AllVLANs: true, MAC: m.String(), Type: "static", Port: "CPU"})
		}
	}
	for _, e := range entries {
		typ := "dynamic"
		if e.Static {
			typ = "static"
		}
		rows = append(rows, MACRow{VLAN: e.VLAN, MAC: e.MAC.String(), Type: typ, Port: e.Port})
	}
	return rows, nil
}

// aclRows are the lists of `show access-lists [NAME]` with their counters.
func (d *Device) aclRows(name string) []ACLJSON {
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
	out := make([]ACLJSON, 0, len(lists))
	for _, l := range lists {
		j := ACLJSON{Name: l.Name, Type: "extended", Entries: []ACEJSONRow{}}
		if l.Kind == acl.Standard {
			j.Type = "standard"
		}
		for _, e := range l.Entries() {
			if e.Action == acl.Remark {
				continue
			}
			j.Entries = append(j.Entries, ACEJSONRow{Seq: e.Seq, Action: e.Action.String(), Text: aceShowText(e),
				Matches: d.sw.ACLMatches(l.Name, e.Seq)})
		}
		out = append(out, j)
	}
	return out
}

// platformDrops is `show platform drops` in JSON.
type platformDrops struct {
	Drops               []DropRow        `json:"drops"`
	ZeroSourceForwarded uint64           `json:"zero_source_forwarded"`
	Interfaces          []InterfaceDrops `json:"interfaces"`
}

// dropRows are the counts of `show platform drops [interface IF]`.
func (d *Device) dropRows(name string) (platformDrops, error) {
	names, err := d.portList(name)
	if err != nil {
		return platformDrops{}, err
	}
	v := platformDrops{Drops: []DropRow{}, Interfaces: []InterfaceDrops{}}
	counters := make([]dataplane.PortCounters, len(names))
	for i, n := range names {
		counters[i], _ = d.sw.Counters(n)
		v.ZeroSourceForwarded += counters[i].Get(dataplane.ZeroSourceForwarded)
	}
	for _, r := range dropReasons() {
		var sum uint64
		for _, c := range counters {
			sum += c.Get(dataplane.Drops(r))
		}
		v.Drops = append(v.Drops, DropRow{Reason: r.String(), Packets: sum})
	}
	for i, n := range names {
		id := InterfaceDrops{Interface: n, Drops: []DropRow{}}
		for _, r := range dropReasons() {
			if x := counters[i].Get(dataplane.Drops(r)); x > 0 {
				id.Drops = append(id.Drops, DropRow{Reason: r.String(), Packets: x})
			}
		}
		if len(id.Drops) > 0 {
			v.Interfaces = append(v.Interfaces, id)
		}
	}
	return v, nil
}
