// Package cli is the IOS command set of l2sw: it installs the EXEC and
// configuration commands on the command engine, renders show output in the
// Catalyst layouts that network-automation tools parse, and keeps the
// running-config and startup-config of one switch.
//
// A Device drives a dataplane.Switch only through its control API; every
// session (console, control socket, SSH) shares the Device's engine.
package cli

import (
	"github.com/l2sw/l2sw/ifname"
	"net"

	"fmt"
	"github.com/l2sw/l2sw/cli/remote"
	"strings"
	"sync"
	"time"

	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/syslog"
)

// Options configure a Device.
type Options struct {
	// ConfigPath is the startup-config file: `write memory`, `copy
	// running-config startup-config` and `show startup-config` use it.
	// Empty means the device has no startup-config storage.
	ConfigPath string
	// Version is the l2sw release shown by `show version`.
	Version string
	// Now is the wall clock (uptime, counter clearing); nil means time.Now.
	Now func() time.Time
}

// Device is the command set and configuration of one switch.
type Device struct {
	sw    *dataplane.Switch
	opts  Options
	eng   *engine.Engine
	start time.Time

	modes struct {
		config, ifc, ifRange, vlan, line, svi *engine.Mode
		stdACL, extACL, accessMap             *engine.Mode // acl_commands.go
	}
	acl   *aclConfig   // access lists, access groups, VLAN maps (acl_config.go)
	trace packetTrace  // the live packet trace (packettrace.go)
	logs  *logConfig   // syslog servers and levels (logging.go)
	rates *rateMeter   // interface rates (rates.go)
	fhrp  *fhrpSnooper // adverts seen in transit (fhrpsnoop.go)
	lines *lines       // line con 0, line vty 0-15 (line.go); guarded by mu
	login *loginState  // login block-for, delay, logging (login.go); guarded by mu
	ssh   *sshSettings // ip ssh ... (ssh.go); guarded by mu
	vrrp  *vrrpSpeaker // VRRP groups (vrrp.go, vrrp_run.go)
	disc  *discovery   // CDP and LLDP (discovery.go); own lock
	hsrp  *hsrpState   // standby groups and track objects (standby.go)
	ec    *ecState     // channel groups and their LACP machines (etherchannel.go, lacp.go)
	procs *procMeter   // CPU samples and lowest free memory (procstat.go)
	// jsonEng parses the lines of `l2sw exec --json` (json.go).
	jsonEng *engine.Engine
	stp     *stpRunner // spanning tree (stp.go)

	mu           sync.Mutex
	hostname     string
	enableSecret string // type 9 hash, "" when unset
	users        map[string]user
	ports        map[string]*portExtra // settings the switch API does not carry
	lastClear    map[string]time.Time  // `clear counters` per interface
	clearedAll   time.Time
}

// user is a `username` line.
type user struct {
	privilege int
	secret    string // type 9 hash
}

// portExtra is interface configuration that only the CLI keeps: it is shown
// and saved but does not change forwarding.
type portExtra struct {
	speed         string // "" = auto, else 10/100/1000
	duplex        string // "" = auto, else full/half
	encapsulation bool   // switchport trunk encapsulation dot1q
	modeSet       bool   // switchport mode typed explicitly (shown even when access)
	loadInterval  int    // load-interval in seconds; 0 = DefaultLoadInterval (rates.go)
}

