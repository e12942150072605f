// Package enginetest is a small demo command set (show version, configure
// terminal, interface, hostname, show running-config ...) for the tests of
// the CLI engine and the terminal sessions. The switch's real command set
// lives elsewhere; this one only exercises the machinery.
package enginetest

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/l2sw/l2sw/cli/engine"
)

// Iface is the demo configuration of one interface.
type Iface struct {
	Description string
	Shutdown    bool
	Mode        string
	AccessVLAN  int
	IP          string
}

// Config is the demo switch configuration the handlers change.
type Config struct {
	mu          sync.Mutex
	Hostname    string
	Secret      string // enable secret; "" = enable without password
	Ifaces      map[string]*Iface
	VLANNames   map[int]string
	StaticMACs  []string
	AgingTime   int
	ConfigExits int // times a session left config mode
}

// Interfaces is the demo interface namespace.
func Interfaces() *engine.InterfaceSet {
	return engine.NewInterfaceSet(
		engine.InterfaceType{Name: "GigabitEthernet", Help: "GigabitEthernet IEEE 802.3z", Ranges: []engine.NumRange{{Lo: 0, Hi: 0}, {Lo: 1, Hi: 24}}},
		engine.InterfaceType{Name: "Vlan", Help: "Catalyst Vlans", Ranges: []engine.NumRange{{Lo: 1, Hi: 4094}}},
		engine.InterfaceType{Name: "Port-channel", Help: "Ethernet Channel of interfaces", Ranges: []engine.NumRange{{Lo: 1, Hi: 48}}},
		engine.InterfaceType{Name: "Loopback", Help: "Loopback interface", Ranges: []engine.NumRange{{Lo: 0, Hi: 2147483647}}},
	)
}

