package cli

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/cli/term"
	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/packet"
	"github.com/l2sw/l2sw/syslog"
)

// sharedHelp is the `?` text of keywords used by several commands.
var sharedHelp = map[string]string{
	"show":              "Show running system information",
	"clear":             "Reset functions",
	"mac":               "MAC configuration",
	"mac-address-table": "MAC forwarding table",
	"address-table":     "MAC forwarding table",
	"interface":         "Select an interface to configure",
	"interfaces":        "Interface status and configuration",
	"vlan":              "VLAN commands",
	"switchport":        "Set switching mode characteristics",
	"trunk":             "Set trunking characteristics of the interface",
	"running-config":    "Current operating configuration",
	"startup-config":    "Contents of startup configuration",
	"secret":            "Specify the secret for the user",
	"privilege":         "Set user privilege level",
	"aging-time":        "Set MAC address table entry maximum age",
	"static":            "static keyword",
	"dynamic":           "dynamic entry type",
	"address":           "address keyword",
	"count":             "Count of MAC addresses",
	"line":              "Configure a terminal line",
}

func must(err error) {
	if err != nil {
		panic(fmt.Sprintf("cli: command table: %v", err))
	}
}

// install declares the modes and every command.
func (d *Device) install() {
	e := d.eng
	for k, v := range sharedHelp {
		e.SetHelp(k, v)
	}
	exec := e.ExecMode()
	var err error
	d.modes.config, err = e.NewMode("config", "(config)", exec)
	must(err)
	d.modes.ifc, err = e.NewMode("config-if", "(config-if)", d.modes.config)
	must(err)
	d.modes.ifRange, err = e.NewMode("config-if-range", "(config-if-range)", d.modes.config)
	must(err)
	d.modes.vlan, err = e.NewMode("config-vlan", "(config-vlan)", d.modes.config)
	must(err)
	d.modes.line, err = e.NewMode("config-line", "(config-line)", d.modes.config)
	must(err)

	must(e.Install(exec, d.execCommands()...))
	must(e.Install(exec, d.showCommands()...))
	must(e.Install(d.modes.config, d.configCommands()...))
	ifCmds := d.interfaceCommands()
	must(e.Install(d.modes.ifc, ifCmds...))
	must(e.Install(d.modes.ifRange, ifCmds...))
	must(e.Install(d.modes.vlan, d.vlanCommands()...))
	// "!" is a comment in every configuration mode; declared in each
	// sub-mode so that it does not fall back to (config) and leave it.
	comment := engine.Command{Syntax: "! [LINE]", Hidden: true}
	for _, m := range []*engine.Mode{d.modes.config, d.modes.ifc, d.modes.ifRange, d.modes.vlan, d.modes.line} {
		must(e.Install(m, comment))
	}
}

// interactive reports whether the session has a person at a terminal (who
// can answer [confirm]); `l2sw exec` batches are not asked.
func interactive(st *engine.State) bool {
	_, ok := st.Term.(*term.Session)
	return ok
}

// ask prints an IOS question and returns the answer; batch sessions get def
// without a question.
func ask(c *engine.Ctx, question, def string) (string, bool) {
	if !interactive(c.State) {
		return def, true
	}
	ans, err := c.State.Term.ReadSecret(question)
	if err != nil {
		return "", false
	}
	return strings.TrimSpace(ans), true
}

// confirm asks a [confirm] question: Enter or y accepts.
func confirm(c *engine.Ctx, question string) bool {
	ans, ok := ask(c, question+"[confirm]", "")
	if !ok {
		return false
	}
	switch strings.ToLower(ans) {
	case "", "y", "yes":
		return true
	}
	return false
}

