package packet

import (
	"errors"
	"testing"
)

func TestParseAndString(t *testing.T) {
	for _, s := range []string{"0011.2233.4455", "00:11:22:33:44:55", "00-11-22-33-44-55", "0011.2233.4455"} {
		m, err := ParseMAC(s)
		if err != nil {
			t.Fatalf("ParseMAC(%q): %v", s, err)
		}
		if got := m.String(); got != "0011.2233.4455" {
			t.Errorf("String = %q", got)
		}
		if got := m.Hyphenated(); got != "00-11-22-33-44-55" {
			t.Errorf("Hyphenated = %q", got)
		}
		if got := m.Colon(); got != "00:11:22:33:44:55" {
			t.Errorf("Colon = %q", got)
		}
	}
	// Groups of 1 to 4 digits, as IOS takes them.
	if m, err := ParseMAC("11.2233.445"); err != nil || m.String() != "0011.2233.0445" {
		t.Errorf("ParseMAC(11.2233.445) = %v, %v", m, err)
	}
	for _, bad := range []string{"", "0011.2233.44556", "0011..4455", "0011.2233", "0011.2233.4455.", "0011-2233-4455", "00:11:22:33:44-55", "g011.2233.4455", "00112233445566"} {
		if _, err := ParseMAC(bad); !errors.Is(err, ErrMACSyntax) {
			t.Errorf("ParseMAC(%q) err = %v, want ErrSyntax", bad, err)
		}
	}
}

func TestPredicatesAndPacking(t *testing.T) {
	if !(MAC{}).IsZero() || BroadcastMAC.IsZero() {
		t.Error("IsZero")
	}
	if !BroadcastMAC.IsMulticast() || !BroadcastMAC.IsBroadcast() {
		t.Error("broadcast predicates")
	}
	hsrp := MAC{0x01, 0x00, 0x5e, 0, 0, 2}
	if !hsrp.IsMulticast() || hsrp.IsBroadcast() {
		t.Error("multicast predicates")
	}
	m := MAC{0xde, 0xad, 0xbe, 0xef, 0x00, 0x01}
	if MACFromUint64(m.Uint64()) != m || m.Uint64() != 0xdeadbeef0001 {
		t.Errorf("packing %x", m.Uint64())
	}
}

func FuzzParse(f *testing.F) {
	f.Add("0011.2233.4455")
	f.Add("00:11:22:33:44:55")
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMAC(s)
		if err != nil {
			return
		}
		again, err := ParseMAC(m.String())
		if err != nil || again != m {
			t.Fatalf("round trip of %q: %v %v", s, again, err)
		}
	})
}