// New builds an engine with the demo command set.
func New() (*engine.Engine, *Config) {
	cfg := &Config{Hostname: "Switch", Ifaces: map[string]*Iface{}, VLANNames: map[int]string{}, AgingTime: 300}
	e := engine.New(engine.Options{
		Hostname:   func() string { cfg.mu.Lock(); defer cfg.mu.Unlock(); return cfg.Hostname },
		Interfaces: Interfaces(),
		ModeChanged: func(st *engine.State, from, to *engine.Mode) {
			if from.IsConfig() && to.IsExec() {
				cfg.mu.Lock()
				cfg.ConfigExits++
				cfg.mu.Unlock()
			}
		},
	})
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	exec := e.ExecMode()
	config, err := e.NewMode("config", "(config)", exec)
	must(err)
	cfgIf, err := e.NewMode("config-if", "(config-if)", config)
	must(err)
	cfgIfRange, err := e.NewMode("config-if-range", "(config-if-range)", config)
	must(err)
	cfgVlan, err := e.NewMode("config-vlan", "(config-vlan)", config)
	must(err)
	cfgNacl, err := e.NewMode("config-ext-nacl", "(config-ext-nacl)", config)
	must(err)

	e.SetHelp("show", "Show running system information")
	e.SetHelp("mac", "MAC configuration")
	e.SetHelp("address-table", "MAC forwarding table")
	e.SetHelp("interface", "Select an interface to configure")
	e.SetHelp("vlan", "VLAN keyword")

	must(e.Install(exec,
		engine.Command{Syntax: "enable", Level: engine.LevelUser,
			Help: map[string]string{"enable": "Turn on privileged commands"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				cfg.mu.Lock()
				secret := cfg.Secret
				cfg.mu.Unlock()
				if c.State.Level() >= engine.LevelPrivileged {
					return nil
				}
				if secret != "" && !c.AskSecret(func(s string) bool { return s == secret }) {
					return engine.ErrRejected
				}
				c.State.SetLevel(engine.LevelPrivileged)
				return nil
			}},
		engine.Command{Syntax: "disable", Level: engine.LevelUser,
			Help: map[string]string{"disable": "Turn off privileged commands"},
			Run:  func(c *engine.Ctx, a engine.Args) error { c.State.SetLevel(engine.LevelUser); return nil }},
		engine.Command{Syntax: "show version", Level: engine.LevelUser,
			Help: map[string]string{"version": "System hardware and software status"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				c.Printf("Cisco IOS Software, l2sw demo, Version 15.0(2)SE, RELEASE SOFTWARE (fc1)\n")
				c.Printf("%s uptime is 1 minute\n", cfg.Hostname)
				return nil
			}},
		engine.Command{Syntax: "show clock", Level: engine.LevelUser,
			Help: map[string]string{"clock": "Display the system clock"},
			Run:  func(c *engine.Ctx, a engine.Args) error { c.Printf("*00:01:02.345 UTC Mon Mar 1 1993\n"); return nil }},
		engine.Command{Syntax: "show cdp neighbors", Level: engine.LevelUser,
			Help: map[string]string{"cdp": "CDP information", "neighbors": "CDP neighbor entries"}},
		engine.Command{Syntax: "show privilege", Level: engine.LevelUser,
			Help: map[string]string{"privilege": "Show current privilege level"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				c.Printf("Current privilege level is %d\n", c.State.Level())
				return nil
			}},
		engine.Command{Syntax: "show history", Level: engine.LevelUser,
			Help: map[string]string{"history": "Display the session command history"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				for _, h := range c.State.History() {
					c.Printf("  %s\n", h)
				}
				return nil
			}},
		engine.Command{Syntax: "show running-config [interface IFNAME]",
			Help: map[string]string{"running-config": "Current operating configuration", "interface": "Show interface configuration"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				c.Printf("%s", cfg.Render(a.Interface("interface")))
				return nil
			}},
		engine.Command{Syntax: "show mac address-table [{{dynamic|static}$type|address MAC|interface IFNAME|vlan <1-4094>}]",
			Help: map[string]string{"address-table": "MAC forwarding table", "dynamic": "dynamic entry type", "static": "static entry type",
				"address": "address keyword", "MAC": "48 bit mac address", "interface": "interface keyword", "<1-4094>": "Vlan number"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				c.Printf("filter type=%q address=%v interface=%q vlan=%d\n", a.String("type"), a.Has("address"), a.Interface("interface"), a.Int("vlan"))
				return nil
			}},
		engine.Command{Syntax: "show mac address-table count",
			Help: map[string]string{"count": "Count of MAC addresses"}},
		engine.Command{Syntax: "show mac-address-table", Hidden: true,
			Run: func(c *engine.Ctx, a engine.Args) error { c.Printf("old spelling\n"); return nil }},
		engine.Command{Syntax: "configure terminal", Enters: config,
			Help: map[string]string{"configure": "Enter configuration mode", "terminal": "Configure from the terminal"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				c.Printf("Enter configuration commands, one per line.  End with CNTL/Z.\n")
				return nil
			}},
		engine.Command{Syntax: "write memory",
			Help: map[string]string{"write": "Write running configuration to memory, network, or terminal", "memory": "Write to NV memory"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				c.Printf("Building configuration...\n[OK]\n")
				return nil
			}},
	))

	ifaceOf := func(c *engine.Ctx) []string {
		switch v := c.Frame.Context.(type) {
		case string:
			return []string{v}
		case []string:
			return v
		}
		return nil
	}
	withIf := func(c *engine.Ctx, f func(*Iface)) {
		cfg.mu.Lock()
		defer cfg.mu.Unlock()
		for _, n := range ifaceOf(c) {
			it := cfg.Ifaces[n]
			if it == nil {
				it = &Iface{}
				cfg.Ifaces[n] = it
			}
			f(it)
		}
	}

	must(e.Install(config,
		engine.Command{Syntax: "hostname WORD", No: true, NoSyntax: "hostname",
			Help: map[string]string{"hostname": "Set system's network name", "WORD": "This system's network name"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				cfg.mu.Lock()
				defer cfg.mu.Unlock()
				if c.Negated() {
					cfg.Hostname = "Switch"
					return nil
				}
				cfg.Hostname = a.String("hostname")
				return nil
			}},
		engine.Command{Syntax: "enable secret WORD", No: true, NoSyntax: "enable secret",
			Help: map[string]string{"enable": "Modify enable password parameters", "secret": "Assign the privileged level secret", "WORD": "The UNENCRYPTED (cleartext) 'enable' secret"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				cfg.mu.Lock()
				defer cfg.mu.Unlock()
				cfg.Secret = a.String("secret")
				return nil
			}},
		engine.Command{Syntax: "interface IFNAME", Enters: cfgIf, ContextArg: "interface",
			Help: map[string]string{"interface": "Select an interface to configure"}},
		engine.Command{Syntax: "interface range IFRANGE", Enters: cfgIfRange, ContextArg: "range",
			Help: map[string]string{"range": "interface range command"}},
		engine.Command{Syntax: "vlan VLANLIST", Enters: cfgVlan, ContextArg: "vlan",
			Help: map[string]string{"vlan": "Vlan commands", "WORD": "ISL VLAN IDs 1-4094"}},
		engine.Command{Syntax: "ip access-list extended {<100-199>$name|WORD$name}", Enters: cfgNacl, ContextArg: "name",
			Help: map[string]string{"ip": "Global IP configuration subcommands", "access-list": "Named access-list", "extended": "Extended Access List",
				"<100-199>": "Extended IP access-list number", "WORD": "Access-list name"}},
		engine.Command{Syntax: "mac address-table static MAC vlan <1-4094> interface IFNAME", No: true,
			Help: map[string]string{"static": "static keyword", "MAC": "48 bit mac address", "<1-4094>": "VLAN id of mac address table"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				entry := fmt.Sprintf("mac address-table static %s vlan %d interface %s", a.MAC("static"), a.Int("vlan"), a.Interface("interface"))
				cfg.mu.Lock()
				defer cfg.mu.Unlock()
				i := slices.Index(cfg.StaticMACs, entry)
				if c.Negated() {
					if i >= 0 {
						cfg.StaticMACs = slices.Delete(cfg.StaticMACs, i, i+1)
					}
					return nil
				}
				if i < 0 {
					cfg.StaticMACs = append(cfg.StaticMACs, entry)
				}
				return nil
			}},
		engine.Command{Syntax: "mac address-table aging-time <0,10-1000000> [vlan <1-4094>]", No: true, NoSyntax: "mac address-table aging-time [<0,10-1000000>] [vlan <1-4094>]",
			Help: map[string]string{"aging-time": "Set MAC address table entry maximum age", "<0,10-1000000>": "Aging time in seconds: 0 to disable aging"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				cfg.mu.Lock()
				defer cfg.mu.Unlock()
				if c.Negated() {
					cfg.AgingTime = 300
				} else {
					cfg.AgingTime = a.Int("aging-time")
				}
				return nil
			}},
		engine.Command{Syntax: "mac-address-table aging-time <0,10-1000000>", Hidden: true,
			Run: func(c *engine.Ctx, a engine.Args) error {
				cfg.mu.Lock()
				defer cfg.mu.Unlock()
				cfg.AgingTime = a.Int("aging-time")
				return nil
			}},
	))

	ifCmds := []engine.Command{
		{Syntax: "description LINE", No: true, NoSyntax: "description", Default: true,
			Help: map[string]string{"description": "Interface specific description", "LINE": "Up to 240 characters describing this interface"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				if len(a.String("description")) > 240 {
					return engine.Rejectf("%% Description too long")
				}
				withIf(c, func(it *Iface) { it.Description = a.String("description") })
				return nil
			}},
		{Syntax: "shutdown", No: true, Default: true,
			Help: map[string]string{"shutdown": "Shutdown the selected interface"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				withIf(c, func(it *Iface) { it.Shutdown = c.Form == engine.FormPlain })
				return nil
			}},
		{Syntax: "switchport mode {access|trunk}$mode", No: true, NoSyntax: "switchport mode",
			Help: map[string]string{"switchport": "Set switching mode characteristics", "mode": "Set trunking mode of the interface",
				"access": "Set trunking mode to ACCESS unconditionally", "trunk": "Set trunking mode to TRUNK unconditionally"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				withIf(c, func(it *Iface) {
					it.Mode = a.String("mode")
					if c.Negated() {
						it.Mode = ""
					}
				})
				return nil
			}},
		{Syntax: "switchport access vlan <1-4094>", No: true, NoSyntax: "switchport access vlan",
			Help: map[string]string{"access": "Set access mode characteristics of the interface", "vlan": "Set VLAN when interface is in access mode",
				"<1-4094>": "VLAN ID of the VLAN when this port is in access mode"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				withIf(c, func(it *Iface) { it.AccessVLAN = a.Int("vlan") })
				return nil
			}},
		{Syntax: "switchport trunk allowed vlan {VLANLIST$vlans|add VLANLIST$add|all|except VLANLIST$except|none|remove VLANLIST$remove}",
			Help: map[string]string{"trunk": "Set trunking characteristics of the interface", "allowed": "Set allowed VLAN characteristics when interface is in trunking mode",
				"vlan": "Set allowed VLANs when interface is in trunking mode", "WORD": "VLAN IDs of the allowed VLANs when this port is in trunking mode",
				"add": "add VLANs to the current list", "all": "all VLANs", "except": "all VLANs except the following", "none": "no VLANs", "remove": "remove VLANs from the current list"}},
		{Syntax: "ip address A.B.C.D$ip A.B.C.D$mask", No: true, NoSyntax: "ip address [A.B.C.D$ip A.B.C.D$mask]",
			Help: map[string]string{"ip": "Interface Internet Protocol config commands", "address": "Set the IP address of an interface", "$ip": "IP address", "$mask": "IP subnet mask"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				withIf(c, func(it *Iface) {
					it.IP = ""
					if !c.Negated() {
						it.IP = a.IP("ip").String() + " " + a.IP("mask").String()
					}
				})
				return nil
			}},
	}
	must(e.Install(cfgIf, ifCmds...))
	must(e.Install(cfgIfRange, ifCmds...))
	must(e.Install(cfgVlan, engine.Command{Syntax: "name WORD", No: true, NoSyntax: "name",
		Help: map[string]string{"name": "Ascii name of the VLAN", "WORD": "The ascii name for the VLAN"},
		Run: func(c *engine.Ctx, a engine.Args) error {
			cfg.mu.Lock()
			defer cfg.mu.Unlock()
			for _, v := range c.Frame.Context.([]int) {
				cfg.VLANNames[v] = a.String("name")
			}
			return nil
		}}))
	must(e.Install(cfgNacl,
		engine.Command{Syntax: "{permit|deny}$action {ip|tcp|udp}$proto {any|host A.B.C.D$src|A.B.C.D$src A.B.C.D$srcwild} {any|host A.B.C.D$dst|A.B.C.D$dst A.B.C.D$dstwild} [log]",
			No: true, Help: map[string]string{"permit": "Specify packets to forward", "deny": "Specify packets to reject", "any": "Any source host", "host": "A single source host", "log": "Log matches against this entry"}},
		engine.Command{Syntax: "remark LINE", No: true,
			Help: map[string]string{"remark": "Access list entry comment", "LINE": "Comment up to 100 characters"}},
	))
	return e, cfg
}

