// Package term runs IOS-style CLI sessions of the cli/engine over an
// io.Reader/io.Writer pair (local console, control socket, SSH channel):
// line editing with echo, history, `?` and TAB, --More-- paging, and a
// batch runner for `l2sw exec`.
package term

import "strconv"

// keyKind is what one decoded keystroke means to the line editor.
type keyKind uint8

const (
	keyChar keyKind = iota
	keyEnter
	keyBackspace
	keyDelete
	keyLeft
	keyRight
	keyUp
	keyDown
	keyHome
	keyEnd
	keyTab
	keyKillStart // Ctrl-U, Ctrl-X: delete to the start of the line
	keyKillEnd   // Ctrl-K
	keyKillWord  // Ctrl-W
	keyInterrupt // Ctrl-C
	keySuspend   // Ctrl-Z
	keyRedraw    // Ctrl-L, Ctrl-R
)

func (k keyKind) String() string {
	names := [...]string{"char", "enter", "backspace", "delete", "left", "right", "up", "down",
		"home", "end", "tab", "kill-start", "kill-end", "kill-word", "interrupt", "suspend", "redraw"}
	if int(k) < len(names) {
		return names[k]
	}
	return "keyKind(" + strconv.Itoa(int(k)) + ")"
}

// key is one decoded keystroke; ch is set for keyChar.
type key struct {
	kind keyKind
	ch   byte
}

type decodeState uint8

const (
	stNormal decodeState = iota
	stEsc                // after ESC
	stCSI                // after ESC [
	stSS3                // after ESC O
)

// decoder turns terminal input bytes into keys. CR, LF and CRLF are each
// one Enter (telnet's CR NUL too); NUL bytes are ignored (netmiko's
// is_alive probe); unknown control bytes and escape sequences are dropped.
type decoder struct {
	state   decodeState
	afterCR bool
	param   int // numeric parameter of a CSI sequence
	nparams int
}

// feed consumes one byte and reports the key it completes, if any.
func (d *decoder) feed(b byte) (key, bool) {
	if b == 0 {
		return key{}, false
	}
	afterCR := d.afterCR
	d.afterCR = false
	switch d.state {
	case stEsc:
		switch b {
		case '[':
			d.state, d.param, d.nparams = stCSI, 0, 0
		case 'O':
			d.state = stSS3
		default:
			d.state = stNormal
		}
		return key{}, false
	case stSS3:
		d.state = stNormal
		return arrowKey(b)
	case stCSI:
		switch {
		case b >= '0' && b <= '9':
			if d.param < 1000 {
				d.param = d.param*10 + int(b-'0')
			}
			d.nparams = 1
			return key{}, false
		case b == ';':
			d.param = 0
			return key{}, false
		case b >= 0x40 && b <= 0x7e:
			d.state = stNormal
			if b == '~' {
				switch d.param {
				case 1, 7:
					return key{kind: keyHome}, true
				case 4, 8:
					return key{kind: keyEnd}, true
				case 3:
					return key{kind: keyDelete}, true
				}
				return key{}, false
			}
			return arrowKey(b)
		case b < 0x20 || b > 0x7e:
			d.state = stNormal // broken sequence
		}
		return key{}, false
	}
	switch b {
	case '\r':
		d.afterCR = true
		return key{kind: keyEnter}, true
	case '\n':
		if afterCR {
			return key{}, false
		}
		return key{kind: keyEnter}, true
	case 0x1b:
		d.state = stEsc
		return key{}, false
	case 0x7f, 0x08:
		return key{kind: keyBackspace}, true
	case '\t':
		return key{kind: keyTab}, true
	case 0x01:
		return key{kind: keyHome}, true
	case 0x05:
		return key{kind: keyEnd}, true
	case 0x02:
		return key{kind: keyLeft}, true
	case 0x06:
		return key{kind: keyRight}, true
	case 0x10:
		return key{kind: keyUp}, true
	case 0x0e:
		return key{kind: keyDown}, true
	case 0x04:
		return key{kind: keyDelete}, true
	case 0x15, 0x18:
		return key{kind: keyKillStart}, true
	case 0x0b:
		return key{kind: keyKillEnd}, true
	case 0x17:
		return key{kind: keyKillWord}, true
	case 0x03:
		return key{kind: keyInterrupt}, true
	case 0x1a:
		return key{kind: keySuspend}, true
	case 0x0c, 0x12:
		return key{kind: keyRedraw}, true
	}
	if b >= 0x20 && b < 0x7f {
		return key{kind: keyChar, ch: b}, true
	}
	return key{}, false
}

func arrowKey(b byte) (key, bool) {
	switch b {
	case 'A':
		return key{kind: keyUp}, true
	case 'B':
		return key{kind: keyDown}, true
	case 'C':
		return key{kind: keyRight}, true
	case 'D':
		return key{kind: keyLeft}, true
	case 'H':
		return key{kind: keyHome}, true
	case 'F':
		return key{kind: keyEnd}, true
	}
	return key{}, false
}
