package cli

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/dataplane/capture"
	"github.com/l2sw/l2sw/syslog"
)

// This file is the Embedded Packet Capture of IOS-XE, in privileged EXEC:
//
//	monitor capture NAME interface IF {in|out|both}
//	monitor capture NAME {match any | match ipv4 ... | access-list ACL}
//	monitor capture NAME limit packets N
//	monitor capture NAME buffer {size MB | circular [size MB]}
//	monitor capture NAME {start|stop|clear}
//	monitor capture NAME export {flash:FILE|bootflash:FILE|PATH}
//	no monitor capture NAME [interface IF]
//	show monitor capture [NAME [buffer [brief|detailed|dump]]]
//
// A capture point is attached to the pipeline (a capture.Session) only
// while it is active. Its buffer is memory, bounded by the buffer size and
// the packet limit; `export` writes it as a pcap file. As on IOS-XE a
// capture point is not configuration: it is not in the running-config and
// does not survive a restart.
//
// Export paths: `flash:NAME` and `bootflash:NAME` are files in the
// directory of the startup-config (the switch's flash; the working
// directory when the switch has no startup-config storage), and may not
// leave it; a plain path is taken as it is, relative ones from that same
// directory.

// capturePoint is one `monitor capture NAME`.
type capturePoint struct {
	name     string
	ports    map[string]capture.Point // interface -> Ingress, Egress or Both
	order    []string                 // interfaces in the order attached
	match    capture.Match            // valid unless aclName is set
	aclName  string                   // `access-list NAME`: resolved at start
	limit    int                      // packets, 0 = no limit
	bufferMB int
	circular bool

	buf     *capture.Buffer // nil until first started or after a buffer change
	detach  func()          // non-nil while active
	session *capture.Session
	started time.Time
	stopped time.Time
}

// captureSet is the Device's capture points.
type captureSet struct {
	d      *Device
	mu     sync.Mutex
	points map[string]*capturePoint
}

// installCapture adds the monitor capture commands to the engine.
func (d *Device) installCapture() {
	cs := &captureSet{d: d, points: map[string]*capturePoint{}}
	help := map[string]string{"monitor": "Monitoring different system events", "capture": "Monitor Capture (Wireshark)",
		"$name": "Name of the Capture", "interface": "Capture Interface", "in": "Inbound only", "out": "Outbound only",
		"both": "Inbound and Outbound", "match": "Describe filters inline", "any": "All packets", "ipv4": "IPv4 packets only",
		"host": "A single host", "A.B.C.D": "Host address", "WORD": "Prefix/length (A.B.C.D/nn)", "protocol": "Protocols",
		"tcp": "Transmission Control Protocol", "udp": "User Datagram Protocol", "icmp": "Internet Control Message Protocol",
		"<0-255>": "An IP protocol number", "eq": "Match only packets on a given port number", "<0-65535>": "Port number",
		"access-list": "access-list to be attached", "$acl": "Name of the access-list", "limit": "Limit Packets",
		"packets": "Limit number of packets to capture", "<1-100000>": "Number of packets", "buffer": "Buffer options",
		"size": "Size of buffer", "<1-100>": "Buffer size in MB", "circular": "circular buffer", "start": "Enable Capture",
		"stop": "Disable Capture", "clear": "Clear capture buffer", "export": "Export Capture Buffer",
		"$file": "Location and file name (flash:NAME, bootflash:NAME or a path)", "show": "Show running system information",
		"brief": "brief display", "detailed": "detailed display", "dump": "for dump"}
	addr := func(p string) string { return fmt.Sprintf("{any|host A.B.C.D$%sh|WORD$%sp}$%s", p, p, p) }
	port := func(p string) string { return fmt.Sprintf("[eq <0-65535>$%sport]", p) }
	pre := "monitor capture WORD$name "
	must(d.eng.Install(d.eng.ExecMode(),
		engine.Command{Syntax: pre + "interface IFNAME$ifname {in|out|both}$dir", Help: help,
			No: true, NoSyntax: "monitor capture WORD$name [interface IFNAME$ifname]", Run: cs.attach},
		engine.Command{Syntax: pre + "match any", Help: help, Run: func(c *engine.Ctx, a engine.Args) error {
			return cs.setMatch(a.String("name"), capture.MatchAny(), "")
		}},
		engine.Command{Syntax: pre + "match ipv4 " + addr("src") + " " + addr("dst"), Help: help, Run: cs.matchIPv4},
		engine.Command{Syntax: pre + "match ipv4 protocol {tcp|udp}$proto " + addr("src") + " " + port("src") + " " + addr("dst") + " " + port("dst"),
			Help: help, Run: cs.matchIPv4},
		engine.Command{Syntax: pre + "match ipv4 protocol {icmp|<0-255>$protonum}$proto " + addr("src") + " " + addr("dst"),
			Help: help, Run: cs.matchIPv4},
		engine.Command{Syntax: pre + "access-list WORD$acl", Help: help, Run: func(c *engine.Ctx, a engine.Args) error {
			return cs.setMatch(a.String("name"), capture.Match{}, a.String("acl"))
		}},
		engine.Command{Syntax: pre + "limit packets <1-100000>", Help: help, Run: func(c *engine.Ctx, a engine.Args) error {
			return cs.configure(a.String("name"), func(p *capturePoint) { p.limit = a.Int("packets") })
		}},
		engine.Command{Syntax: pre + "buffer {size <1-100>$size|circular [size <1-100>$csize]}$type", Help: help,
			Run: func(c *engine.Ctx, a engine.Args) error {
				return cs.configure(a.String("name"), func(p *capturePoint) {
					p.circular = a.String("type") == "circular"
					p.bufferMB = a.Int("size")
					if p.circular {
						p.bufferMB = capture.DefaultBufferMB
						if a.Has("csize") {
							p.bufferMB = a.Int("csize")
						}
					}
				})
			}},
		engine.Command{Syntax: pre + "{start|stop|clear}$op", Help: help, Run: cs.operate},
		engine.Command{Syntax: pre + "export WORD$file", Help: help, Run: cs.export},
		engine.Command{Syntax: "show monitor capture [WORD$name]", Help: help,
			Run: out(func(_ *engine.Ctx, a engine.Args) (string, error) { return cs.show(a.String("name")) })},
		engine.Command{Syntax: "show monitor capture WORD$name buffer [brief|detailed|dump]$fmt", Help: help,
			Run: out(func(_ *engine.Ctx, a engine.Args) (string, error) {
				return cs.showBuffer(a.String("name"), a.String("fmt"))
			})},
	))
}

