package cli

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/tcam/acl"
)

// This file holds the access-list commands of issue #6: numbered and named
// IPv4 lists, `ip access-group` on layer-2 ports (port ACLs) and SVIs
// (router ACLs), VLAN access maps with `vlan filter`, the TCAM capacity
// command, and their running-config. The CLI keeps the configuration; the
// dataplane compiles what is applied. Every change that touches an applied
// list is committed everywhere the list is used, or nowhere.

// aclConfig is the access-list configuration of a Device. Config handlers
// run one at a time under the engine's config lock; mu guards the maps
// against the show commands of other sessions.
type aclConfig struct {
	mu sync.Mutex
	// lists are the access lists by name ("101" for numbered ones). A list
	// that is applied somewhere is not edited in place (except while a
	// startup-config loads, when nothing is programmed until the end): an
	// edit builds a new list and swaps it in, so a rollback has the old one.
	lists   map[string]*acl.List
	ports   map[string]string     // layer-2 port -> list applied inbound
	svis    map[sviGroup]string   // SVI direction -> list
	maps    map[string]*accessMap // vlan access-map by name
	filters map[uint16]string     // VLAN -> access map filtering it

	// deferred are the places a startup-config load changed: they are
	// programmed once at its end, not once per line, so that loading a
	// 10k-entry list that an interface uses costs one compile, not 10k.
	deferred []aclPlace
}

// sviGroup is one direction of one SVI.
type sviGroup struct {
	vlan uint16
	dir  dataplane.ACLDirection
}

// accessMap is one `vlan access-map`: its entries in sequence order.
type accessMap struct {
	entries []accessMapEntry
}

// accessMapEntry is one sequence of an access map.
type accessMapEntry struct {
	seq     int
	matches []string // `match ip address` list names, in the order typed
	drop    bool     // `action drop`; IOS forwards by default
}

// accessMapKey is the config-access-map mode's context.
type accessMapKey struct {
	name string
	seq  int
}

func newACLConfig() *aclConfig {
	return &aclConfig{
		lists:   map[string]*acl.List{},
		ports:   map[string]string{},
		svis:    map[sviGroup]string{},
		maps:    map[string]*accessMap{},
		filters: map[uint16]string{},
	}
}

// clone copies the maps (not the lists, which are never edited in place
// while applied, nor the access maps, which are replaced on every edit).
func (s *aclConfig) clone() *aclConfig {
	c := newACLConfig()
	for k, v := range s.lists {
		c.lists[k] = v
	}
	for k, v := range s.ports {
		c.ports[k] = v
	}
	for k, v := range s.svis {
		c.svis[k] = v
	}
	for k, v := range s.maps {
		c.maps[k] = v
	}
	for k, v := range s.filters {
		c.filters[k] = v
	}
	return c
}

// restore puts a clone's maps back.
func (s *aclConfig) restore(c *aclConfig) {
	s.lists, s.ports, s.svis, s.maps, s.filters = c.lists, c.ports, c.svis, c.maps, c.filters
}

// aclPlace is one place an access list takes effect.
type aclPlace struct {
	feature dataplane.ACLFeature
	port    string   // FeaturePACL
	svi     sviGroup // FeatureRACL
	vlan    uint16   // FeatureVACL
}

func (p aclPlace) String() string {
	switch p.feature {
	case dataplane.FeaturePACL:
		return p.port
	case dataplane.FeatureRACL:
		return dataplane.SVIName(p.svi.vlan) + " " + p.svi.dir.String()
	}
	return "vlan " + strconv.Itoa(int(p.vlan))
}

// placesUsing lists where the list name takes effect; s.mu held.
func (s *aclConfig) placesUsing(name string) []aclPlace {
	var out []aclPlace
	for port, l := range s.ports {
		if l == name {
			out = append(out, aclPlace{feature: dataplane.FeaturePACL, port: port})
		}
	}
	for g, l := range s.svis {
		if l == name {
			out = append(out, aclPlace{feature: dataplane.FeatureRACL, svi: g})
		}
	}
	for vlan, m := range s.filters {
		if am := s.maps[m]; am != nil && am.uses(name) {
			out = append(out, aclPlace{feature: dataplane.FeatureVACL, vlan: vlan})
		}
	}
	sortPlaces(out)
	return out
}

