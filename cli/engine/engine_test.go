package engine_test

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/cli/engine/enginetest"
	"github.com/l2sw/l2sw/packet"
)

// captured runs line in a fresh privileged session entered into the given
// config path and returns the Args the probe command got.
func newProbe(t *testing.T, syntax string) (*engine.Engine, *engine.State, *engine.Args) {
	t.Helper()
	e := engine.New(engine.Options{Interfaces: enginetest.Interfaces()})
	var got engine.Args
	if err := e.Install(e.ExecMode(), engine.Command{Syntax: syntax, Run: func(c *engine.Ctx, a engine.Args) error {
		got = a
		return nil
	}}); err != nil {
		t.Fatalf("install %q: %v", syntax, err)
	}
	return e, e.NewState(engine.LevelPrivileged), &got
}

func run(t *testing.T, e *engine.Engine, st *engine.State, line string) (engine.Outcome, string) {
	t.Helper()
	var b bytes.Buffer
	o := e.Exec(st, line, &b, len(e.Prompt(st)))
	return o, b.String()
}

func TestTypedArguments(t *testing.T) {
	e, st, got := newProbe(t, "probe MAC vlan <1-4094> interface IFNAME ip A.B.C.D$ip A.B.C.D$mask list VLANLIST {red|blue}$color [word WORD] [rest LINE]")
	o, out := run(t, e, st, "pro 0011.2233.4455 vl 10 int Gi 0/3 ip 10.1.2.3 255.255.255.0 list 1,3-5,10,4 BL word x rest a  b   c")
	if o.Status != engine.StatusOK {
		t.Fatalf("status %v, output %q", o.Status, out)
	}
	mac, _ := packet.ParseMAC("0011.2233.4455")
	if got.MAC("probe") != mac {
		t.Errorf("MAC = %v", got.MAC("probe"))
	}
	if got.Int("vlan") != 10 || got.Interface("interface") != "GigabitEthernet0/3" {
		t.Errorf("vlan %d interface %q", got.Int("vlan"), got.Interface("interface"))
	}
	if got.IP("ip") != netip.MustParseAddr("10.1.2.3") || got.IP("mask") != netip.MustParseAddr("255.255.255.0") {
		t.Errorf("ip %v mask %v", got.IP("ip"), got.IP("mask"))
	}
	if !slices.Equal(got.VLANs("list"), []int{1, 3, 4, 5, 10}) {
		t.Errorf("vlans %v", got.VLANs("list"))
	}
	if got.String("color") != "blue" || !got.Keyword("blue") || got.Keyword("red") {
		t.Errorf("color %q", got.String("color"))
	}
	if got.String("word") != "x" || got.String("rest") != "a  b   c" {
		t.Errorf("word %q rest %q", got.String("word"), got.String("rest"))
	}
}

func TestAnyOrderSet(t *testing.T) {
	e, st, got := newProbe(t, "filt [{{dynamic|static}$type|address MAC|interface IFNAME|vlan <1-4094>}]")
	for _, line := range []string{"filt vlan 5 dyn int gi0/2", "filt int gi0/2 dynamic vlan 5", "filt dynamic vlan 5 interface gi0/2"} {
		if o, out := run(t, e, st, line); o.Status != engine.StatusOK {
			t.Fatalf("%q: %v %q", line, o.Status, out)
		}
		if got.String("type") != "dynamic" || got.Int("vlan") != 5 || got.Interface("interface") != "GigabitEthernet0/2" {
			t.Errorf("%q: type %q vlan %d if %q", line, got.String("type"), got.Int("vlan"), got.Interface("interface"))
		}
	}
	// Each member at most once, and dynamic/static exclude each other.
	for _, line := range []string{"filt vlan 5 vlan 6", "filt dynamic static"} {
		if o, _ := run(t, e, st, line); o.Status != engine.StatusInvalid {
			t.Errorf("%q: status %v, want invalid", line, o.Status)
		}
	}
}

func TestMatchVerdicts(t *testing.T) {
	e, _ := enginetest.New()
	cases := []struct {
		line   string
		status engine.Status
		pos    int
	}{
		{"show version", engine.StatusOK, 0},
		{"sh c", engine.StatusAmbiguous, 3},
		{"show", engine.StatusIncomplete, 0},
		{"show versionx", engine.StatusInvalid, 5},
		{"show version x", engine.StatusInvalid, 13},
		{"zork", engine.StatusUnknown, 0},
		{"", engine.StatusEmpty, 0},
		{"show mac address-table | i x", engine.StatusOK, 0},
		{"show mac address-table | z", engine.StatusInvalid, 25},
		{"show mac-address-table", engine.StatusOK, 0}, // hidden old spelling
		{"show mac-", engine.StatusOK, 0},              // only the hidden one fits
		{"sh ma", engine.StatusIncomplete, 0},          // the visible "mac" wins the tie
	}
	for _, c := range cases {
		st := e.NewState(engine.LevelPrivileged)
		o, out := run(t, e, st, c.line)
		if o.Status != c.status || (c.pos != 0 && o.Pos != c.pos) {
			t.Errorf("%q: got %v at %d, want %v at %d (%q)", c.line, o.Status, o.Pos, c.status, c.pos, out)
		}
		if o.Rejected() != (c.status != engine.StatusOK && c.status != engine.StatusEmpty) {
			t.Errorf("%q: Rejected() = %v", c.line, o.Rejected())
		}
	}
}