func (d *Device) execCommands() []engine.Command {
	return []engine.Command{
		{Syntax: "enable", Level: engine.LevelZero,
			Help: map[string]string{"enable": "Turn on privileged commands"},
			Run: func(c *engine.Ctx, _ engine.Args) error {
				if c.State.Level() >= engine.LevelPrivileged {
					return nil
				}
				d.mu.Lock()
				secret := d.enableSecret
				d.mu.Unlock()
				switch {
				case secret == "" && !onConsole(c.State):
					// IOS: only the console enables without a password; a
					// vty (SSH, l2sw exec) stays at its level.
					c.Printf("%% No password set\n")
					return engine.ErrRejected
				case secret != "" && !c.AskSecret(func(s string) bool { return verifyType9(secret, s) }):
					return engine.ErrRejected
				}
				c.State.SetLevel(engine.LevelPrivileged)
				return nil
			}},
		{Syntax: "disable", Level: engine.LevelZero,
			Help: map[string]string{"disable": "Turn off privileged commands"},
			Run: func(c *engine.Ctx, _ engine.Args) error {
				c.State.SetLevel(min(c.State.Level(), engine.LevelUser)) // never up: level 0 stays 0
				return nil
			}},
		{Syntax: "logout", Level: engine.LevelZero,
			Help: map[string]string{"logout": "Exit from the EXEC"},
			Run:  func(c *engine.Ctx, _ engine.Args) error { c.State.Close(); return nil }},
		{Syntax: "configure terminal", Enters: d.modes.config,
			Help: map[string]string{"configure": "Enter configuration mode", "terminal": "Configure from the terminal"},
			Run: func(c *engine.Ctx, _ engine.Args) error {
				c.Printf("Enter configuration commands, one per line.  End with CNTL/Z.\n")
				return nil
			}},
		{Syntax: "write [memory]",
			Help: map[string]string{"write": "Write running configuration to memory, network, or terminal", "memory": "Write to NV memory"},
			Run:  func(c *engine.Ctx, _ engine.Args) error { return d.saveCmd(c) }},
		{Syntax: "copy running-config startup-config",
			Help: map[string]string{"copy": "Copy from one file to another", "running-config": "Copy from current system configuration",
				"startup-config": "Copy to startup configuration"},
			Run: func(c *engine.Ctx, _ engine.Args) error {
				ans, ok := ask(c, "Destination filename [startup-config]? ", "")
				if !ok {
					return engine.ErrRejected
				}
				if ans != "" && ans != "startup-config" {
					return engine.Rejectf("%%Error opening flash:%s (Not supported; only startup-config)", ans)
				}
				return d.saveCmd(c)
			}},
		{Syntax: "clear mac address-table dynamic [{address MAC|interface IFNAME|vlan <1-4094>}]",
			Help: map[string]string{"dynamic": "dynamic entry type", "MAC": "48 bit mac address", "<1-4094>": "Vlan number"},
			Run:  d.clearMACs},
		{Syntax: "clear mac-address-table dynamic [{address MAC|interface IFNAME|vlan <1-4094>}]", Hidden: true, Run: d.clearMACs},
		{Syntax: "clear counters [IFNAME$ifname]",
			Help: map[string]string{"counters": "Clear counters on one or all interfaces"},
			Run:  d.clearCounters},
	}
}

func (d *Device) saveCmd(c *engine.Ctx) error {
	c.Printf("Building configuration...\n")
	if err := d.save(OriginOf(c.State)); err != nil {
		return engine.Rejectf("%%Error writing startup-config (%v)", err)
	}
	c.Printf("[OK]\n")
	return nil
}

func (d *Device) clearMACs(c *engine.Ctx, a engine.Args) error {
	f := dataplane.MACFilter{VLAN: uint16(a.Int("vlan")), Port: a.Interface("interface")}
	if a.Has("address") {
		f.MAC, f.HasMAC = a.MAC("address"), true
	}
	if _, err := d.sw.ClearDynamicMACs(f); err != nil {
		return engine.Rejectf("%% %v", err)
	}
	return nil
}

