package remote

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
)

// ProtocolVersion is the control socket protocol this package speaks.
const ProtocolVersion = 1

// MaxHeaderSize bounds a control header line, so that a peer sending
// garbage without a newline cannot grow the server's memory.
const MaxHeaderSize = 1 << 20

// maxExecLines and maxLineLen bound an exec request; IOS refuses long
// lines too, and cli/term drops input beyond 4096 bytes per line.
const (
	maxExecLines = 10000
	maxLineLen   = 4096
	maxWidth     = 512 // the highest `terminal width`
)

// Mode is what a control connection asks for.
type Mode uint8

// Control connection modes.
const (
	ModeInvalid Mode = iota
	ModeExec         // run lines in batch, answer with output and status
	ModeConsole      // interactive session over a raw byte stream
	ModeCapture      // live capture: a pcapng stream from the switch
)

func (m Mode) String() string {
	switch m {
	case ModeInvalid:
		return "invalid"
	case ModeExec:
		return "exec"
	case ModeConsole:
		return "console"
	case ModeCapture:
		return "capture"
	}
	return "Mode(" + strconv.Itoa(int(m)) + ")"
}

// MarshalText writes the mode as its wire name.
func (m Mode) MarshalText() ([]byte, error) {
	if m != ModeExec && m != ModeConsole && m != ModeCapture {
		return nil, fmt.Errorf("remote: cannot encode mode %v", m)
	}
	return []byte(m.String()), nil
}

// UnmarshalText reads a wire mode name.
func (m *Mode) UnmarshalText(b []byte) error {
	switch string(b) {
	case "exec":
		*m = ModeExec
	case "console":
		*m = ModeConsole
	case "capture":
		*m = ModeCapture
	default:
		return fmt.Errorf("unknown mode %q", truncate(string(b), 40))
	}
	return nil
}

// Header is the first line a control client sends.
type Header struct {
	Version int             `json:"v"`
	Mode    Mode            `json:"mode"`
	Lines   []string        `json:"lines,omitempty"`
	Width   int             `json:"width,omitempty"`
	Capture *CaptureRequest `json:"capture,omitempty"`
	// JSON asks an exec for JSON output (l2sw exec --json).
	JSON bool `json:"json,omitempty"`
}

// CaptureRequest is what a capture connection asks for.
type CaptureRequest struct {
	// Interfaces are the ports captured, in any IOS spelling; none means
	// every port.
	Interfaces []string `json:"interfaces,omitempty"`
	// Points are "ingress", "egress" and "drop"; none means all three.
	Points []string `json:"points,omitempty"`
	// Filter is an access-list name of the switch or a filter expression
	// (`ipv4 protocol udp any any eq 53`); empty captures every frame.
	Filter string `json:"filter,omitempty"`
	// Count ends the capture after that many packets; 0 runs it until the
	// client closes.
	Count int `json:"count,omitempty"`
}

// maxCaptureInterfaces bounds the interfaces of a capture request.
const maxCaptureInterfaces = 4096

// CapturePoints are the capture points a CaptureRequest may name.
var CapturePoints = []string{"ingress", "egress", "drop"}

func (r *CaptureRequest) validate() error {
	if r.Count < 0 {
		return fmt.Errorf("capture count %d is negative", r.Count)
	}
	if len(r.Interfaces) > maxCaptureInterfaces {
		return fmt.Errorf("%d capture interfaces, at most %d", len(r.Interfaces), maxCaptureInterfaces)
	}
	for _, p := range r.Points {
		if !slices.Contains(CapturePoints, p) {
			return fmt.Errorf("unknown capture point %q", truncate(p, 40))
		}
	}
	for _, s := range append([]string{r.Filter}, r.Interfaces...) {
		if len(s) > maxLineLen {
			return fmt.Errorf("capture field of %d bytes, at most %d", len(s), maxLineLen)
		}
		for _, c := range []byte(s) {
			if c < ' ' && c != '\t' || c == 0x7f {
				return fmt.Errorf("capture field: control character %#02x", c)
			}
		}
	}
	return nil
}

