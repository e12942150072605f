package pcap

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/gopacket/layers"

	"github.com/l2sw/l2sw/dataplane/port"
)

// FuzzOpenCapture feeds random bytes as IN: Open must not panic, must fail
// with ErrNotCapture or ErrLinkType when it fails, and a port it returns
// must replay exactly Frames() frames.
func FuzzOpenCapture(f *testing.F) {
	dir := f.TempDir()
	for i, w := range []func(testing.TB, string, layers.LinkType, []stamped){writePcap, writePcapng} {
		p := filepath.Join(dir, []string{"a.pcap", "a.pcapng"}[i])
		w(f, p, layers.LinkTypeEthernet, []stamped{{t0, testFrame(1)}, {t0.Add(-1), testFrame(2)}})
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		f.Add(data[:len(data)/2])
	}
	f.Add([]byte{0xd4, 0xc3, 0xb2, 0xa1})
	f.Add([]byte{0x0a, 0x0d, 0x0d, 0x0a, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		frames, err := loadCapture(data)
		if err != nil {
			if !errors.Is(err, ErrNotCapture) && !errors.Is(err, ErrLinkType) {
				t.Fatalf("unclassified error: %v", err)
			}
			return
		}
		in := filepath.Join(t.TempDir(), "in")
		if err := os.WriteFile(in, data, 0o644); err != nil {
			t.Fatal(err)
		}
		p, err := Open(in, "")
		if err != nil {
			t.Fatalf("loadCapture accepted what Open rejects: %v", err)
		}
		defer p.Close()
		bufs, sizes := newBufs(BatchSize)
		got := 0
		for got < p.Frames() {
			n, err := p.Read(bufs, sizes, 0)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < n; i++ {
				if sizes[i] > port.MaxFrame {
					t.Fatalf("giant of %d bytes replayed", sizes[i])
				}
			}
			got += n
		}
		if want := len(frames) - p.Giants(); got != want {
			t.Fatalf("replayed %d frames, loaded %d", got, want)
		}
	})
}