// errNoCapture is the answer about a capture point that does not exist.
func errNoCapture(name string) error {
	return engine.Rejectf("Capture point %s does not exist", name)
}

// get returns the capture point name, creating it when create is set;
// cs.mu must be held.
func (cs *captureSet) getLocked(name string, create bool) *capturePoint {
	p := cs.points[name]
	if p == nil && create {
		p = &capturePoint{name: name, ports: map[string]capture.Point{}, bufferMB: capture.DefaultBufferMB}
		cs.points[name] = p
	}
	return p
}

// configure applies a configuration change to capture point name,
// creating it; an active one refuses changes, as on IOS-XE.
func (cs *captureSet) configure(name string, change func(p *capturePoint)) error {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	p := cs.getLocked(name, true)
	if p.detach != nil {
		return engine.Rejectf("Capture point %s is active; stop it before changing its configuration", name)
	}
	change(p)
	p.buf = nil // a new limit, buffer or filter starts a new buffer
	return nil
}

// attach is `monitor capture NAME interface IF DIR` and its no form.
func (cs *captureSet) attach(c *engine.Ctx, a engine.Args) error {
	name := a.String("name")
	if c.Negated() {
		cs.mu.Lock()
		defer cs.mu.Unlock()
		p := cs.getLocked(name, false)
		if p == nil {
			return errNoCapture(name)
		}
		if !a.Has("ifname") {
			cs.stopLocked(p, "")
			delete(cs.points, name)
			return nil
		}
		if p.detach != nil {
			return engine.Rejectf("Capture point %s is active; stop it before changing its configuration", name)
		}
		ifn := a.Interface("ifname")
		delete(p.ports, ifn)
		p.order = slices.DeleteFunc(p.order, func(s string) bool { return s == ifn })
		return nil
	}
	ifn := a.Interface("ifname")
	if _, err := cs.d.sw.Status(ifn); err != nil {
		return engine.Rejectf("%% Invalid interface %s", ifn)
	}
	dir := map[string]capture.Point{"in": capture.Ingress, "out": capture.Egress, "both": capture.Both}[a.String("dir")]
	return cs.configure(name, func(p *capturePoint) {
		if _, ok := p.ports[ifn]; !ok {
			p.order = append(p.order, ifn)
		}
		p.ports[ifn] = dir
	})
}

