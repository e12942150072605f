package main

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/dataplane/port/afpacket"
)

// reattachInterval is how often the daemon looks for the devices of failed
// ports: a switch has few ports, and a second is how fast a Catalyst
// notices a module come back.
const reattachInterval = time.Second

// netdev is the kernel device a port's backend stands on, "" for the
// backends that have none (pcap, mem, vxlan).
func (p portSpec) netdev() string {
	switch p.backend {
	case "tap":
		cfg, err := parseTapArg(p.arg)
		if err == nil {
			return cfg.Name
		}
	case "afpacket":
		cfg, err := afpacket.ParseSpec(p.arg)
		if err == nil {
			return cfg.Name
		}
	}
	return ""
}

// reattach brings back the ports whose device was deleted once a device of
// that name exists again (a TAP created again, a veth or container
// interface re-added): it opens the backend as at start and hands it to
// the switch, which keeps the port's configuration. It runs until ctx ends.
func reattach(ctx context.Context, sw *dataplane.Switch, specs []portSpec, sysClass string, logf func(string, ...any)) {
	t := time.NewTicker(reattachInterval)
	defer t.Stop()
	lastErr := map[string]string{} // log a failure to reopen once, not every second
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for _, p := range specs {
			dev := p.netdev()
			if dev == "" {
				continue
			}
			if st, err := sw.Status(p.name); err != nil || !st.Failed {
				continue
			}
			if _, err := os.Stat(filepath.Join(sysClass, dev)); err != nil {
				continue
			}
			b, err := p.open()
			if err == nil {
				if err = sw.ReattachPort(p.name, b); err != nil {
					b.Close()
				}
			}
			if err != nil {
				if msg := err.Error(); lastErr[p.name] != msg {
					logf("%s: %s is back but cannot be attached: %v", p.name, dev, err)
					lastErr[p.name] = msg
				}
				continue
			}
			delete(lastErr, p.name)
			logf("%s: re-attached to %s", p.name, dev)
		}
	}
}
