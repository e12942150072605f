package cli

import (
	"fmt"
	"strings"

	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/packet"
)

// This file holds `show inventory` and `show vtp status`, which inventory
// and automation tools read first: the chassis with its model and serial
// number, and VTP, which l2sw runs in transparent mode (it keeps its own
// VLAN database and relays no VTP).

// installInventory adds the commands.
func (d *Device) installInventory() {
	must(d.eng.Install(d.eng.ExecMode(),
		engine.Command{Syntax: "show inventory", Level: engine.LevelUser,
			Help: map[string]string{"inventory": "Show the physical inventory"},
			Run:  out(func(*engine.Ctx, engine.Args) (string, error) { return d.showInventory(), nil })},
		engine.Command{Syntax: "show vtp status", Level: engine.LevelUser,
			Help: map[string]string{"vtp": "VTP information", "status": "VTP domain status"},
			Run:  out(func(*engine.Ctx, engine.Args) (string, error) { return d.showVTPStatus(), nil })},
	))
}

// chassisSerial is the switch's serial number, made from its base MAC so
// that two switches differ.
func chassisSerial(base packet.MAC) string {
	return "L2SW" + strings.ToUpper(strings.ReplaceAll(base.String()[5:], ".", ""))
}

// chassisModel is the model number show version and show inventory give.
func (d *Device) chassisModel() string { return fmt.Sprintf("L2SW-%dT", len(d.sw.Ports())) }

func (d *Device) showInventory() string {
	model := d.chassisModel()
	return fmt.Sprintf("NAME: \"1\", DESCR: \"l2sw software switch, %d ports\"\nPID: %-18s, VID: V01  , SN: %s\n\n",
		len(d.sw.Ports()), model, chassisSerial(d.sw.BaseMAC()))
}

func (d *Device) showVTPStatus() string {
	var b strings.Builder
	b.WriteString("VTP Version capable             : 1 to 3\nVTP version running             : 1\nVTP Domain Name                 : \n")
	b.WriteString("VTP Pruning Mode                : Disabled\nVTP Traps Generation            : Disabled\n")
	fmt.Fprintf(&b, "Device ID                       : %s\n", d.sw.BaseMAC())
	b.WriteString("Configuration last modified by 0.0.0.0 at 0-0-00 00:00:00\n\n")
	b.WriteString("Feature VLAN:\n--------------\nVTP Operating Mode                : Transparent\n")
	b.WriteString("Maximum VLANs supported locally   : 1005\n")
	fmt.Fprintf(&b, "Number of existing VLANs          : %d\n", len(d.sw.VLANs()))
	b.WriteString("Configuration Revision            : 0\n")
	b.WriteString("MD5 digest                        : 0x00 0x00 0x00 0x00 0x00 0x00 0x00 0x00 \n                                    0x00 0x00 0x00 0x00 0x00 0x00 0x00 0x00 \n")
	return b.String()
}
