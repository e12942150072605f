package cli

import (
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/tcam/acl"
)

// This file declares the access-list commands to the engine: the list,
// access-group, access-map, vlan filter and TCAM limit commands and their
// handlers. The state they change is in acl_config.go.

// installACL adds the access-list modes and commands to the engine.
func (d *Device) installACL() {
	e := d.eng
	var err error
	d.modes.stdACL, err = e.NewMode("config-std-nacl", "(config-std-nacl)", d.modes.config)
	must(err)
	d.modes.extACL, err = e.NewMode("config-ext-nacl", "(config-ext-nacl)", d.modes.config)
	must(err)
	d.modes.accessMap, err = e.NewMode("config-access-map", "(config-access-map)", d.modes.config)
	must(err)
	comment := engine.Command{Syntax: "! [LINE]", Hidden: true}
	must(e.Install(d.modes.stdACL, append(d.namedACECommands(acl.Standard), comment)...))
	must(e.Install(d.modes.extACL, append(d.namedACECommands(acl.Extended), comment)...))
	must(e.Install(d.modes.accessMap, append(d.accessMapCommands(), comment)...))
	must(e.Install(d.modes.config, d.aclConfigCommands()...))
	must(e.Install(d.modes.ifc, d.portAccessGroupCommand()))
	must(e.Install(d.modes.ifRange, d.portAccessGroupCommand()))
	must(e.Install(d.modes.svi, d.sviAccessGroupCommand()))
	must(e.Install(e.ExecMode(), d.aclExecCommands()...))
}

// numberedRanges are the list numbers of each kind.
const (
	stdNumbers = "<1-99,1300-1999>"
	extNumbers = "<100-199,2000-2699>"
	allNumbers = "<1-199,1300-2699>"
)

func (d *Device) aclConfigCommands() []engine.Command {
	var cmds []engine.Command
	numberedHelp := map[string]string{
		"access-list": "Add an access list entry",
		stdNumbers:    "IP standard access list (1-99, expanded range 1300-1999)",
		extNumbers:    "IP extended access list (100-199, expanded range 2000-2699)",
		allNumbers:    "IP access list number",
	}
	for _, group := range []struct {
		numbers string
		kind    acl.Kind
		shapes  []aceShape
	}{{stdNumbers, acl.Standard, standardShapes}, {extNumbers, acl.Extended, extendedShapes}} {
		for _, shape := range group.shapes {
			help := map[string]string{}
			for k, v := range aceHelpFor(shape) {
				help[k] = v
			}
			for k, v := range numberedHelp {
				help[k] = v
			}
			cmds = append(cmds, engine.Command{
				Syntax: "access-list " + group.numbers + "$num " + aceSyntax(shape),
				Help:   help,
				Run: func(c *engine.Ctx, a engine.Args) error {
					n := a.Int("num")
					words := append([]string{"access-list", strconv.Itoa(n)}, aceWords(shape, a)...)
					_, ace, err := acl.ParseAccessList(words)
					if err != nil {
						return engine.Rejectf("%% Invalid access list entry: %s", strings.Join(words, " "))
					}
					name := strconv.Itoa(n)
					return d.editList(c, name, func() (*acl.List, error) { return acl.NewNumbered(n) },
						func(l *acl.List) error { return addACE(l, ace) })
				}})
		}
	}
	cmds = append(cmds,
		engine.Command{Syntax: "no access-list " + allNumbers + "$num [LINE]", Help: numberedHelp,
			Run: func(c *engine.Ctx, a engine.Args) error {
				return d.deleteList(c, strconv.Itoa(a.Int("num")), nil)
			}},
		engine.Command{Syntax: "ip access-list {standard|extended}$kind WORD$name", No: true,
			Help: map[string]string{"access-list": "Named access-list", "standard": "Standard Access List", "extended": "Extended Access List",
				"$name": "Access-list name"},
			Run: d.ipAccessList},
		engine.Command{Syntax: "ip access-list resequence WORD$name <1-2147483647>$start <1-2147483647>$step",
			Help: map[string]string{"resequence": "Resequence Access List", "$name": "Access-list name",
				"$start": "Starting Sequence Number", "$step": "Step to increment the sequence number"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				name := a.String("name")
				d.acl.mu.Lock()
				exists := d.acl.lists[name] != nil
				d.acl.mu.Unlock()
				if !exists {
					return engine.Rejectf("%% Access list %s does not exist", name)
				}
				return d.editList(c, name, nil, func(l *acl.List) error {
					if err := l.Resequence(uint32(a.Int("start")), uint32(a.Int("step"))); err != nil {
						return engine.Rejectf("%% Exceeded maximum sequence number.")
					}
					return nil
				})
			}},
		engine.Command{Syntax: "vlan access-map WORD$name [<0-65535>$seq]", No: true,
			Help: map[string]string{"access-map": "Create vlan access-map or enter vlan access-map command mode",
				"$name": "Vlan access map tag", "<0-65535>": "Sequence to insert to/delete from existing vlan access-map entry"},
			Run: d.vlanAccessMap},
		engine.Command{Syntax: "vlan filter WORD$name vlan-list VLANLIST$vlans", No: true,
			NoSyntax: "vlan filter WORD$name [vlan-list VLANLIST$vlans]",
			Help: map[string]string{"filter": "Applies a VLAN Map to a VLAN", "$name": "VLAN map name",
				"vlan-list": "VLANs to apply filter to", "$vlans": "VLAN list"},
			Run: d.vlanFilter},
	)
	for _, r := range []struct {
		word, help, rng string
	}{
		{"entries", "ACL TCAM value/mask entries", "<1-1048576>"},
		{"masks", "ACL TCAM masks", "<1-1048576>"},
		{"entries-per-mask", "ACL TCAM entries sharing one mask", "<1-1024>"},
		{"lous", "Logical operation units (port range checkers)", "<0-1024>"},
	} {
		cmds = append(cmds, engine.Command{Syntax: "platform acl tcam " + r.word + " " + r.rng + "$n", No: true,
			NoSyntax: "platform acl tcam " + r.word + " [" + r.rng + "$n]",
			Help: map[string]string{"platform": "Platform specific configuration", "acl": "ACL TCAM settings",
				"tcam": "TCAM capacity", r.word: r.help, r.rng: "Capacity"},
			Run: func(c *engine.Ctx, a engine.Args) error { return d.setTCAMLimit(c, r.word, a) }})
	}
	return cmds
}