// placesFiltering lists the VLANs filtered by the access map name.
func (s *aclConfig) placesFiltering(name string) []aclPlace {
	var out []aclPlace
	for vlan, m := range s.filters {
		if m == name {
			out = append(out, aclPlace{feature: dataplane.FeatureVACL, vlan: vlan})
		}
	}
	sortPlaces(out)
	return out
}

func sortPlaces(p []aclPlace) {
	sort.Slice(p, func(i, j int) bool {
		a, b := p[i], p[j]
		if a.feature != b.feature {
			return a.feature < b.feature
		}
		if a.port != b.port {
			return a.port < b.port
		}
		if a.svi != b.svi {
			return a.svi.vlan < b.svi.vlan || (a.svi.vlan == b.svi.vlan && a.svi.dir < b.svi.dir)
		}
		return a.vlan < b.vlan
	})
}

func (m *accessMap) uses(list string) bool {
	for _, e := range m.entries {
		if slices.Contains(e.matches, list) {
			return true
		}
	}
	return false
}

// find returns the index of seq in m.entries.
func (m *accessMap) find(seq int) (int, bool) {
	i := sort.Search(len(m.entries), func(i int) bool { return m.entries[i].seq >= seq })
	return i, i < len(m.entries) && m.entries[i].seq == seq
}

// withEntry returns a copy of m with entry e in place of (or in addition
// to) the entry of the same sequence number.
func (m *accessMap) withEntry(e accessMapEntry) *accessMap {
	n := &accessMap{}
	if m != nil {
		n.entries = slices.Clone(m.entries)
	}
	i, ok := n.find(e.seq)
	e.matches = slices.Clone(e.matches)
	if ok {
		n.entries[i] = e
	} else {
		n.entries = slices.Insert(n.entries, i, e)
	}
	return n
}

// effective is what a port or SVI filters with for list name: nil when the
// list does not exist or has no permit/deny entry (IOS permits everything
// through such a list).
func (s *aclConfig) effective(name string) *acl.List {
	l := s.lists[name]
	if l == nil {
		return nil
	}
	for _, e := range l.Entries() {
		if e.Action != acl.Remark {
			return l
		}
	}
	return nil
}

// program is the access map name as the dataplane applies it; a list
// that does not exist matches no packet.
func (s *aclConfig) program(name string) *dataplane.VLANAccessMap {
	m := s.maps[name]
	if m == nil {
		return nil
	}
	p := &dataplane.VLANAccessMap{Name: name}
	for _, e := range m.entries {
		pe := dataplane.VLANAccessMapEntry{Seq: e.seq, Drop: e.drop}
		for _, n := range e.matches {
			l := s.lists[n]
			if l == nil {
				l = acl.NewList(n, acl.Extended)
			}
			pe.Matches = append(pe.Matches, l)
		}
		p.Entries = append(p.Entries, pe)
	}
	return p
}

// applyPlace pushes the current configuration of p to the dataplane.
func (d *Device) applyPlace(p aclPlace) (dataplane.ACLResult, error) {
	s := d.acl
	switch p.feature {
	case dataplane.FeaturePACL:
		return d.sw.SetPortACL(p.port, s.effective(s.ports[p.port]))
	case dataplane.FeatureRACL:
		return d.sw.SetSVIACL(p.svi.vlan, p.svi.dir, s.effective(s.svis[p.svi]))
	}
	name, ok := s.filters[p.vlan]
	if !ok {
		return d.sw.SetVLANFilter(p.vlan, nil)
	}
	return d.sw.SetVLANFilter(p.vlan, s.program(name))
}

// errTCAMFull is what IOS prints when a port or VLAN ACL does not fit.
const errTCAMFull = "%ACL-5-TCAMFULL: acl engine TCAM table is full"

