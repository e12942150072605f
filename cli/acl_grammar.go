package cli

import (
	"slices"
	"strconv"
	"strings"

	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/tcam/acl"
)

// This file declares the ACE grammar to the command engine, so that `?`,
// TAB, abbreviations and the `^` marker of a bad word come from the same
// command graph as every other command. The engine only checks the shape of
// the line; the words it matched are handed back, in canonical spelling,
// to the tcam/acl parser, which builds the entry.

// The ACE keywords come from the grammar in tcam/acl (its parser accepts
// exactly these); the CLI adds only their `?` texts. TestACLKeywordHelp
// holds the two together: every keyword has a text, every text a keyword.

// keywordHelp is a keyword with its `?` text.
type keywordHelp struct{ name, help string }

// keywords pairs the grammar's keywords with their help texts.
func keywords(names []string, help map[string]string) []keywordHelp {
	out := make([]keywordHelp, len(names))
	for i, n := range names {
		out[i] = keywordHelp{n, help[n]}
	}
	return out
}

// tcpPortHelp is the `?` text of each TCP port keyword. The number at the
// end of each text is the port (tested against tcam/acl, which owns the
// values).
var tcpPortHelp = map[string]string{
	"bgp":         "Border Gateway Protocol (179)",
	"chargen":     "Character generator (19)",
	"cmd":         "Remote commands (rcmd, 514)",
	"daytime":     "Daytime (13)",
	"discard":     "Discard (9)",
	"domain":      "Domain Name Service (53)",
	"echo":        "Echo (7)",
	"exec":        "Exec (rsh, 512)",
	"finger":      "Finger (79)",
	"ftp":         "File Transfer Protocol (21)",
	"ftp-data":    "FTP data connections (20)",
	"gopher":      "Gopher (70)",
	"hostname":    "NIC hostname server (101)",
	"ident":       "Ident Protocol (113)",
	"irc":         "Internet Relay Chat (194)",
	"klogin":      "Kerberos login (543)",
	"kshell":      "Kerberos shell (544)",
	"login":       "Login (rlogin, 513)",
	"lpd":         "Printer service (515)",
	"nntp":        "Network News Transport Protocol (119)",
	"pim-auto-rp": "PIM Auto-RP (496)",
	"pop2":        "Post Office Protocol v2 (109)",
	"pop3":        "Post Office Protocol v3 (110)",
	"smtp":        "Simple Mail Transport Protocol (25)",
	"sunrpc":      "Sun Remote Procedure Call (111)",
	"tacacs":      "TAC Access Control System (49)",
	"talk":        "Talk (517)",
	"telnet":      "Telnet (23)",
	"time":        "Time (37)",
	"uucp":        "Unix-to-Unix Copy Program (540)",
	"whois":       "Nicname (43)",
	"www":         "World Wide Web (HTTP, 80)",
}

// udpPortHelp is the `?` text of each UDP port keyword.
var udpPortHelp = map[string]string{
	"biff":          "Biff (mail notification, comsat, 512)",
	"bootpc":        "Bootstrap Protocol (BOOTP) client (68)",
	"bootps":        "Bootstrap Protocol (BOOTP) server (67)",
	"discard":       "Discard (9)",
	"dnsix":         "DNSIX security protocol auditing (195)",
	"domain":        "Domain Name Service (DNS, 53)",
	"echo":          "Echo (7)",
	"isakmp":        "Internet Security Association and Key Management Protocol (500)",
	"mobile-ip":     "Mobile IP registration (434)",
	"nameserver":    "IEN116 name service (obsolete, 42)",
	"netbios-dgm":   "NetBios datagram service (138)",
	"netbios-ns":    "NetBios name service (137)",
	"netbios-ss":    "NetBios session service (139)",
	"non500-isakmp": "Internet Security Association and Key Management Protocol (4500)",
	"ntp":           "Network Time Protocol (123)",
	"pim-auto-rp":   "PIM Auto-RP (496)",
	"rip":           "Routing Information Protocol (router, in.routed, 520)",
	"snmp":          "Simple Network Management Protocol (161)",
	"snmptrap":      "SNMP Traps (162)",
	"sunrpc":        "Sun Remote Procedure Call (111)",
	"syslog":        "System Logger (514)",
	"tacacs":        "TAC Access Control System (49)",
	"talk":          "Talk (517)",
	"tftp":          "Trivial File Transfer Protocol (69)",
	"time":          "Time (37)",
	"who":           "Who service (rwho, 513)",
	"xdmcp":         "X Display Manager Control Protocol (177)",
}