// ipAccessList is `[no] ip access-list standard|extended NAME`.
func (d *Device) ipAccessList(c *engine.Ctx, a engine.Args) error {
	kind := acl.Standard
	mode := d.modes.stdACL
	if a.String("kind") == "extended" {
		kind, mode = acl.Extended, d.modes.extACL
	}
	name := a.String("name")
	numbered, err := listKindOfName(kind, name)
	if err != nil {
		return err
	}
	if err := d.checkKind(name, kind); err != nil {
		return err
	}
	if c.Negated() {
		return d.deleteList(c, name, &kind)
	}
	if err := d.editList(c, name, newListFor(kind, name, numbered), func(*acl.List) error { return nil }); err != nil {
		return err
	}
	c.Enter(mode, name)
	return nil
}

// deleteList removes list name (when of kind, if given) and re-applies the
// places using it, which then filter nothing.
func (d *Device) deleteList(c *engine.Ctx, name string, kind *acl.Kind) error {
	return d.aclCommit(c, func(s *aclConfig) error {
		if l := s.lists[name]; l != nil && (kind == nil || l.Kind == *kind) {
			delete(s.lists, name)
		}
		return nil
	}, func(s *aclConfig) []aclPlace { return s.placesUsing(name) })
}

// namedACECommands are the entry commands of config-std-nacl or config-ext-nacl.
func (d *Device) namedACECommands(kind acl.Kind) []engine.Command {
	shapes := standardShapes
	if kind == acl.Extended {
		shapes = extendedShapes
	}
	var cmds []engine.Command
	for _, shape := range shapes {
		cmds = append(cmds, engine.Command{
			Syntax: "[<1-2147483647>$seq] " + aceSyntax(shape), No: true, NoSyntax: aceSyntax(shape),
			Help: aceHelpFor(shape),
			Run: func(c *engine.Ctx, a engine.Args) error {
				name, _ := c.Frame.Context.(string)
				ace, err := parseACEArgs(kind, shape, a)
				if err != nil {
					return err
				}
				if c.Negated() {
					return d.editList(c, name, nil, func(l *acl.List) error {
						l.DeleteMatching(ace)
						return nil
					})
				}
				// The list exists (the mode made it) unless another session removed it.
				numbered, _ := listKindOfName(kind, name)
				return d.editList(c, name, newListFor(kind, name, numbered), func(l *acl.List) error { return addACE(l, ace) })
			}})
	}
	cmds = append(cmds, engine.Command{Syntax: "no <1-2147483647>$seq", Help: map[string]string{"<1-2147483647>": "Sequence number"},
		Run: func(c *engine.Ctx, a engine.Args) error {
			name, _ := c.Frame.Context.(string)
			return d.editList(c, name, nil, func(l *acl.List) error {
				_, _ = l.Delete(uint32(a.Int("seq")))
				return nil
			})
		}})
	return cmds
}

