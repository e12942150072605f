package dataplane

import "github.com/l2sw/l2sw/dataplane/frame"

// l3Snapshot is the layer-3 part of the forwarding snapshot: SVIs, the FIB
// version, ACL bindings. Layer 3 fills it in; nil means pure layer 2.
type l3Snapshot struct{}

// l3Input is the layer-3 entry of the pipeline (DESIGN §2 step 4). It
// returns true when it consumed the frame.
func (r *Receiver) l3Input(s *snapshot, v *frame.View, buf []byte, n int, tagged bool, vlan uint16, cast castClass) bool {
	return false
}
