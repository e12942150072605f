package engine

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/l2sw/l2sw/packet"
)

// Handler runs a matched command. It writes its output to c.Out (lines end
// in "\n"). A non-nil error rejects the line: its text, when not empty, is
// printed as a line of its own (write it the IOS way: "% Invalid ...").
type Handler func(c *Ctx, a Args) error

// Command declares one command of a mode.
type Command struct {
	// Syntax of the plain form; see the package documentation.
	Syntax string
	// Help maps a keyword, a parameter label ("<1-4094>", "WORD") or an
	// argument name ("$vid") to its `?` text. Keywords without help here
	// take the engine's shared help (Engine.SetHelp).
	Help map[string]string
	// Level is the minimum privilege level; 0 means LevelPrivileged and
	// LevelZero means privilege level 0.
	Level int
	// No and Default enable `no ...` and `default ...`. NoSyntax and
	// DefaultSyntax, when set, replace Syntax after the `no`/`default`
	// keyword (IOS often takes fewer arguments there: `no hostname`).
	No, Default   bool
	NoSyntax      string
	DefaultSyntax string
	// Hidden commands run but are not offered by `?` or TAB, and lose
	// prefix ties to visible keywords (old spellings: mac-address-table).
	Hidden bool
	// Enters is the mode the plain form enters when Run succeeds; its
	// context is the argument named ContextArg (nil if empty). A handler may
	// override both with Ctx.Enter.
	Enters     *Mode
	ContextArg string
	// Run is the handler; nil is a command that does nothing.
	Run Handler
}

// variant is one compiled form of a command.
type variant struct {
	cmd   *Command
	form  Form
	root  *gnode
	mode  *Mode
	order int
	level int
	kind  builtin
	// first: the keywords the variant's first word may abbreviate;
	// firstAny: its first word may also be something other than a
	// keyword (an argument), so any word may start it. simulate skips a
	// variant whose first word cannot match: a config mode has hundreds
	// of variants, and walking each per line made a 100k-line
	// startup-config parse take seconds.
	first    []string
	firstAny bool
}

// startWords fills v.first and v.firstAny from its graph.
func (v *variant) startWords() {
	closure(path{at: v.root}, func(n *gnode, _ uint64) {
		if n.tok.kind == kindKeyword {
			v.first = append(v.first, n.tok.text)
		} else {
			v.firstAny = true
		}
	}, func(uint64) { v.firstAny = true })
}

// mayStart reports whether word w can be the variant's first word (as
// token.matchAt matches a keyword: w abbreviates it, case-insensitively).
func (v *variant) mayStart(w string) bool {
	if v.firstAny {
		return true
	}
	for _, k := range v.first {
		if len(w) <= len(k) && strings.EqualFold(w, k[:len(w)]) {
			return true
		}
	}
	return false
}

// builtin tags the commands the engine itself implements.
type builtin uint8

const (
	builtinNone builtin = iota
	builtinDo
	builtinExit
	builtinEnd
)

// Options configure an Engine.
type Options struct {
	// Hostname returns the name shown in prompts; nil means "Switch".
	Hostname func() string
	// Interfaces is the interface namespace of IFNAME and IFRANGE.
	Interfaces *InterfaceSet
	// ModeChanged, if set, is called after a line moved a session from one
	// mode to another (for example to log %SYS-5-CONFIG_I on leaving config).
	ModeChanged func(st *State, from, to *Mode)
	// NoTerminalCommands leaves out the built-in `terminal length N` and
	// `terminal width N` EXEC commands.
	NoTerminalCommands bool
}

// Engine holds the modes and commands. Install everything before serving
// sessions; Exec, Help and Complete may then run from many goroutines.
type Engine struct {
	mu       sync.RWMutex
	opts     Options
	ifaces   *InterfaceSet
	exec     *Mode
	pipe     *Mode
	modes    map[string]*Mode
	help     map[string]string
	order    int
	configMu sync.Mutex // around config-mode handlers: sessions change the config one line at a time
	// fullWalk turns the first-word prefilter off (SetFirstWordPrefilter).
	fullWalk atomic.Bool
}

// SetFirstWordPrefilter turns the first-word prefilter of the matcher on
// (the default) or off. It changes no verdict, only how many variants
// a line is matched against; it exists so that tests can hold the
// prefiltered matcher to the full walk on the real command trees.
func (e *Engine) SetFirstWordPrefilter(on bool) { e.fullWalk.Store(!on) }

// New returns an engine with the EXEC mode and the built-in commands.
func New(opts Options) *Engine {
	e := &Engine{
		opts:   opts,
		ifaces: opts.Interfaces,
		modes:  map[string]*Mode{},
		help:   maps.Clone(defaultHelp),
	}
	if e.ifaces == nil {
		e.ifaces = NewInterfaceSet()
	}
	e.exec = &Mode{Name: "exec", exec: true, ExitHelp: "Exit from the EXEC"}
	e.modes["exec"] = e.exec
	e.mustInstall(e.exec, Command{Syntax: "exit", Level: LevelZero, Help: map[string]string{"exit": e.exec.ExitHelp}}, builtinExit)
	if !opts.NoTerminalCommands {
		e.installTerminal()
	}
	e.pipe = &Mode{Name: "pipe"}
	for _, c := range pipeCommands {
		e.mustInstall(e.pipe, c, builtinNone)
	}
	return e
}

