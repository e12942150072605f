package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/l2sw/l2sw/packet"
)

// iosRelease is the IOS release l2sw answers as: the Catalyst 2960/3750
// train whose CLI and show layouts it follows.
const iosRelease = "15.0(2)SE"

// showVersion renders `show version` in the Catalyst layout that the
// ntc-templates parser and Ansible's ios_facts read.
func (d *Device) showVersion() string {
	ver := d.opts.Version
	if ver == "" {
		ver = "dev"
	}
	ports := d.sw.Ports()
	counts := map[string]int{}
	for _, p := range ports {
		counts[kindOf(p).hardware]++
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Cisco IOS Software, l2sw Software (L2SW-UNIVERSALK9-M), Version %s, RELEASE SOFTWARE (fc1)\n", iosRelease)
	b.WriteString("Technical Support: https://github.com/l2sw/l2sw\n")
	fmt.Fprintf(&b, "l2sw software switch, release %s\n", ver)
	b.WriteString("Compiled by l2sw\n\n")
	b.WriteString("ROM: Bootstrap program is l2sw boot loader\n")
	fmt.Fprintf(&b, "BOOTLDR: l2sw Boot Loader (L2SW-HBOOT-M) Version %s, RELEASE SOFTWARE (fc1)\n\n", iosRelease)
	fmt.Fprintf(&b, "%s uptime is %s\n", d.Hostname(), uptime(d.opts.Now().Sub(d.start)))
	b.WriteString("System returned to ROM by power-on\n")
	fmt.Fprintf(&b, "System restarted at %s\n", d.start.UTC().Format("15:04:05 MST Mon Jan 2 2006"))
	b.WriteString("System image file is \"flash:/l2sw-universalk9-mz.bin\"\n\n\n")
	base := d.sw.BaseMAC()
	serial := chassisSerial(base)
	fmt.Fprintf(&b, "cisco L2SW-%dT (GoRuntime) processor (revision A0) with 65536K bytes of memory.\n", len(ports))
	fmt.Fprintf(&b, "Processor board ID %s\n", serial)
	b.WriteString("Last reset from power-on\n")
	for _, k := range []string{"Fast Ethernet", "Gigabit Ethernet", "Ten Gigabit Ethernet"} {
		if n := counts[k]; n > 0 {
			fmt.Fprintf(&b, "%d %s interfaces\n", n, strings.ReplaceAll(k, "Fast Ethernet", "FastEthernet"))
		}
	}
	b.WriteString("The password-recovery mechanism is enabled.\n\n")
	b.WriteString("64K bytes of flash-simulated non-volatile configuration memory.\n")
	fmt.Fprintf(&b, "Base ethernet MAC Address       : %s\n", strings.ToUpper(colonMAC(base)))
	fmt.Fprintf(&b, "Model number                    : L2SW-%dT\n", len(ports))
	fmt.Fprintf(&b, "System serial number            : %s\n\n\n", serial)
	b.WriteString("Switch Ports Model              SW Version            SW Image                 \n")
	b.WriteString("------ ----- -----              ----------            ----------               \n")
	fmt.Fprintf(&b, "*    1 %-5d %-18s %-21s %-25s\n\n\n", len(ports), fmt.Sprintf("L2SW-%dT", len(ports)), iosRelease, "L2SW-UNIVERSALK9-M")
	b.WriteString("Configuration register is 0xF\n\n")
	return b.String()
}

func colonMAC(m packet.MAC) string { return m.Colon() }

// uptime renders IOS's "1 year, 2 weeks, 3 days, 4 hours, 5 minutes",
// leaving out the leading zero units.
func uptime(d time.Duration) string {
	mins := int64(d / time.Minute)
	if mins < 0 {
		mins = 0
	}
	units := []struct {
		name string
		size int64
	}{{"year", 525600}, {"week", 10080}, {"day", 1440}, {"hour", 60}, {"minute", 1}}
	var parts []string
	for _, u := range units {
		n := mins / u.size
		mins %= u.size
		if n == 0 && u.name != "minute" {
			continue
		}
		s := fmt.Sprintf("%d %s", n, u.name)
		if n != 1 {
			s += "s"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

// showLogging renders `show logging`: the status section, then the buffer.
func (d *Device) showLogging() string {
	log := d.sw.Log()
	st := log.Stats()
	msgs := log.Messages()
	var b strings.Builder
	fmt.Fprintf(&b, "Syslog logging: enabled (0 messages dropped, %d messages rate-limited, 0 flushes, 0 overruns, xml disabled, filtering disabled)\n\n", st.RateLimited)
	b.WriteString("No Active Message Discriminator.\n\n\n\nNo Inactive Message Discriminator.\n\n\n")
	fmt.Fprintf(&b, "    Console logging: level debugging, %d messages logged, xml disabled,\n                     filtering disabled\n", st.Logged)
	b.WriteString("    Monitor logging: level debugging, 0 messages logged, xml disabled,\n                     filtering disabled\n")
	fmt.Fprintf(&b, "    Buffer logging:  level %s, %d messages logged, xml disabled,\n                    filtering disabled\n", st.BufferLevel, st.BufLogged)
	b.WriteString("    Exception Logging: size (4096 bytes)\n")
	b.WriteString("    Count and timestamp logging messages: disabled\n")
	b.WriteString("    Persistent logging: disabled\n\n")
	b.WriteString("No active filter modules.\n\n")
	d.showTrapLogging(&b, st.Logged)
	b.WriteString("\n")
	fmt.Fprintf(&b, "Log Buffer (%d bytes):\n\n", st.BufferSize)
	for _, m := range msgs {
		b.WriteString(m.String())
		b.WriteByte('\n')
	}
	return b.String()
}