// aclCommit runs change on the ACL configuration and then re-applies
// every place in places (computed after the change when places is nil,
// from the list name). If one place refuses, the configuration is put
// back, the places already re-applied get the old configuration again, and
// the line is rejected: a change is in force everywhere or nowhere. Router
// ACLs that overflow are accepted; their FM messages are printed.
func (d *Device) aclCommit(c *engine.Ctx, change func(s *aclConfig) error, places func(s *aclConfig) []aclPlace) error {
	s := d.acl
	s.mu.Lock()
	defer s.mu.Unlock()
	saved := s.clone()
	before := places(s)
	if err := change(s); err != nil {
		s.restore(saved)
		return err
	}
	todo := mergePlaces(before, places(s))
	if c.State.Values[loadingKey] != nil {
		s.deferred = mergePlaces(s.deferred, todo)
		return nil
	}
	var done []aclPlace
	for _, p := range todo {
		res, err := d.applyPlace(p)
		if err != nil {
			s.restore(saved)
			for _, q := range done {
				_, _ = d.applyPlace(q)
			}
			if errors.Is(err, dataplane.ErrTCAMFull) {
				return engine.Rejectf("%s", errTCAMFull)
			}
			return engine.Rejectf("%% %v", err)
		}
		if p.feature == dataplane.FeatureRACL && res.Full != nil {
			// Accepted but software switched: say so, as the console would.
			for _, e := range res.Events {
				c.Printf("%s\n", dataplane.TCAMEventLine(e))
			}
		}
		done = append(done, p)
	}
	return nil
}

// applyDeferred programs the places a startup-config load changed. A place
// that does not fit is left without its ACL (as a Catalyst boots when the
// TCAM overflows) and reported.
func (d *Device) applyDeferred() []error {
	s := d.acl
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for _, p := range s.deferred {
		if _, err := d.applyPlace(p); err != nil {
			errs = append(errs, fmt.Errorf("startup-config: access list on %s: %w", p, err))
		}
	}
	s.deferred = nil
	return errs
}