var defaultHelp = map[string]string{
	"no":       "Negate a command or set its defaults",
	"default":  "Set a command to its defaults",
	"do":       "To run exec commands in config mode",
	"end":      "Exit from configure mode",
	"terminal": "Set terminal line parameters",
	"length":   "Set number of lines on a screen",
	"width":    "Set width of the display terminal",
}

// SetHelp sets the shared `?` text of a keyword, used where a command does
// not give its own.
func (e *Engine) SetHelp(keyword, text string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.help[keyword] = text
}

// Exec returns the EXEC mode.
func (e *Engine) ExecMode() *Mode { return e.exec }

// Mode returns a mode by name, nil if there is none.
func (e *Engine) Mode(name string) *Mode {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.modes[name]
}

// Interfaces returns the interface namespace.
func (e *Engine) Interfaces() *InterfaceSet { return e.ifaces }

// NewMode adds a configuration mode. parent is where `exit` goes: the EXEC
// mode for global configuration, global configuration for its sub-modes.
// prompt is the text after the hostname, e.g. "(config-if)".
func (e *Engine) NewMode(name, prompt string, parent *Mode) (*Mode, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, dup := e.modes[name]; dup {
		return nil, fmt.Errorf("engine: mode %q already exists", name)
	}
	if parent == nil {
		return nil, fmt.Errorf("engine: mode %q needs a parent", name)
	}
	m := &Mode{Name: name, Prompt: prompt, Parent: parent, config: true, ExitHelp: "Exit from configure mode"}
	if parent != e.exec {
		m.ExitHelp = "Exit from " + name + " mode"
	}
	e.modes[name] = m
	e.order++
	for _, b := range []struct {
		c Command
		k builtin
	}{
		{Command{Syntax: "exit", Help: map[string]string{"exit": m.ExitHelp}}, builtinExit},
		{Command{Syntax: "end"}, builtinEnd},
		{Command{Syntax: "do LINE", Help: map[string]string{"LINE": "Exec Command"}}, builtinDo},
	} {
		if err := e.installLocked(m, b.c, b.k); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Install adds commands to a mode.
func (e *Engine) Install(m *Mode, cmds ...Command) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, c := range cmds {
		if err := e.installLocked(m, c, builtinNone); err != nil {
			return fmt.Errorf("engine: mode %s: %q: %w", m, c.Syntax, err)
		}
	}
	return nil
}

func (e *Engine) mustInstall(m *Mode, c Command, k builtin) {
	if err := e.installLocked(m, c, k); err != nil {
		panic(fmt.Sprintf("engine: built-in %q: %v", c.Syntax, err))
	}
}

func (e *Engine) installLocked(m *Mode, c Command, k builtin) error {
	cmd := new(Command)
	*cmd = c
	level := c.Level
	switch level {
	case 0:
		level = LevelPrivileged
	case LevelZero:
		level = 0
	}
	helpFn := func(key string) string {
		if h, ok := c.Help[key]; ok {
			return h
		}
		return e.help[key]
	}
	forms := []struct {
		f      Form
		syntax string
	}{{FormPlain, c.Syntax}}
	if c.No {
		forms = append(forms, struct {
			f      Form
			syntax string
		}{FormNo, "no " + firstNonEmpty(c.NoSyntax, c.Syntax)})
	}
	if c.Default {
		forms = append(forms, struct {
			f      Form
			syntax string
		}{FormDefault, "default " + firstNonEmpty(c.DefaultSyntax, c.NoSyntax, c.Syntax)})
	}
	for _, f := range forms {
		seq, err := parseSyntax(f.syntax, helpFn)
		if err != nil {
			return err
		}
		var comp compiler
		entry, exit, err := comp.compile(seq)
		if err != nil {
			return err
		}
		exit.next = append(exit.next, &gnode{bit: -1, accept: true})
		if err := checkLastOnly(entry); err != nil {
			return err
		}
		e.order++
		v := &variant{cmd: cmd, form: f.f, root: &gnode{bit: -1, next: []*gnode{entry}}, mode: m, order: e.order, level: level, kind: k}
		v.startWords()
		m.variants = append(m.variants, v)
	}
	return nil
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

func (e *Engine) installTerminal() {
	setLen := func(c *Ctx, a Args) error { c.State.SetLength(a.Int("length")); return nil }
	setWidth := func(c *Ctx, a Args) error { c.State.SetWidth(a.Int("width")); return nil }
	e.mustInstall(e.exec, Command{Syntax: "terminal length <0-512>", Level: LevelUser,
		Help: map[string]string{"<0-512>": "Number of lines on screen (0 for no pausing)"}, Run: setLen}, builtinNone)
	e.mustInstall(e.exec, Command{Syntax: "terminal width <0-512>", Level: LevelUser,
		Help: map[string]string{"<0-512>": "Number of characters on a screen line"}, Run: setWidth}, builtinNone)
	e.mustInstall(e.exec, Command{Syntax: "terminal no length", Level: LevelUser,
		Run: func(c *Ctx, _ Args) error { c.State.SetLength(DefaultLength); return nil }}, builtinNone)
}

// Prompt returns the prompt of st: "Switch>", "Switch#", "Switch(config-if)#".
func (e *Engine) Prompt(st *State) string {
	host := "Switch"
	if e.opts.Hostname != nil {
		host = e.opts.Hostname()
	}
	m := st.Mode()
	if m.exec {
		if st.level >= LevelPrivileged {
			return host + "#"
		}
		return host + ">"
	}
	return host + m.Prompt + "#"
}

// Args are the parsed arguments of a matched command, by name.
type Args struct {
	vals map[string]any
	kws  map[string]bool
}

// Has reports whether the argument or keyword name was given.
func (a Args) Has(name string) bool {
	_, ok := a.vals[name]
	return ok || a.kws[name]
}

// Keyword reports whether keyword k (as declared) was typed.
func (a Args) Keyword(k string) bool { return a.kws[k] }

// Value returns the raw value of an argument, nil if absent.
func (a Args) Value(name string) any { return a.vals[name] }

// String returns a WORD, LINE or keyword-group argument ("" if absent);
// other types are formatted.
func (a Args) String(name string) string {
	switch v := a.vals[name].(type) {
	case nil:
		return ""
	case string:
		return v
	case fmt.Stringer:
		return v.String()
	default:
		return fmt.Sprint(v)
	}
}

// Int returns a number argument (0 if absent).
func (a Args) Int(name string) int {
	v, _ := a.vals[name].(int64)
	return int(v)
}

// Int64 returns a number argument (0 if absent).
func (a Args) Int64(name string) int64 {
	v, _ := a.vals[name].(int64)
	return v
}

// MAC returns a MAC argument.
func (a Args) MAC(name string) packet.MAC {
	v, _ := a.vals[name].(packet.MAC)
	return v
}

// IP returns an A.B.C.D argument (the zero Addr if absent).
func (a Args) IP(name string) netip.Addr {
	v, _ := a.vals[name].(netip.Addr)
	return v
}

// Interface returns the canonical name of an IFNAME argument.
func (a Args) Interface(name string) string {
	v, _ := a.vals[name].(string)
	return v
}

// Interfaces returns the canonical names of an IFRANGE argument.
func (a Args) Interfaces(name string) []string {
	v, _ := a.vals[name].([]string)
	return v
}

// VLANs returns a VLANLIST argument, sorted and without duplicates.
func (a Args) VLANs(name string) []int {
	v, _ := a.vals[name].([]int)
	return v
}

// Ctx is what a handler gets besides its arguments.
type Ctx struct {
	Engine *Engine
	State  *State
	// Out collects the command's output; "\n" ends a line.
	Out io.Writer
	// Form is plain, no or default.
	Form Form
	// Frame is the mode the command matched in and its context (the
	// interface of config-if ...).
	Frame Frame

	buf     *bytes.Buffer
	enter   *Frame
	entered bool
}

// Negated reports whether the command was entered with `no`.
func (c *Ctx) Negated() bool { return c.Form == FormNo }

// Printf writes formatted output.
func (c *Ctx) Printf(format string, args ...any) { fmt.Fprintf(c.Out, format, args...) }

// Enter makes the session enter mode m with context ctx once the handler
// returns successfully, overriding the command's declared Enters.
func (c *Ctx) Enter(m *Mode, ctx any) {
	c.enter = &Frame{Mode: m, Context: ctx}
	c.entered = true
}

// AskSecret prompts "Password: " without echo up to three times until check
// accepts the answer; after three failures it prints "% Bad secrets". It
// reports whether a secret was accepted. Without a terminal it fails.
func (c *Ctx) AskSecret(check func(secret string) bool) bool {
	if c.State.Term == nil {
		c.Printf("%% No password prompt on this session\n")
		return false
	}
	for i := 0; i < 3; i++ {
		pending := c.buf.String()
		c.buf.Reset()
		s, err := c.State.Term.ReadSecret(pending + "Password: ")
		if err != nil {
			return false
		}
		if check(s) {
			return true
		}
	}
	c.Printf("%% Bad secrets\n\n")
	return false
}

// ErrRejected rejects a line without printing anything more (the handler
// printed its own message).
var ErrRejected = errors.New("")

// Rejectf returns a handler error that prints the formatted line.
func Rejectf(format string, args ...any) error { return fmt.Errorf(format, args...) }
