package cli

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// FuzzStartupConfig loads arbitrary bytes as a startup-config: nothing may
// panic, every refused line is reported once with a line number inside the
// file and logged, and the resulting running-config loads into a fresh
// device without errors and renders the same (a reload loses nothing).
func FuzzStartupConfig(f *testing.F) {
	for _, s := range []string{
		DefaultConfig,
		"hostname A\nvlan 10\n name x\n frob\ninterface gi0/2\n switchport access vlan 10\nend\n",
		"interface GigabitEthernet0/1\r\n description crlf\r\n!\r\n",
		"no line end at the end",
		"\n\n\n!\n",
		"ip access-list extended X\n permit tcp any any eq 22\ninterface gi0/1\n ip access-group X in\n",
		"line vty 0 4\n exit\nexit\nexit\nhostname B\n",
		"Building configuration...\n\nCurrent configuration : 10 bytes\n!\nend\n",
		"track 1 interface gi0/1 line-protocol\ninterface Vlan10\n ip address 10.0.10.2 255.255.255.0\n standby version 2\n standby 1 ip 10.0.10.1\n" +
			" standby 1 ip 10.0.10.5 secondary\n standby 1 timers msec 300 1\n standby 1 priority 110\n standby 1 preempt delay minimum 5\n" +
			" standby 1 authentication md5 key-string k\n standby 1 name N\n standby 1 track 1 decrement 20\n standby ip\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		text := string(in)
		if len(in) > 4000 || strings.Contains(text, "secret") && !strings.Contains(text, "$9$") {
			return // plain-text secrets cost a scrypt each
		}
		r := newRig(t)
		errs := r.dev.LoadConfig(strings.NewReader(text))
		lines := strings.Count(text, "\n") + 1
		for _, err := range errs {
			var n int
			msg := err.Error()
			if _, serr := fmt.Sscanf(msg, "startup-config line %d:", &n); serr == nil && n >= 1 && n <= lines ||
				strings.HasPrefix(msg, "startup-config: access list") {
				continue
			}
			t.Fatalf("error without a line of the file: %v", err)
		}
		if got := len(r.sw.Log().Grep("%PARSER-4-BADCFG")); got != len(errs) {
			t.Fatalf("%d errors, %d logged", len(errs), got)
		}
		cfg := r.dev.RunningConfig()
		fresh := newRig(t)
		if errs := fresh.dev.LoadConfig(strings.NewReader(cfg)); len(errs) > 0 {
			t.Fatalf("running-config does not load back: %v\n%s", errs, cfg)
		}
		if got := fresh.dev.RunningConfig(); got != cfg {
			t.Fatalf("running-config changed on reload\n--- before\n%s\n--- after\n%s", cfg, got)
		}
	})
}

// FuzzReadConfigLine checks the loader's line reader against a plain
// split of the whole input: same lines, same lengths, overlong lines cut
// at the limit and reported, whatever the buffer size.
func FuzzReadConfigLine(f *testing.F) {
	f.Add([]byte("a\nbb\n\nccc"), uint8(2), uint8(16))
	f.Add([]byte(strings.Repeat("x", 100)+"\n"), uint8(10), uint8(16))
	f.Fuzz(func(t *testing.T, in []byte, maxLen, bufSize uint8) {
		max := int(maxLen) + 1
		br := bufio.NewReaderSize(bytes.NewReader(in), int(bufSize)+16)
		want := strings.Split(string(in), "\n")
		if len(in) > 0 && in[len(in)-1] == '\n' {
			want = want[:len(want)-1]
		} else if len(in) == 0 {
			want = nil
		}
		for i, w := range want {
			line, full, err := readConfigLine(br, max)
			if full != len(w) {
				t.Fatalf("line %d: length %d, want %d", i+1, full, len(w))
			}
			if len(w) > max {
				if !errors.Is(err, errLineTooLong) || line != w[:max] {
					t.Fatalf("line %d: overlong %q %v", i+1, line, err)
				}
			} else if err != nil || line != w {
				t.Fatalf("line %d: %q %v, want %q", i+1, line, err, w)
			}
		}
		if _, _, err := readConfigLine(br, max); !errors.Is(err, io.EOF) {
			t.Fatalf("after %d lines: %v, want EOF", len(want), err)
		}
	})
}