// NewDevice builds the command set over sw. The switch's ports must exist
// already: they are the interfaces the engine knows.
func NewDevice(sw *dataplane.Switch, opts Options) *Device {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	d := &Device{
		sw:        sw,
		opts:      opts,
		hostname:  "Switch",
		users:     map[string]user{},
		ports:     map[string]*portExtra{},
		lastClear: map[string]time.Time{},
		acl:       newACLConfig(),
		lines:     newLines(),
		login:     &loginState{},
		ssh:       newSSHSettings(),
		fhrp:      newFHRPSnooper(),
		disc:      newDiscovery(),
	}
	d.start = opts.Now()
	d.eng = engine.New(engine.Options{
		Hostname:    d.Hostname,
		Interfaces:  ifname.SwitchSet(sw.Ports()),
		ModeChanged: d.modeChanged,
	})
	d.install()
	d.installL3()
	d.installACL()
	d.installDrops()
	d.installPacketTrace()
	d.installSPAN()
	d.installLogging()
	d.installPing()
	d.installIPInterface()
	d.installSwitchport()
	d.installEtherChannel()
	d.installInventory()
	d.installLoadInterval()
	d.rates = &rateMeter{ports: map[string]*portRate{}}
	d.installCapture()
	d.installLines()
	d.installLogin()
	d.installSSH()
	d.installFault()
	d.installFHRPSnoop()
	d.installPlatformForward()
	d.installVRRP()
	d.installPortSecurity() // portsec.go
	d.installStorm()        // storm.go
	d.installCDP()
	d.installLLDP()
	d.installStandby()
	d.installEveryday()
	d.installSTP()
	return d
}

// Engine is the command engine every session of this device shares.
func (d *Device) Engine() *engine.Engine { return d.eng }

// Switch is the switch the device configures.
func (d *Device) Switch() *dataplane.Switch { return d.sw }

// Hostname is the configured hostname (the prompt).
func (d *Device) Hostname() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.hostname
}

// extra returns the CLI-only settings of a port; d.mu must be held.
func (d *Device) extraLocked(name string) *portExtra {
	p := d.ports[name]
	if p == nil {
		p = &portExtra{}
		d.ports[name] = p
	}
	return p
}

// Origin says where a session comes from, for the %SYS-5-CONFIG_I message
// ("Configured from console by console", "... by admin on vty0 (10.0.0.1)").
type Origin struct {
	Line string // "console", "vty0", ...
	User string // login name; "" on an unauthenticated console
	Addr string // remote address of a vty session
}

// originKey is the engine.State.Values key of a session's Origin.
const originKey = "cli.origin"

// loadingKey marks the internal session that loads a startup-config: it
// raises no CONFIG_I message.
const loadingKey = "cli.loading"

// SetOrigin records where the session of st comes from. Sessions without one
// count as the console.
func SetOrigin(st *engine.State, o Origin) { st.Values[originKey] = o }

// OriginOf returns the recorded origin of a session (the console by default).
func OriginOf(st *engine.State) Origin {
	if o, ok := st.Values[originKey].(Origin); ok {
		return o
	}
	// Sessions opened by cli/remote say where they come from in their
	// state values; IOS names the first vty line vty0.
	if line, _ := st.Values[remote.ValueLine].(string); line == "vty" {
		user, _ := st.Values[remote.ValueUser].(string)
		addr, _ := st.Values[remote.ValueAddr].(string)
		if host, _, err := net.SplitHostPort(addr); err == nil {
			addr = host
		}
		n, _ := st.Values[remote.ValueVTY].(int)
		return Origin{Line: fmt.Sprintf("vty%d", n), User: user, Addr: addr}
	}
	return Origin{Line: "console"}
}

// by renders the "by ..." part of IOS configuration messages.
func (o Origin) by() string {
	line := o.Line
	if line == "" {
		line = "console"
	}
	if strings.HasPrefix(line, "vty") {
		u := o.User
		if u == "" {
			u = line
		}
		if o.Addr != "" {
			return fmt.Sprintf("%s on %s (%s)", u, line, o.Addr)
		}
		return fmt.Sprintf("%s on %s", u, line)
	}
	if o.User != "" {
		return o.User + " on " + line
	}
	return line
}

func (d *Device) modeChanged(st *engine.State, from, to *engine.Mode) {
	if !from.IsConfig() || to.IsConfig() {
		return
	}
	if st.Values[loadingKey] != nil {
		return
	}
	d.sw.Log().Log("SYS", syslog.Notice, "CONFIG_I", "Configured from console by %s", OriginOf(st).by())
}
