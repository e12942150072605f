package afpacket

import "testing"

// FuzzParseSpec: no panic on any argument text, and an accepted argument
// renders (Spec) to one that parses to the same Config.
func FuzzParseSpec(f *testing.F) {
	for _, s := range []string{"veth0", "eth1,blocks=64,timeout=2", "e,block=1024,bypass=off", "e,batch=1", ",", "e,block=99999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cfg, err := ParseSpec(s)
		if err != nil {
			return
		}
		again, err := ParseSpec(cfg.Spec())
		if err != nil || again != cfg {
			t.Fatalf("%q -> %+v -> %q -> %+v, %v", s, cfg, cfg.Spec(), again, err)
		}
	})
}
