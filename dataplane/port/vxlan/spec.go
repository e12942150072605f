package vxlan

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// SpecUsage is the argument syntax ParseSpec accepts.
const SpecUsage = "vxlan:VNI,remote=IP[,local=IP][,dstport=4789][,ttl=N][,mtu=N][,batch=N]"

// ParseSpec reads the argument of a `vxlan:` port, e.g.
// "42,remote=192.0.2.7" or "42,remote=192.0.2.7,local=192.0.2.1,mtu=9000".
// It checks the values as Open would.
func ParseSpec(arg string) (Config, error) {
	parts := strings.Split(arg, ",")
	var cfg Config
	vni, err := strconv.ParseUint(parts[0], 10, 32)
	if err != nil {
		return cfg, fmt.Errorf("%w %q: the VNI first (%s)", ErrSpec, arg, SpecUsage)
	}
	cfg.VNI = uint32(vni)
	for _, opt := range parts[1:] {
		k, v, ok := strings.Cut(opt, "=")
		if !ok {
			return cfg, fmt.Errorf("%w: option %q: want KEY=VALUE (%s)", ErrSpec, opt, SpecUsage)
		}
		switch k {
		case "remote", "local":
			a, err := netip.ParseAddr(v)
			if err != nil || !a.Is4() {
				return cfg, fmt.Errorf("%w: option %q: want an IPv4 address", ErrSpec, opt)
			}
			if k == "remote" {
				cfg.Remote = a
			} else {
				cfg.Local = a
			}
		case "dstport", "ttl", "mtu", "batch":
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				return cfg, fmt.Errorf("%w: option %q: want %s=POSITIVE-NUMBER", ErrSpec, opt, k)
			}
			switch k {
			case "dstport":
				if n > 65535 {
					return cfg, fmt.Errorf("%w: option %q: port out of range", ErrSpec, opt)
				}
				cfg.DstPort = uint16(n)
			case "ttl":
				cfg.TTL = n
			case "mtu":
				cfg.MTU = n
			case "batch":
				cfg.Batch = n
			}
		default:
			return cfg, fmt.Errorf("%w: option %q: unknown (remote, local, dstport, ttl, mtu, batch)", ErrSpec, opt)
		}
	}
	if !cfg.Remote.IsValid() {
		return cfg, fmt.Errorf("%w %q: remote=IP is required (%s)", ErrSpec, arg, SpecUsage)
	}
	check := cfg
	if err := check.normalize(); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// Spec renders cfg as the argument ParseSpec reads, defaults left out.
func (c Config) Spec() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d,remote=%s", c.VNI, c.Remote)
	if c.Local.IsValid() {
		fmt.Fprintf(&b, ",local=%s", c.Local)
	}
	for _, o := range []struct {
		key   string
		v, is int
	}{{"dstport", int(c.DstPort), DefaultPort}, {"ttl", c.TTL, 64}, {"mtu", c.MTU, 1500}, {"batch", c.Batch, 64}} {
		if o.v != 0 && o.v != o.is {
			fmt.Fprintf(&b, ",%s=%d", o.key, o.v)
		}
	}
	return b.String()
}
