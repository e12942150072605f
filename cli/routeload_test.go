package cli

import (
	"fmt"
	"strings"
	"testing"
)

// A startup-config of many static routes loads inside one Switch.Bulk:
// the FIB is published once for the whole file, not once per line (which
// made a 100k-route config take minutes), and the routes come back in the
// running-config as they were given, in order, floating statics and
// interface routes included.
func TestStartupConfigRoutesOnePublication(t *testing.T) {
	var b strings.Builder
	b.WriteString("vlan 10\n!\ninterface Vlan10\n ip address 10.0.10.1 255.255.255.0\n!\n")
	var routes strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&routes, "ip route 172.%d.%d.0 255.255.255.0 10.0.10.%d\n", 16+i/256, i%256, 2+i%200)
	}
	routes.WriteString("ip route 192.0.2.0 255.255.255.0 Null0\n")
	routes.WriteString("ip route 198.51.100.0 255.255.255.0 10.0.10.7\n")
	routes.WriteString("ip route 198.51.100.0 255.255.255.0 10.0.10.9 200\n")
	routes.WriteString("ip route 203.0.113.0 255.255.255.0 Vlan10 10.0.10.5 5\n")
	b.WriteString(routes.String())
	b.WriteString("!\nend\n")

	r := newRig(t)
	before := r.sw.FIBPublications()
	if errs := r.dev.LoadConfig(strings.NewReader(b.String())); len(errs) > 0 {
		t.Fatalf("config refused: %v", errs)
	}
	if n := r.sw.FIBPublications() - before; n != 1 {
		t.Fatalf("loading 2004 routes published the FIB %d times, want once", n)
	}
	if n := r.sw.StaticRouteCount(); n != 2004 {
		t.Fatalf("%d static routes configured, want 2004", n)
	}
	cfg := r.dev.RunningConfig()
	if !strings.Contains(cfg, routes.String()+"!\n") {
		t.Fatalf("running-config routes differ from the loaded ones:\n%s", cfg)
	}
	// `no ip route` removes one of a floating pair, the other takes over.
	if res := r.run("configure terminal", "no ip route 198.51.100.0 255.255.255.0 10.0.10.7", "end"); res.Rejected {
		t.Fatalf("no ip route refused:\n%s", res.Output)
	}
	if out := r.out("show ip route 198.51.100.0"); !strings.Contains(out, "10.0.10.9") || !strings.Contains(out, "distance 200") {
		t.Fatalf("floating static not in use after no ip route:\n%s", out)
	}
}