func (d *Device) clearCounters(c *engine.Ctx, a engine.Args) error {
	name := a.Interface("ifname")
	if name != "" {
		if _, err := d.sw.Status(name); err != nil {
			return engine.Rejectf("%% Invalid interface %s", name)
		}
	}
	q := `Clear "show interface" counters on all interfaces `
	if name != "" {
		q = `Clear "show interface" counters on this interface `
	}
	if !confirm(c, q) {
		return nil
	}
	if err := d.sw.ClearCounters(name); err != nil {
		return engine.Rejectf("%% %v", err)
	}
	now := d.opts.Now()
	d.mu.Lock()
	if name == "" {
		d.clearedAll = now
		clear(d.lastClear)
	} else {
		d.lastClear[name] = now
	}
	d.mu.Unlock()
	what := "all interfaces"
	if name != "" {
		what = "interface " + name
	}
	d.sw.Log().Log("CLEAR", syslog.Notice, "COUNTERS", "Clear counter on %s by %s", what, OriginOf(c.State).by())
	return nil
}

func (d *Device) configCommands() []engine.Command {
	secretHelp := map[string]string{
		"0": "Specifies an UNENCRYPTED password will follow", "9": "Specifies a SCRYPT hashed secret will follow",
		"$plain": "The UNENCRYPTED (cleartext) secret", "$hash": "The SCRYPT hashed secret",
	}
	withHelp := func(m map[string]string, extra map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range m {
			out[k] = v
		}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	return []engine.Command{
		{Syntax: "hostname WORD", No: true, NoSyntax: "hostname",
			Help: map[string]string{"hostname": "Set system's network name", "WORD": "This system's network name"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				name := "Switch"
				if !c.Negated() {
					name = a.String("hostname")
					if err := checkHostname(name); err != nil {
						return err
					}
				}
				d.mu.Lock()
				d.hostname = name
				d.mu.Unlock()
				return nil
			}},
		{Syntax: "enable secret {0 WORD$plain|9 WORD$hash|WORD$plain}", No: true, NoSyntax: "enable secret",
			Help: withHelp(secretHelp, map[string]string{"enable": "Modify enable password parameters", "secret": "Assign the privileged level secret (MAX of 25 characters)"}),
			Run: func(c *engine.Ctx, a engine.Args) error {
				h := ""
				if !c.Negated() {
					var err error
					if h, err = secretArg(a); err != nil {
						return err
					}
				}
				d.mu.Lock()
				d.enableSecret = h
				d.mu.Unlock()
				return nil
			}},
		{Syntax: "username WORD$name [privilege <0-15>] secret {0 WORD$plain|9 WORD$hash|WORD$plain}",
			No: true, NoSyntax: "username WORD$name",
			Help: withHelp(secretHelp, map[string]string{"username": "Establish User Name Authentication", "$name": "User name",
				"<0-15>": "User privilege level"}),
			Run: func(c *engine.Ctx, a engine.Args) error {
				name := a.String("name")
				if c.Negated() {
					d.mu.Lock()
					delete(d.users, name)
					d.mu.Unlock()
					return nil
				}
				h, err := secretArg(a)
				if err != nil {
					return err
				}
				priv := engine.LevelUser
				if a.Has("privilege") {
					priv = a.Int("privilege")
				}
				d.mu.Lock()
				d.users[name] = user{privilege: priv, secret: h}
				d.mu.Unlock()
				return nil
			}},
		{Syntax: "vlan VLANLIST$vlans", No: true,
			Help: map[string]string{"vlan": "Vlan commands", "$vlans": "ISL VLAN IDs 1-4094"},
			Run:  d.vlanCmd},
		{Syntax: "interface IFNAME", No: true, Help: map[string]string{"interface": "Select an interface to configure"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				name := a.Interface("interface")
				if done, err := d.enterInterface(c, name); done {
					return err
				}
				if done, err := d.enterPortChannel(c, name); done { // etherchannel.go
					return err
				}
				if c.Negated() {
					return engine.Rejectf("%% Removal of physical interfaces is not permitted")
				}
				if _, err := d.sw.Status(name); err != nil {
					return engine.Rejectf("%% Interface %s does not exist", name)
				}
				c.Enter(d.modes.ifc, name)
				return nil
			}},
		{Syntax: "interface range IFRANGE", Help: map[string]string{"range": "interface range command"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				names := a.Interfaces("range")
				for _, n := range names {
					if _, err := d.sw.Status(n); err != nil {
						return engine.Rejectf("%% Interface %s does not exist", n)
					}
				}
				c.Enter(d.modes.ifRange, names)
				return nil
			}},
		{Syntax: "mac address-table static MAC vlan <1-4094> interface IFNAME [LINE$more]", No: true,
			NoSyntax: "mac address-table static MAC vlan <1-4094> [interface IFNAME [LINE$more]]",
			Help:     map[string]string{"MAC": "48 bit mac address", "<1-4094>": "VLAN id of mac address table", "interface": "interface", "LINE": "more interfaces (multicast addresses)"},
			Run:      d.staticMAC},
		{Syntax: "mac-address-table static MAC vlan <1-4094> interface IFNAME", No: true, Hidden: true,
			NoSyntax: "mac-address-table static MAC vlan <1-4094> [interface IFNAME]", Run: d.staticMAC},
		{Syntax: "mac address-table aging-time <0,10-1000000> [vlan <1-4094>]", No: true,
			NoSyntax: "mac address-table aging-time [<0,10-1000000>] [vlan <1-4094>]",
			Help:     map[string]string{"<0,10-1000000>": "Aging time in seconds: 0 to disable aging", "<1-4094>": "VLAN id"},
			Run:      d.agingTime},
		{Syntax: "mac-address-table aging-time <0,10-1000000> [vlan <1-4094>]", No: true, Hidden: true,
			NoSyntax: "mac-address-table aging-time [<0,10-1000000>] [vlan <1-4094>]", Run: d.agingTime},
		{Syntax: "version WORD", Hidden: true}, // written at the top of every saved config
	}
}

// checkHostname applies the IOS hostname rules (RFC 1123 labels).
func checkHostname(name string) error {
	if len(name) > 63 {
		return engine.Rejectf("%% Hostname too long (63 characters maximum)")
	}
	c := name[0]
	if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
		return engine.Rejectf("%% Hostname must start with a letter")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return engine.Rejectf("%% Hostname contains one or more illegal characters.")
		}
	}
	return nil
}

