package tcam

import "fmt"

// EventKind is a TCAM event the switch turns into a syslog line.
type EventKind uint8

// The events.
const (
	EventTCAMFull      EventKind = iota // %ACL-5-TCAMFULL (VLAN/port ACL rejected)
	EventEntryCapacity                  // %FM-4-TCAM_ENTRY (router ACL did not fit)
	EventRACLReduced                    // %FMCORE-4-RACL_REDUCED (router ACL software switched)
)

// String returns the mnemonic.
func (k EventKind) String() string {
	switch k {
	case EventTCAMFull:
		return "TCAMFULL"
	case EventEntryCapacity:
		return "TCAM_ENTRY"
	case EventRACLReduced:
		return "RACL_REDUCED"
	}
	return fmt.Sprintf("event(%d)", uint8(k))
}

// Event is one notification for the switch's log.
type Event struct {
	Kind     EventKind
	Binding  BindingID
	Resource Resource
}

// Facility, Severity, Mnemonic and Text give the IOS message fields, e.g.
// `%FMCORE-4-RACL_REDUCED: Interface Vlan202 routed traffic will be software switched in ingress direction`.
func (e Event) Facility() string {
	switch e.Kind {
	case EventTCAMFull:
		return "ACL"
	case EventEntryCapacity:
		return "FM"
	}
	return "FMCORE"
}

// Severity is the IOS severity number of the message.
func (e Event) Severity() int {
	if e.Kind == EventTCAMFull {
		return 5
	}
	return 4
}

// Mnemonic is the message mnemonic.
func (e Event) Mnemonic() string { return e.Kind.String() }

// Text is the message text.
func (e Event) Text() string {
	switch e.Kind {
	case EventTCAMFull:
		return "acl engine TCAM table is full"
	case EventEntryCapacity:
		return "Hardware TCAM entry capacity exceeded"
	}
	return fmt.Sprintf("Interface %s routed traffic will be software switched in %s direction", e.Binding.Interface, e.Binding.Dir.Word())
}

// String renders `%FAC-SEV-MNEMONIC: text`.
func (e Event) String() string {
	return fmt.Sprintf("%%%s-%d-%s: %s", e.Facility(), e.Severity(), e.Mnemonic(), e.Text())
}
