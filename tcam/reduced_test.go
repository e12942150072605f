package tcam

import (
	"fmt"
	"testing"

	"github.com/l2sw/l2sw/tcam/acl"
)

// TestRACLBackToHardware: a router ACL that overflowed runs in software;
// once an edit makes it fit again it is programmed in the TCAM again, as
// the feature manager retries on every change.
func TestRACLBackToHardware(t *testing.T) {
	tc := New(Config{Limits: Limits{Entries: 32, Masks: 4096, EntriesPerMask: 8, RangeUnits: 32}})
	id := BindingID{Feature: FeatureRACL, Interface: "Vlan10", Dir: In}
	lines := []string{"10 permit tcp any host 10.0.20.12 eq 80", "20 permit icmp any any", "1000 deny ip any any"}
	small := mustACL(t, "WEB", acl.Extended, lines...)
	if res, err := tc.Apply(id, small); err != nil || res.State != Active {
		t.Fatalf("small list: %v %v", res.State, err)
	}
	big := lines
	for i := range 40 {
		big = append(big, fmt.Sprintf("%d permit tcp any host 10.0.20.12 eq %d", 100+i, 8000+i))
	}
	// Grow it one line at a time, as the CLI commits each line.
	for n := len(lines) + 1; n <= len(big); n++ {
		if _, err := tc.Apply(id, mustACL(t, "WEB", acl.Extended, big[:n]...)); err != nil {
			t.Fatal(err)
		}
	}
	if st := tc.Binding(id).State(); st != Inactive {
		t.Fatalf("43 entries in a 32-entry TCAM: %v, want software", st)
	}
	// Shrink it back one line at a time, then write the range.
	for n := len(big) - 1; n >= len(lines); n-- {
		if _, err := tc.Apply(id, mustACL(t, "WEB", acl.Extended, big[:n]...)); err != nil {
			t.Fatal(err)
		}
	}
	res, err := tc.Apply(id, mustACL(t, "WEB", acl.Extended, append(lines, "100 permit tcp any host 10.0.20.12 range 8000 8039")...))
	if err != nil || res.State != Active {
		t.Fatalf("list that fits again: %v %v (usage %+v)", res.State, err, tc.Usage())
	}
}