// secretArg turns `0 PASSWORD`, `PASSWORD` or `9 HASH` into a type 9 hash.
func secretArg(a engine.Args) (string, error) {
	if a.Keyword("9") {
		h := a.String("hash")
		if err := checkType9Format(h); err != nil {
			return "", engine.Rejectf("ERROR: The secret you entered is not a valid encrypted secret.\nTo enter an UNENCRYPTED secret, do not specify type 9 encryption.\n\nWhen you properly enter an UNENCRYPTED secret, it will be encrypted.")
		}
		return h, nil
	}
	h, err := hashType9(a.String("plain"))
	if err != nil {
		return "", engine.Rejectf("%% %v", err)
	}
	return h, nil
}

// defaultVLANs are the VLANs IOS keeps for FDDI and Token Ring; they cannot
// be created, renamed or deleted.
var defaultVLANs = []struct {
	id         uint16
	name, typ  string
	stp, brdge string
}{
	{1002, "fddi-default", "fddi", "-", "-"},
	{1003, "token-ring-default", "tr", "-", "srb"},
	{1004, "fddinet-default", "fdnet", "ieee", "-"},
	{1005, "trnet-default", "trnet", "ibm", "-"},
}

func isDefaultVLAN(v int) bool { return v >= 1002 && v <= 1005 }

