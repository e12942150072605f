package term

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/l2sw/l2sw/cli/engine"
)

// maxLine bounds an input line; IOS refuses long lines too, and a stream of
// garbage must not grow memory without end.
const maxLine = 4096

// moreText is the pager prompt; it is erased with backspaces afterwards.
const moreText = " --More-- "

// Options configure a Session.
type Options struct {
	// Level is the starting privilege level; 0 means user EXEC and
	// engine.LevelZero privilege level 0.
	Level int
	// Banner is printed before the first prompt ("\n" line ends).
	Banner string
}

// Session is one interactive CLI session over a byte stream. Output is
// collected and written only when the session waits for input (or at a
// --More-- stop), so that an echoed Enter, the command output and the next
// prompt leave in one Write, as netmiko requires.
type Session struct {
	e  *engine.Engine
	st *engine.State
	r  io.Reader
	w  io.Writer

	out    []byte // pending output
	rbuf   []byte
	in     []byte // unread input
	rerr   error  // read error to report once the input is used up
	werr   error
	dec    decoder
	line   []byte
	cur    int
	prompt string
	hist   int    // index into history while browsing; len(history) = editing
	saved  string // the line being edited before browsing history
	opts   Options

	// mu is held by the session's goroutine except while it waits for
	// input, so that Notify can print between keystrokes.
	mu       sync.Mutex
	idle     bool     // waiting for input
	atPrompt bool     // the prompt and line are on screen: a note can be printed above them
	notes    []string // messages that came while a command ran, printed before the next prompt
	done     bool
}

var _ engine.Terminal = (*Session)(nil)

// New returns a session of e reading keystrokes from r and writing to w.
func New(e *engine.Engine, r io.Reader, w io.Writer, opts Options) *Session {
	level := opts.Level
	switch level {
	case 0:
		level = engine.LevelUser
	case engine.LevelZero:
		level = 0
	}
	s := &Session{e: e, r: r, w: w, rbuf: make([]byte, 4096), opts: opts}
	s.st = e.NewState(level)
	s.st.Term = s
	return s
}

// State returns the session's CLI state (mode, privilege, terminal length).
func (s *Session) State() *engine.State { return s.st }

// Run serves the session until the user exits, the input ends (nil error)
// or writing fails.
func (s *Session) Run() error {
	s.mu.Lock()
	defer func() { s.done = true; s.mu.Unlock() }()
	if s.opts.Banner != "" {
		s.writeText(s.opts.Banner)
	}
	s.showPrompt()
	for !s.st.Closed() {
		k, err := s.key()
		if err != nil {
			s.flush()
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrClosedPipe) {
				return s.werr
			}
			return fmt.Errorf("term: read: %w", err)
		}
		s.edit(k)
		if s.werr != nil {
			return fmt.Errorf("term: write: %w", s.werr)
		}
	}
	s.flush()
	return s.werr
}

// key returns the next keystroke, flushing pending output before blocking.
func (s *Session) key() (key, error) {
	for {
		for len(s.in) > 0 {
			b := s.in[0]
			s.in = s.in[1:]
			if k, ok := s.dec.feed(b); ok {
				return k, nil
			}
		}
		if s.rerr != nil {
			return key{}, s.rerr
		}
		s.flush()
		if s.werr != nil {
			return key{}, s.werr
		}
		s.idle = true
		s.mu.Unlock()
		n, err := s.r.Read(s.rbuf)
		s.mu.Lock()
		s.idle = false
		s.in = s.rbuf[:n]
		s.rerr = err
	}
}

func (s *Session) flush() {
	if len(s.out) == 0 || s.werr != nil {
		return
	}
	_, s.werr = s.w.Write(s.out)
	s.out = s.out[:0]
}

func (s *Session) write(str string) { s.out = append(s.out, str...) }

// writeText writes engine text, turning "\n" into CRLF.
func (s *Session) writeText(text string) {
	for text != "" {
		i := strings.IndexByte(text, '\n')
		if i < 0 {
			s.write(text)
			return
		}
		s.write(strings.TrimSuffix(text[:i], "\r"))
		s.write("\r\n")
		text = text[i+1:]
	}
}

