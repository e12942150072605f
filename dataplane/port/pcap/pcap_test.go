package pcap

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/l2sw/l2sw/dataplane/port"
)

var t0 = time.Date(2024, 3, 1, 0, 1, 2, 345000000, time.UTC)

// testFrame is a distinguishable 60-byte Ethernet frame: i in the source MAC
// and the payload, length growing with i so that sizes are checked too.
func testFrame(i int) []byte {
	b := make([]byte, 60+i%7)
	copy(b, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x11, 0x22, byte(i >> 16), byte(i >> 8), byte(i), 0x08, 0x06})
	for j := 14; j < len(b); j++ {
		b[j] = byte(i + j)
	}
	return b
}

type stamped struct {
	ts   time.Time
	data []byte
}

func writePcap(t testing.TB, path string, link layers.LinkType, pkts []stamped) {
	t.Helper()
	var buf bytes.Buffer
	w := pcapgo.NewWriterNanos(&buf)
	if err := w.WriteFileHeader(65535, link); err != nil {
		t.Fatal(err)
	}
	for _, p := range pkts {
		if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: p.ts, CaptureLength: len(p.data), Length: len(p.data)}, p.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func writePcapng(t testing.TB, path string, link layers.LinkType, pkts []stamped) {
	t.Helper()
	var buf bytes.Buffer
	w, err := pcapgo.NewNgWriter(&buf, link)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pkts {
		if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: p.ts, CaptureLength: len(p.data), Length: len(p.data)}, p.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func ordered(n int) []stamped {
	pkts := make([]stamped, n)
	for i := range pkts {
		pkts[i] = stamped{t0.Add(time.Duration(i) * time.Millisecond), testFrame(i)}
	}
	return pkts
}

func newBufs(n int) ([][]byte, []int) {
	bufs := make([][]byte, n)
	for i := range bufs {
		bufs[i] = make([]byte, port.BufferSize)
	}
	return bufs, make([]int, n)
}

// readAll reads until Drained, in batches of batch buffers.
func readAll(t *testing.T, p *Port, batch int) [][]byte {
	t.Helper()
	bufs, sizes := newBufs(batch)
	var got [][]byte
	for {
		select {
		case <-p.Drained():
			return got
		default:
		}
		n, err := p.Read(bufs, sizes, port.Headroom)
		if err != nil {
			t.Fatalf("Read: %v after %d frames", err, len(got))
		}
		if n < 1 || n > batch || n > BatchSize {
			t.Fatalf("Read returned %d frames for %d buffers", n, batch)
		}
		for i := 0; i < n; i++ {
			got = append(got, append([]byte(nil), bufs[i][port.Headroom:port.Headroom+sizes[i]]...))
		}
	}
}

func sameFrames(t *testing.T, got, want [][]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d frames, want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("frame %d:\n got % x\nwant % x", i, got[i], want[i])
		}
	}
}

func TestReplay(t *testing.T) {
	for _, format := range []string{"pcap", "pcapng"} {
		for _, batch := range []int{1, 7, 64, 200} {
			t.Run(fmt.Sprintf("%s/batch%d", format, batch), func(t *testing.T) {
				in := filepath.Join(t.TempDir(), "in."+format)
				pkts := ordered(150)
				if format == "pcap" {
					writePcap(t, in, layers.LinkTypeEthernet, pkts)
				} else {
					writePcapng(t, in, layers.LinkTypeEthernet, pkts)
				}
				p, err := Open(in, "")
				if err != nil {
					t.Fatal(err)
				}
				defer p.Close()
				if p.Frames() != 150 || p.BatchSize() != BatchSize || p.String() != "pcap:"+in {
					t.Fatalf("Frames %d BatchSize %d String %q", p.Frames(), p.BatchSize(), p.String())
				}
				want := make([][]byte, len(pkts))
				for i := range pkts {
					want[i] = pkts[i].data
				}
				sameFrames(t, readAll(t, p, batch), want)
				if s := p.Stats(); s.RxFrames != 150 {
					t.Errorf("RxFrames %d", s.RxFrames)
				}
			})
		}
	}
}

func TestUnorderedInputIsStableSorted(t *testing.T) {
	pkts := []stamped{
		{t0.Add(3 * time.Second), testFrame(3)},
		{t0.Add(1 * time.Second), testFrame(1)},
		{t0.Add(2 * time.Second), testFrame(20)}, // same stamp as the next: file order kept
		{t0.Add(2 * time.Second), testFrame(21)},
		{t0.Add(2 * time.Second), testFrame(22)},
		{t0, testFrame(0)},
		{t0.Add(2*time.Second + time.Nanosecond), testFrame(23)},
	}
	want := [][]byte{testFrame(0), testFrame(1), testFrame(20), testFrame(21), testFrame(22), testFrame(23), testFrame(3)}
	for _, format := range []string{"pcap", "pcapng"} {
		in := filepath.Join(t.TempDir(), "unordered."+format)
		if format == "pcap" {
			writePcap(t, in, layers.LinkTypeEthernet, pkts)
		} else {
			writePcapng(t, in, layers.LinkTypeEthernet, pkts)
		}
		p, err := Open(in, "")
		if err != nil {
			t.Fatal(err)
		}
		sameFrames(t, readAll(t, p, 3), want)
		p.Close()
	}
}