// setMatch sets the filter: m, or the access list aclName.
func (cs *captureSet) setMatch(name string, m capture.Match, aclName string) error {
	return cs.configure(name, func(p *capturePoint) { p.match, p.aclName = m, aclName })
}

// matchIPv4 is the `match ipv4 ...` forms.
func (cs *captureSet) matchIPv4(c *engine.Ctx, a engine.Args) error {
	m := capture.MatchIPv4()
	switch {
	case a.Has("protonum"):
		m.AnyProto, m.Proto = false, uint8(a.Int("protonum"))
	case a.Has("proto"):
		m.AnyProto, m.Proto = false, map[string]uint8{"tcp": 6, "udp": 17, "icmp": 1}[a.String("proto")]
	}
	var err error
	if m.Src, err = epcAddress(a, "src"); err != nil {
		return err
	}
	if m.Dst, err = epcAddress(a, "dst"); err != nil {
		return err
	}
	if a.Has("srcport") {
		m.SrcPort = a.Int("srcport")
	}
	if a.Has("dstport") {
		m.DstPort = a.Int("dstport")
	}
	return cs.setMatch(a.String("name"), m, "")
}

// epcAddress reads one side of a `match ipv4`: any, host A or A/len.
func epcAddress(a engine.Args, side string) (netip.Prefix, error) {
	switch {
	case a.String(side) == "any":
		return netip.Prefix{}, nil
	case a.Has(side + "h"):
		return netip.PrefixFrom(a.IP(side+"h"), 32), nil
	}
	w := a.String(side + "p")
	p, err := netip.ParsePrefix(w)
	if err != nil || !p.Addr().Is4() {
		return netip.Prefix{}, engine.Rejectf("%% Invalid prefix %s: give A.B.C.D/nn, host A.B.C.D or any", w)
	}
	if p = p.Masked(); p.Bits() == 0 {
		return netip.Prefix{}, nil
	}
	return p, nil
}

// operate is start, stop and clear.
func (cs *captureSet) operate(c *engine.Ctx, a engine.Args) error {
	name := a.String("name")
	cs.mu.Lock()
	defer cs.mu.Unlock()
	p := cs.getLocked(name, false)
	if p == nil {
		return errNoCapture(name)
	}
	switch a.String("op") {
	case "start":
		return cs.startLocked(c, p)
	case "stop":
		if p.detach == nil {
			return engine.Rejectf("Capture point %s is not active", name)
		}
		c.Printf("%s", cs.stopLocked(p, ""))
		c.Printf("Stopped capture point : %s\n", name)
	case "clear":
		if p.buf != nil {
			p.buf.Clear()
		}
	}
	return nil
}

func (cs *captureSet) startLocked(c *engine.Ctx, p *capturePoint) error {
	if p.detach != nil {
		return engine.Rejectf("Capture point %s is already active", p.name)
	}
	if len(p.ports) == 0 {
		return engine.Rejectf("Capture point %s does not have an attachment point: add one with monitor capture %s interface", p.name, p.name)
	}
	m := p.match
	if p.aclName != "" {
		var ok bool
		if m, ok = cs.d.captureACL(p.aclName); !ok {
			return engine.Rejectf("%% Access-list %s does not exist", p.aclName)
		}
	}
	if !m.Valid() {
		return engine.Rejectf("Capture point %s does not have a filter: add one with monitor capture %s match or access-list", p.name, p.name)
	}
	cfg := capture.Config{Ports: map[cam.PortID]capture.Point{}, Match: m}
	for ifn, dir := range p.ports {
		st, err := cs.d.sw.Status(ifn)
		if err != nil {
			return engine.Rejectf("%% Invalid interface %s", ifn)
		}
		cfg.Ports[st.ID] = dir
	}
	if p.buf == nil {
		p.buf = capture.NewBuffer(p.bufferMB<<20, p.limit, p.circular)
	}
	name := p.name
	var s *capture.Session
	s = capture.NewSession(cfg, p.buf, cs.d.opts.Now, func() { cs.full(name, s) })
	p.session = s
	p.detach = cs.d.sw.AddObserver(s)
	p.started = cs.d.opts.Now()
	c.Printf("Started capture point : %s\n", p.name)
	cs.d.sw.Log().Log("BUFCAP", syslog.Informational, "ENABLE", "Capture Point %s enabled.", p.name)
	return nil
}