func (s *Session) showPrompt() {
	for _, n := range s.notes {
		s.writeText(n + "\n")
	}
	s.notes = nil
	s.prompt = s.e.Prompt(s.st)
	s.write(s.prompt)
	s.atPrompt = true
}

// Notify prints text, a log message of `terminal monitor`, on the
// session: at once above the prompt, which is drawn again with the line
// being typed, or, while a command runs, before the next prompt. It
// reports false once the session has ended. It may be called from any
// goroutine.
func (s *Session) Notify(text string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done || s.werr != nil {
		return false
	}
	if !s.idle || !s.atPrompt {
		if len(s.notes) < 100 { // a command that runs long does not hoard the log
			s.notes = append(s.notes, text)
		}
		return true
	}
	s.write("\r\n")
	s.writeText(text + "\n")
	s.write(s.prompt + string(s.line) + strings.Repeat("\b", len(s.line)-s.cur))
	s.flush()
	return true
}

// edit applies one keystroke to the line.
func (s *Session) edit(k key) {
	switch k.kind {
	case keyChar:
		if k.ch == '?' {
			s.help()
			return
		}
		s.insert(k.ch)
	case keyEnter:
		s.enter()
	case keyBackspace:
		if s.cur == 0 {
			return
		}
		if s.cur == len(s.line) {
			s.line = s.line[:s.cur-1]
			s.cur--
			s.write("\b \b")
			return
		}
		nl := append(append([]byte{}, s.line[:s.cur-1]...), s.line[s.cur:]...)
		s.setLine(nl, s.cur-1)
	case keyDelete:
		if s.cur < len(s.line) {
			nl := append(append([]byte{}, s.line[:s.cur]...), s.line[s.cur+1:]...)
			s.setLine(nl, s.cur)
		}
	case keyLeft:
		if s.cur > 0 {
			s.cur--
			s.write("\b")
		}
	case keyRight:
		if s.cur < len(s.line) {
			s.out = append(s.out, s.line[s.cur])
			s.cur++
		}
	case keyHome:
		s.setLine(s.line, 0)
	case keyEnd:
		s.setLine(s.line, len(s.line))
	case keyKillStart:
		s.setLine(append([]byte{}, s.line[s.cur:]...), 0)
	case keyKillEnd:
		s.setLine(append([]byte{}, s.line[:s.cur]...), s.cur)
	case keyKillWord:
		i := s.cur
		for i > 0 && s.line[i-1] == ' ' {
			i--
		}
		for i > 0 && s.line[i-1] != ' ' {
			i--
		}
		nl := append(append([]byte{}, s.line[:i]...), s.line[s.cur:]...)
		s.setLine(nl, i)
	case keyUp, keyDown:
		s.browse(k.kind == keyUp)
	case keyTab:
		s.complete()
	case keyInterrupt:
		s.write("^C\r\n")
		s.resetLine()
		s.showPrompt()
	case keySuspend:
		if !s.st.Mode().IsConfig() {
			return
		}
		line := string(s.line)
		s.write("^Z\r\n")
		s.resetLine()
		if strings.TrimSpace(line) != "" {
			s.run(line)
		}
		if s.st.Mode().IsConfig() {
			var buf bytes.Buffer
			s.e.Exec(s.st, "end", &buf, len(s.prompt))
			s.page(buf.String())
		}
		s.showPrompt()
	case keyRedraw:
		s.write("\r\n" + s.prompt + string(s.line))
		s.cur = len(s.line)
	}
}

func (s *Session) insert(c byte) {
	if len(s.line) >= maxLine {
		return
	}
	if s.cur == len(s.line) {
		s.line = append(s.line, c)
		s.cur++
		s.out = append(s.out, c)
		return
	}
	nl := make([]byte, 0, len(s.line)+1)
	nl = append(append(append(nl, s.line[:s.cur]...), c), s.line[s.cur:]...)
	s.setLine(nl, s.cur+1)
}

