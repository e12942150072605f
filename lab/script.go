// Package lab runs the scenario labs of examples/labs: each lab is a folder
// with switch configurations, a README and a script (lab.txt) that builds a
// topology of l2sw switches and Linux hosts in network namespaces, shows a
// field failure happen, applies the IOS fix and shows it gone. The script
// uses only what a user has: the hosts' own tools and the switch's CLI.
//
// The script language, one directive per line ('#' starts a comment):
//
//	title TEXT                      the lab's one-line title (list shows it)
//	switch NAME CONFIG IF...        an l2sw started on CONFIG with ports IF...
//	host NAME SWITCH IF CIDR [gw IP] [mac MAC]
//	                                a namespace on the switch port's TAP
//	link SWITCH IF SWITCH IF        a veth pair between two switches' ports
//	step TEXT                       a heading; with --step, wait for Enter
//	say TEXT                        a line of explanation
//	run HOST CMD                    run CMD (sh -c) in HOST; output shown
//	bg HOST CMD                     start CMD in HOST, stopped at the end
//	sh SWITCH CMD                   an exec command on SWITCH; output shown
//	conf SWITCH [LINE]              configuration lines (a LINE, or the
//	                                indented lines that follow); a rejected
//	                                line fails the lab unless an expect
//	                                follows, which then checks the CLI's answer
//	sleep DURATION                  wait (seconds, or a Go duration: 500ms)
//	expect /RE/ [within DURATION]   the last output matches RE; with within,
//	                                the last command is re-run until it does
//	expect-not /RE/ [within D]      the last output does not match RE
//	fix                             what follows until verify is the fix:
//	                                skipped with --skip-fix
//	verify                          the checks that the fix worked
//
// $WORK in a command is the run's scratch directory; $LAB the lab's folder.
package lab

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/l2sw/l2sw/ifname"
	"github.com/l2sw/l2sw/packet"
)

// portNames spells the ports a lab's switch may have.
var portNames = ifname.NewSet(ifname.Type{Name: "GigabitEthernet", Ranges: []ifname.Range{{Lo: 0, Hi: 0}, {Lo: 1, Hi: 48}}})

// Lab is one parsed lab script.
type Lab struct {
	Name     string
	Title    string
	Switches []*SwitchSpec
	Hosts    []*HostSpec
	Links    []*LinkSpec
	Steps    []Step
}

// SwitchSpec is a `switch` line.
type SwitchSpec struct {
	Name   string
	Config string   // file name in the lab's folder
	Ports  []string // IOS interface names, canonical
}

// HostSpec is a `host` line.
type HostSpec struct {
	Name    string
	Switch  string
	Port    string
	Addr    netip.Prefix
	Gateway netip.Addr // invalid: none
	MAC     packet.MAC // zero: the kernel's
}

// LinkSpec is a `link` line.
type LinkSpec struct {
	A, APort, B, BPort string
}

// Op is what a step does.
type Op uint8

// The steps' operations.
const (
	OpStep Op = iota
	OpSay
	OpRun
	OpBackground
	OpShow
	OpConf
	OpSleep
	OpExpect
	OpExpectNot
	OpFix
	OpVerify
)

// Step is one directive of the script's body.
type Step struct {
	Line   int
	Op     Op
	Target string   // host or switch
	Text   string   // TEXT, CMD
	Lines  []string // conf
	Dur    time.Duration
	Re     *regexp.Regexp
	Within time.Duration
}