// Render returns a running-config stub; only renders interface ifname when set.
func (cfg *Config) Render(ifname string) string {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	var b strings.Builder
	body := strings.Builder{}
	if ifname == "" {
		fmt.Fprintf(&body, "!\nhostname %s\n!\n", cfg.Hostname)
	}
	names := make([]string, 0, len(cfg.Ifaces))
	for n := range cfg.Ifaces {
		if ifname == "" || n == ifname {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	for _, n := range names {
		it := cfg.Ifaces[n]
		fmt.Fprintf(&body, "interface %s\n", n)
		if it.Description != "" {
			fmt.Fprintf(&body, " description %s\n", it.Description)
		}
		if it.AccessVLAN != 0 {
			fmt.Fprintf(&body, " switchport access vlan %d\n", it.AccessVLAN)
		}
		if it.Mode != "" {
			fmt.Fprintf(&body, " switchport mode %s\n", it.Mode)
		}
		if it.IP != "" {
			fmt.Fprintf(&body, " ip address %s\n", it.IP)
		}
		if it.Shutdown {
			body.WriteString(" shutdown\n")
		}
		body.WriteString("!\n")
	}
	for _, m := range cfg.StaticMACs {
		fmt.Fprintf(&body, "%s\n", m)
	}
	body.WriteString("end\n")
	fmt.Fprintf(&b, "Building configuration...\n\nCurrent configuration : %d bytes\n%s", body.Len(), body.String())
	return b.String()
}