func (d *Device) vlanCmd(c *engine.Ctx, a engine.Args) error {
	vids := a.VLANs("vlans")
	for _, v := range vids {
		if isDefaultVLAN(v) || (c.Negated() && v == 1) {
			verb := "modified"
			if c.Negated() {
				verb = "deleted"
			}
			return engine.Rejectf("%%Default VLAN %d may not be %s.", v, verb)
		}
	}
	if c.Negated() {
		for _, v := range vids {
			if err := d.sw.DeleteVLAN(uint16(v)); err != nil && !errors.Is(err, dataplane.ErrNoSuchVLAN) {
				return engine.Rejectf("%% %v", err)
			}
		}
		return nil
	}
	existing := map[uint16]bool{}
	for _, v := range d.sw.VLANs() {
		existing[v.ID] = true
	}
	for _, v := range vids {
		if existing[uint16(v)] {
			continue
		}
		if err := d.sw.SetVLAN(uint16(v), ""); err != nil {
			return engine.Rejectf("%% %v", err)
		}
	}
	c.Enter(d.modes.vlan, vids)
	return nil
}

func (d *Device) vlanCommands() []engine.Command {
	return []engine.Command{
		{Syntax: "name WORD", No: true, NoSyntax: "name",
			Help: map[string]string{"name": "Ascii name of the VLAN", "WORD": "The ascii name for the VLAN"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				name := a.String("name")
				if len(name) > 32 {
					return engine.Rejectf("%% VLAN name may not be longer than 32 characters")
				}
				vids, _ := c.Frame.Context.([]int)
				for _, v := range vids {
					if err := d.sw.SetVLAN(uint16(v), name); err != nil {
						return engine.Rejectf("%% %v", err)
					}
				}
				return nil
			}},
	}
}

func (d *Device) staticMAC(c *engine.Ctx, a engine.Args) error {
	mac, vlan := a.MAC("static"), uint16(a.Int("vlan"))
	if mac.IsMulticast() && !mac.IsBroadcast() {
		return d.staticMulticast(c, a, mac, vlan)
	}
	if a.Has("more") {
		return engine.Rejectf("%% Only multicast addresses can be forwarded to more than one port")
	}
	if c.Negated() {
		if err := d.sw.RemoveStaticMAC(vlan, mac); err != nil {
			return engine.Rejectf("%% %v", err)
		}
		return nil
	}
	ifname := a.Interface("interface")
	if _, err := d.sw.Status(ifname); err != nil {
		return engine.Rejectf("%% Interface %s does not exist", ifname)
	}
	if mac.IsMulticast() {
		return engine.Rejectf("%% Only unicast addresses can be configured to be dropped or forwarded to a single port")
	}
	// Re-configuring an address on another port replaces the old entry.
	_ = d.sw.RemoveStaticMAC(vlan, mac)
	if err := d.sw.AddStaticMAC(vlan, mac, ifname); err != nil {
		return engine.Rejectf("%% %v", err)
	}
	return nil
}

// staticMulticast is `[no] mac address-table static MAC vlan V interface
// IF [IF...]` for a multicast MAC: frames to it go to those ports only
// (IOS adds the ports of each line to the entry).
func (d *Device) staticMulticast(c *engine.Ctx, a engine.Args, mac packet.MAC, vlan uint16) error {
	var ports []string
	if a.Has("interface") {
		ports = append(ports, a.Interface("interface"))
		for _, w := range strings.Fields(a.String("more")) {
			n, err := d.eng.Interfaces().Parse(w)
			if err != nil {
				return engine.Rejectf("%% Invalid input detected at '^' marker.")
			}
			ports = append(ports, n)
		}
		for _, p := range ports {
			if _, err := d.sw.Status(p); err != nil {
				return engine.Rejectf("%% Interface %s does not exist", p)
			}
		}
	}
	var err error
	if c.Negated() {
		err = d.sw.RemoveStaticMulticast(vlan, mac, ports)
	} else {
		err = d.sw.AddStaticMulticast(vlan, mac, ports)
	}
	if err != nil {
		return engine.Rejectf("%% %v", err)
	}
	return nil
}

// defaultAging is the IOS default MAC aging time.
const defaultAging = 300

