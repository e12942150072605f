package remote

import (
	"bufio"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestHeaderRoundTrip(t *testing.T) {
	for _, h := range []Header{
		{Version: 1, Mode: ModeExec, Lines: []string{"show version", "configure terminal", "description a \"quoted\"\tdesc"}},
		{Version: 1, Mode: ModeConsole, Width: 132},
		{Version: 1, Mode: ModeConsole},
	} {
		b, err := EncodeHeader(h)
		must(t, err, "encode")
		if b[len(b)-1] != '\n' || strings.Count(string(b), "\n") != 1 {
			t.Fatalf("encoded header %q is not one line", b)
		}
		got, err := DecodeHeader(b)
		must(t, err, "decode ", string(b))
		if !reflect.DeepEqual(got, h) {
			t.Errorf("round trip %+v -> %q -> %+v", h, b, got)
		}
	}
}

func TestDecodeHeaderErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "empty"},
		{"\n", "empty"},
		{"null", "protocol version 0"},
		{`{"v":1}`, "no mode"},
		{"[]", "cannot unmarshal"},
		{`{"v":1,"mode":"exec","lines":["a"]} {}`, "data after"},
		{`{"v":1,"mode":"exec","lines":[]}`, "exec without lines"},
		{`{"v":1,"mode":"exec","lines":["a"],"width":3}`, "console mode only"},
		{`{"v":1,"mode":"console","lines":["a"]}`, "exec mode only"},
		{`{"v":1,"mode":"console","width":-1}`, "out of range"},
		{`{"v":1,"mode":"exec","lines":["a\u0000b"]}`, "control character 0x00"},
		{`{"v":1,"mode":"exec","lines":["a\rb"]}`, "control character 0x0d"},
		{`{"v":1,"mode":7}`, "cannot unmarshal number"},
		{`{"v":1,"mode":"console"}` + "\n{}", "more than one line"},
		{`{"v":1,"mode":"exec","lines":["` + strings.Repeat("x", maxLineLen+1) + `"]}`, "at most 4096"},
		{`{"v":1,"mode":"capture"}`, "without a capture request"},
		{`{"v":1,"mode":"exec","lines":["a"],"capture":{}}`, "capture mode only"},
		{`{"v":1,"mode":"capture","capture":{"count":-1}}`, "negative"},
		{`{"v":1,"mode":"capture","capture":{"points":["sideways"]}}`, "unknown capture point"},
		{`{"v":1,"mode":"capture","capture":{"filter":"a\nb"}}`, "control character 0x0a"},
		{`{"v":1,"mode":"capture","lines":["a"],"capture":{}}`, "not for capture mode"},
	} {
		_, err := DecodeHeader([]byte(tc.in))
		if !errors.Is(err, ErrHeader) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("DecodeHeader(%.60q) = %v, want an ErrHeader saying %q", tc.in, err, tc.want)
		}
	}
}

func TestReadLineBounds(t *testing.T) {
	long := strings.Repeat("x", 10000) + "\nrest"
	if _, err := readLine(bufio.NewReaderSize(strings.NewReader(long), 16), 100); !errors.Is(err, ErrHeader) {
		t.Fatalf("overlong line: %v", err)
	}
	r := bufio.NewReaderSize(strings.NewReader(long), 16)
	line, err := readLine(r, 20000)
	must(t, err, "readLine")
	if len(line) != 10001 {
		t.Fatalf("line of %d bytes, want 10001", len(line))
	}
	rest := make([]byte, 8)
	n, _ := r.Read(rest)
	if string(rest[:n]) != "rest" {
		t.Fatalf("bytes after the line: %q, want them left for the stream", rest[:n])
	}
}

func FuzzDecodeHeader(f *testing.F) {
	f.Add([]byte(`{"v":1,"mode":"exec","lines":["show version"]}` + "\n"))
	f.Add([]byte(`{"v":1,"mode":"console","width":80}`))
	f.Add([]byte(`{"v":1,"mode":"console","lines":null,"width":1e9}`))
	f.Add([]byte("\xff\xfe{"))
	f.Add([]byte(`{"v":1,"mode":"exec","lines":["\u00e9\t"]}`))
	f.Add([]byte(`{"v":1,"mode":"capture","capture":{"interfaces":["gi0/1"],"points":["drop"],"filter":"ipv4 any any","count":3}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := DecodeHeader(b)
		if err != nil {
			if !errors.Is(err, ErrHeader) || err.Error() == "" {
				t.Fatalf("error %v does not wrap ErrHeader", err)
			}
			return
		}
		// What the decoder accepts, the encoder can send and the decoder
		// reads back the same.
		enc, err := EncodeHeader(h)
		if err != nil {
			t.Fatalf("accepted %+v but cannot encode it: %v", h, err)
		}
		h2, err := DecodeHeader(enc)
		if err != nil || !reflect.DeepEqual(h, h2) {
			t.Fatalf("re-decoding %q: %+v, %v; want %+v", enc, h2, err, h)
		}
	})
}
