package cli

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/syslog"
)

// DefaultConfig is the configuration a switch starts with when it has no
// startup-config: four access ports in VLAN 1.
const DefaultConfig = `!
version 15.0
!
hostname Switch
!
vlan 1
!
interface GigabitEthernet0/1
 switchport access vlan 1
 switchport mode access
!
interface GigabitEthernet0/2
 switchport access vlan 1
 switchport mode access
!
interface GigabitEthernet0/3
 switchport access vlan 1
 switchport mode access
!
interface GigabitEthernet0/4
 switchport access vlan 1
 switchport mode access
!
line con 0
!
end
`

// iosVersion is the configuration syntax version written at the top of
// every configuration (`version 15.0`), as a Catalyst on 15.0(2)SE writes it.
const iosVersion = "15.0"

// ErrNoStartupPath is returned by Save when the device has no ConfigPath.
var ErrNoStartupPath = errors.New("no startup-config file configured")

// RunningConfig renders the configuration in IOS order and spelling, from
// the first "!" to the final "end" (the text `write memory` saves; `show
// running-config` adds its "Building configuration..." header).
func (d *Device) RunningConfig() string {
	var b strings.Builder
	d.mu.Lock()
	hostname, secret := d.hostname, d.enableSecret
	users := make(map[string]user, len(d.users))
	for k, v := range d.users {
		users[k] = v
	}
	d.mu.Unlock()

	b.WriteString("!\nversion " + iosVersion + "\n!\n")
	b.WriteString("hostname " + hostname + "\n!\n")
	if secret != "" {
		b.WriteString("enable secret 9 " + secret + "\n!\n")
	}
	if len(users) > 0 {
		for _, n := range sortedUsers(users) {
			u := users[n]
			b.WriteString("username " + n)
			if u.privilege != engine.LevelUser {
				fmt.Fprintf(&b, " privilege %d", u.privilege)
			}
			b.WriteString(" secret 9 " + u.secret + "\n")
		}
		b.WriteString("!\n")
	}
	b.WriteString(d.bufferedConfig())   // logging.go
	b.WriteString(d.loginConfigLines()) // login.go
	b.WriteString(d.sshConfigLines())   // ssh.go
	b.WriteString(d.tcamLimitsConfig()) // acl_render.go
	b.WriteString(d.errDisableConfig()) // portsec.go
	if mtu := d.sw.SystemMTU(); mtu != dataplane.DefaultMTU {
		fmt.Fprintf(&b, "system mtu %d\n!\n", mtu)
	}
	b.WriteString(d.etherChannelGlobalConfig()) // etherchannel.go
	b.WriteString(d.routingConfig())
	b.WriteString(d.vrrpGlobalConfig()) // vrrp.go
	b.WriteString(d.stpGlobalConfig())  // stp_commands.go
	for _, v := range d.sw.VLANs() {
		if v.ID == 1 {
			continue
		}
		fmt.Fprintf(&b, "vlan %d\n", v.ID)
		if v.Name != dataplane.DefaultVLANName(v.ID) {
			b.WriteString(" name " + v.Name + "\n")
		}
		b.WriteString("!\n")
	}
	b.WriteString(d.vlanMapConfig()) // acl_render.go
	b.WriteString(d.trackConfig())   // standby.go
	for _, name := range d.sw.Ports() {
		b.WriteString(d.interfaceConfig(name))
		b.WriteString("!\n")
	}
	b.WriteString(d.sviConfig())
	b.WriteString(d.routeConfig())
	mac := d.macConfig() + d.macSecurityConfig() // storm.go
	b.WriteString(mac)
	if mac != "" {
		b.WriteString("!\n")
	}
	b.WriteString(d.staticARPConfig())
	b.WriteString(d.accessListConfig()) // acl_render.go
	b.WriteString(d.loggingConfig())    // logging.go
	b.WriteString(d.spanConfig())       // span.go
	b.WriteString(d.discoveryConfig())  // discovery.go
	b.WriteString(d.linesConfig())      // line.go
	b.WriteString("!\nend\n")
	return b.String()
}