// setLine redraws the line as nl with the cursor at cur, using only
// backspaces, spaces and text (no ANSI sequences: netmiko does not strip
// them). Only the part after the common prefix is rewritten.
func (s *Session) setLine(nl []byte, cur int) {
	p := 0
	for p < len(nl) && p < len(s.line) && nl[p] == s.line[p] {
		p++
	}
	if s.cur > p {
		s.write(strings.Repeat("\b", s.cur-p))
	} else {
		s.out = append(s.out, nl[s.cur:p]...)
	}
	s.out = append(s.out, nl[p:]...)
	if pad := len(s.line) - len(nl); pad > 0 {
		s.write(strings.Repeat(" ", pad) + strings.Repeat("\b", pad))
	}
	s.write(strings.Repeat("\b", len(nl)-cur))
	s.line, s.cur = nl, cur
}

func (s *Session) resetLine() {
	s.line, s.cur = nil, 0
	s.hist = len(s.st.History())
	s.saved = ""
}

func (s *Session) browse(up bool) {
	h := s.st.History()
	if s.hist > len(h) {
		s.hist = len(h)
	}
	if s.hist == len(h) {
		s.saved = string(s.line)
	}
	switch {
	case up && s.hist > 0:
		s.hist--
	case !up && s.hist < len(h):
		s.hist++
	default:
		return
	}
	text := s.saved
	if s.hist < len(h) {
		text = h[s.hist]
	}
	s.setLine([]byte(text), len(text))
}

func (s *Session) enter() {
	s.atPrompt = false
	line := string(s.line)
	s.write("\r\n")
	s.resetLine()
	s.st.AddHistory(strings.TrimSpace(line))
	s.resetLine()
	s.run(line)
	if !s.st.Closed() {
		s.showPrompt()
	}
}

// run executes one line and pages its output.
func (s *Session) run(line string) {
	var buf bytes.Buffer
	s.e.Exec(s.st, line, &buf, len(s.prompt))
	s.page(buf.String())
}

// help answers `?`: echo it, print the help, then reprint prompt and line.
func (s *Session) help() {
	s.write(string(s.line[s.cur:]) + "?\r\n")
	var buf bytes.Buffer
	s.e.Help(s.st, string(s.line), &buf, len(s.prompt))
	s.writeText(buf.String())
	s.cur = len(s.line)
	s.write(s.prompt + string(s.line))
}

// complete answers TAB.
func (s *Session) complete() {
	line := string(s.line)
	nl, ok := s.e.Complete(s.st, line)
	if !ok {
		s.write("\r\n" + s.prompt + line)
		s.cur = len(s.line)
		return
	}
	if s.cur == len(s.line) && strings.HasPrefix(nl, line) {
		s.write(nl[len(line):])
		s.line, s.cur = []byte(nl), len(nl)
		return
	}
	s.setLine([]byte(nl), len(nl))
}

// page writes command output, stopping at --More-- every terminal length
// minus one lines: space shows a page, Enter a line, anything else quits.
func (s *Session) page(text string) {
	if text == "" {
		return
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	length, width := s.st.Length(), s.st.Width()
	pageRows := max(length-1, 1)
	rows := 0
	for _, l := range lines {
		l = strings.TrimSuffix(l, "\r")
		if length > 0 && rows >= pageRows {
			s.write(moreText)
			k, err := s.key()
			erase := strings.Repeat("\b", len(moreText))
			s.write(erase + strings.Repeat(" ", len(moreText)) + erase)
			if err != nil {
				return
			}
			switch {
			case k.kind == keyChar && k.ch == ' ':
				rows = 0
			case k.kind == keyEnter:
				rows = pageRows - 1
			default:
				return
			}
		}
		s.write(l)
		s.write("\r\n")
		if width > 0 && len(l) > width {
			rows += (len(l) + width - 1) / width
		} else {
			rows++
		}
	}
}

// ReadSecret prints prompt and reads a line without echo (enable's
// "Password: "). Ctrl-C gives an empty answer.
func (s *Session) ReadSecret(prompt string) (string, error) {
	s.writeText(prompt)
	var b []byte
	for {
		k, err := s.key()
		if err != nil {
			return "", err
		}
		switch k.kind {
		case keyChar:
			if len(b) < maxLine {
				b = append(b, k.ch)
			}
		case keyBackspace:
			if len(b) > 0 {
				b = b[:len(b)-1]
			}
		case keyEnter:
			s.write("\r\n")
			return string(b), nil
		case keyInterrupt:
			s.write("\r\n")
			return "", nil
		}
	}
}