// icmpHelpTexts is the `?` text of each ICMP message keyword.
var icmpHelpTexts = map[string]string{
	"administratively-prohibited": "Administratively prohibited",
	"alternate-address":           "Alternate address",
	"conversion-error":            "Datagram conversion",
	"dod-host-prohibited":         "Host prohibited",
	"dod-net-prohibited":          "Net prohibited",
	"echo":                        "Echo (ping)",
	"echo-reply":                  "Echo reply",
	"general-parameter-problem":   "Parameter problem",
	"host-isolated":               "Host isolated",
	"host-precedence-unreachable": "Host unreachable for precedence",
	"host-redirect":               "Host redirect",
	"host-tos-redirect":           "Host redirect for TOS",
	"host-tos-unreachable":        "Host unreachable for TOS",
	"host-unknown":                "Host unknown",
	"host-unreachable":            "Host unreachable",
	"information-reply":           "Information replies",
	"information-request":         "Information requests",
	"mask-reply":                  "Mask replies",
	"mask-request":                "Mask requests",
	"net-redirect":                "Network redirect",
	"net-tos-redirect":            "Net redirect for TOS",
	"net-tos-unreachable":         "Network unreachable for TOS",
	"net-unreachable":             "Net unreachable",
	"network-unknown":             "Network unknown",
	"no-room-for-option":          "Parameter required but no room",
	"option-missing":              "Parameter required but not present",
	"packet-too-big":              "Fragmentation needed and DF set",
	"parameter-problem":           "All parameter problems",
	"port-unreachable":            "Port unreachable",
	"precedence-unreachable":      "Precedence cutoff",
	"protocol-unreachable":        "Protocol unreachable",
	"reassembly-timeout":          "Reassembly timeout",
	"redirect":                    "All redirects",
	"router-advertisement":        "Router discovery advertisements",
	"router-solicitation":         "Router discovery solicitations",
	"source-quench":               "Source quenches",
	"source-route-failed":         "Source route failed",
	"time-exceeded":               "All time exceededs",
	"timestamp-reply":             "Timestamp replies",
	"timestamp-request":           "Timestamp requests",
	"traceroute":                  "Traceroute",
	"ttl-exceeded":                "TTL exceeded",
	"unreachable":                 "All unreachables",
}

// protocolHelp is the `?` text of each protocol keyword without ports or
// message types, and of ip (any protocol).
var protocolHelp = map[string]string{
	"ahp":   "Authentication Header Protocol",
	"eigrp": "Cisco's EIGRP routing protocol",
	"esp":   "Encapsulation Security Payload",
	"gre":   "Cisco's GRE tunneling",
	"igmp":  "Internet Gateway Message Protocol",
	"ip":    "Any Internet Protocol",
	"ospf":  "OSPF routing protocol",
	"pim":   "Protocol Independent Multicast",
}

var (
	tcpPortNames = keywords(acl.TCPPortKeywords(), tcpPortHelp)
	udpPortNames = keywords(acl.UDPPortKeywords(), udpPortHelp)
	icmpNames    = keywords(acl.ICMPKeywords(), icmpHelpTexts)
	// otherProtocols are the protocols of shapeOther: every keyword but
	// those with a shape of their own, and ip.
	otherProtocols = keywords(otherProtocolNames(), protocolHelp)
)

func otherProtocolNames() []string {
	names := []string{"ip"}
	for _, p := range acl.ProtocolKeywords() {
		if p != "tcp" && p != "udp" && p != "icmp" {
			names = append(names, p)
		}
	}
	slices.Sort(names)
	return names
}

// aceShape says which family of ACE syntax a command is: it decides which
// words the handler hands back to the parser.
type aceShape uint8

const (
	shapeStandard aceShape = iota
	shapeOther             // ip, gre, esp ... or a protocol number
	shapeTCP
	shapeUDP
	shapeICMP
	shapeRemark
)