func (d *Device) agingTime(c *engine.Ctx, a engine.Args) error {
	secs := int64(a.Int("aging-time"))
	vlan := uint16(a.Int("vlan"))
	switch {
	case c.Negated() && vlan != 0:
		d.sw.ClearVLANMACAgingTime(vlan)
	case c.Negated():
		d.sw.SetMACAgingTime(defaultAging)
	case vlan != 0:
		d.sw.SetVLANMACAgingTime(vlan, secs)
	default:
		d.sw.SetMACAgingTime(secs)
	}
	return nil
}

// ifNames returns the interfaces a config-if or config-if-range command applies to.
func ifNames(c *engine.Ctx) []string {
	switch v := c.Frame.Context.(type) {
	case string:
		return []string{v}
	case []string:
		return v
	}
	return nil
}

// editPorts applies edit to the settings of every interface of the mode.
// Messages (the access VLAN creation note) are printed once.
func (d *Device) editPorts(c *engine.Ctx, edit func(name string, s *dataplane.PortSettings) error) error {
	printed := map[uint16]bool{}
	for _, name := range ifNames(c) {
		s, err := d.sw.PortSettings(name)
		if err != nil {
			return engine.Rejectf("%% %v", err)
		}
		if err := edit(name, &s); err != nil {
			return err
		}
		created, err := d.sw.SetPortSettings(name, s)
		if err != nil {
			return engine.Rejectf("%% %v", err)
		}
		if created && !printed[s.AccessVLAN] {
			printed[s.AccessVLAN] = true
			c.Printf("%% Access VLAN does not exist. Creating vlan %d\n", s.AccessVLAN)
		}
	}
	return nil
}

// editExtra changes the CLI-only settings of the mode's interfaces.
func (d *Device) editExtra(c *engine.Ctx, edit func(p *portExtra)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, name := range ifNames(c) {
		edit(d.extraLocked(name))
	}
}