// accessGroupHelp is the `?` text of `ip access-group`.
var accessGroupHelp = map[string]string{
	"ip": "Interface Internet Protocol config commands", "access-group": "Specify access control for packets",
	"$acl": "IP access list (standard or extended) name or number", "in": "inbound packets", "out": "outbound packets",
}

// portAccessGroupCommand is `ip access-group` on layer-2 ports: inbound only.
func (d *Device) portAccessGroupCommand() engine.Command {
	return engine.Command{Syntax: "ip access-group WORD$acl {in|out}$dir", No: true,
		NoSyntax: "ip access-group [WORD$acl] {in|out}$dir", Help: accessGroupHelp,
		Run: func(c *engine.Ctx, a engine.Args) error {
			if a.String("dir") == "out" {
				return engine.Rejectf("%% Outbound access lists are not supported on layer 2 ports")
			}
			names := ifNames(c)
			name := a.String("acl")
			return d.aclCommit(c, func(s *aclConfig) error {
				for _, port := range names {
					switch {
					case !c.Negated():
						s.ports[port] = name
					case name == "" || s.ports[port] == name:
						delete(s.ports, port)
					}
				}
				return nil
			}, func(*aclConfig) []aclPlace {
				var out []aclPlace
				for _, port := range names {
					out = append(out, aclPlace{feature: dataplane.FeaturePACL, port: port})
				}
				return out
			})
		}}
}

// sviAccessGroupCommand is `ip access-group` on interface VlanN.
func (d *Device) sviAccessGroupCommand() engine.Command {
	return engine.Command{Syntax: "ip access-group WORD$acl {in|out}$dir", No: true,
		NoSyntax: "ip access-group [WORD$acl] {in|out}$dir", Help: accessGroupHelp,
		Run: func(c *engine.Ctx, a engine.Args) error {
			g := sviGroup{vlan: sviVLAN(c), dir: dataplane.ACLIn}
			if a.String("dir") == "out" {
				g.dir = dataplane.ACLOut
			}
			name := a.String("acl")
			return d.aclCommit(c, func(s *aclConfig) error {
				switch {
				case !c.Negated():
					s.svis[g] = name
				case name == "" || s.svis[g] == name:
					delete(s.svis, g)
				}
				return nil
			}, func(*aclConfig) []aclPlace { return []aclPlace{{feature: dataplane.FeatureRACL, svi: g}} })
		}}
}

// dropSVIAccessGroups forgets the access groups of a deleted SVI.
func (d *Device) dropSVIAccessGroups(vlan uint16) {
	s := d.acl
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, dir := range []dataplane.ACLDirection{dataplane.ACLIn, dataplane.ACLOut} {
		g := sviGroup{vlan, dir}
		if _, ok := s.svis[g]; ok {
			delete(s.svis, g)
			_, _ = d.sw.SetSVIACL(vlan, dir, nil)
		}
	}
}

// vlanAccessMap is `[no] vlan access-map NAME [SEQ]`.
func (d *Device) vlanAccessMap(c *engine.Ctx, a engine.Args) error {
	name := a.String("name")
	if c.Negated() {
		return d.aclCommit(c, func(s *aclConfig) error {
			m := s.maps[name]
			if m == nil {
				return nil
			}
			if !a.Has("seq") {
				delete(s.maps, name)
				return nil
			}
			i, ok := m.find(a.Int("seq"))
			if !ok {
				return nil
			}
			n := &accessMap{entries: slices.Delete(slices.Clone(m.entries), i, i+1)}
			if len(n.entries) == 0 {
				delete(s.maps, name)
			} else {
				s.maps[name] = n
			}
			return nil
		}, func(s *aclConfig) []aclPlace { return s.placesFiltering(name) })
	}
	var key accessMapKey
	err := d.aclCommit(c, func(s *aclConfig) error {
		m := s.maps[name]
		seq := a.Int("seq")
		if !a.Has("seq") {
			seq = 10
			if m != nil && len(m.entries) > 0 {
				seq = m.entries[len(m.entries)-1].seq + 10
			}
			if seq > 65535 {
				return engine.Rejectf("%% Sequence number is too large")
			}
		}
		key = accessMapKey{name, seq}
		if m != nil {
			if _, ok := m.find(seq); ok {
				return nil // edit the existing entry
			}
		}
		s.maps[name] = m.withEntry(accessMapEntry{seq: seq})
		return nil
	}, func(s *aclConfig) []aclPlace { return s.placesFiltering(name) })
	if err != nil {
		return err
	}
	c.Enter(d.modes.accessMap, key)
	return nil
}