func TestRecord(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.pcap")
	now := t0
	p, err := Open("", out, WithNow(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.Drained():
	default:
		t.Error("a transmit-only port is not drained at Open")
	}
	if p.String() != "pcap:,"+out {
		t.Errorf("String %q", p.String())
	}
	jumbo := make([]byte, 9000)
	jumbo[0] = 0x42
	batches := [][][]byte{{testFrame(1), testFrame(2)}, {testFrame(3)}, {jumbo}}
	for i, b := range batches {
		now = t0.Add(time.Duration(i) * time.Second)
		if n, err := p.Write(b); err != nil || n != len(b) {
			t.Fatalf("Write: %d, %v", n, err)
		}
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if n, err := p.Write([][]byte{testFrame(9)}); n != 0 || !errors.Is(err, port.ErrClosed) {
		t.Errorf("Write after Close: %d, %v", n, err)
	}
	if s := p.Stats(); s.TxFrames != 4 || s.TxErrors != 0 {
		t.Errorf("stats %+v", s)
	}

	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	if r.LinkType() != layers.LinkTypeEthernet || r.Snaplen() != SnapLen {
		t.Errorf("header: link %v snaplen %d", r.LinkType(), r.Snaplen())
	}
	// The classic microsecond magic, little-endian. (pcapgo's Resolution()
	// has the two cases swapped in v1.1.19, so the bytes are checked.)
	if raw, _ := os.ReadFile(out); !bytes.HasPrefix(raw, []byte{0xd4, 0xc3, 0xb2, 0xa1}) {
		t.Errorf("magic % x, want classic microsecond pcap", raw[:4])
	}
	wantTS := []time.Time{t0, t0, t0.Add(time.Second), t0.Add(2 * time.Second)}
	want := [][]byte{testFrame(1), testFrame(2), testFrame(3), jumbo}
	for i := range want {
		data, ci, err := r.ReadPacketData()
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if !bytes.Equal(data, want[i]) || ci.Length != len(want[i]) || !ci.Timestamp.Equal(wantTS[i]) {
			t.Errorf("record %d: %d bytes at %v, want %d at %v", i, len(data), ci.Timestamp, len(want[i]), wantTS[i])
		}
	}
	if _, _, err := r.ReadPacketData(); err != io.EOF {
		t.Errorf("after the records: %v, want EOF", err)
	}
}

// TestReplayAndRecord is the CLI form pcap:IN,OUT: what comes in is read,
// what the switch sends lands in OUT, and the files are different.
func TestReplayAndRecord(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.pcapng"), filepath.Join(dir, "out.pcap")
	writePcapng(t, in, layers.LinkTypeEthernet, ordered(3))
	p, err := OpenSpec(in + "," + out)
	if err != nil {
		t.Fatal(err)
	}
	got := readAll(t, p, 64)
	if _, err := p.Write(got); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	p2, err := Open(out, "")
	if err != nil {
		t.Fatal(err)
	}
	defer p2.Close()
	sameFrames(t, readAll(t, p2, 64), got)
}

func TestConcurrentWrite(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out.pcap")
	p, err := Open("", out)
	if err != nil {
		t.Fatal(err)
	}
	const workers, per = 4, 200
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < per; i++ {
				if _, err := p.Write([][]byte{testFrame(w*per + i), testFrame(w*per + i)}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	p2, err := Open(out, "")
	if err != nil {
		t.Fatal(err)
	}
	defer p2.Close()
	got := readAll(t, p2, 64)
	if len(got) != 2*workers*per {
		t.Fatalf("%d records, want %d", len(got), 2*workers*per)
	}
	seen := map[string]bool{}
	for i := 0; i < len(got); i += 2 { // each batch stays whole and in order
		if !bytes.Equal(got[i], got[i+1]) {
			t.Fatalf("records %d and %d of one batch were interleaved", i, i+1)
		}
		seen[string(got[i])] = true
	}
	if len(seen) != workers*per {
		t.Errorf("%d distinct frames, want %d", len(seen), workers*per)
	}
}

func TestCloseUnblocksRead(t *testing.T) {
	in := filepath.Join(t.TempDir(), "in.pcap")
	writePcap(t, in, layers.LinkTypeEthernet, ordered(2))
	p, err := Open(in, "")
	if err != nil {
		t.Fatal(err)
	}
	bufs, sizes := newBufs(4)
	if n, err := p.Read(bufs, sizes, 0); n != 2 || err != nil {
		t.Fatalf("Read: %d, %v", n, err)
	}
	<-p.Drained() // closed by the Read that took the last frame
	errc := make(chan error)
	go func() {
		_, err := p.Read(bufs, sizes, 0)
		errc <- err
	}()
	select {
	case err := <-errc:
		t.Fatalf("Read on an exhausted capture returned %v instead of blocking", err)
	default:
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; !errors.Is(err, port.ErrClosed) {
		t.Fatalf("blocked Read returned %v, want ErrClosed", err)
	}
	if _, err := p.Read(bufs, sizes, 0); !errors.Is(err, port.ErrClosed) {
		t.Fatalf("Read after Close: %v", err)
	}
}

func TestCloseBeforeDrainStopsReplay(t *testing.T) {
	in := filepath.Join(t.TempDir(), "in.pcap")
	writePcap(t, in, layers.LinkTypeEthernet, ordered(10))
	p, err := Open(in, "")
	if err != nil {
		t.Fatal(err)
	}
	p.Close()
	bufs, sizes := newBufs(4)
	if n, err := p.Read(bufs, sizes, 0); n != 0 || !errors.Is(err, port.ErrClosed) {
		t.Fatalf("Read after Close: %d, %v", n, err)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "notes.txt")
	os.WriteFile(garbage, []byte("this is not a capture file at all"), 0o644)
	tiny := filepath.Join(dir, "tiny")
	os.WriteFile(tiny, []byte{0xd4}, 0o644)
	cut := filepath.Join(dir, "cut.pcap")
	writePcap(t, cut, layers.LinkTypeEthernet, ordered(3))
	data, _ := os.ReadFile(cut)
	os.WriteFile(cut, data[:len(data)-5], 0o644)
	raw := filepath.Join(dir, "raw.pcap")
	writePcap(t, raw, layers.LinkTypeRaw, ordered(1))
	rawng := filepath.Join(dir, "raw.pcapng")
	writePcapng(t, rawng, layers.LinkTypeLinuxSLL, ordered(1))
	cases := []struct {
		name, in, out string
		want          error
	}{
		{"missing file", filepath.Join(dir, "nope.pcap"), "", os.ErrNotExist},
		{"not a capture", garbage, "", ErrNotCapture},
		{"one byte", tiny, "", ErrNotCapture},
		{"truncated record", cut, "", ErrNotCapture},
		{"raw IP link type", raw, "", ErrLinkType},
		{"pcapng Linux cooked", rawng, "", ErrLinkType},
		{"nothing", "", "", ErrSpec},
		{"OUT in a missing directory", "", filepath.Join(dir, "no", "out.pcap"), os.ErrNotExist},
	}
	for _, c := range cases {
		p, err := Open(c.in, c.out)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: Open = %v, want %v", c.name, err, c.want)
		}
		if p != nil {
			t.Errorf("%s: a port came back with the error", c.name)
		}
	}
	if _, err := Open(cut, cut); err == nil {
		t.Error("IN == OUT accepted: the recording would overwrite the replay")
	}
	if _, _, err := ParseSpec(","); !errors.Is(err, ErrSpec) {
		t.Errorf("ParseSpec(\",\") = %v", err)
	}
	if in, out, err := ParseSpec(",o.pcap"); in != "" || out != "o.pcap" || err != nil {
		t.Errorf("ParseSpec(\",o.pcap\") = %q %q %v", in, out, err)
	}
}

func TestGiantsSkipped(t *testing.T) {
	in := filepath.Join(t.TempDir(), "in.pcap")
	giant := make([]byte, port.MaxFrame+1)
	writePcap(t, in, layers.LinkTypeEthernet, []stamped{{t0, testFrame(0)}, {t0, giant}, {t0, testFrame(1)}})
	p, err := Open(in, "")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if p.Giants() != 1 || p.Frames() != 2 {
		t.Fatalf("giants %d frames %d", p.Giants(), p.Frames())
	}
	sameFrames(t, readAll(t, p, 64), [][]byte{testFrame(0), testFrame(1)})
}

func TestEmptyCapture(t *testing.T) {
	in := filepath.Join(t.TempDir(), "empty.pcapng")
	writePcapng(t, in, layers.LinkTypeEthernet, nil)
	p, err := Open(in, "")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	select {
	case <-p.Drained():
	default:
		t.Error("empty capture not drained at Open")
	}
}

func TestReadAllocs(t *testing.T) {
	in := filepath.Join(t.TempDir(), "in.pcap")
	const runs = 100
	writePcap(t, in, layers.LinkTypeEthernet, ordered(BatchSize*(runs+2)))
	p, err := Open(in, "")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	bufs, sizes := newBufs(BatchSize)
	allocs := testing.AllocsPerRun(runs, func() {
		if n, err := p.Read(bufs, sizes, port.Headroom); n != BatchSize || err != nil {
			t.Fatalf("Read: %d, %v", n, err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per Read of %d frames, want 0", allocs, BatchSize)
	}
}

func BenchmarkRead(b *testing.B) {
	in := filepath.Join(b.TempDir(), "in.pcap")
	writePcap(b, in, layers.LinkTypeEthernet, ordered(BatchSize*1024))
	bufs, sizes := newBufs(BatchSize)
	b.ReportAllocs()
	var frames int
	var p *Port
	for b.Loop() {
		if p == nil || p.next.Load() >= int64(len(p.frames)) {
			b.StopTimer()
			if p != nil {
				p.Close()
			}
			var err error
			if p, err = Open(in, ""); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		n, _ := p.Read(bufs, sizes, port.Headroom)
		frames += n
	}
	p.Close()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(frames), "ns/frame")
}
