package dataplane

import (
	"fmt"
	"github.com/l2sw/l2sw/ifname"
	"time"

	"github.com/l2sw/l2sw/arp"
	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/packet"
	"github.com/l2sw/l2sw/syslog"
	"github.com/l2sw/l2sw/tcam"
	"github.com/l2sw/l2sw/tcam/acl"
)

// The switch's system messages for table events, in one place. The tables
// (cam, arp, tcam) raise typed events and know no IOS text; this file turns
// each into the message a field engineer looks for, with its facility,
// severity, mnemonic and rate limit:
//
//	%SW_MATM-4-MACFLAP_NOTIF   cam.EventFlap
//	%SYS-4-P2_WARN             cam.EventZeroFiltered
//	%SW_MATM-4-MAC_TABLE_FULL  cam.EventFull
//	%ARP-7-FILTER              arp.EventFiltered (wrong cable: the `debug arp` line)
//	%ACL-5-TCAMFULL            tcam.EventTCAMFull
//	%FM-4-TCAM_ENTRY           tcam.EventEntryCapacity
//	%FMCORE-4-RACL_REDUCED     tcam.EventRACLReduced
//	%SEC-6-IPACCESSLOG*        a flow that hit an ACE with `log` (acllog.go)

// camEvent turns CAM events into the system messages a field engineer looks for.
func (sw *Switch) camEvent(e cam.Event) {
	switch e.Kind {
	case cam.EventFlap:
		sw.log.LogLimited("macflap:"+e.MAC.String(), 10*time.Second, "SW_MATM", syslog.Warning, "MACFLAP_NOTIF",
			"Host %s in vlan %d is flapping between port %s and port %s",
			e.MAC, e.VLAN, ifname.Short(sw.portName(e.OldPort)), ifname.Short(sw.portName(e.Port)))
	case cam.EventZeroFiltered:
		name := ifname.Short(sw.portName(e.Port))
		sw.log.LogLimited("p2warn:"+name, 5*time.Second, "SYS", syslog.Warning, "P2_WARN",
			"1/Filtering MAC address %s on port %s from host table", e.MAC.Hyphenated(), name)
	case cam.EventFull:
		sw.log.LogLimited("camfull", 10*time.Second, "SW_MATM", syslog.Warning, "MAC_TABLE_FULL",
			"MAC address table full, %s in vlan %d on port %s not learned",
			e.MAC, e.VLAN, ifname.Short(sw.portName(e.Port)))
	}
}

// logARPFiltered writes the `debug arp` line of a frame the wrong-cable
// filter dropped, rate-limited per sender and interface. Other filter
// reasons are counted (show ip arp statistics), not logged.
func (sw *Switch) logARPFiltered(e arp.Event) {
	if e.Reason != arp.ReasonWrongCable {
		return
	}
	sw.log.LogLimited("arpfilter:"+e.IP.String()+e.IfName, time.Second, "ARP", syslog.Debug, "FILTER", "%s", wrongCableLine(e))
}

// wrongCableLine renders the IOS `debug arp` line for a frame dropped by the
// wrong-subnet filter:
//
//	IP ARP req filtered src 10.1.1.5 0011.2233.4455, dst 10.2.2.1 0000.0000.0000 wrong cable, interface Vlan10
func wrongCableLine(e arp.Event) string {
	kind := "req"
	if e.Op == arp.OpReply {
		kind = "rep"
	}
	return fmt.Sprintf("IP ARP %s filtered src %v %v, dst %v %v wrong cable, interface %s",
		kind, e.IP, e.MAC, e.TargetIP, e.TargetMAC, e.IfName)
}

// tcamMessage gives the IOS message of a TCAM event, e.g.
// `%FMCORE-4-RACL_REDUCED: Interface Vlan202 routed traffic will be software switched in ingress direction`.
func tcamMessage(e tcam.Event) syslog.Message {
	switch e.Kind {
	case tcam.EventTCAMFull:
		return syslog.Message{Facility: "ACL", Severity: syslog.Notice, Mnemonic: "TCAMFULL",
			Text: "acl engine TCAM table is full"}
	case tcam.EventEntryCapacity:
		return syslog.Message{Facility: "FM", Severity: syslog.Warning, Mnemonic: "TCAM_ENTRY",
			Text: "Hardware TCAM entry capacity exceeded"}
	case tcam.EventRACLReduced:
		return syslog.Message{Facility: "FMCORE", Severity: syslog.Warning, Mnemonic: "RACL_REDUCED",
			Text: fmt.Sprintf("Interface %s routed traffic will be software switched in %s direction", e.Binding.Interface, fmDirection(e.Binding.Dir))}
	}
	return syslog.Message{Facility: "FMCORE", Severity: syslog.Warning, Mnemonic: e.Kind.String(), Text: e.Kind.String()}
}

// TCAMEventLine renders a TCAM event as the console prints it when a
// configuration line causes it: `%FAC-SEV-MNEMONIC: text`.
func TCAMEventLine(e tcam.Event) string {
	m := tcamMessage(e)
	return fmt.Sprintf("%%%s-%d-%s: %s", m.Facility, int(m.Severity), m.Mnemonic, m.Text)
}

// logTCAMEvents writes the TCAM's events as IOS messages.
func (sw *Switch) logTCAMEvents(evs []tcam.Event) {
	for _, e := range evs {
		m := tcamMessage(e)
		sw.log.Log(m.Facility, m.Severity, m.Mnemonic, "%s", m.Text)
	}
}

// report writes one `%SEC-6-IPACCESSLOG*` message.
func (a *aclLogger) report(k aclLogKey, n uint64) {
	verb := "denied"
	if k.permit {
		verb = "permitted"
	}
	pkts := "packets"
	if n == 1 {
		pkts = "packet"
	}
	src, dst := acl.FormatIPv4(k.src), acl.FormatIPv4(k.dst)
	switch {
	case k.kind == acl.Standard:
		a.log.Log("SEC", syslog.Informational, "IPACCESSLOGS", "list %s %s %s %d %s", k.name, verb, src, n, pkts)
	case k.proto == packet.ProtoTCP || k.proto == packet.ProtoUDP:
		proto := "tcp"
		if k.proto == packet.ProtoUDP {
			proto = "udp"
		}
		a.log.Log("SEC", syslog.Informational, "IPACCESSLOGP", "list %s %s %s %s(%d) -> %s(%d), %d %s",
			k.name, verb, proto, src, k.srcPort, dst, k.dstPort, n, pkts)
	case k.proto == packet.ProtoICMP:
		a.log.Log("SEC", syslog.Informational, "IPACCESSLOGDP", "list %s %s icmp %s -> %s (%d/%d), %d %s",
			k.name, verb, src, dst, k.srcPort, k.dstPort, n, pkts)
	default:
		a.log.Log("SEC", syslog.Informational, "IPACCESSLOGNP", "list %s %s %d %s -> %s, %d %s",
			k.name, verb, k.proto, src, dst, n, pkts)
	}
}

// fmDirection is a router ACL's direction as FM messages say it.
func fmDirection(d tcam.Direction) string {
	if d == tcam.Out {
		return "egress"
	}
	return "ingress"
}
