package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/cli/remote"
	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/ifname"
)

// This file holds the everyday EXEC commands an engineer or an automation
// client types first on any Catalyst: dir and show flash:, show terminal,
// show snmp, show running-config all, show processes cpu and show memory
// statistics (procstat.go), show tech-support (techsupport.go).

// installEveryday adds the commands.
func (d *Device) installEveryday() {
	d.procs = newProcMeter()
	snmpOff := func(c *engine.Ctx, _ engine.Args) error {
		// IOS answers every show snmp this way until an snmp-server line
		// starts the agent; l2sw has no agent.
		c.Printf("%%SNMP agent not enabled\n")
		return nil
	}
	snmpHelp := map[string]string{"snmp": "snmp statistics", "community": "show snmp communities", "engineID": "show snmp engineID",
		"group": "show snmp groups", "host": "show snmp host", "user": "show snmp users", "view": "show snmp view"}
	fsHelp := map[string]string{"WORD": "Directory or file name", "flash:": "display information about flash: file system"}
	dirHelp := map[string]string{"dir": "List files on a filesystem", "WORD": fsHelp["WORD"]}
	dir := func(c *engine.Ctx, a engine.Args) error {
		s, err := d.dir(a.String("fs"))
		if err != nil {
			return err
		}
		c.Printf("%s", s)
		return nil
	}
	must(d.eng.Install(d.eng.ExecMode(),
		engine.Command{Syntax: "dir [WORD$fs]", Help: dirHelp, Run: dir},
		engine.Command{Syntax: "show flash:", Help: fsHelp, Run: dir},
		engine.Command{Syntax: "show terminal", Level: engine.LevelUser,
			Help: map[string]string{"terminal": "Display terminal configuration parameters"},
			Run:  func(c *engine.Ctx, _ engine.Args) error { c.Printf("%s", d.showTerminal(c.State)); return nil }},
		engine.Command{Syntax: "show snmp [{community|engineID|group|host|user|view}]", Level: engine.LevelUser, Help: snmpHelp, Run: snmpOff},
		engine.Command{Syntax: "show running-config all",
			Help: map[string]string{"all": "Configuration with defaults"},
			Run:  out(func(*engine.Ctx, engine.Args) (string, error) { return d.showRunningAll(), nil })},
		engine.Command{Syntax: "show processes cpu [sorted]", Level: engine.LevelUser,
			Help: map[string]string{"processes": "Active process statistics", "cpu": "Show CPU use per process", "sorted": "Show sorted output"},
			Run:  out(func(_ *engine.Ctx, a engine.Args) (string, error) { return d.showProcessesCPU(a.Keyword("sorted")) })},
		engine.Command{Syntax: "show memory statistics", Level: engine.LevelUser,
			Help: map[string]string{"memory": "Memory statistics", "statistics": "Memory statistics"},
			Run:  out(func(*engine.Ctx, engine.Args) (string, error) { return d.showMemoryStatistics(), nil })},
	))
	d.installTechSupport()
	d.installCPUHistory()
	d.installJSON()
}

// flashDir is the directory `dir flash:` lists: the one holding the
// startup-config, as a Catalyst keeps config.text on flash:.
func (d *Device) flashDir() (string, bool) {
	if d.opts.ConfigPath == "" {
		return "", false
	}
	return filepath.Dir(d.opts.ConfigPath), true
}

