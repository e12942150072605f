package dataplane

import "github.com/l2sw/l2sw/vlanset"

// VLANSet is a set of VLAN IDs 1-4094 as a bitmap, cheap to test per frame;
// the type and its IOS list syntax live in the vlanset leaf.
type VLANSet = vlanset.Set

// MaxVLAN is the highest usable VLAN ID.
const MaxVLAN = vlanset.Max

// AllVLANs is 1-4094, the default allowed list of a trunk.
func AllVLANs() VLANSet { return vlanset.All() }