// interfaceConfig renders one interface stanza without its closing "!".
func (d *Device) interfaceConfig(name string) string {
	st, err := d.sw.Status(name)
	if err != nil {
		return ""
	}
	s := st.Settings
	d.mu.Lock()
	x := portExtra{}
	if p := d.ports[name]; p != nil {
		x = *p
	}
	d.mu.Unlock()
	var b strings.Builder
	b.WriteString("interface " + name + "\n")
	if s.Description != "" {
		b.WriteString(" description " + s.Description + "\n")
	}
	if s.MTU != 0 {
		fmt.Fprintf(&b, " mtu %d\n", s.MTU)
	}
	if s.AccessVLAN != 1 {
		fmt.Fprintf(&b, " switchport access vlan %d\n", s.AccessVLAN)
	}
	if x.encapsulation {
		b.WriteString(" switchport trunk encapsulation dot1q\n")
	}
	if s.NativeVLAN != 1 {
		fmt.Fprintf(&b, " switchport trunk native vlan %d\n", s.NativeVLAN)
	}
	if s.Allowed != dataplane.AllVLANs() {
		b.WriteString(" switchport trunk allowed vlan " + iosVLANList(s.Allowed) + "\n")
	}
	if s.Mode == dataplane.ModeTrunk || x.modeSet {
		b.WriteString(" switchport mode " + s.Mode.String() + "\n")
	}
	b.WriteString(d.portSecurityConfig(name))    // portsec.go
	b.WriteString(d.portAccessGroupConfig(name)) // acl_render.go
	if x.loadInterval != 0 {
		fmt.Fprintf(&b, " load-interval %d\n", x.loadInterval)
	}
	b.WriteString(d.channelConfig(name)) // etherchannel.go
	if s.Shutdown {
		b.WriteString(" shutdown\n")
	}
	b.WriteString(d.stormConfig(name)) // storm.go
	if x.speed != "" {
		b.WriteString(" speed " + x.speed + "\n")
	}
	if x.duplex != "" {
		b.WriteString(" duplex " + x.duplex + "\n")
	}
	b.WriteString(d.discoveryInterfaceConfig(name)) // discovery.go
	b.WriteString(d.faultConfig(name))              // fault.go
	b.WriteString(d.stpInterfaceConfig(name))       // stp_commands.go
	return b.String()
}

// macConfig renders the MAC table configuration lines.
func (d *Device) macConfig() string {
	var b strings.Builder
	if t := d.sw.MACAgingTime(); t != defaultAging {
		fmt.Fprintf(&b, "mac address-table aging-time %d\n", t)
	}
	for v := uint16(1); v <= dataplane.MaxVLAN; v++ {
		if t, ok := d.sw.VLANMACAgingTime(v); ok {
			fmt.Fprintf(&b, "mac address-table aging-time %d vlan %d\n", t, v)
		}
	}
	statics, _ := d.sw.MACEntries(dataplane.MACFilter{StaticOnly: true})
	for _, e := range statics {
		if e.Port == "CPU" || e.Secure { // secure ones are port-security lines
			continue
		}
		fmt.Fprintf(&b, "mac address-table static %s vlan %d interface %s\n", e.MAC, e.VLAN, e.Port)
	}
	return b.String()
}

// showRunning is `show running-config [interface X]`.
func (d *Device) showRunning(ifname string) string {
	var body string
	if ifname != "" {
		body = "!\n" + d.interfaceConfig(ifname) + "end\n"
	} else {
		body = d.RunningConfig()
	}
	return fmt.Sprintf("Building configuration...\n\nCurrent configuration : %d bytes\n%s\n", len(body), body)
}

// LoadConfig applies configuration lines as if typed in global
// configuration mode, through the same parser. A line that is refused is
// reported with its line number ("startup-config line 12: % Invalid input
// detected at '^' marker. [the line]") and logged as
// %PARSER-4-BADCFG; the rest still loads. Lines have no length limit: one
// longer than MaxStartupLine is refused on its own. Comment lines ("!"),
// the "Building configuration..." header and "end" are skipped.
func (d *Device) LoadConfig(r io.Reader) []error {
	st := d.eng.NewState(engine.LevelPrivileged)
	st.Values[loadingKey] = true
	SetOrigin(st, Origin{Line: "startup-config"})
	var discard bytes.Buffer
	enterConfig := func() {
		discard.Reset()
		d.eng.Exec(st, "configure terminal", &discard, -1)
	}
	enterConfig()
	var errs []error
	reject := func(n int, why, line string) {
		errs = append(errs, fmt.Errorf("startup-config line %d: %s [%s]", n, why, line))
		d.logBadConfig(n, why, line)
	}
	br := bufio.NewReaderSize(r, 64<<10)
	// One FIB publication for the whole file (Switch.Bulk): published per
	// line, 100k static routes took minutes instead of seconds.
	_ = d.sw.Bulk(func() error {
		if err := d.loadLines(st, br, enterConfig, reject); err != nil {
			errs = append(errs, err)
		}
		return nil
	})
	deferred := d.applyDeferred()
	for _, e := range deferred {
		d.sw.Log().Log("PARSER", syslog.Warning, "BADCFG", "%v", e)
	}
	return append(errs, deferred...)
}

