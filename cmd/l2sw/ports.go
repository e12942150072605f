package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/l2sw/l2sw/dataplane/port"
	"github.com/l2sw/l2sw/dataplane/port/afpacket"
	"github.com/l2sw/l2sw/dataplane/port/mem"
	"github.com/l2sw/l2sw/dataplane/port/pcap"
	"github.com/l2sw/l2sw/dataplane/port/tap"
	"github.com/l2sw/l2sw/dataplane/port/vxlan"
	"github.com/l2sw/l2sw/ifname"
)

// portSpec is one --port IFNAME=BACKEND:ARG.
type portSpec struct {
	name    string // canonical interface name
	backend string // tap, afpacket, pcap, mem
	arg     string
}

// switchInterfaces are the port names `--port` accepts, in every IOS spelling.
var switchInterfaces = ifname.NewSet(
	ifname.Type{Name: "GigabitEthernet", Ranges: []ifname.Range{{Lo: 0, Hi: 9}, {Lo: 1, Hi: 48}}},
	ifname.Type{Name: "FastEthernet", Ranges: []ifname.Range{{Lo: 0, Hi: 9}, {Lo: 1, Hi: 48}}},
	ifname.Type{Name: "TenGigabitEthernet", Ranges: []ifname.Range{{Lo: 0, Hi: 9}, {Lo: 1, Hi: 48}}},
)

// defaultPorts is the port set of `l2sw run` without --port.
var defaultPorts = []string{
	"GigabitEthernet0/1=tap:l2sw1",
	"GigabitEthernet0/2=tap:l2sw2",
	"GigabitEthernet0/3=tap:l2sw3",
	"GigabitEthernet0/4=tap:l2sw4",
}

// parsePortSpec reads IFNAME=BACKEND:ARG, e.g. gi0/1=tap:l2sw1,
// Gi0/2=pcap:in.pcap,out.pcap, gi0/3=afpacket:veth0, GigabitEthernet0/4=mem.
func parsePortSpec(s string) (portSpec, error) {
	name, rest, ok := strings.Cut(s, "=")
	if !ok || name == "" || rest == "" {
		return portSpec{}, fmt.Errorf("--port %q: want IFNAME=BACKEND:ARG, e.g. GigabitEthernet0/1=tap:l2sw1", s)
	}
	canon, err := switchInterfaces.Parse(strings.ReplaceAll(name, " ", ""))
	if err != nil {
		return portSpec{}, fmt.Errorf("--port %q: %q is not an interface name (GigabitEthernet0/1, gi0/1, ...)", s, name)
	}
	backend, arg, _ := strings.Cut(rest, ":")
	switch backend {
	case "tap", "pcap", "afpacket", "vxlan":
		if arg == "" {
			return portSpec{}, fmt.Errorf("--port %q: backend %s needs an argument (%s)", s, backend, backendUsage[backend])
		}
	case "mem":
	default:
		return portSpec{}, fmt.Errorf("--port %q: unknown backend %q (tap:NAME, afpacket:IFNAME, vxlan:VNI,remote=IP, pcap:IN[,OUT], mem)", s, backend)
	}
	return portSpec{name: canon, backend: backend, arg: arg}, nil
}

var backendUsage = map[string]string{
	"tap":      "tap:NAME[,mtu=N][,queues=N][,vnet=on|off|auto][,poll=DURATION]",
	"pcap":     "pcap:IN[,OUT]",
	"afpacket": afpacket.SpecUsage,
	"vxlan":    vxlan.SpecUsage,
}

// withPoll gives a TAP port that does not set its own busy-poll the given
// one (--poll).
func (p portSpec) withPoll(d time.Duration) portSpec {
	if p.backend != "tap" || d <= 0 || strings.Contains(p.arg, ",poll=") {
		return p
	}
	p.arg += ",poll=" + d.String()
	return p
}

// open creates the backend of a port.
func (p portSpec) open() (port.Port, error) {
	switch p.backend {
	case "tap":
		cfg, err := parseTapArg(p.arg)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.name, err)
		}
		t, err := tap.Open(cfg)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.name, err)
		}
		return t, nil
	case "afpacket":
		cfg, err := afpacket.ParseSpec(p.arg)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.name, err)
		}
		ap, err := afpacket.Open(cfg)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.name, err)
		}
		return ap, nil
	case "vxlan":
		cfg, err := vxlan.ParseSpec(p.arg)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.name, err)
		}
		vp, err := vxlan.Open(cfg)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.name, err)
		}
		return vp, nil
	case "pcap":
		pp, err := pcap.OpenSpec(p.arg)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.name, err)
		}
		return pp, nil
	}
	return mem.New(p.name), nil
}

func parseTapArg(arg string) (tap.Config, error) {
	parts := strings.Split(arg, ",")
	cfg := tap.Config{Name: parts[0]}
	for _, opt := range parts[1:] {
		k, v, _ := strings.Cut(opt, "=")
		if k == "vnet" {
			switch v {
			case "on":
				cfg.Vnet = tap.VnetOn
			case "off":
				cfg.Vnet = tap.VnetOff
			case "auto":
				cfg.Vnet = tap.VnetAuto
			default:
				return cfg, fmt.Errorf("tap option %q: want vnet=on, off or auto", opt)
			}
			continue
		}
		if k == "poll" {
			d, err := time.ParseDuration(v)
			if err != nil {
				return cfg, fmt.Errorf("tap option %q: want poll=DURATION, e.g. poll=50us", opt)
			}
			cfg.Poll = d
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return cfg, fmt.Errorf("tap option %q: want KEY=NUMBER", opt)
		}
		switch k {
		case "mtu":
			cfg.MTU = n
		case "queues":
			cfg.Queues = n
		default:
			return cfg, fmt.Errorf("tap option %q: unknown (mtu, queues, vnet, poll)", opt)
		}
	}
	return cfg, nil
}