func TestCaretWithoutEcho(t *testing.T) {
	e, _ := enginetest.New()
	st := e.NewState(engine.LevelPrivileged)
	var b bytes.Buffer
	e.Exec(st, "show foo", &b, -1)
	if want := "show foo\n     ^\n% Invalid input detected at '^' marker.\n\n"; b.String() != want {
		t.Fatalf("got %q want %q", b.String(), want)
	}
}

func TestPrivilegeAndModes(t *testing.T) {
	e, _ := enginetest.New()
	st := e.NewState(engine.LevelUser)
	if p := e.Prompt(st); p != "Switch>" {
		t.Fatalf("prompt %q", p)
	}
	if o, _ := run(t, e, st, "configure terminal"); o.Status != engine.StatusInvalid || o.Pos != 0 {
		t.Fatalf("configure at level 1: %v at %d, want caret at 0", o.Status, o.Pos)
	}
	st.SetLevel(engine.LevelPrivileged)
	for _, step := range []struct{ line, prompt, mode string }{
		{"conf t", "Switch(config)#", "config"},
		{"int gi0/4", "Switch(config-if)#", "config-if"},
		{"vlan 7", "Switch(config-vlan)#", "config-vlan"}, // parent fallback, then enter
		{"exit", "Switch(config)#", "config"},
		{"ip access-list extended 101", "Switch(config-ext-nacl)#", "config-ext-nacl"},
		{"end", "Switch#", "exec"},
	} {
		if o, out := run(t, e, st, step.line); o.Status != engine.StatusOK {
			t.Fatalf("%q: %v %q", step.line, o.Status, out)
		}
		if p := e.Prompt(st); p != step.prompt || st.Mode().Name != step.mode {
			t.Fatalf("after %q: prompt %q mode %v", step.line, p, st.Mode())
		}
	}
	run(t, e, st, "conf t")
	run(t, e, st, "int gi0/4")
	if f := st.Frame(); f.Context != "GigabitEthernet0/4" {
		t.Fatalf("config-if context %v", f.Context)
	}
	if n := len(st.Stack()); n != 3 {
		t.Fatalf("stack depth %d, want exec/config/config-if", n)
	}
	run(t, e, st, "interface gi0/5") // sibling, not nested
	if n := len(st.Stack()); n != 3 || st.Frame().Context != "GigabitEthernet0/5" {
		t.Fatalf("stack %v", st.Stack())
	}
	run(t, e, st, "end")
	run(t, e, st, "exit")
	if !st.Closed() {
		t.Fatal("exit in EXEC must close the session")
	}
}

func TestHandlerRejection(t *testing.T) {
	e := engine.New(engine.Options{})
	e.Install(e.ExecMode(),
		engine.Command{Syntax: "fail", Run: func(*engine.Ctx, engine.Args) error { return engine.Rejectf("%% Nope") }},
		engine.Command{Syntax: "quiet", Run: func(c *engine.Ctx, _ engine.Args) error {
			c.Printf("said it\n")
			return engine.ErrRejected
		}},
	)
	st := e.NewState(engine.LevelPrivileged)
	if o, out := run(t, e, st, "fail"); o.Status != engine.StatusFailed || out != "% Nope\n" {
		t.Errorf("fail: %v %q", o.Status, out)
	}
	if o, out := run(t, e, st, "quiet"); o.Status != engine.StatusFailed || out != "said it\n" {
		t.Errorf("quiet: %v %q", o.Status, out)
	}
}

func TestBadSyntaxRejected(t *testing.T) {
	e := engine.New(engine.Options{})
	for _, s := range []string{"", "a [b", "a {b|c", "a LINE b", "a <5-1>", "a [{b|c}", "a $x", "kw$name", "a IFRANGE [b]"} {
		if err := e.Install(e.ExecMode(), engine.Command{Syntax: s}); !errors.Is(err, engine.ErrSyntax) {
			t.Errorf("%q: err %v, want ErrSyntax", s, err)
		}
	}
}