// loadLines executes the lines of br in st, as LoadConfig describes,
// reports each refused line to reject, and returns the read error that
// ended the file early, if any.
func (d *Device) loadLines(st *engine.State, br *bufio.Reader, enterConfig func(), reject func(n int, why, line string)) error {
	for n := 1; ; n++ {
		raw, full, err := readConfigLine(br, MaxStartupLine)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if errors.Is(err, errLineTooLong) {
			reject(n, fmt.Sprintf("%% Line too long (%d bytes, at most %d)", full, MaxStartupLine), preview(raw))
			continue
		}
		if err != nil {
			d.logBadConfig(n, err.Error(), "")
			return fmt.Errorf("startup-config line %d: %w", n, err)
		}
		line := strings.TrimRight(raw, " \t\r")
		trimmed := strings.TrimSpace(line)
		if skipConfigLine(trimmed) {
			continue
		}
		if !st.Mode().IsConfig() || st.Closed() {
			enterConfig()
		}
		var out bytes.Buffer
		o := d.eng.Exec(st, line, &out, -1)
		if o.Rejected() {
			reject(n, firstErrorLine(out.String(), o), trimmed)
		}
	}
}

// logBadConfig records a refused startup-config line in the log, so that
// `show logging` tells what a reload lost. IOS's own PARSER-4-BADCFG says
// only "Unexpected end of configuration file."; this one names the line.
func (d *Device) logBadConfig(n int, why, line string) {
	d.sw.Log().Log("PARSER", syslog.Warning, "BADCFG", "startup-config line %d rejected: %s [%s]", n, why, preview(line))
}

// preview shortens a line for a message: the log keeps a hint of a huge
// line, not the line.
func preview(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}

func skipConfigLine(l string) bool {
	switch {
	case l == "", strings.HasPrefix(l, "!"), l == "end",
		strings.HasPrefix(l, "Building configuration"),
		strings.HasPrefix(l, "Current configuration :"),
		strings.HasPrefix(l, "Using ") && strings.HasSuffix(l, " bytes"):
		return true
	}
	return false
}

// firstErrorLine picks the "% ..." line out of what the engine printed.
func firstErrorLine(out string, o engine.Outcome) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "%") {
			return strings.TrimSpace(l)
		}
	}
	if s := strings.TrimSpace(out); s != "" {
		return strings.SplitN(s, "\n", 2)[0]
	}
	return "% command " + o.Status.String()
}

// LoadConfigFile loads a startup-config file. A missing file is an error
// wrapping fs.ErrNotExist; refused lines are joined into the error while the
// rest of the file is applied.
func (d *Device) LoadConfigFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("startup-config: %w", err)
	}
	defer f.Close()
	return errors.Join(d.LoadConfig(f)...)
}

// Save writes the running configuration to the startup-config file
// atomically: a temporary file in the same directory is written and synced,
// the old file is kept as startup-config.bak (BackupSuffix), the new one is
// renamed over it, and the directory is synced. A failure leaves the
// previous file untouched.
func (d *Device) Save() error { return d.save(Origin{Line: "console"}) }

func (d *Device) save(o Origin) error {
	path := d.opts.ConfigPath
	if path == "" {
		return ErrNoStartupPath
	}
	if err := writeAtomic(path, []byte(d.RunningConfig()), true); err != nil {
		return err
	}
	d.sw.Log().Log("SYS", syslog.Notice, "CONFIG_NV_I", "Nonvolatile storage configured from console by %s", o.by())
	return nil
}

// nvramSize is the size IOS reports for startup-config storage.
const nvramSize = 65536

// showStartup is `show startup-config`.
func (d *Device) showStartup() (string, error) {
	if d.opts.ConfigPath == "" {
		return "startup-config is not present\n", nil
	}
	data, err := os.ReadFile(d.opts.ConfigPath)
	if errors.Is(err, os.ErrNotExist) {
		return "startup-config is not present\n", nil
	}
	if err != nil {
		return "", fmt.Errorf("%%Error opening nvram:startup-config (%v)", err)
	}
	return fmt.Sprintf("Using %d out of %d bytes\n%s\n", len(data), nvramSize, strings.TrimSuffix(string(data), "\n")+"\n"), nil
}

// CheckLogin checks a user name and password against the `username` lines
// (for SSH password authentication) and returns the user's privilege level.
func (d *Device) CheckLogin(userName, password string) (privilege int, ok bool) {
	d.mu.Lock()
	u, found := d.users[userName]
	d.mu.Unlock()
	if !found {
		// Spend the same time as a real check, so that timing does not
		// reveal which user names exist.
		verifyType9("$9$AAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", password)
		return 0, false
	}
	if !verifyType9(u.secret, password) {
		return 0, false
	}
	return u.privilege, true
}

// iosVLANList writes a VLAN set as IOS does in the running-config: runs of
// three or more as a range ("30-32"), pairs as two items ("34,35").
func iosVLANList(s dataplane.VLANSet) string { return s.Config() }
