package port

import "testing"

func TestValidNetdevName(t *testing.T) {
	for name, ok := range map[string]bool{"veth0": true, "l2sw-123456789a": true, "": false, "l2sw-123456789ab": false,
		".": false, "..": false, "a/b": false, "a b": false, "a:b": false, "tap%d": false} {
		if err := ValidNetdevName(name); (err == nil) != ok {
			t.Errorf("%q: %v", name, err)
		}
	}
}
