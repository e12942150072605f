package cli

import (
	"errors"
	"fmt"
	"github.com/l2sw/l2sw/ifname"
	"slices"
	"sort"
	"strconv"
	"sync"

	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/tcam/acl"
)

// The acl_*.go files hold the access-list commands of issue #6: numbered and named
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
		return ifname.SVI(p.svi.vlan) + " " + p.svi.dir.String()
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