func (d *Device) interfaceCommands() []engine.Command {
	return []engine.Command{
		{Syntax: "description LINE", No: true, NoSyntax: "description", Default: true,
			Help: map[string]string{"description": "Interface specific description", "LINE": "Up to 240 characters describing this interface"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				desc := a.String("description")
				if len(desc) > 240 {
					return engine.Rejectf("%% Description too long (240 characters maximum)")
				}
				return d.editPorts(c, func(_ string, s *dataplane.PortSettings) error { s.Description = desc; return nil })
			}},
		{Syntax: "shutdown", No: true, Default: true,
			Help: map[string]string{"shutdown": "Shutdown the selected interface"},
			Run: func(c *engine.Ctx, _ engine.Args) error {
				return d.editPorts(c, func(_ string, s *dataplane.PortSettings) error { s.Shutdown = c.Form == engine.FormPlain; return nil })
			}},
		{Syntax: "switchport mode {access|trunk}$mode", No: true, NoSyntax: "switchport mode", Default: true,
			Help: map[string]string{"mode": "Set trunking mode of the interface",
				"access": "Set trunking mode to ACCESS unconditionally", "trunk": "Set trunking mode to TRUNK unconditionally"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				mode := dataplane.ModeAccess
				if c.Form == engine.FormPlain && a.String("mode") == "trunk" {
					mode = dataplane.ModeTrunk
				}
				d.editExtra(c, func(p *portExtra) { p.modeSet = c.Form == engine.FormPlain })
				return d.editPorts(c, func(_ string, s *dataplane.PortSettings) error { s.Mode = mode; return nil })
			}},
		{Syntax: "switchport access vlan <1-4094>", No: true, NoSyntax: "switchport access vlan", Default: true,
			Help: map[string]string{"access": "Set access mode characteristics of the interface", "vlan": "Set VLAN when interface is in access mode",
				"<1-4094>": "VLAN ID of the VLAN when this port is in access mode"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				v := uint16(1)
				if c.Form == engine.FormPlain {
					v = uint16(a.Int("vlan"))
				}
				if isDefaultVLAN(int(v)) {
					return engine.Rejectf("%% Access VLAN %d is a default VLAN of another media type", v)
				}
				return d.editPorts(c, func(_ string, s *dataplane.PortSettings) error { s.AccessVLAN = v; return nil })
			}},
		{Syntax: "switchport trunk allowed vlan {VLANLIST$vlans|add VLANLIST$add|all|except VLANLIST$except|none|remove VLANLIST$remove}",
			No: true, NoSyntax: "switchport trunk allowed vlan", Default: true,
			Help: map[string]string{"allowed": "Set allowed VLAN characteristics when interface is in trunking mode",
				"vlan": "Set allowed VLANs when interface is in trunking mode", "WORD": "VLAN IDs of the allowed VLANs when this port is in trunking mode",
				"add": "add VLANs to the current list", "all": "all VLANs", "except": "all VLANs except the following",
				"none": "no VLANs", "remove": "remove VLANs from the current list"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				return d.editPorts(c, func(_ string, s *dataplane.PortSettings) error {
					set := func(l []int) dataplane.VLANSet {
						var vs dataplane.VLANSet
						for _, v := range l {
							vs.Add(uint16(v))
						}
						return vs
					}
					switch {
					case c.Form != engine.FormPlain || a.Keyword("all"):
						s.Allowed = dataplane.AllVLANs()
					case a.Keyword("none"):
						s.Allowed = dataplane.VLANSet{}
					case a.Keyword("add"):
						s.Allowed.Union(set(a.VLANs("add")))
					case a.Keyword("remove"):
						s.Allowed.Minus(set(a.VLANs("remove")))
					case a.Keyword("except"):
						s.Allowed = dataplane.AllVLANs()
						s.Allowed.Minus(set(a.VLANs("except")))
					default:
						s.Allowed = set(a.VLANs("vlans"))
					}
					return nil
				})
			}},
		{Syntax: "switchport trunk native vlan <1-4094>", No: true, NoSyntax: "switchport trunk native vlan", Default: true,
			Help: map[string]string{"native": "Set trunking native characteristics when interface is in trunking mode",
				"vlan": "Set native VLAN when interface is in trunking mode", "<1-4094>": "VLAN ID of the native VLAN when this port is in trunking mode"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				v := uint16(1)
				if c.Form == engine.FormPlain {
					v = uint16(a.Int("vlan"))
				}
				return d.editPorts(c, func(_ string, s *dataplane.PortSettings) error { s.NativeVLAN = v; return nil })
			}},
		{Syntax: "switchport trunk encapsulation {dot1q|negotiate}$encap", No: true, NoSyntax: "switchport trunk encapsulation", Default: true,
			Help: map[string]string{"encapsulation": "Set trunking encapsulation when interface is in trunking mode",
				"dot1q":     "Interface uses only 802.1q trunking encapsulation when trunking",
				"negotiate": "Device will negotiate trunking encapsulation with peer on interface"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				d.editExtra(c, func(p *portExtra) { p.encapsulation = c.Form == engine.FormPlain && a.String("encap") == "dot1q" })
				return nil
			}},
		{Syntax: "speed {10|100|1000|auto}$speed", No: true, NoSyntax: "speed", Default: true,
			Help: map[string]string{"speed": "Configure speed operation.", "10": "Force 10 Mbps operation", "100": "Force 100 Mbps operation",
				"1000": "Force 1000 Mbps operation", "auto": "Enable AUTO speed configuration"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				sp := a.String("speed")
				if c.Form != engine.FormPlain || sp == "auto" {
					sp = ""
				}
				d.editExtra(c, func(p *portExtra) { p.speed = sp })
				return nil
			}},
		{Syntax: "duplex {full|half|auto}$duplex", No: true, NoSyntax: "duplex", Default: true,
			Help: map[string]string{"duplex": "Configure duplex operation.", "full": "Force full duplex operation",
				"half": "Force half-duplex operation", "auto": "Enable AUTO duplex configuration"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				dp := a.String("duplex")
				if c.Form != engine.FormPlain || dp == "auto" {
					dp = ""
				}
				d.editExtra(c, func(p *portExtra) { p.duplex = dp })
				return nil
			}},
	}
}

// sortedUsers returns the user names in order.
func sortedUsers(m map[string]user) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
