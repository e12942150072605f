package main

import (
	"github.com/l2sw/l2sw/cli"
	"github.com/l2sw/l2sw/dataplane/port/tap"
	"strings"
	"testing"
	"time"
)

func TestParsePortSpec(t *testing.T) {
	for in, want := range map[string]portSpec{
		"gi0/1=tap:l2sw1":                {name: "GigabitEthernet0/1", backend: "tap", arg: "l2sw1"},
		"GigabitEthernet0/2=pcap:a,b":    {name: "GigabitEthernet0/2", backend: "pcap", arg: "a,b"},
		"Gi0/3=mem":                      {name: "GigabitEthernet0/3", backend: "mem"},
		"fa0/4=tap:x,mtu=9000,queues=2":  {name: "FastEthernet0/4", backend: "tap", arg: "x,mtu=9000,queues=2"},
		"gi0/5=afpacket:veth0,blocks=64": {name: "GigabitEthernet0/5", backend: "afpacket", arg: "veth0,blocks=64"},
	} {
		got, err := parsePortSpec(in)
		if err != nil || got != want {
			t.Errorf("parsePortSpec(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for in, msg := range map[string]string{
		"gi0/1":            "want IFNAME=BACKEND:ARG",
		"bogus0/1=tap:x":   "is not an interface name",
		"gi0/1=tap":        "needs an argument",
		"gi0/1=afpacket":   "needs an argument (afpacket:IFNAME",
		"gi0/1=vde:/tmp/x": "unknown backend",
		"=tap:x":           "want IFNAME=BACKEND:ARG",
	} {
		if _, err := parsePortSpec(in); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("parsePortSpec(%q) error %v, want it to say %q", in, err, msg)
		}
	}
	cfg, err := parseTapArg("t1,mtu=9216,queues=2")
	if err != nil || cfg.Name != "t1" || cfg.MTU != 9216 || cfg.Queues != 2 {
		t.Errorf("parseTapArg: %+v %v", cfg, err)
	}
	if cfg, err := parseTapArg("t1,vnet=off"); err != nil || cfg.Vnet != tap.VnetOff {
		t.Errorf("vnet=off: %+v %v", cfg, err)
	}
	if _, err := parseTapArg("t1,vnet=maybe"); err == nil {
		t.Error("vnet=maybe accepted")
	}
	if _, err := parseTapArg("t1,speed=10"); err == nil {
		t.Error("unknown tap option accepted")
	}
	if cfg, err := parseTapArg("t1,poll=50us"); err != nil || cfg.Poll != 50*time.Microsecond {
		t.Errorf("poll=50us: %+v %v", cfg, err)
	}
	if _, err := parseTapArg("t1,poll=fast"); err == nil {
		t.Error("poll=fast accepted")
	}
	// --poll reaches TAP ports that do not set their own, and only them.
	for in, want := range map[string]string{
		"gi0/1=tap:t1":           "t1,poll=100µs",
		"gi0/1=tap:t1,poll=20us": "t1,poll=20us",
		"gi0/1=afpacket:veth0":   "veth0",
		"gi0/1=tap:t1,queues=2":  "t1,queues=2,poll=100µs",
	} {
		p, err := parsePortSpec(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.withPoll(100 * time.Microsecond).arg; got != want {
			t.Errorf("%s with --poll 100us: arg %q, want %q", in, got, want)
		}
	}
}

func TestDefaultConfigForPorts(t *testing.T) {
	var ports []portSpec
	for _, s := range defaultPorts {
		p, err := parsePortSpec(s)
		if err != nil {
			t.Fatal(err)
		}
		ports = append(ports, p)
	}
	if got := defaultConfigFor(ports); got != cli.DefaultConfig {
		t.Errorf("the default ports must keep the whole default config:\n%s", got)
	}
	got := defaultConfigFor(ports[:2])
	if strings.Contains(got, "GigabitEthernet0/3") || !strings.Contains(got, "interface GigabitEthernet0/2\n switchport") || !strings.Contains(got, "hostname Switch") {
		t.Errorf("two-port default config:\n%s", got)
	}
}

// FuzzParsePortSpec: no panic on any --port text, and an accepted spec
// names its interface canonically (parsing the canonical name again gives it).
func FuzzParsePortSpec(f *testing.F) {
	for _, s := range []string{"gi0/1=tap:l2sw1", "Gi 0/2=pcap:a,b", "fa0/4=tap:x,mtu=9000", "=", "gi0/1=mem", "gi0/2=afpacket:veth0,timeout=2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parsePortSpec(s)
		if err != nil {
			return
		}
		again, err := parsePortSpec(p.name + "=" + p.backend + ":" + p.arg)
		if p.backend == "mem" && p.arg == "" {
			again, err = parsePortSpec(p.name + "=mem")
		}
		if err != nil || again.name != p.name {
			t.Fatalf("%q -> %+v does not re-parse: %+v %v", s, p, again, err)
		}
	})
}
