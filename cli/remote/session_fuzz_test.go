package remote

import (
	"bytes"
	"io"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// fuzzChannel is an ssh.Channel over fixed input whose output is kept.
type fuzzChannel struct {
	in  io.Reader
	mu  sync.Mutex
	out bytes.Buffer
}

func (c *fuzzChannel) Read(p []byte) (int, error) { return c.in.Read(p) }
func (c *fuzzChannel) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.out.Write(p)
}
func (c *fuzzChannel) Close() error                                   { return nil }
func (c *fuzzChannel) CloseWrite() error                              { return nil }
func (c *fuzzChannel) SendRequest(string, bool, []byte) (bool, error) { return false, nil }
func (c *fuzzChannel) Stderr() io.ReadWriter                          { return new(bytes.Buffer) }

// fuzzRequestTypes are the channel requests a client may send; the fuzzer
// picks among them and writes their payloads.
var fuzzRequestTypes = []string{"pty-req", "window-change", "shell", "exec", "env", "subsystem", "signal", "x11-req"}

// splitFuzzSession turns fuzz input into channel requests and the bytes the
// client types: a sequence of [type][length][payload], a zero type byte
// ending the requests.
func splitFuzzSession(data []byte) ([]*ssh.Request, []byte) {
	var reqs []*ssh.Request
	for len(data) >= 2 && data[0] != 0 && len(reqs) < 16 {
		typ := fuzzRequestTypes[int(data[0])%len(fuzzRequestTypes)]
		n := min(int(data[1]), len(data)-2)
		// WantReply false: Reply needs the real connection behind it.
		reqs = append(reqs, &ssh.Request{Type: typ, Payload: data[2 : 2+n]})
		data = data[2+n:]
	}
	if len(data) > 0 && data[0] == 0 {
		data = data[1:]
	}
	return reqs, data
}

func fuzzSeed(reqs [][2]any, typed string) []byte {
	var b []byte
	for _, r := range reqs {
		payload := r[1].([]byte)
		for i, t := range fuzzRequestTypes {
			if t == r[0].(string) {
				b = append(b, byte(i+len(fuzzRequestTypes)), byte(len(payload)))
			}
		}
		b = append(b, payload...)
	}
	return append(append(b, 0), typed...)
}

// FuzzSSHSession runs the SSH session handler on arbitrary channel
// requests (malformed pty-req, window-change, exec payloads, requests in
// any order) and keystrokes: it must neither panic nor hang.
func FuzzSSHSession(f *testing.F) {
	pty := ssh.Marshal(&ptyRequest{Term: "vt100", Cols: 80, Rows: 24})
	f.Add(fuzzSeed([][2]any{{"pty-req", pty}, {"shell", []byte{}}}, "show version\nenable\nconfigure terminal\nhostname X\nend\nexit\n"))
	f.Add(fuzzSeed([][2]any{{"exec", ssh.Marshal(&execRequest{Command: "show version\nshow terminal"})}}, ""))
	f.Add(fuzzSeed([][2]any{{"shell", []byte{}}, {"window-change", ssh.Marshal(&windowChange{Cols: 1 << 31})}, {"pty-req", pty}}, "\x1b[A\x03\x00\r\n?\t"))
	f.Add(fuzzSeed([][2]any{{"pty-req", []byte{0, 0, 0, 9, 'x'}}, {"exec", []byte{0xff, 0xff, 0xff, 0xff}}, {"shell", []byte{}}}, "terminal width 0\n"))
	e, _ := demoEngine(f)
	srv, err := NewSSHServer(e, SSHConfig{Auth: testUsers})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 4096 {
			return
		}
		reqs, typed := splitFuzzSession(data)
		ch := &fuzzChannel{in: bytes.NewReader(typed)}
		rc := make(chan *ssh.Request, len(reqs))
		for _, r := range reqs {
			rc <- r
		}
		close(rc)
		done := make(chan struct{})
		go func() {
			defer close(done)
			srv.serveSession(ch, rc, sessionInfo{user: "fuzz", level: 15, addr: "192.0.2.1", vty: 0})
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("session handler hung on %q", data)
		}
	})
}