func (s aceShape) String() string {
	switch s {
	case shapeStandard:
		return "standard"
	case shapeOther:
		return "other"
	case shapeTCP:
		return "tcp"
	case shapeUDP:
		return "udp"
	case shapeICMP:
		return "icmp"
	case shapeRemark:
		return "remark"
	}
	return "aceShape(" + strconv.Itoa(int(s)) + ")"
}

// aceHelp is the `?` text shared by every ACE command.
var aceHelp = func() map[string]string {
	h := map[string]string{
		"permit": "Specify packets to forward", "deny": "Specify packets to reject",
		"remark": "Access list entry comment", "LINE": "Comment up to 100 characters",
		"any": "Any host", "host": "A single host address",
		"$srcip": "Source address", "$srcwild": "Source wildcard bits", "$srchost": "Source address",
		"$dstip": "Destination address", "$dstwild": "Destination wildcard bits", "$dsthost": "Destination address",
		"eq": "Match only packets on a given port number", "neq": "Match only packets not on a given port number",
		"lt": "Match only packets with a lower port number", "gt": "Match only packets with a greater port number",
		"range": "Match only packets in the range of port numbers", "<0-65535>": "Port number",
		"established": "Match established connections", "ack": "Match on the ACK bit", "fin": "Match on the FIN bit",
		"psh": "Match on the PSH bit", "rst": "Match on the RST bit", "syn": "Match on the SYN bit", "urg": "Match on the URG bit",
		"log": "Log matches against this entry", "log-input": "Log matches against this entry, including input interface",
		"tcp": "Transmission Control Protocol", "udp": "User Datagram Protocol", "icmp": "Internet Control Message Protocol",
		"$protonum": "An IP protocol number", "$icmptype": "ICMP message type", "$icmpcode": "ICMP message code",
		"$seq": "Sequence Number",
	}
	for _, l := range [][]keywordHelp{tcpPortNames, udpPortNames, otherProtocols} {
		for _, k := range l {
			h[k.name] = k.help
		}
	}
	return h
}()

// icmpHelp adds the ICMP keywords, whose `echo` differs from the port's.
var icmpHelp = func() map[string]string {
	h := map[string]string{}
	for k, v := range aceHelp {
		h[k] = v
	}
	for _, k := range icmpNames {
		h[k.name] = k.help
	}
	return h
}()

func keywordAlts(l []keywordHelp) string {
	names := make([]string, len(l))
	for i, k := range l {
		names[i] = k.name
	}
	return strings.Join(names, "|")
}

// addrSyntax is an extended-ACE address: any, host A or A W.
func addrSyntax(p string) string {
	return "{any|host A.B.C.D$" + p + "host|A.B.C.D$" + p + "ip A.B.C.D$" + p + "wild}$" + p
}

// portSyntax is an optional port operator of side p (src/dst).
func portSyntax(p string, names []keywordHelp) string {
	one := func(n string) string { return "{<0-65535>$" + n + "|" + keywordAlts(names) + "}$" + n + "k" }
	var alts []string
	for _, op := range []string{"eq", "neq", "lt", "gt"} {
		alts = append(alts, op+" "+one(p+"port"))
	}
	alts = append(alts, "range "+one(p+"lo")+" "+one(p+"hi"))
	// `[a|b]$name` names the chosen operator keyword.
	return "[" + strings.Join(alts, "|") + "]$" + p + "op"
}

const logSyntax = "[log|log-input]$log"

