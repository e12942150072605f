package engine

import (
	"slices"
	"strconv"
)

// Privilege levels as IOS numbers them.
const (
	LevelUser       = 1  // user EXEC, prompt ">"
	LevelPrivileged = 15 // privileged EXEC, prompt "#"
	// LevelZero is the Command.Level of the few commands a session at
	// privilege level 0 may use (IOS: disable, enable, exit, help,
	// logout). It is not 0, which means LevelPrivileged there; a State
	// at level 0 is simply level 0.
	LevelZero = -1
)

// Default terminal geometry of a new session (IOS: 24 lines, 80 columns).
const (
	DefaultLength = 24
	DefaultWidth  = 80
	historySize   = 20
)

// Mode is a command mode: the EXEC mode, global configuration, or a
// configuration sub-mode such as config-if.
type Mode struct {
	Name string // "exec", "config", "config-if", ...
	// Prompt is what follows the hostname: "(config-if)". The EXEC mode has
	// none and ends in ">" or "#" by privilege; the others end in "#".
	Prompt string
	// Parent is where `exit` goes. A sub-mode whose parent is a config mode
	// also accepts the parent's commands (and leaves the sub-mode for them).
	Parent *Mode
	// ExitHelp is the `?` text of `exit` in this mode.
	ExitHelp string
	// Leave, if set, runs when a session leaves the mode by any way
	// (exit, end, a parent's command, another sub-mode), with the mode's
	// context: IOS applies `spanning-tree mst configuration` then.
	Leave func(ctx any)

	exec     bool
	config   bool
	variants []*variant
}

// IsExec reports whether m is the EXEC mode (pipes, privilege levels,
// "% Unknown command" for unknown words).
func (m *Mode) IsExec() bool { return m.exec }

// IsConfig reports whether m is global configuration or one of its
// sub-modes; their handlers run under the engine's config lock.
func (m *Mode) IsConfig() bool { return m.config }

func (m *Mode) String() string {
	if m == nil {
		return "<nil mode>"
	}
	return m.Name
}

// Frame is one level of a session's mode stack: the mode and the object it
// configures (the interface of config-if, the VLAN of config-vlan ...).
type Frame struct {
	Mode    *Mode
	Context any
}

// Terminal is what an interactive or batch session offers handlers that
// need to talk back to the user in the middle of a command.
type Terminal interface {
	// ReadSecret prints prompt (which may begin with pending output using
	// "\n" line ends), reads one line without echo and returns it.
	ReadSecret(prompt string) (string, error)
}

// State is one session's CLI state: mode stack, privilege, terminal
// geometry, history. A State is used by one goroutine at a time.
type State struct {
	stack  []Frame
	level  int
	length int
	width  int
	hist   []string
	closed bool

	// Term is the session's terminal, nil when there is none.
	Term Terminal
	// Values holds per-session data of the command set (user name, origin
	// for the CONFIG_I syslog line ...).
	Values map[string]any
}

// NewState returns a session state in the EXEC mode of e at the given
// privilege level.
func (e *Engine) NewState(level int) *State {
	return &State{
		stack:  []Frame{{Mode: e.exec}},
		level:  level,
		length: DefaultLength,
		width:  DefaultWidth,
		Values: map[string]any{},
	}
}

// Mode returns the current mode.
func (s *State) Mode() *Mode { return s.stack[len(s.stack)-1].Mode }

// Frame returns the current mode with its context.
func (s *State) Frame() Frame { return s.stack[len(s.stack)-1] }

// Stack returns a copy of the mode stack, EXEC first.
func (s *State) Stack() []Frame { return slices.Clone(s.stack) }

// Level returns the privilege level.
func (s *State) Level() int { return s.level }

// SetLevel changes the privilege level (enable, disable).
func (s *State) SetLevel(l int) { s.level = l }

// Length returns the terminal length (lines per page, 0 = no paging).
func (s *State) Length() int { return s.length }

// SetLength sets the terminal length.
func (s *State) SetLength(n int) { s.length = n }

// Width returns the terminal width in columns (0 = unlimited).
func (s *State) Width() int { return s.width }

// SetWidth sets the terminal width.
func (s *State) SetWidth(n int) { s.width = n }

// Closed reports whether the session asked to end (exit in EXEC).
func (s *State) Closed() bool { return s.closed }

// Close marks the session as ended.
func (s *State) Close() { s.closed = true }

// AddHistory records an entered line for `show history` and arrow keys.
func (s *State) AddHistory(line string) {
	if line == "" {
		return
	}
	if n := len(s.hist); n > 0 && s.hist[n-1] == line {
		return
	}
	s.hist = append(s.hist, line)
	if len(s.hist) > historySize {
		s.hist = slices.Delete(s.hist, 0, len(s.hist)-historySize)
	}
}

// History returns the recorded lines, oldest first.
func (s *State) History() []string { return slices.Clone(s.hist) }

// enter pushes a mode, or replaces the top when m is a sibling.
func (s *State) enter(m *Mode, ctx any) {
	// Find m's parent in the stack and cut above it, so that `interface X`
	// typed in config-if (parent fallback) does not stack two config-if.
	for i := len(s.stack) - 1; i >= 0; i-- {
		if s.stack[i].Mode == m.Parent {
			s.cut(i + 1)
			s.stack = append(s.stack, Frame{Mode: m, Context: ctx})
			return
		}
	}
	s.stack = append(s.stack, Frame{Mode: m, Context: ctx})
}

// exitMode pops one level; in EXEC it closes the session.
func (s *State) exitMode() {
	if len(s.stack) == 1 {
		s.closed = true
		return
	}
	s.cut(len(s.stack) - 1)
}

// cut pops the stack down to n frames, running the Leave of each mode
// popped, innermost first.
func (s *State) cut(n int) {
	for len(s.stack) > n {
		f := s.stack[len(s.stack)-1]
		s.stack = s.stack[:len(s.stack)-1]
		if f.Mode.Leave != nil {
			f.Mode.Leave(f.Context)
		}
	}
}

// end returns to EXEC.
func (s *State) end() { s.cut(1) }

// popTo cuts the stack so that m is on top; m must be in the stack.
func (s *State) popTo(m *Mode) {
	for i := len(s.stack) - 1; i >= 0; i-- {
		if s.stack[i].Mode == m {
			s.cut(i + 1)
			return
		}
	}
}

// Form says whether a command was entered plain, with `no` or with `default`.
type Form uint8

// Forms of a command.
const (
	FormPlain Form = iota
	FormNo
	FormDefault
)

func (f Form) String() string {
	switch f {
	case FormPlain:
		return "plain"
	case FormNo:
		return "no"
	case FormDefault:
		return "default"
	}
	return "Form(" + strconv.Itoa(int(f)) + ")"
}