func mergePlaces(a, b []aclPlace) []aclPlace {
	out := slices.Clone(a)
	for _, p := range b {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	sortPlaces(out)
	return out
}

// editList applies edit to the list name (created by create when missing)
// and commits it everywhere the list is used.
func (d *Device) editList(c *engine.Ctx, name string, create func() (*acl.List, error), edit func(l *acl.List) error) error {
	return d.aclCommit(c, func(s *aclConfig) error {
		l := s.lists[name]
		if l == nil {
			if create == nil {
				return nil
			}
			var err error
			if l, err = create(); err != nil {
				return err
			}
		} else if c.State.Values[loadingKey] == nil && len(s.placesUsing(name)) > 0 {
			// Applied: edit a copy, so that a refused commit can put the
			// old list back. Unapplied lists (and every list while a
			// startup-config loads) are edited in place: nothing to undo.
			l = l.Clone()
		}
		if err := edit(l); err != nil {
			return err
		}
		s.lists[name] = l
		return nil
	}, func(s *aclConfig) []aclPlace { return s.placesUsing(name) })
}

// addACE adds ace to l as IOS does: an entry equal to one already in the
// list is ignored, a taken sequence number is refused.
func addACE(l *acl.List, ace acl.ACE) error {
	if ace.Action != acl.Remark && l.Has(ace) {
		return nil
	}
	_, err := l.Add(ace)
	switch {
	case errors.Is(err, acl.ErrDuplicateSeq):
		return engine.Rejectf("%% Duplicate sequence number")
	case errors.Is(err, acl.ErrSeqExhausted):
		return engine.Rejectf("%% Sequence number is too large")
	case err != nil:
		return engine.Rejectf("%% %v", err)
	}
	return nil
}

// listKindOfName checks a list name typed after `ip access-list KIND`: a
// number must be in the ranges of kind and edits the numbered list.
func listKindOfName(kind acl.Kind, name string) (numbered bool, err error) {
	n, convErr := strconv.Atoi(name)
	if convErr != nil || name[0] == '+' || name[0] == '-' {
		if name[0] >= '0' && name[0] <= '9' {
			return false, engine.Rejectf("%% Invalid access list name.")
		}
		return false, nil
	}
	k, kerr := acl.KindOfNumber(n)
	if kerr != nil || k != kind {
		return false, engine.Rejectf("%% Invalid access list name.")
	}
	return true, nil
}

// newListFor returns the constructor of list name of kind.
func newListFor(kind acl.Kind, name string, numbered bool) func() (*acl.List, error) {
	return func() (*acl.List, error) {
		if numbered {
			n, _ := strconv.Atoi(name)
			return acl.NewNumbered(n)
		}
		return acl.NewList(name, kind), nil
	}
}

// checkKind refuses to edit list name as kind when it exists as the other kind.
func (d *Device) checkKind(name string, kind acl.Kind) error {
	d.acl.mu.Lock()
	l := d.acl.lists[name]
	d.acl.mu.Unlock()
	if l != nil && l.Kind != kind {
		return engine.Rejectf("%% Access-list type conflicts with prior definition")
	}
	return nil
}

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

// This file declares the ACE grammar to the command engine, so that `?`,
// TAB, abbreviations and the `^` marker of a bad word come from the same
// command graph as every other command. The engine only checks the shape of
// the line; the words it matched are handed back, in canonical spelling,
// to the tcam/acl parser, which builds the entry.

// keywordHelp is a keyword with its `?` text.
type keywordHelp struct{ name, help string }

// tcpPortNames are the TCP port keywords IOS accepts after eq/neq/lt/gt/range.
// The number at the end of each help text is the port (tested against
// tcam/acl, which owns the values).
var tcpPortNames = []keywordHelp{
	{"bgp", "Border Gateway Protocol (179)"},
	{"chargen", "Character generator (19)"},
	{"cmd", "Remote commands (rcmd, 514)"},
	{"daytime", "Daytime (13)"},
	{"discard", "Discard (9)"},
	{"domain", "Domain Name Service (53)"},
	{"echo", "Echo (7)"},
	{"exec", "Exec (rsh, 512)"},
	{"finger", "Finger (79)"},
	{"ftp", "File Transfer Protocol (21)"},
	{"ftp-data", "FTP data connections (20)"},
	{"gopher", "Gopher (70)"},
	{"hostname", "NIC hostname server (101)"},
	{"ident", "Ident Protocol (113)"},
	{"irc", "Internet Relay Chat (194)"},
	{"klogin", "Kerberos login (543)"},
	{"kshell", "Kerberos shell (544)"},
	{"login", "Login (rlogin, 513)"},
	{"lpd", "Printer service (515)"},
	{"nntp", "Network News Transport Protocol (119)"},
	{"pim-auto-rp", "PIM Auto-RP (496)"},
	{"pop2", "Post Office Protocol v2 (109)"},
	{"pop3", "Post Office Protocol v3 (110)"},
	{"smtp", "Simple Mail Transport Protocol (25)"},
	{"sunrpc", "Sun Remote Procedure Call (111)"},
	{"tacacs", "TAC Access Control System (49)"},
	{"talk", "Talk (517)"},
	{"telnet", "Telnet (23)"},
	{"time", "Time (37)"},
	{"uucp", "Unix-to-Unix Copy Program (540)"},
	{"whois", "Nicname (43)"},
	{"www", "World Wide Web (HTTP, 80)"},
}

// udpPortNames are the UDP port keywords.
var udpPortNames = []keywordHelp{
	{"biff", "Biff (mail notification, comsat, 512)"},
	{"bootpc", "Bootstrap Protocol (BOOTP) client (68)"},
	{"bootps", "Bootstrap Protocol (BOOTP) server (67)"},
	{"discard", "Discard (9)"},
	{"dnsix", "DNSIX security protocol auditing (195)"},
	{"domain", "Domain Name Service (DNS, 53)"},
	{"echo", "Echo (7)"},
	{"isakmp", "Internet Security Association and Key Management Protocol (500)"},
	{"mobile-ip", "Mobile IP registration (434)"},
	{"nameserver", "IEN116 name service (obsolete, 42)"},
	{"netbios-dgm", "NetBios datagram service (138)"},
	{"netbios-ns", "NetBios name service (137)"},
	{"netbios-ss", "NetBios session service (139)"},
	{"non500-isakmp", "Internet Security Association and Key Management Protocol (4500)"},
	{"ntp", "Network Time Protocol (123)"},
	{"pim-auto-rp", "PIM Auto-RP (496)"},
	{"rip", "Routing Information Protocol (router, in.routed, 520)"},
	{"snmp", "Simple Network Management Protocol (161)"},
	{"snmptrap", "SNMP Traps (162)"},
	{"sunrpc", "Sun Remote Procedure Call (111)"},
	{"syslog", "System Logger (514)"},
	{"tacacs", "TAC Access Control System (49)"},
	{"talk", "Talk (517)"},
	{"tftp", "Trivial File Transfer Protocol (69)"},
	{"time", "Time (37)"},
	{"who", "Who service (rwho, 513)"},
	{"xdmcp", "X Display Manager Control Protocol (177)"},
}

// icmpNames are the ICMP message keywords.
var icmpNames = []keywordHelp{
	{"administratively-prohibited", "Administratively prohibited"},
	{"alternate-address", "Alternate address"},
	{"conversion-error", "Datagram conversion"},
	{"dod-host-prohibited", "Host prohibited"},
	{"dod-net-prohibited", "Net prohibited"},
	{"echo", "Echo (ping)"},
	{"echo-reply", "Echo reply"},
	{"general-parameter-problem", "Parameter problem"},
	{"host-isolated", "Host isolated"},
	{"host-precedence-unreachable", "Host unreachable for precedence"},
	{"host-redirect", "Host redirect"},
	{"host-tos-redirect", "Host redirect for TOS"},
	{"host-tos-unreachable", "Host unreachable for TOS"},
	{"host-unknown", "Host unknown"},
	{"host-unreachable", "Host unreachable"},
	{"information-reply", "Information replies"},
	{"information-request", "Information requests"},
	{"mask-reply", "Mask replies"},
	{"mask-request", "Mask requests"},
	{"net-redirect", "Network redirect"},
	{"net-tos-redirect", "Net redirect for TOS"},
	{"net-tos-unreachable", "Network unreachable for TOS"},
	{"net-unreachable", "Net unreachable"},
	{"network-unknown", "Network unknown"},
	{"no-room-for-option", "Parameter required but no room"},
	{"option-missing", "Parameter required but not present"},
	{"packet-too-big", "Fragmentation needed and DF set"},
	{"parameter-problem", "All parameter problems"},
	{"port-unreachable", "Port unreachable"},
	{"precedence-unreachable", "Precedence cutoff"},
	{"protocol-unreachable", "Protocol unreachable"},
	{"reassembly-timeout", "Reassembly timeout"},
	{"redirect", "All redirects"},
	{"router-advertisement", "Router discovery advertisements"},
	{"router-solicitation", "Router discovery solicitations"},
	{"source-quench", "Source quenches"},
	{"source-route-failed", "Source route failed"},
	{"time-exceeded", "All time exceededs"},
	{"timestamp-reply", "Timestamp replies"},
	{"timestamp-request", "Timestamp requests"},
	{"traceroute", "Traceroute"},
	{"ttl-exceeded", "TTL exceeded"},
	{"unreachable", "All unreachables"},
}

// otherProtocols are the protocol keywords without ports or message types.
var otherProtocols = []keywordHelp{
	{"ahp", "Authentication Header Protocol"},
	{"eigrp", "Cisco's EIGRP routing protocol"},
	{"esp", "Encapsulation Security Payload"},
	{"gre", "Cisco's GRE tunneling"},
	{"igmp", "Internet Gateway Message Protocol"},
	{"ip", "Any Internet Protocol"},
	{"ospf", "OSPF routing protocol"},
	{"pim", "Protocol Independent Multicast"},
}

// aceShape says which family of ACE syntax a command is: it decides which
// words the handler hands back to the parser.
type aceShape uint8

const (
	shapeStandard aceShape = iota
	shapeOther             // ip, gre, esp ... or a protocol number
	shapeTCP
	shapeUDP
	shapeICMP
	shapeRemark
)

func (s aceShape) String() string {
	switch s {
	case shapeStandard:
		return "standard"
	case shapeOther:
		return "other"
	case shapeTCP:
		return "tcp"
	case shapeUDP:
		return "udp"
	case shapeICMP:
		return "icmp"
	case shapeRemark:
		return "remark"
	}
	return "aceShape(" + strconv.Itoa(int(s)) + ")"
}

// aceHelp is the `?` text shared by every ACE command.
var aceHelp = func() map[string]string {
	h := map[string]string{
		"permit": "Specify packets to forward", "deny": "Specify packets to reject",
		"remark": "Access list entry comment", "LINE": "Comment up to 100 characters",
		"any": "Any host", "host": "A single host address",
		"$srcip": "Source address", "$srcwild": "Source wildcard bits", "$srchost": "Source address",
		"$dstip": "Destination address", "$dstwild": "Destination wildcard bits", "$dsthost": "Destination address",
		"eq": "Match only packets on a given port number", "neq": "Match only packets not on a given port number",
		"lt": "Match only packets with a lower port number", "gt": "Match only packets with a greater port number",
		"range": "Match only packets in the range of port numbers", "<0-65535>": "Port number",
		"established": "Match established connections", "ack": "Match on the ACK bit", "fin": "Match on the FIN bit",
		"psh": "Match on the PSH bit", "rst": "Match on the RST bit", "syn": "Match on the SYN bit", "urg": "Match on the URG bit",
		"log": "Log matches against this entry", "log-input": "Log matches against this entry, including input interface",
		"tcp": "Transmission Control Protocol", "udp": "User Datagram Protocol", "icmp": "Internet Control Message Protocol",
		"$protonum": "An IP protocol number", "$icmptype": "ICMP message type", "$icmpcode": "ICMP message code",
		"$seq": "Sequence Number",
	}
	for _, l := range [][]keywordHelp{tcpPortNames, udpPortNames, otherProtocols} {
		for _, k := range l {
			h[k.name] = k.help
		}
	}
	return h
}()

// icmpHelp adds the ICMP keywords, whose `echo` differs from the port's.
var icmpHelp = func() map[string]string {
	h := map[string]string{}
	for k, v := range aceHelp {
		h[k] = v
	}
	for _, k := range icmpNames {
		h[k.name] = k.help
	}
	return h
}()

func keywordAlts(l []keywordHelp) string {
	names := make([]string, len(l))
	for i, k := range l {
		names[i] = k.name
	}
	return strings.Join(names, "|")
}

// addrSyntax is an extended-ACE address: any, host A or A W.
func addrSyntax(p string) string {
	return "{any|host A.B.C.D$" + p + "host|A.B.C.D$" + p + "ip A.B.C.D$" + p + "wild}$" + p
}

// portSyntax is an optional port operator of side p (src/dst).
func portSyntax(p string, names []keywordHelp) string {
	one := func(n string) string { return "{<0-65535>$" + n + "|" + keywordAlts(names) + "}$" + n + "k" }
	var alts []string
	for _, op := range []string{"eq", "neq", "lt", "gt"} {
		alts = append(alts, op+" "+one(p+"port"))
	}
	alts = append(alts, "range "+one(p+"lo")+" "+one(p+"hi"))
	// `[a|b]$name` names the chosen operator keyword.
	return "[" + strings.Join(alts, "|") + "]$" + p + "op"
}

const logSyntax = "[log|log-input]$log"

// aceSyntax returns the syntax of one ACE shape after the sequence number.
func aceSyntax(s aceShape) string {
	const action = "{permit|deny}$action "
	switch s {
	case shapeStandard:
		return action + "{any|host A.B.C.D$srchost|A.B.C.D$srcip [A.B.C.D$srcwild]}$src [log]"
	case shapeOther:
		return action + "{" + keywordAlts(otherProtocols) + "|<0-255>$protonum}$proto " + addrSyntax("src") + " " + addrSyntax("dst") + " " + logSyntax
	case shapeTCP:
		return action + "tcp " + addrSyntax("src") + " " + portSyntax("src", tcpPortNames) + " " + addrSyntax("dst") + " " +
			portSyntax("dst", tcpPortNames) + " [{established|ack|fin|psh|rst|syn|urg}] " + logSyntax
	case shapeUDP:
		return action + "udp " + addrSyntax("src") + " " + portSyntax("src", udpPortNames) + " " + addrSyntax("dst") + " " +
			portSyntax("dst", udpPortNames) + " " + logSyntax
	case shapeICMP:
		return action + "icmp " + addrSyntax("src") + " " + addrSyntax("dst") +
			" [<0-255>$icmptype [<0-255>$icmpcode]|" + keywordAlts(icmpNames) + "]$icmpname " + logSyntax
	case shapeRemark:
		return "remark LINE"
	}
	panic("cli: unknown ACE shape " + s.String())
}

// extendedShapes are the shapes of an extended list.
var extendedShapes = []aceShape{shapeOther, shapeTCP, shapeUDP, shapeICMP, shapeRemark}

// standardShapes are the shapes of a standard list.
var standardShapes = []aceShape{shapeStandard, shapeRemark}

// aceWords rebuilds the words of a matched ACE in canonical spelling, for
// acl.ParseACE.
func aceWords(s aceShape, a engine.Args) []string {
	if s == shapeRemark {
		return append([]string{"remark"}, strings.Fields(a.String("remark"))...)
	}
	w := []string{a.String("action")}
	addr := func(p string) {
		switch a.String(p) {
		case "any":
			w = append(w, "any")
		case "host":
			w = append(w, "host", a.IP(p+"host").String())
		default:
			w = append(w, a.IP(p+"ip").String())
			if a.Has(p + "wild") {
				w = append(w, a.IP(p+"wild").String())
			}
		}
	}
	port := func(n string) {
		if a.Has(n) {
			w = append(w, strconv.Itoa(a.Int(n)))
		} else {
			w = append(w, a.String(n+"k"))
		}
	}
	ports := func(p string) {
		switch op := a.String(p + "op"); op {
		case "":
		case "range":
			w = append(w, "range")
			port(p + "lo")
			port(p + "hi")
		default:
			w = append(w, op)
			port(p + "port")
		}
	}
	switch s {
	case shapeStandard:
		addr("src")
		if a.Keyword("log") {
			w = append(w, "log")
		}
		return w
	case shapeOther:
		if a.Has("protonum") {
			w = append(w, strconv.Itoa(a.Int("protonum")))
		} else {
			w = append(w, a.String("proto"))
		}
		addr("src")
		addr("dst")
	case shapeTCP, shapeUDP:
		w = append(w, s.String())
		addr("src")
		ports("src")
		addr("dst")
		ports("dst")
		for _, f := range []string{"established", "ack", "fin", "psh", "rst", "syn", "urg"} {
			if a.Keyword(f) {
				w = append(w, f)
			}
		}
	case shapeICMP:
		w = append(w, "icmp")
		addr("src")
		addr("dst")
		switch {
		case a.Has("icmptype"):
			w = append(w, strconv.Itoa(a.Int("icmptype")))
			if a.Has("icmpcode") {
				w = append(w, strconv.Itoa(a.Int("icmpcode")))
			}
		case a.Has("icmpname"):
			w = append(w, a.String("icmpname"))
		}
	}
	if l := a.String("log"); l != "" {
		w = append(w, l)
	}
	return w
}

// aceHelpFor returns the help map of a shape.
func aceHelpFor(s aceShape) map[string]string {
	if s == shapeICMP {
		return icmpHelp
	}
	return aceHelp
}

// parseACEArgs turns a matched ACE command into an entry of kind.
func parseACEArgs(kind acl.Kind, s aceShape, a engine.Args) (acl.ACE, error) {
	w := aceWords(s, a)
	if a.Has("seq") {
		w = append([]string{strconv.Itoa(a.Int("seq"))}, w...)
	}
	ace, err := acl.ParseACE(kind, w)
	if err != nil {
		// The engine checked the shape; what is left is a value the codec
		// refuses (a range whose end is below its start, a long remark).
		return ace, engine.Rejectf("%% Invalid access list entry: %s", strings.Join(w, " "))
	}
	return ace, nil
}