// full runs when the buffer of session s took its last packet: the
// capture point stops by itself, as IOS-XE's does.
func (cs *captureSet) full(name string, s *capture.Session) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if p := cs.points[name]; p != nil && p.session == s {
		cs.stopLocked(p, "Buffer Full")
	}
}

// stopLocked detaches an active capture point and returns the statistics
// IOS-XE prints on `stop`; why, when set, is the reason of a stop the
// switch decided.
func (cs *captureSet) stopLocked(p *capturePoint, why string) string {
	if p.detach == nil {
		return ""
	}
	p.detach()
	p.detach, p.session = nil, nil
	p.stopped = cs.d.opts.Now()
	if why != "" {
		cs.d.sw.Log().Log("BUFCAP", syslog.Informational, "DISABLE_ASYNC", "Capture Point %s disabled. Reason : %s", p.name, why)
	} else {
		cs.d.sw.Log().Log("BUFCAP", syslog.Informational, "DISABLE", "Capture Point %s disabled.", p.name)
	}
	var got uint64
	if p.buf != nil {
		_, kept, shed := p.buf.Stats()
		got = uint64(kept) + shed
	}
	return fmt.Sprintf("Capture statistics collected at software:\n\tCapture duration - %d seconds\n\tPackets received - %d\n"+
		"\tPackets dropped - 0\n\tPackets oversized - 0\n\n", int(p.stopped.Sub(p.started).Seconds()), got)
}

// captureACL returns a copy of the access list name for a capture filter:
// the CLI may edit the list while the capture runs on the workers.
func (d *Device) captureACL(name string) (capture.Match, bool) {
	d.acl.mu.Lock()
	defer d.acl.mu.Unlock()
	l := d.acl.lists[name]
	if l == nil {
		return capture.Match{}, false
	}
	return capture.ACLMatch(l.Clone()), true
}

// export is `monitor capture NAME export FILE`.
func (cs *captureSet) export(c *engine.Ctx, a engine.Args) error {
	name, file := a.String("name"), a.String("file")
	cs.mu.Lock()
	p := cs.getLocked(name, false)
	var pkts []capture.Packet
	if p != nil && p.buf != nil {
		pkts = p.buf.Packets()
	}
	cs.mu.Unlock()
	if p == nil {
		return errNoCapture(name)
	}
	path, refused := cs.d.flashPath(file)
	if refused != "" {
		return engine.Rejectf("%%Error opening %s (%s)", file, refused)
	}
	var b bytes.Buffer
	if err := capture.WritePcap(&b, pkts); err != nil {
		return engine.Rejectf("%%Error writing %s (%v)", file, err)
	}
	if err := writeFileAtomic(path, b.Bytes()); err != nil {
		return engine.Rejectf("%%Error writing %s (%v)", file, errors.Unwrap(err))
	}
	c.Printf("Exported Successfully\n")
	return nil
}

// flashPath resolves an export destination (see the file comment); a
// refused one gets the reason IOS gives ("Invalid argument").
func (d *Device) flashPath(file string) (path, refused string) {
	dir := "."
	if d.opts.ConfigPath != "" {
		dir = filepath.Dir(d.opts.ConfigPath)
	}
	for _, fs := range []string{"flash:", "bootflash:"} {
		if strings.HasPrefix(strings.ToLower(file), fs) {
			rest := strings.TrimPrefix(file[len(fs):], "/")
			if rest == "" || !filepath.IsLocal(rest) {
				return "", "Invalid argument"
			}
			return filepath.Join(dir, rest), ""
		}
	}
	if strings.Contains(file, ":") && !strings.HasPrefix(file, "/") {
		return "", "No such device"
	}
	if filepath.IsAbs(file) {
		return file, ""
	}
	return filepath.Join(dir, file), ""
}

