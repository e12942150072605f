package dataplane

import "github.com/l2sw/l2sw/tcam"

// This file is the ACL side of the switch API that cli talks to (DESIGN §1:
// cli -> dataplane, never to the tables). The names below are the TCAM's
// own types under dataplane names, so values pass through unchanged and
// errors.Is/As keep working, while cli imports no table package.

// ACLFeature is the TCAM feature an ACL is bound for.
type ACLFeature = tcam.Feature

// The features.
const (
	FeatureRACL = tcam.FeatureRACL // `ip access-group` on an SVI
	FeatureVACL = tcam.FeatureVACL // VLAN access map
	FeaturePACL = tcam.FeaturePACL // `ip access-group` on a layer-2 port
)

// ACLDirection is the traffic direction of an ACL binding.
type ACLDirection = tcam.Direction

// The directions.
const (
	ACLIn  = tcam.In
	ACLOut = tcam.Out
)

// ACLState is a binding's programming state (in hardware or software).
type ACLState = tcam.State

// The states.
const (
	ACLActive   = tcam.Active
	ACLInactive = tcam.Inactive
)

// ACLResult reports what applying an ACL did.
type ACLResult = tcam.Result

// ACLLimits are the TCAM capacity limits.
type ACLLimits = tcam.Limits

// ACLUsage is the TCAM's resource use.
type ACLUsage = tcam.Usage

// ACLResource names a TCAM resource.
type ACLResource = tcam.Resource

// The resources.
const (
	ResEntries    = tcam.ResEntries
	ResMasks      = tcam.ResMasks
	ResRangeUnits = tcam.ResRangeUnits
)

// ACLFullError says which resource a commit ran out of.
type ACLFullError = tcam.FullError

// ACLBindingStatus is one applied ACL as `show fm summary` lists it.
type ACLBindingStatus = tcam.BindingStatus

// ErrTCAMFull is wrapped by every TCAM capacity failure.
var ErrTCAMFull = tcam.ErrTCAMFull

// DefaultACLLimits returns the default TCAM limits (a PFC3).
func DefaultACLLimits() ACLLimits { return tcam.PFC3Limits() }

// ACLLimits returns the TCAM's current limits.
func (sw *Switch) ACLLimits() ACLLimits { return sw.acl.tcam.Limits() }

// SetACLLimits changes the TCAM limits; it fails with an *ACLFullError when
// what is programmed would not fit.
func (sw *Switch) SetACLLimits(l ACLLimits) error { return sw.acl.tcam.SetLimits(l) }

// ACLUsage returns the TCAM's resource use.
func (sw *Switch) ACLUsage() ACLUsage { return sw.acl.tcam.Usage() }

// ACLSummary lists the ACL bindings in the order they were first applied.
func (sw *Switch) ACLSummary() []ACLBindingStatus { return sw.acl.tcam.Summary() }