// dir renders `dir [flash:[/][NAME]]` in the Catalyst 2960 layout.
func (d *Device) dir(arg string) (string, error) {
	fsys, name := "flash:", ""
	if arg != "" {
		prefix, rest, ok := strings.Cut(arg, ":")
		if !ok || !strings.EqualFold(prefix, "flash") {
			// l2sw has one file system; IOS refuses unknown ones this way.
			return "", engine.Rejectf("%%Error opening %s (No such device)", arg)
		}
		name = strings.Trim(rest, "/")
	}
	root, ok := d.flashDir()
	if !ok {
		return "", engine.Rejectf("%%Error opening flash:/ (No such device)")
	}
	shown := fsys + "/" + name
	var ents []fs.FileInfo
	if name == "" {
		des, err := os.ReadDir(root)
		if err != nil {
			return "", engine.Rejectf("%%Error opening %s (%s)", shown, errnoText(err))
		}
		for _, de := range des {
			if fi, err := de.Info(); err == nil {
				ents = append(ents, fi)
			}
		}
	} else {
		if strings.Contains(name, "/") || name == ".." {
			return "", engine.Rejectf("%%Error opening %s (No such file or directory)", shown)
		}
		fi, err := os.Lstat(filepath.Join(root, name))
		if err != nil {
			return "", engine.Rejectf("%%Error opening %s (%s)", shown, errnoText(err))
		}
		if fi.IsDir() {
			des, err := os.ReadDir(filepath.Join(root, name))
			if err != nil {
				return "", engine.Rejectf("%%Error opening %s (%s)", shown, errnoText(err))
			}
			for _, de := range des {
				if fi, err := de.Info(); err == nil {
					ents = append(ents, fi)
				}
			}
			shown += "/"
		} else {
			ents = []fs.FileInfo{fi}
		}
	}
	slices.SortFunc(ents, func(a, b fs.FileInfo) int { return strings.Compare(a.Name(), b.Name()) })
	var b strings.Builder
	fmt.Fprintf(&b, "Directory of %s\n\n", shown)
	if len(ents) == 0 {
		b.WriteString("No files in directory\n")
	}
	for _, fi := range ents {
		var ino uint64
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			ino = st.Ino
		}
		at := fi.ModTime().UTC()
		fmt.Fprintf(&b, "%5d  %s %11d  %11s %s  %s\n", ino, iosPerm(fi.Mode()), fi.Size(),
			at.Format("Jan 2 2006"), at.Format("15:04:05 -07:00"), fi.Name())
	}
	var sf syscall.Statfs_t
	if err := syscall.Statfs(root, &sf); err != nil {
		return "", engine.Rejectf("%%Error reading flash: (%s)", errnoText(err))
	}
	fmt.Fprintf(&b, "\n%d bytes total (%d bytes free)\n", sf.Blocks*uint64(sf.Bsize), sf.Bavail*uint64(sf.Bsize))
	return b.String(), nil
}

// iosPerm is the IOS permission column: d or -, then the owner's rwx.
func iosPerm(m fs.FileMode) string {
	p := []byte("----")
	if m.IsDir() {
		p[0] = 'd'
	}
	for i, c := range "rwx" {
		if m.Perm()&(0o400>>i) != 0 {
			p[i+1] = byte(c)
		}
	}
	return string(p)
}

// errnoText is the system error of err in the words IOS uses ("No such
// file or directory", "Permission denied").
func errnoText(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		s := errno.Error()
		return strings.ToUpper(s[:1]) + s[1:]
	}
	return err.Error()
}