func TestInterfaceSpellings(t *testing.T) {
	s := enginetest.Interfaces()
	for in, want := range map[string]string{
		"gi0/1": "GigabitEthernet0/1", "GigabitEthernet0/24": "GigabitEthernet0/24", "g0/2": "GigabitEthernet0/2",
		"vlan10": "Vlan10", "VL4094": "Vlan4094", "po1": "Port-channel1", "port-channel48": "Port-channel48", "lo0": "Loopback0",
	} {
		if got, err := s.Parse(in); err != nil || got != want {
			t.Errorf("Parse(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"gi0/25", "gi1/1", "gi0/1/1", "vlan0", "vlan4095", "xx1", "0/1", "gi", "gi0/", "gi0/01x"} {
		if got, err := s.Parse(bad); err == nil {
			t.Errorf("Parse(%q) = %q, want error", bad, got)
		}
	}
	for in, want := range map[string][]string{
		"gi0/1 - 3, gi0/6":      {"GigabitEthernet0/1", "GigabitEthernet0/2", "GigabitEthernet0/3", "GigabitEthernet0/6"},
		"Gi0/1-2,Gi0/4":         {"GigabitEthernet0/1", "GigabitEthernet0/2", "GigabitEthernet0/4"},
		"vlan 10 - 11":          {"Vlan10", "Vlan11"},
		"Port-channel1-2 , po2": {"Port-channel1", "Port-channel2"},
		"port-channel 3 - 3":    {"Port-channel3"},
	} {
		if got, err := s.ParseRange(in); err != nil || !slices.Equal(got, want) {
			t.Errorf("ParseRange(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"gi0/3 - 1", "gi0/1 - 30", "gi0/1,", "gi0/1 -", "foo"} {
		if got, err := s.ParseRange(bad); err == nil {
			t.Errorf("ParseRange(%q) = %v, want error", bad, got)
		}
	}
}

// TestConcurrentSessions runs config handlers from many sessions at once;
// with -race it proves the config lock serialises them.
func TestConcurrentSessions(t *testing.T) {
	e := engine.New(engine.Options{})
	cfg, _ := e.NewMode("config", "(config)", e.ExecMode())
	counter := 0 // deliberately unguarded: the engine's config lock must protect it
	e.Install(e.ExecMode(), engine.Command{Syntax: "configure terminal", Enters: cfg})
	e.Install(cfg, engine.Command{Syntax: "bump <1-10>", Run: func(c *engine.Ctx, a engine.Args) error {
		counter += a.Int("bump")
		return nil
	}})
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := e.NewState(engine.LevelPrivileged)
			var b bytes.Buffer
			e.Exec(st, "conf t", &b, 0)
			for j := 0; j < 100; j++ {
				e.Exec(st, "bump 1", &b, 0)
			}
			if b.Len() != 0 {
				t.Errorf("unexpected output %q", b.String())
			}
		}()
	}
	wg.Wait()
	if counter != 800 {
		t.Fatalf("counter %d, want 800", counter)
	}
}

func TestHelpLayout(t *testing.T) {
	e, _ := enginetest.New()
	st := e.NewState(engine.LevelPrivileged)
	var b bytes.Buffer
	e.Help(st, "show mac address-table vlan 5 ", &b, 7)
	want := "  address    address keyword\n  dynamic    dynamic entry type\n  interface  interface keyword\n  static     static entry type\n  |          Output modifiers\n  <cr>\n\n"
	if b.String() != want {
		t.Errorf("help:\n%s\nwant:\n%s", b.String(), want)
	}
	st.SetWidth(40)
	b.Reset()
	e.Help(st, "show ", &b, 7)
	for _, l := range strings.Split(b.String(), "\n") {
		if len(l) > 40 {
			t.Errorf("help line wider than the terminal: %q", l)
		}
	}
	for line, want := range map[string]string{"sh": "show ", "show ver": "show version ", "conf": "configure ", "xyz": "xyz", "show ": "show "} {
		if got, _ := e.Complete(st, line); got != want {
			t.Errorf("Complete(%q) = %q, want %q", line, got, want)
		}
	}
}

func BenchmarkExec(b *testing.B) {
	e, _ := enginetest.New()
	st := e.NewState(engine.LevelPrivileged)
	var out bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		out.Reset()
		if o := e.Exec(st, "sh mac add vlan 10 int gi0/1 dyn | i filter", &out, 7); o.Status != engine.StatusOK {
			b.Fatal(o.Status)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/line")
}

// TestModeLeave: a mode's Leave runs with its context however the session
// leaves it: exit, end, a parent's command, a sibling sub-mode.
func TestModeLeave(t *testing.T) {
	e, _ := enginetest.New()
	cfg := e.Mode("config")
	sub, err := e.NewMode("config-sub", "(config-sub)", cfg)
	if err != nil {
		t.Fatal(err)
	}
	var left []any
	sub.Leave = func(ctx any) { left = append(left, ctx) }
	if err := e.Install(cfg, engine.Command{Syntax: "sub <1-9>$n", Enters: sub, ContextArg: "n"}); err != nil {
		t.Fatal(err)
	}
	st := e.NewState(engine.LevelPrivileged)
	for _, l := range []string{"conf t", "sub 1", "exit", "sub 2", "end", "conf t", "sub 3", "int gi0/4", "sub 4", "sub 5", "exit"} {
		if o, out := run(t, e, st, l); o.Status != engine.StatusOK {
			t.Fatalf("%q: %v %q", l, o.Status, out)
		}
	}
	if got := fmt.Sprint(left); got != "[1 2 3 4 5]" {
		t.Errorf("left %s, want [1 2 3 4 5]", got)
	}
	run(t, e, st, "sub 6")
	run(t, e, st, "end")
	if got := fmt.Sprint(left); got != "[1 2 3 4 5 6]" {
		t.Errorf("left %v", left)
	}
}
