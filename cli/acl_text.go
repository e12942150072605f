package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/tcam/acl"
)

// This file holds the IOS wording of ACL and TCAM state for show commands.
// The table packages export plain values; how IOS prints them is the CLI's
// business. (acl.ACE.String stays in tcam/acl: it is the canonical form the
// ACE parser reads back, and the list model's round-trip tests use it.)

// writeACLListing prints l as `show access-lists` / `show ip access-lists`
// do: a `Standard|Extended IP access list NAME` heading, then one
// `    SEQ ACE (N matches)` line per entry (remarks are not shown). counts
// may be nil.
func writeACLListing(w io.Writer, l *acl.List, counts func(seq uint32) uint64) error {
	var b strings.Builder
	title := "Extended"
	if l.Kind == acl.Standard {
		title = "Standard"
	}
	fmt.Fprintf(&b, "%s IP access list %s\n", title, l.Name)
	for _, e := range l.Entries() {
		if e.Action == acl.Remark {
			continue
		}
		fmt.Fprintf(&b, "    %d %s", e.Seq, aceShowText(e))
		if counts != nil {
			switch n := counts(e.Seq); n {
			case 0:
			case 1:
				b.WriteString(" (1 match)")
			default:
				fmt.Fprintf(&b, " (%d matches)", n)
			}
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// aceShowText renders an ACE as `show access-lists` prints it after the
// sequence number. It is the config form except that a standard ACE's
// wildcard appears as `A, wildcard bits W`.
func aceShowText(e acl.ACE) string {
	if e.Kind != acl.Standard || e.Action == acl.Remark || e.Src.IsAny() || e.Src.IsHost() {
		return e.String()
	}
	s := fmt.Sprintf("%-6s %s, wildcard bits %s", e.Action.String(), acl.FormatIPv4(e.Src.IP), acl.FormatIPv4(e.Src.Wildcard))
	if e.Log != acl.LogNone {
		s += " " + e.Log.String()
	}
	return s
}

// fmStateWord is a binding state as `show fm summary` prints it.
func fmStateWord(s dataplane.ACLState) string {
	if s == dataplane.ACLInactive {
		return "INACTIVE"
	}
	return "ACTIVE"
}

// tcamResourceWord names a TCAM resource in CLI messages.
func tcamResourceWord(r dataplane.ACLResource) string {
	switch r {
	case dataplane.ResMasks:
		return "masks"
	case dataplane.ResRangeUnits:
		return "LOUs"
	}
	return "entries"
}