// showTerminal renders `show terminal` for the asking session: its line,
// its length and width, the line's exec-timeout and transports.
func (d *Device) showTerminal(st *engine.State) string {
	console := onConsole(st) || st.Values[remote.ValueVTY] == nil
	vty, _ := st.Values[remote.ValueVTY].(int)
	d.mu.Lock()
	ls := d.lines.con
	if !console && vty < vtyCount {
		ls = d.lines.vty[vty]
	}
	d.mu.Unlock()
	var b strings.Builder
	if console {
		b.WriteString("Line 0, Location: \"\", Type: \"\"\n")
	} else {
		fmt.Fprintf(&b, "Line %d, Location: \"\", Type: \"\"\n", vty+1)
	}
	fmt.Fprintf(&b, "Length: %d lines, Width: %d columns\n", st.Length(), st.Width())
	if console {
		b.WriteString("Baud rate (TX/RX) is 9600/9600, no parity, 2 stopbits, 8 databits\n")
		b.WriteString("Status: PSI Enabled, Ready, Active, Automore On\n")
	} else {
		b.WriteString("Baud rate (TX/RX) is 9600/9600\n")
		b.WriteString("Status: PSI Enabled, Ready, Active, No Exit Banner, Automore On\n")
	}
	b.WriteString("Capabilities: none\nModem state: Ready\nGroup codes:    0\n")
	b.WriteString("Special Chars: Escape  Hold  Stop  Start  Disconnect  Activation\n")
	b.WriteString("                ^^x    none   -     -       none         \n")
	b.WriteString("Timeouts:      Idle EXEC    Idle Session   Modem Answer  Session   Dispatch\n")
	idle := "never"
	if t := ls.execTimeout(); t > 0 {
		s := int(t / time.Second)
		idle = fmt.Sprintf("%02d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	fmt.Fprintf(&b, "               %-8s        never                        none     not set\n", idle)
	b.WriteString("                            Idle Session Disconnect Warning\n                              never \n")
	b.WriteString("                            Login-sequence User Response\n                             00:00:30\n")
	b.WriteString("                            Autoselect Initial Wait\n                              not set \n")
	b.WriteString("Modem type is unknown.\nSession limit is not set.\n")
	b.WriteString("Editing is enabled.\nHistory is enabled, history size is 20.\n")
	b.WriteString("DNS resolution in show commands is enabled\nFull user help is disabled\n")
	in := "none"
	if !console {
		switch ls.transport {
		case "", transportAll:
			in = "telnet ssh"
		default:
			in = ls.transport
		}
	}
	fmt.Fprintf(&b, "Allowed input transports are %s.\n", in)
	b.WriteString("Allowed output transports are telnet ssh.\nPreferred transport is telnet.\n")
	b.WriteString("No output characters are padded\nNo special data dispatching characters\n")
	return b.String()
}

// defaultServices are the `service` lines `show running-config all` prints
// on a Catalyst running 15.0, in its order, for what l2sw does: no pad, no
// password encryption, timestamps on log and debug messages, the config
// prompt and DHCP on.
var defaultServices = []string{
	"no service log backtrace",
	"no service config",
	"no service exec-callback",
	"no service nagle",
	"service slave-log",
	"no service pad",
	"no service telnet-zeroidle",
	"no service tcp-keepalives-in",
	"no service tcp-keepalives-out",
	"service timestamps debug datetime msec",
	"service timestamps log datetime msec",
	"no service password-encryption",
	"no service linenumber",
	"no service sequence-numbers",
	"service prompt config",
	"no service compress-config",
	"service dhcp",
	"no service call-home",
}

// serviceKey is what two service lines must share to be the same setting:
// the service name, and for timestamps which messages they stamp.
func serviceKey(line string) string {
	f := strings.Fields(strings.TrimPrefix(line, "no "))
	if len(f) < 2 || f[0] != "service" {
		return ""
	}
	if f[1] == "timestamps" && len(f) > 2 {
		return "timestamps " + f[2]
	}
	return f[1]
}

// runningConfigAll is the running-config with the defaults IOS hides: the
// service block after the version line, the configured service lines
// taking the place of the defaults they change.
func runningConfigAll(running string) string {
	if running != "" && !strings.HasSuffix(running, "\n") {
		running += "\n" // each line moves whole, newline included
	}
	lines := strings.SplitAfter(running, "\n")
	set := map[string]string{}
	var rest []string
	for _, l := range lines {
		if k := serviceKey(strings.TrimRight(l, "\n")); k != "" && !strings.HasPrefix(l, " ") {
			set[k] = l
			continue
		}
		rest = append(rest, l)
	}
	var block strings.Builder
	seen := map[string]bool{}
	for _, def := range defaultServices {
		k := serviceKey(def)
		seen[k] = true
		if l, ok := set[k]; ok {
			block.WriteString(l)
			continue
		}
		block.WriteString(def + "\n")
	}
	extra := make([]string, 0, len(set))
	for k, l := range set {
		if !seen[k] {
			extra = append(extra, l)
		}
	}
	slices.Sort(extra)
	for _, l := range extra {
		block.WriteString(l)
	}
	var b strings.Builder
	placed := false
	for _, l := range rest {
		b.WriteString(l)
		if !placed && strings.HasPrefix(l, "version ") {
			b.WriteString(block.String())
			placed = true
		}
	}
	if !placed {
		return block.String() + b.String()
	}
	return b.String()
}

func (d *Device) showRunningAll() string {
	body := runningConfigAll(d.RunningConfig())
	return fmt.Sprintf("Building configuration...\n\nCurrent configuration : %d bytes\n%s\n", len(body), body)
}

// sviLast is an SVI's "Last input" or "output": how long ago, or never.
func sviLast(ago time.Duration) string {
	if ago < 0 {
		return "never"
	}
	return iosDuration(ago)
}

// sampleSVIRates feeds the SVIs' counters to the rate meter the ports use,
// so that `show interfaces VlanN` has real input and output rates. The
// ports' sampler (RunRates) knows only ports; RunProcessStats calls this
// every rateSample.
func (d *Device) sampleSVIRates(now time.Time) {
	for _, c := range d.sw.SVIs() {
		cnt := d.sw.SVICounters(c.VLAN)
		var pc dataplane.PortCounters
		pc[dataplane.RxFrames], pc[dataplane.RxBytes] = cnt.InPackets, cnt.InBytes
		pc[dataplane.TxFrames], pc[dataplane.TxBytes] = cnt.OutPackets, cnt.OutBytes
		name := ifname.SVI(c.VLAN)
		interval := d.loadInterval(name)
		d.rates.mu.Lock()
		d.rates.sample(name, now, pc, interval)
		d.rates.mu.Unlock()
	}
}
