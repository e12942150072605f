package tcam

import "fmt"

// EventKind is a TCAM event. The tables only say what happened; the switch
// (dataplane/events.go) turns each kind into its IOS syslog line.
type EventKind uint8

// The events, with the IOS message the switch logs for each.
const (
	EventTCAMFull      EventKind = iota // a VLAN/port ACL was rejected (%ACL-5-TCAMFULL)
	EventEntryCapacity                  // a router ACL did not fit (%FM-4-TCAM_ENTRY)
	EventRACLReduced                    // a router ACL is software switched (%FMCORE-4-RACL_REDUCED)
)

// String names the kind.
func (k EventKind) String() string {
	switch k {
	case EventTCAMFull:
		return "tcam-full"
	case EventEntryCapacity:
		return "entry-capacity"
	case EventRACLReduced:
		return "racl-reduced"
	}
	return fmt.Sprintf("event(%d)", uint8(k))
}

// Event is one notification for the switch's log: what happened, to which
// binding (feature, interface, direction), and which resource ran out.
type Event struct {
	Kind     EventKind
	Binding  BindingID
	Resource Resource
}