// writeFileAtomic writes b to path through a temporary file and a rename,
// so that a reader never sees half an export.
func writeFileAtomic(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".export-*")
	if err != nil {
		return fmt.Errorf("export %s: %w", path, err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("export %s: %w", path, err)
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return fmt.Errorf("export %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("export %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("export %s: %w", path, err)
	}
	return nil
}

// show is `show monitor capture [NAME]`.
func (cs *captureSet) show(name string) (string, error) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	var names []string
	if name != "" {
		if cs.points[name] == nil {
			return "", errNoCapture(name)
		}
		names = []string{name}
	} else {
		for n := range cs.points {
			names = append(names, n)
		}
		sort.Strings(names)
	}
	var b strings.Builder
	for _, n := range names {
		writeCaptureStatus(&b, cs.points[n])
	}
	return b.String(), nil
}

var directionNames = map[capture.Point]string{capture.Ingress: "IN", capture.Egress: "OUT", capture.Both: "BOTH"}

func writeCaptureStatus(b *strings.Builder, p *capturePoint) {
	fmt.Fprintf(b, "\nStatus Information for Capture %s\n  Target Type:\n", p.name)
	for _, ifn := range p.order {
		fmt.Fprintf(b, "   Interface: %s, Direction: %s\n", ifn, directionNames[p.ports[ifn]])
	}
	status := "Inactive"
	if p.detach != nil {
		status = "Active"
	}
	fmt.Fprintf(b, "   Status : %s\n  Filter Details:\n", status)
	m := p.match
	switch {
	case p.aclName != "":
		fmt.Fprintf(b, "   Access-list: %s\n", p.aclName)
	case m.Any:
		b.WriteString("   Capture all packets\n")
	case m.IPv4:
		fmt.Fprintf(b, "   IPv4\n    Source IP:  %s\n", epcPrefix(m.Src))
		if m.SrcPort >= 0 {
			fmt.Fprintf(b, "    Source Port:  %d\n", m.SrcPort)
		}
		fmt.Fprintf(b, "    Destination IP:  %s\n", epcPrefix(m.Dst))
		if m.DstPort >= 0 {
			fmt.Fprintf(b, "    Destination Port:  %d\n", m.DstPort)
		}
		proto := "any"
		if !m.AnyProto {
			proto = capture.ProtoName(m.Proto)
		}
		fmt.Fprintf(b, "   Protocol: %s\n", proto)
	default:
		b.WriteString("   No filter specified\n")
	}
	kind := "LINEAR (default)"
	if p.circular {
		kind = "CIRCULAR"
	}
	fmt.Fprintf(b, "  Buffer Details:\n   Buffer Type: %s\n   Buffer Size (in MB): %d\n", kind, p.bufferMB)
	if p.limit > 0 {
		fmt.Fprintf(b, "  Limit Details:\n   Number of Packets to capture: %d\n", p.limit)
	} else {
		b.WriteString("  Limit Details:\n   Number of Packets to capture: 0 (no limit)\n")
	}
	b.WriteString("   Packet Capture duration: 0 (no limit)\n   Packet Size to capture: 0 (no limit)\n   Packet sampling rate: 0 (no sampling)\n")
}

// epcPrefix is an address of the Filter Details: any or A.B.C.D/len.
func epcPrefix(p netip.Prefix) string {
	if !p.IsValid() {
		return "any"
	}
	return p.String()
}

// showBuffer is `show monitor capture NAME buffer [brief|detailed|dump]`.
func (cs *captureSet) showBuffer(name, format string) (string, error) {
	cs.mu.Lock()
	p := cs.points[name]
	var pkts []capture.Packet
	if p != nil && p.buf != nil {
		pkts = p.buf.Packets()
	}
	cs.mu.Unlock()
	if p == nil {
		return "", errNoCapture(name)
	}
	names := cs.d.portNames()
	var b strings.Builder
	b.WriteString("Starting the packet display ........ Press Ctrl + Shift + 6 to exit\n\n")
	for i := range pkts {
		switch format {
		case "detailed":
			writePacketDetail(&b, i+1, &pkts[i], pkts[0].Time, names)
		case "dump":
			writeHexDump(&b, pkts[i].Data)
			b.WriteString("\n")
		default:
			b.WriteString(packetSummary(i+1, &pkts[i], pkts[0].Time) + "\n")
		}
	}
	return b.String(), nil
}
