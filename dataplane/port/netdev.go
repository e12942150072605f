package port

import (
	"errors"
	"fmt"
	"strings"
)

// MaxNetdevName is the longest Linux interface name (IFNAMSIZ - 1).
const MaxNetdevName = 15

// ValidNetdevName applies the kernel's dev_valid_name rules, so that a bad
// name is reported as such instead of as an ioctl EINVAL or "no such
// device". A '%' is refused too: the kernel would take it as a pattern
// and pick a name, and a switch port must know its device's name.
func ValidNetdevName(name string) error {
	switch {
	case name == "":
		return errors.New("empty interface name")
	case len(name) > MaxNetdevName:
		return fmt.Errorf("interface name is %d bytes long, the kernel allows at most %d", len(name), MaxNetdevName)
	case name == "." || name == "..":
		return errors.New(`interface name cannot be "." or ".."`)
	case strings.ContainsAny(name, "/: \t\n\v\f\r"):
		return errors.New("interface name cannot contain '/', ':' or white space")
	case strings.Contains(name, "%"):
		return errors.New("interface name cannot contain '%'")
	}
	return nil
}