// editMapEntry changes the access-map entry of the mode and re-applies the
// VLANs its map filters.
func (d *Device) editMapEntry(c *engine.Ctx, edit func(e *accessMapEntry)) error {
	key, _ := c.Frame.Context.(accessMapKey)
	return d.aclCommit(c, func(s *aclConfig) error {
		m := s.maps[key.name]
		e := accessMapEntry{seq: key.seq}
		if m != nil {
			if i, ok := m.find(key.seq); ok {
				e = m.entries[i]
				e.matches = slices.Clone(e.matches)
			}
		}
		edit(&e)
		s.maps[key.name] = m.withEntry(e)
		return nil
	}, func(s *aclConfig) []aclPlace { return s.placesFiltering(key.name) })
}

func (d *Device) accessMapCommands() []engine.Command {
	return []engine.Command{
		{Syntax: "match ip address LINE$lists", No: true, NoSyntax: "match ip address [LINE$lists]",
			Help: map[string]string{"match": "Match values.", "ip": "IP specific match", "address": "Match IP address to access control.",
				"$lists": "IP access list names or numbers"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				names := strings.Fields(a.String("lists"))
				return d.editMapEntry(c, func(e *accessMapEntry) {
					for _, n := range names {
						if c.Negated() {
							e.matches = slices.DeleteFunc(e.matches, func(m string) bool { return m == n })
						} else if !slices.Contains(e.matches, n) {
							e.matches = append(e.matches, n)
						}
					}
					if c.Negated() && len(names) == 0 {
						e.matches = nil
					}
				})
			}},
		{Syntax: "action {forward|drop}$action", No: true, NoSyntax: "action [forward|drop]$action",
			Help: map[string]string{"action": "Take the action", "forward": "Forward packets", "drop": "Drop packets"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				return d.editMapEntry(c, func(e *accessMapEntry) { e.drop = !c.Negated() && a.String("action") == "drop" })
			}},
	}
}

// vlanFilter is `[no] vlan filter NAME [vlan-list LIST]`.
func (d *Device) vlanFilter(c *engine.Ctx, a engine.Args) error {
	name := a.String("name")
	vlans := a.VLANs("vlans")
	var touched []aclPlace
	return d.aclCommit(c, func(s *aclConfig) error {
		if c.Negated() && len(vlans) == 0 {
			for v, m := range s.filters {
				if m == name {
					delete(s.filters, v)
					touched = append(touched, aclPlace{feature: dataplane.FeatureVACL, vlan: v})
				}
			}
			return nil
		}
		for _, v := range vlans {
			if c.Negated() {
				if s.filters[uint16(v)] == name {
					delete(s.filters, uint16(v))
				}
			} else {
				s.filters[uint16(v)] = name
			}
			touched = append(touched, aclPlace{feature: dataplane.FeatureVACL, vlan: uint16(v)})
		}
		return nil
	}, func(*aclConfig) []aclPlace { return touched })
}

// setTCAMLimit is `[no] platform acl tcam RESOURCE N`.
func (d *Device) setTCAMLimit(c *engine.Ctx, word string, a engine.Args) error {
	l, def := d.sw.ACLLimits(), dataplane.DefaultACLLimits()
	n := a.Int("n")
	field := map[string]*int{"entries": &l.Entries, "masks": &l.Masks, "entries-per-mask": &l.EntriesPerMask, "lous": &l.RangeUnits}[word]
	if c.Negated() {
		n = *map[string]*int{"entries": &def.Entries, "masks": &def.Masks, "entries-per-mask": &def.EntriesPerMask, "lous": &def.RangeUnits}[word]
	}
	*field = n
	if err := d.sw.SetACLLimits(l); err != nil {
		var full *dataplane.ACLFullError
		if errors.As(err, &full) {
			return engine.Rejectf("%% ACL TCAM %s in use (%d) exceed the new limit %d", tcamResourceWord(full.Resource), full.Need, full.Limit)
		}
		return engine.Rejectf("%% %v", err)
	}
	return nil
}
