package acl

import "slices"

// IOS keyword tables. Rendering prefers the keyword whenever the value has
// one, as `show access-lists` does (`eq 80` is shown as `eq www`).

// Protocol numbers that have an IOS keyword.
const (
	ProtoICMP  uint8 = 1
	ProtoIGMP  uint8 = 2
	ProtoTCP   uint8 = 6
	ProtoUDP   uint8 = 17
	ProtoGRE   uint8 = 47
	ProtoESP   uint8 = 50
	ProtoAHP   uint8 = 51
	ProtoEIGRP uint8 = 88
	ProtoOSPF  uint8 = 89
	ProtoPIM   uint8 = 103
)

var protoByName = map[string]uint8{
	"icmp": ProtoICMP, "igmp": ProtoIGMP, "tcp": ProtoTCP, "udp": ProtoUDP,
	"gre": ProtoGRE, "esp": ProtoESP, "ahp": ProtoAHP, "eigrp": ProtoEIGRP,
	"ospf": ProtoOSPF, "pim": ProtoPIM,
}

var protoNames = func() map[uint8]string {
	m := make(map[uint8]string, len(protoByName))
	for k, v := range protoByName {
		m[v] = k
	}
	return m
}()

var tcpPortByName = map[string]uint16{
	"bgp": 179, "chargen": 19, "cmd": 514, "daytime": 13, "discard": 9,
	"domain": 53, "echo": 7, "exec": 512, "finger": 79, "ftp": 21,
	"ftp-data": 20, "gopher": 70, "hostname": 101, "ident": 113, "irc": 194,
	"klogin": 543, "kshell": 544, "login": 513, "lpd": 515, "nntp": 119,
	"pim-auto-rp": 496, "pop2": 109, "pop3": 110, "smtp": 25, "sunrpc": 111,
	"tacacs": 49, "talk": 517, "telnet": 23, "time": 37, "uucp": 540,
	"whois": 43, "www": 80,
}

var udpPortByName = map[string]uint16{
	"biff": 512, "bootpc": 68, "bootps": 67, "discard": 9, "dnsix": 195,
	"domain": 53, "echo": 7, "isakmp": 500, "mobile-ip": 434, "nameserver": 42,
	"netbios-dgm": 138, "netbios-ns": 137, "netbios-ss": 139,
	"non500-isakmp": 4500, "ntp": 123, "pim-auto-rp": 496, "rip": 520,
	"snmp": 161, "snmptrap": 162, "sunrpc": 111, "syslog": 514, "tacacs": 49,
	"talk": 517, "tftp": 69, "time": 37, "who": 513, "xdmcp": 177,
}

func invertPorts(m map[string]uint16) map[uint16]string {
	r := make(map[uint16]string, len(m))
	for k, v := range m {
		r[v] = k
	}
	return r
}

var (
	tcpPortNames = invertPorts(tcpPortByName)
	udpPortNames = invertPorts(udpPortByName)
)

// icmpName is an ICMP message keyword: a type alone (Code < 0 = any code) or
// a type and code.
type icmpName struct {
	Type, Code int16
}

var icmpByName = map[string]icmpName{
	"echo-reply": {0, -1}, "unreachable": {3, -1}, "source-quench": {4, -1},
	"redirect": {5, -1}, "alternate-address": {6, -1}, "echo": {8, -1},
	"router-advertisement": {9, -1}, "router-solicitation": {10, -1},
	"time-exceeded": {11, -1}, "parameter-problem": {12, -1},
	"timestamp-request": {13, -1}, "timestamp-reply": {14, -1},
	"information-request": {15, -1}, "information-reply": {16, -1},
	"mask-request": {17, -1}, "mask-reply": {18, -1}, "traceroute": {30, -1},
	"conversion-error": {31, -1},
	"net-unreachable":  {3, 0}, "host-unreachable": {3, 1},
	"protocol-unreachable": {3, 2}, "port-unreachable": {3, 3},
	"packet-too-big": {3, 4}, "source-route-failed": {3, 5},
	"network-unknown": {3, 6}, "host-unknown": {3, 7}, "host-isolated": {3, 8},
	"dod-net-prohibited": {3, 9}, "dod-host-prohibited": {3, 10},
	"net-tos-unreachable": {3, 11}, "host-tos-unreachable": {3, 12},
	"administratively-prohibited": {3, 13}, "host-precedence-unreachable": {3, 14},
	"precedence-unreachable": {3, 15}, "net-redirect": {5, 0},
	"host-redirect": {5, 1}, "net-tos-redirect": {5, 2}, "host-tos-redirect": {5, 3},
	"ttl-exceeded": {11, 0}, "reassembly-timeout": {11, 1},
	"general-parameter-problem": {12, 0}, "option-missing": {12, 1},
	"no-room-for-option": {12, 2},
}

var icmpNames = func() map[icmpName]string {
	m := make(map[icmpName]string, len(icmpByName))
	for k, v := range icmpByName {
		m[v] = k
	}
	return m
}()

// TCP flag bits as they sit in the TCP header's flags byte.
const (
	FlagFIN uint8 = 0x01
	FlagSYN uint8 = 0x02
	FlagRST uint8 = 0x04
	FlagPSH uint8 = 0x08
	FlagACK uint8 = 0x10
	FlagURG uint8 = 0x20
)

// tcpFlagOrder is the order IOS prints flag keywords in (alphabetical).
var tcpFlagOrder = []struct {
	name string
	bit  uint8
}{{"ack", FlagACK}, {"fin", FlagFIN}, {"psh", FlagPSH}, {"rst", FlagRST}, {"syn", FlagSYN}, {"urg", FlagURG}}

// The keyword sets of the ACE grammar, sorted, for the CLI to offer in
// `?` and TAB completion: the parser and the CLI's syntax share them, so a
// keyword exists in both or in neither.

// TCPPortKeywords returns the TCP port keywords (eq www ...).
func TCPPortKeywords() []string { return sortedKeys(tcpPortByName) }

// UDPPortKeywords returns the UDP port keywords (eq domain ...).
func UDPPortKeywords() []string { return sortedKeys(udpPortByName) }

// ICMPKeywords returns the ICMP message keywords (echo, ttl-exceeded ...).
func ICMPKeywords() []string { return sortedKeys(icmpByName) }

// ProtocolKeywords returns the IP protocol keywords (tcp, gre, ospf ...).
func ProtocolKeywords() []string { return sortedKeys(protoByName) }

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