// Parse reads a lab script.
func Parse(name string, r io.Reader) (*Lab, error) {
	l := &Lab{Name: name}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("lab %s: %w", name, err)
	}
	section := OpStep // OpFix inside fix, OpVerify after verify
	for i := 0; i < len(lines); i++ {
		raw := lines[i]
		line := strings.TrimSpace(raw)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		word, rest, _ := strings.Cut(line, " ")
		rest = strings.TrimSpace(rest)
		errf := func(format string, args ...any) error {
			return fmt.Errorf("lab %s line %d: %s: %s", name, i+1, word, fmt.Sprintf(format, args...))
		}
		st := Step{Line: i + 1}
		switch word {
		case "title":
			l.Title = rest
			continue
		case "switch":
			f := strings.Fields(rest)
			if len(f) < 3 {
				return nil, errf("want NAME CONFIG IF...")
			}
			s := &SwitchSpec{Name: f[0], Config: f[1]}
			for _, p := range f[2:] {
				n, err := portNames.Parse(p)
				if err != nil {
					return nil, errf("%v", err)
				}
				s.Ports = append(s.Ports, n)
			}
			if l.findSwitch(s.Name) != nil {
				return nil, errf("switch %s twice", s.Name)
			}
			l.Switches = append(l.Switches, s)
			continue
		case "host":
			h, err := l.parseHost(strings.Fields(rest))
			if err != nil {
				return nil, errf("%v", err)
			}
			l.Hosts = append(l.Hosts, h)
			continue
		case "link":
			f := strings.Fields(rest)
			if len(f) != 4 {
				return nil, errf("want SWITCH IF SWITCH IF")
			}
			k := &LinkSpec{A: f[0], B: f[2]}
			var err error
			if k.APort, err = l.portOf(f[0], f[1]); err != nil {
				return nil, errf("%v", err)
			}
			if k.BPort, err = l.portOf(f[2], f[3]); err != nil {
				return nil, errf("%v", err)
			}
			l.Links = append(l.Links, k)
			continue
		case "step", "say":
			st.Op, st.Text = OpStep, rest
			if word == "say" {
				st.Op = OpSay
			}
		case "run", "bg", "sh":
			target, cmd, _ := strings.Cut(rest, " ")
			cmd = strings.TrimSpace(cmd)
			if target == "" || cmd == "" {
				return nil, errf("want TARGET COMMAND")
			}
			st.Target, st.Text = target, cmd
			switch word {
			case "run":
				st.Op = OpRun
			case "bg":
				st.Op = OpBackground
			default:
				st.Op = OpShow
			}
			if (word == "sh") != (l.findSwitch(target) != nil) || (word != "sh" && l.findHost(target) == nil) {
				return nil, errf("no such %s %q", map[bool]string{true: "switch", false: "host"}[word == "sh"], target)
			}
		case "conf":
			target, cmd, _ := strings.Cut(rest, " ")
			if l.findSwitch(target) == nil {
				return nil, errf("no such switch %q", target)
			}
			st.Op, st.Target = OpConf, target
			if cmd = strings.TrimSpace(cmd); cmd != "" {
				st.Lines = []string{cmd}
			}
			for i+1 < len(lines) && (strings.HasPrefix(lines[i+1], " ") || strings.HasPrefix(lines[i+1], "\t")) {
				i++
				if c := strings.TrimSpace(lines[i]); c != "" && !strings.HasPrefix(c, "#") {
					st.Lines = append(st.Lines, c)
				}
			}
			if len(st.Lines) == 0 {
				return nil, errf("no configuration lines")
			}
		case "sleep":
			d, err := parseDuration(rest)
			if err != nil || d <= 0 {
				return nil, errf("bad duration %q", rest)
			}
			st.Op, st.Dur = OpSleep, d
		case "expect", "expect-not":
			re, within, err := parseExpect(rest)
			if err != nil {
				return nil, errf("%v", err)
			}
			if !l.hasOutput() {
				return nil, errf("nothing before it to check")
			}
			st.Op, st.Re, st.Within = OpExpect, re, within
			if word == "expect-not" {
				st.Op = OpExpectNot
			}
		case "fix":
			if section != OpStep {
				return nil, errf("a second fix, or fix after verify")
			}
			section, st.Op = OpFix, OpFix
		case "verify":
			if section != OpFix {
				return nil, errf("verify without a fix before it")
			}
			section, st.Op = OpVerify, OpVerify
		default:
			return nil, fmt.Errorf("lab %s line %d: unknown directive %q", name, i+1, word)
		}
		l.Steps = append(l.Steps, st)
	}
	switch {
	case l.Title == "":
		return nil, fmt.Errorf("lab %s: no title", name)
	case len(l.Switches) == 0:
		return nil, fmt.Errorf("lab %s: no switch", name)
	case section != OpVerify:
		return nil, fmt.Errorf("lab %s: no fix and verify sections", name)
	}
	return l, nil
}

