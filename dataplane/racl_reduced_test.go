package dataplane

import (
	"fmt"
	"strings"
	"testing"

	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/tcam"
	"github.com/l2sw/l2sw/tcam/acl"
)

// TestRACLBackInHardwareAfterShrink: a router ACL that outgrew the TCAM,
// edited one line at a time, is software switched once (one FM message)
// and goes back into the TCAM when its lines are removed again.
func TestRACLBackInHardwareAfterShrink(t *testing.T) {
	g := newRig(t, 4, cam.Config{})
	g.setUpL3()
	if err := g.sw.SetACLLimits(ACLLimits{Entries: 32, Masks: 4096, EntriesPerMask: 8, RangeUnits: 32}); err != nil {
		t.Fatal(err)
	}
	lines := []string{"10 permit tcp any host 10.0.20.12 eq 80", "20 permit icmp any any", "1000 deny ip any any"}
	for i := range 40 {
		lines = append(lines, fmt.Sprintf("%d permit tcp any host 10.0.20.12 eq %d", 100+i, 8000+i))
	}
	list := func(n int) *acl.List {
		l := acl.NewList("WEB", acl.Extended)
		for _, s := range lines[:n] {
			a, err := acl.ParseLine(acl.Extended, s)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := l.Add(a); err != nil {
				t.Fatal(err)
			}
		}
		return l
	}
	var last tcam.Result
	for n := 3; n <= len(lines); n++ {
		res, err := g.sw.SetSVIACL(10, tcam.In, list(n))
		if err != nil {
			t.Fatal(err)
		}
		last = res
	}
	if last.State != tcam.Inactive {
		t.Fatalf("43 entries in 32: %v, want software switched", last.State)
	}
	for n := len(lines) - 1; n >= 3; n-- {
		res, err := g.sw.SetSVIACL(10, tcam.In, list(n))
		if err != nil {
			t.Fatal(err)
		}
		last = res
	}
	if last.State != tcam.Active {
		t.Fatalf("back to 3 entries: %v, want in the TCAM again", last.State)
	}
	reduced := 0
	for _, m := range g.sw.Log().Messages() {
		if strings.Contains(m.String(), "RACL_REDUCED") {
			reduced++
		}
	}
	if reduced != 1 {
		t.Fatalf("%d RACL_REDUCED messages, want 1", reduced)
	}
}
