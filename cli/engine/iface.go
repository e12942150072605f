package engine

import (
	"fmt"

	"github.com/l2sw/l2sw/ifname"
)

// The engine names interfaces through package ifname: an InterfaceSet is
// the pluggable namespace of a command set (the switch's ports, SVIs and
// Null0), an InterfaceType one of its types with the numbers that exist.
type (
	InterfaceType = ifname.Type
	InterfaceSet  = ifname.Set
)

// NewInterfaceSet returns a set of the given types.
func NewInterfaceSet(types ...InterfaceType) *InterfaceSet { return ifname.NewSet(types...) }

// ErrBadInterface is wrapped by the interface parsing errors.
var ErrBadInterface = ifname.ErrBadInterface

// firstRangeLabel is the `?` label of a type's first number.
func firstRangeLabel(t InterfaceType) string {
	if len(t.Ranges) == 0 {
		return "<cr>"
	}
	r := t.Ranges[0]
	return fmt.Sprintf("<%d-%d>", r.Lo, r.Hi)
}
