package cli

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/l2sw/l2sw/cli/engine"
)

// techSupportCommands are the shows `show tech-support` runs, in the order
// a Catalyst prints them. One this build does not have is left out.
var techSupportCommands = []string{
	"show version",
	"show running-config",
	"show clock",
	"show inventory",
	"show processes cpu",
	"show memory statistics",
	"show interfaces",
	"show interfaces status",
	"show interfaces counters errors",
	"show vlan",
	"show interfaces trunk",
	"show spanning-tree",
	"show etherchannel summary",
	"show mac address-table",
	"show ip interface brief",
	"show ip arp",
	"show ip route",
	"show ip cef",
	"show access-lists",
	"show platform drops",
	"show cdp neighbors detail",
	"show lldp neighbors detail",
	"show users",
	"show terminal",
	"show logging",
}

func (d *Device) installTechSupport() {
	must(d.eng.Install(d.eng.ExecMode(), engine.Command{Syntax: "show tech-support",
		Help: map[string]string{"tech-support": "Show system information for Tech-Support"},
		Run: func(c *engine.Ctx, _ engine.Args) error {
			c.Printf("%s", d.showTechSupport(c))
			return nil
		}}))
}

// showTechSupport runs each show in a session of its own at the asking
// session's level and geometry, each under the IOS banner
// "------------------ show version ------------------".
func (d *Device) showTechSupport(c *engine.Ctx) string {
	var b strings.Builder
	for _, line := range techSupportCommands {
		st := c.Engine.NewState(c.State.Level())
		for k, v := range c.State.Values {
			st.Values[k] = v
		}
		st.SetLength(0)
		st.SetWidth(c.State.Width())
		var out bytes.Buffer
		if o := c.Engine.Exec(st, line, &out, -1); o.Status != engine.StatusOK {
			continue // not in this build, or not at this level
		}
		fmt.Fprintf(&b, "\n------------------ %s ------------------\n\n", line)
		b.Write(out.Bytes())
		b.WriteString("\n")
	}
	return b.String()
}