func (l *Lab) parseHost(f []string) (*HostSpec, error) {
	if len(f) < 4 {
		return nil, errors.New("want NAME SWITCH IF CIDR [gw IP] [mac MAC]")
	}
	h := &HostSpec{Name: f[0], Switch: f[1]}
	if l.findHost(h.Name) != nil || l.findSwitch(h.Name) != nil {
		return nil, fmt.Errorf("name %s used twice", h.Name)
	}
	var err error
	if h.Port, err = l.portOf(f[1], f[2]); err != nil {
		return nil, err
	}
	for _, o := range l.Hosts {
		if o.Switch == h.Switch && o.Port == h.Port {
			return nil, fmt.Errorf("%s %s has host %s already", h.Switch, h.Port, o.Name)
		}
	}
	if h.Addr, err = netip.ParsePrefix(f[3]); err != nil || !h.Addr.Addr().Is4() {
		return nil, fmt.Errorf("bad address %q", f[3])
	}
	for k := 4; k < len(f); k += 2 {
		if k+1 >= len(f) {
			return nil, fmt.Errorf("%s without a value", f[k])
		}
		switch f[k] {
		case "gw":
			if h.Gateway, err = netip.ParseAddr(f[k+1]); err != nil {
				return nil, fmt.Errorf("bad gateway %q", f[k+1])
			}
		case "mac":
			if h.MAC, err = packet.ParseMAC(f[k+1]); err != nil {
				return nil, fmt.Errorf("bad MAC %q", f[k+1])
			}
		default:
			return nil, fmt.Errorf("unknown option %q", f[k])
		}
	}
	return h, nil
}

// portOf checks that switch sw has port p and returns its canonical name.
func (l *Lab) portOf(sw, p string) (string, error) {
	s := l.findSwitch(sw)
	if s == nil {
		return "", fmt.Errorf("no such switch %q", sw)
	}
	n, err := portNames.Parse(p)
	if err != nil {
		return "", err
	}
	for _, q := range s.Ports {
		if q == n {
			return n, nil
		}
	}
	return "", fmt.Errorf("switch %s has no port %s", sw, n)
}

func (l *Lab) findSwitch(name string) *SwitchSpec {
	for _, s := range l.Switches {
		if s.Name == name {
			return s
		}
	}
	return nil
}

func (l *Lab) findHost(name string) *HostSpec {
	for _, h := range l.Hosts {
		if h.Name == name {
			return h
		}
	}
	return nil
}

func (l *Lab) hasOutput() bool {
	for _, s := range l.Steps {
		if s.Op == OpRun || s.Op == OpShow || s.Op == OpConf {
			return true
		}
	}
	return false
}

// parseExpect reads `/RE/ [within DURATION]`.
func parseExpect(s string) (*regexp.Regexp, time.Duration, error) {
	if !strings.HasPrefix(s, "/") {
		return nil, 0, errors.New("want /REGEXP/")
	}
	end := strings.LastIndex(s, "/")
	if end == 0 {
		return nil, 0, errors.New("unterminated /REGEXP/")
	}
	re, err := regexp.Compile("(?m)" + s[1:end])
	if err != nil {
		return nil, 0, err
	}
	rest := strings.Fields(s[end+1:])
	switch {
	case len(rest) == 0:
		return re, 0, nil
	case len(rest) == 2 && rest[0] == "within":
		d, err := parseDuration(rest[1])
		if err != nil || d <= 0 {
			return nil, 0, fmt.Errorf("bad duration %q", rest[1])
		}
		return re, d, nil
	}
	return nil, 0, fmt.Errorf("unexpected %q after the expression", strings.Join(rest, " "))
}

// parseDuration reads a Go duration, or a plain number of seconds.
func parseDuration(s string) (time.Duration, error) {
	if n, err := strconv.Atoi(s); err == nil {
		return time.Duration(n) * time.Second, nil
	}
	return time.ParseDuration(s)
}