// aceSyntax returns the syntax of one ACE shape after the sequence number.
func aceSyntax(s aceShape) string {
	const action = "{permit|deny}$action "
	switch s {
	case shapeStandard:
		return action + "{any|host A.B.C.D$srchost|A.B.C.D$srcip [A.B.C.D$srcwild]}$src [log]"
	case shapeOther:
		return action + "{" + keywordAlts(otherProtocols) + "|<0-255>$protonum}$proto " + addrSyntax("src") + " " + addrSyntax("dst") + " " + logSyntax
	case shapeTCP:
		return action + "tcp " + addrSyntax("src") + " " + portSyntax("src", tcpPortNames) + " " + addrSyntax("dst") + " " +
			portSyntax("dst", tcpPortNames) + " [{established|ack|fin|psh|rst|syn|urg}] " + logSyntax
	case shapeUDP:
		return action + "udp " + addrSyntax("src") + " " + portSyntax("src", udpPortNames) + " " + addrSyntax("dst") + " " +
			portSyntax("dst", udpPortNames) + " " + logSyntax
	case shapeICMP:
		return action + "icmp " + addrSyntax("src") + " " + addrSyntax("dst") +
			" [<0-255>$icmptype [<0-255>$icmpcode]|" + keywordAlts(icmpNames) + "]$icmpname " + logSyntax
	case shapeRemark:
		return "remark LINE"
	}
	panic("cli: unknown ACE shape " + s.String())
}

// extendedShapes are the shapes of an extended list.
var extendedShapes = []aceShape{shapeOther, shapeTCP, shapeUDP, shapeICMP, shapeRemark}

// standardShapes are the shapes of a standard list.
var standardShapes = []aceShape{shapeStandard, shapeRemark}

// aceWords rebuilds the words of a matched ACE in canonical spelling, for
// acl.ParseACE.
func aceWords(s aceShape, a engine.Args) []string {
	if s == shapeRemark {
		return append([]string{"remark"}, strings.Fields(a.String("remark"))...)
	}
	w := []string{a.String("action")}
	addr := func(p string) {
		switch a.String(p) {
		case "any":
			w = append(w, "any")
		case "host":
			w = append(w, "host", a.IP(p+"host").String())
		default:
			w = append(w, a.IP(p+"ip").String())
			if a.Has(p + "wild") {
				w = append(w, a.IP(p+"wild").String())
			}
		}
	}
	port := func(n string) {
		if a.Has(n) {
			w = append(w, strconv.Itoa(a.Int(n)))
		} else {
			w = append(w, a.String(n+"k"))
		}
	}
	ports := func(p string) {
		switch op := a.String(p + "op"); op {
		case "":
		case "range":
			w = append(w, "range")
			port(p + "lo")
			port(p + "hi")
		default:
			w = append(w, op)
			port(p + "port")
		}
	}
	switch s {
	case shapeStandard:
		addr("src")
		if a.Keyword("log") {
			w = append(w, "log")
		}
		return w
	case shapeOther:
		if a.Has("protonum") {
			w = append(w, strconv.Itoa(a.Int("protonum")))
		} else {
			w = append(w, a.String("proto"))
		}
		addr("src")
		addr("dst")
	case shapeTCP, shapeUDP:
		w = append(w, s.String())
		addr("src")
		ports("src")
		addr("dst")
		ports("dst")
		for _, f := range []string{"established", "ack", "fin", "psh", "rst", "syn", "urg"} {
			if a.Keyword(f) {
				w = append(w, f)
			}
		}
	case shapeICMP:
		w = append(w, "icmp")
		addr("src")
		addr("dst")
		switch {
		case a.Has("icmptype"):
			w = append(w, strconv.Itoa(a.Int("icmptype")))
			if a.Has("icmpcode") {
				w = append(w, strconv.Itoa(a.Int("icmpcode")))
			}
		case a.Has("icmpname"):
			w = append(w, a.String("icmpname"))
		}
	}
	if l := a.String("log"); l != "" {
		w = append(w, l)
	}
	return w
}

// aceHelpFor returns the help map of a shape.
func aceHelpFor(s aceShape) map[string]string {
	if s == shapeICMP {
		return icmpHelp
	}
	return aceHelp
}

// parseACEArgs turns a matched ACE command into an entry of kind.
func parseACEArgs(kind acl.Kind, s aceShape, a engine.Args) (acl.ACE, error) {
	w := aceWords(s, a)
	if a.Has("seq") {
		w = append([]string{strconv.Itoa(a.Int("seq"))}, w...)
	}
	ace, err := acl.ParseACE(kind, w)
	if err != nil {
		// The engine checked the shape; what is left is a value the codec
		// refuses (a range whose end is below its start, a long remark).
		return ace, engine.Rejectf("%% Invalid access list entry: %s", strings.Join(w, " "))
	}
	return ace, nil
}
