package dataplane

import "github.com/l2sw/l2sw/tcam"

// The ACL part of the switch's API. The CLI names features, directions,
// limits and results through these, so that it never imports tcam (DESIGN
// §1: cli talks to the switch, not to its tables).
type (
	// ACLFeature is where a list applies: port, router (SVI) or VLAN filter.
	ACLFeature = tcam.Feature
	// ACLDirection is a router ACL's direction.
	ACLDirection = tcam.Direction
	// ACLResult is what applying a list did: TCAM use and FM events.
	ACLResult = tcam.Result
	// TCAMLimits are the ACL TCAM's sizes (`platform acl tcam`).
	TCAMLimits = tcam.Limits
	// TCAMUsage is the ACL TCAM's use against its limits.
	TCAMUsage = tcam.Usage
	// TCAMResource is one TCAM resource: entries, masks or LOUs.
	TCAMResource = tcam.Resource
	// TCAMFullError says which resource a change would overflow.
	TCAMFullError = tcam.FullError
	// ACLBinding is one applied list and whether it is in hardware.
	ACLBinding = tcam.BindingStatus
	// ACLState is ACTIVE (in the TCAM) or INACTIVE (software switched).
	ACLState = tcam.State
)

// The values of the ACL types above.
const (
	FeaturePACL = tcam.FeaturePACL
	FeatureRACL = tcam.FeatureRACL
	FeatureVACL = tcam.FeatureVACL

	ACLIn  = tcam.In
	ACLOut = tcam.Out

	ACLActive   = tcam.Active
	ACLInactive = tcam.Inactive

	TCAMEntries    = tcam.ResEntries
	TCAMMasks      = tcam.ResMasks
	TCAMRangeUnits = tcam.ResRangeUnits
)

// ErrTCAMFull is wrapped by every error of a change that does not fit.
var ErrTCAMFull = tcam.ErrTCAMFull

// DefaultTCAMLimits are the limits a switch starts with (a PFC3's).
func DefaultTCAMLimits() TCAMLimits { return tcam.PFC3Limits() }

// TCAMUsage returns the ACL TCAM's use (`show platform hardware capacity acl`).
func (sw *Switch) TCAMUsage() TCAMUsage { return sw.acl.tcam.Usage() }

// TCAMLimits returns the ACL TCAM's limits.
func (sw *Switch) TCAMLimits() TCAMLimits { return sw.acl.tcam.Limits() }

// SetTCAMLimits changes the limits; it fails, changing nothing, with a
// *TCAMFullError when what is programmed would not fit.
func (sw *Switch) SetTCAMLimits(l TCAMLimits) error { return sw.acl.tcam.SetLimits(l) }

// ACLBindings lists the applied lists in the order they were first applied
// (`show fm summary`).
func (sw *Switch) ACLBindings() []ACLBinding { return sw.acl.tcam.Summary() }
