package afpacket

import (
	"fmt"
	"strconv"
	"strings"
)

// SpecUsage is the argument syntax ParseSpec accepts.
const SpecUsage = "afpacket:IFNAME[,batch=N][,blocks=N][,block=KiB][,timeout=MS][,bypass=on|off][,vnet=on|off]"

// ParseSpec reads the argument of an `afpacket:` port: the netdev's name,
// then options, e.g. "veth0" or "eth1,blocks=64,timeout=2,bypass=off".
// It checks the values as Open would.
func ParseSpec(arg string) (Config, error) {
	parts := strings.Split(arg, ",")
	cfg := Config{Name: parts[0]}
	for _, opt := range parts[1:] {
		k, v, ok := strings.Cut(opt, "=")
		if !ok {
			return cfg, fmt.Errorf("afpacket option %q: want KEY=VALUE (%s)", opt, SpecUsage)
		}
		if k == "bypass" {
			switch v {
			case "on":
				cfg.NoBypass = false
			case "off":
				cfg.NoBypass = true
			default:
				return cfg, fmt.Errorf("afpacket option %q: want bypass=on or off", opt)
			}
			continue
		}
		if k == "vnet" {
			switch v {
			case "on":
				cfg.NoVnet = false
			case "off":
				cfg.NoVnet = true
			default:
				return cfg, fmt.Errorf("afpacket option %q: want vnet=on or off", opt)
			}
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return cfg, fmt.Errorf("afpacket option %q: want %s=POSITIVE-NUMBER", opt, k)
		}
		switch k {
		case "batch":
			cfg.Batch = n
		case "blocks":
			cfg.Blocks = n
		case "block":
			if n > MaxBlockSize>>10 {
				return cfg, fmt.Errorf("afpacket option %q: at most %d KiB", opt, MaxBlockSize>>10)
			}
			cfg.BlockSize = n << 10
		case "timeout":
			cfg.Timeout = n
		default:
			return cfg, fmt.Errorf("afpacket option %q: unknown (batch, blocks, block, timeout, bypass, vnet)", opt)
		}
	}
	check := cfg
	if err := check.normalize(); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// Spec renders cfg back as the argument ParseSpec reads, options at their
// defaults left out.
func (c Config) Spec() string {
	var b strings.Builder
	b.WriteString(c.Name)
	for _, o := range []struct {
		key string
		v   int
	}{{"batch", c.Batch}, {"blocks", c.Blocks}, {"block", c.BlockSize >> 10}, {"timeout", c.Timeout}} {
		if o.v != 0 {
			fmt.Fprintf(&b, ",%s=%d", o.key, o.v)
		}
	}
	if c.NoBypass {
		b.WriteString(",bypass=off")
	}
	if c.NoVnet {
		b.WriteString(",vnet=off")
	}
	return b.String()
}