// Reply is the server's answer line.
type Reply struct {
	OK       bool   `json:"ok,omitempty"`
	Error    string `json:"error,omitempty"`
	Output   string `json:"output,omitempty"`
	Rejected bool   `json:"rejected,omitempty"`
}

// ErrHeader is wrapped by every header decoding error.
var ErrHeader = errors.New("remote: header")

// EncodeHeader returns h as a wire line, checking it the way the server
// will.
func EncodeHeader(h Header) ([]byte, error) {
	if err := h.validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrHeader, err)
	}
	b, err := json.Marshal(h)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrHeader, err)
	}
	if len(b)+1 > MaxHeaderSize {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", ErrHeader, len(b)+1, MaxHeaderSize)
	}
	return append(b, '\n'), nil
}

// DecodeHeader parses one header line (with or without its "\n") and
// checks it. Any input gives either a valid Header or an error wrapping
// ErrHeader.
func DecodeHeader(line []byte) (Header, error) {
	line = bytes.TrimSuffix(line, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	if len(line) == 0 {
		return Header{}, fmt.Errorf("%w: empty", ErrHeader)
	}
	if len(line) >= MaxHeaderSize {
		return Header{}, fmt.Errorf("%w: longer than %d bytes", ErrHeader, MaxHeaderSize)
	}
	if bytes.IndexByte(line, '\n') >= 0 {
		return Header{}, fmt.Errorf("%w: more than one line", ErrHeader)
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	var h Header
	if err := dec.Decode(&h); err != nil {
		return Header{}, fmt.Errorf("%w: %w", ErrHeader, err)
	}
	if dec.More() {
		return Header{}, fmt.Errorf("%w: data after the JSON object", ErrHeader)
	}
	if err := h.validate(); err != nil {
		return Header{}, fmt.Errorf("%w: %w", ErrHeader, err)
	}
	return h, nil
}

func (h Header) validate() error {
	if h.Version != ProtocolVersion {
		return fmt.Errorf("protocol version %d, this switch speaks %d", h.Version, ProtocolVersion)
	}
	if h.JSON && h.Mode != ModeExec {
		return errors.New("json is for exec mode only")
	}
	if h.Capture != nil && h.Mode != ModeCapture {
		return errors.New("capture is for capture mode only")
	}
	switch h.Mode {
	case ModeCapture:
		if h.Width != 0 || len(h.Lines) != 0 {
			return errors.New("lines and width are not for capture mode")
		}
		if h.Capture == nil {
			return errors.New("capture mode without a capture request")
		}
		return h.Capture.validate()
	case ModeExec:
		if h.Width != 0 {
			return errors.New("width is for console mode only")
		}
		if len(h.Lines) == 0 {
			return errors.New("exec without lines")
		}
		if len(h.Lines) > maxExecLines {
			return fmt.Errorf("%d lines, at most %d", len(h.Lines), maxExecLines)
		}
		for i, l := range h.Lines {
			if len(l) > maxLineLen {
				return fmt.Errorf("line %d: %d bytes, at most %d", i+1, len(l), maxLineLen)
			}
			for _, c := range []byte(l) {
				if c < ' ' && c != '\t' || c == 0x7f {
					return fmt.Errorf("line %d: control character %#02x", i+1, c)
				}
			}
		}
	case ModeConsole:
		if len(h.Lines) != 0 {
			return errors.New("lines are for exec mode only")
		}
		if h.Width < 0 || h.Width > 1<<16 {
			return fmt.Errorf("width %d out of range", h.Width)
		}
	default:
		return errors.New("no mode")
	}
	return nil
}

// readLine reads one "\n"-terminated line of at most max bytes from r,
// without reading past it (what follows may be a raw stream).
func readLine(r *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > max {
			return nil, fmt.Errorf("%w: longer than %d bytes", ErrHeader, max)
		}
		switch {
		case err == nil:
			return line, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(line) > 0:
			return nil, fmt.Errorf("%w: connection closed inside the line", ErrHeader)
		default:
			return nil, err
		}
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
