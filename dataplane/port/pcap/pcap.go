// Package pcap is the rootless port backend `pcap:IN[,OUT]`: it replays the
// Ethernet frames of a capture file (pcap or pcapng) into the switch in
// timestamp order and records the frames the switch sends out of the port
// into a pcap file. Labs and tests use it to drive the switch from
// recorded traffic without TAP devices or privileges.
//
// The input is read whole into memory at Open (fine for lab captures; a
// capture of N bytes costs about N bytes of heap), so that Read is a copy
// per frame with no I/O, no allocation and no lock.
package pcap

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/l2sw/l2sw/dataplane/port"
)

// BatchSize is the most frames one Read hands out.
const BatchSize = 64

// SnapLen is the snapshot length of OUT files, and the largest record
// accepted from IN (tcpdump's MAXIMUM_SNAPLEN: like tcpdump, the snaplen
// in an input file's header is not trusted, some writers exceed it).
const SnapLen = 262144

// Errors Open wraps, for errors.Is. A missing file wraps os.ErrNotExist.
var (
	// ErrNotCapture: IN is neither a pcap nor a pcapng file, or is corrupt.
	ErrNotCapture = errors.New("not a pcap or pcapng capture")
	// ErrLinkType: IN holds frames of a link type other than Ethernet.
	ErrLinkType = errors.New("capture link type is not Ethernet")
	// ErrSpec: the backend argument names neither an input nor an output.
	ErrSpec = errors.New("pcap port needs IN or ,OUT")
)

// Port replays IN and records to OUT. Read and Write are safe for
// concurrent use.
type Port struct {
	in, out string

	frames    [][]byte // IN, in timestamp order; never modified after Open
	giants    int      // IN frames longer than port.MaxFrame, not replayed
	next      atomic.Int64
	drained   chan struct{}
	drainOnce sync.Once
	closed    chan struct{}
	closeOnce sync.Once

	now  func() time.Time
	wmu  sync.Mutex // guards everything below
	file *os.File   // nil without OUT
	bw   *bufio.Writer
	pw   *pcapgo.Writer
	done bool
	werr error // first write error; the port stays broken after it

	rx, tx, txErr atomic.Uint64
}

var _ port.Port = (*Port)(nil)

// Option configures a Port.
type Option func(*Port)

// WithNow sets where OUT timestamps come from (tests pin it). The function
// is called once per Write batch, not per frame. Default time.Now.
func WithNow(now func() time.Time) Option { return func(p *Port) { p.now = now } }

// ParseSpec splits the backend argument "IN[,OUT]" (also ",OUT" for a
// transmit-only port).
func ParseSpec(arg string) (in, out string, err error) {
	in, out, _ = strings.Cut(arg, ",")
	if in == "" && out == "" {
		return "", "", fmt.Errorf("pcap:%s: %w", arg, ErrSpec)
	}
	return in, out, nil
}

// OpenSpec opens the port described by the backend argument "IN[,OUT]".
func OpenSpec(arg string, opts ...Option) (*Port, error) {
	in, out, err := ParseSpec(arg)
	if err != nil {
		return nil, err
	}
	return Open(in, out, opts...)
}

// Open loads IN (may be empty: a transmit-only port, already drained) and
// creates or truncates OUT (may be empty: transmitted frames are counted and
// dropped). IN and OUT must differ.
func Open(in, out string, opts ...Option) (*Port, error) {
	p := &Port{in: in, out: out, now: time.Now, drained: make(chan struct{}), closed: make(chan struct{})}
	for _, o := range opts {
		o(p)
	}
	if in == "" && out == "" {
		return nil, fmt.Errorf("pcap port: %w", ErrSpec)
	}
	if in != "" && in == out {
		return nil, fmt.Errorf("pcap port: IN and OUT are the same file %s: recording would overwrite the replay", in)
	}
	if in != "" {
		data, err := os.ReadFile(in)
		if err != nil {
			return nil, fmt.Errorf("pcap port: open capture: %w", err)
		}
		frames, err := loadCapture(data)
		if err != nil {
			return nil, fmt.Errorf("pcap port: %s: %w", in, err)
		}
		p.frames = frames[:0]
		for _, f := range frames {
			if len(f) > port.MaxFrame {
				p.giants++
				continue
			}
			p.frames = append(p.frames, f)
		}
	}
	if len(p.frames) == 0 {
		p.drainOnce.Do(func() { close(p.drained) })
	}
	if out != "" {
		f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
		if err != nil {
			return nil, fmt.Errorf("pcap port: create recording: %w", err)
		}
		p.file = f
		p.bw = bufio.NewWriterSize(f, 256<<10)
		// Classic microsecond pcap: the one format every tool reads.
		p.pw = pcapgo.NewWriter(p.bw)
		if err := p.pw.WriteFileHeader(SnapLen, layers.LinkTypeEthernet); err != nil {
			f.Close()
			return nil, fmt.Errorf("pcap port: %s: write header: %w", out, err)
		}
	}
	return p, nil
}

type record struct {
	ts   int64
	data []byte
}

// loadCapture decodes a whole capture file held in memory into its frames,
// stable-sorted by timestamp.
func loadCapture(data []byte) (frames [][]byte, err error) {
	// pcapgo v1.1.19 panics on some corrupt files (a zero divisor from a
	// crafted if_tsresol option, found by FuzzOpenCapture); a bad capture
	// file is an input error, not a crash of the switch.
	defer func() {
		if r := recover(); r != nil {
			frames, err = nil, fmt.Errorf("%w: reader failed: %v", ErrNotCapture, r)
		}
	}()
	if len(data) < 4 {
		return nil, fmt.Errorf("%d bytes: %w", len(data), ErrNotCapture)
	}
	type packetSource interface {
		ReadPacketData() ([]byte, gopacket.CaptureInfo, error)
	}
	var src packetSource
	switch m := binary.LittleEndian.Uint32(data); {
	case m == 0x0a0d0d0a: // pcapng section header block (palindromic)
		if err := checkNgBlocks(data); err != nil {
			return nil, err
		}
		r, err := pcapgo.NewNgReader(bytes.NewReader(data), pcapgo.NgReaderOptions{ErrorOnMismatchingLinkType: true})
		if err == io.EOF {
			return nil, nil // a section without interfaces: no frames
		}
		if errors.Is(err, pcapgo.ErrNgLinkTypeMismatch) {
			return nil, fmt.Errorf("%w: interfaces of several link types", ErrLinkType)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNotCapture, err)
		}
		if r.LinkType() != layers.LinkTypeEthernet {
			return nil, fmt.Errorf("%w: %v", ErrLinkType, r.LinkType())
		}
		src = r
	case m == 0xa1b2c3d4, m == 0xd4c3b2a1, m == 0xa1b23c4d, m == 0x4d3cb2a1, m&0xffff == 0x8b1f: // pcap µs/ns either order, or gzip'd pcap
		r, err := pcapgo.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNotCapture, err)
		}
		if r.LinkType() != layers.LinkTypeEthernet {
			return nil, fmt.Errorf("%w: %v", ErrLinkType, r.LinkType())
		}
		r.SetSnaplen(SnapLen)
		src = r
	default:
		return nil, fmt.Errorf("magic %#08x: %w", m, ErrNotCapture)
	}
	var recs []record
	sorted := true
	for {
		b, ci, err := src.ReadPacketData()
		if err == io.EOF {
			break
		}
		if errors.Is(err, pcapgo.ErrNgLinkTypeMismatch) {
			return nil, fmt.Errorf("%w: frame %d is on a non-Ethernet interface", ErrLinkType, len(recs)+1)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: frame %d: %v", ErrNotCapture, len(recs)+1, err)
		}
		ts := ci.Timestamp.UnixNano()
		if n := len(recs); n > 0 && ts < recs[n-1].ts {
			sorted = false
		}
		recs = append(recs, record{ts, b})
	}
	if !sorted {
		slices.SortStableFunc(recs, func(a, b record) int { return cmpInt64(a.ts, b.ts) })
	}
	frames = make([][]byte, len(recs))
	for i, r := range recs {
		frames[i] = r.data
	}
	return frames, nil
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// checkNgBlocks walks the pcapng block structure before pcapgo reads it:
// pcapgo allocates a packet's capture length as the file states it, so a
// corrupt length would ask for up to 4 GiB. Every block must fit the file
// and every packet's data its block.
func checkNgBlocks(data []byte) error {
	var order binary.ByteOrder = binary.LittleEndian
	for off := 0; off < len(data); {
		rest := data[off:]
		if len(rest) < 12 {
			return fmt.Errorf("%w: pcapng block at %d truncated", ErrNotCapture, off)
		}
		typ := binary.LittleEndian.Uint32(rest) // the SHB type reads the same either way
		if typ == 0x0a0d0d0a {
			switch {
			case binary.LittleEndian.Uint32(rest[8:]) == 0x1a2b3c4d:
				order = binary.LittleEndian
			case binary.BigEndian.Uint32(rest[8:]) == 0x1a2b3c4d:
				order = binary.BigEndian
			default:
				return fmt.Errorf("%w: pcapng section at %d has no byte-order magic", ErrNotCapture, off)
			}
		} else {
			typ = order.Uint32(rest)
		}
		n := order.Uint32(rest[4:])
		if n < 12 || uint64(n) > uint64(len(rest)) {
			return fmt.Errorf("%w: pcapng block at %d claims %d bytes, %d left", ErrNotCapture, off, n, len(rest))
		}
		switch typ {
		case 2, 6: // obsolete packet block, enhanced packet block
			if n < 32 || order.Uint32(rest[20:]) > n-32 {
				return fmt.Errorf("%w: pcapng packet at %d larger than its block", ErrNotCapture, off)
			}
		case 3: // simple packet block: the original length bounds the data
			if n < 16 || order.Uint32(rest[8:]) > uint32(len(data)) {
				return fmt.Errorf("%w: pcapng simple packet at %d larger than the file", ErrNotCapture, off)
			}
		}
		off += int(n)
	}
	return nil
}

// Read implements port.Port: it copies up to len(bufs) (at most BatchSize)
// replayed frames. Once IN is exhausted it blocks until Close, and
// returns port.ErrClosed.
func (p *Port) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	select {
	case <-p.closed:
		return 0, port.ErrClosed
	default:
	}
	want := min(len(bufs), len(sizes), BatchSize)
	if want == 0 {
		return 0, nil
	}
	total := int64(len(p.frames))
	var start, end int64
	for {
		start = p.next.Load()
		if start >= total {
			p.drainOnce.Do(func() { close(p.drained) })
			<-p.closed
			return 0, port.ErrClosed
		}
		end = min(start+int64(want), total)
		if p.next.CompareAndSwap(start, end) {
			break
		}
	}
	n := 0
	for i := start; i < end; i++ {
		f := p.frames[i]
		if len(bufs[n])-offset < len(f) {
			// The frames after this one in the claimed range are lost;
			// the caller's buffers break the port contract (BufferSize).
			p.rx.Add(uint64(n))
			return n, fmt.Errorf("pcap port %s: frame of %d bytes does not fit buffer of %d", p.in, len(f), len(bufs[n])-offset)
		}
		sizes[n] = copy(bufs[n][offset:], f)
		n++
	}
	p.rx.Add(uint64(n))
	if end == total {
		p.drainOnce.Do(func() { close(p.drained) })
	}
	return n, nil
}

// Drained is closed once every frame of IN has been handed to Read (at
// Open for an empty or absent IN): the replay is over, the port stays up.
func (p *Port) Drained() <-chan struct{} { return p.drained }

// Frames is the number of frames loaded from IN for replay.
func (p *Port) Frames() int { return len(p.frames) }

// Giants is the number of IN frames longer than port.MaxFrame that were
// skipped at Open, as a switch port drops giants.
func (p *Port) Giants() int { return p.giants }

// Write implements port.Port: the frames are appended to OUT, all stamped
// with one reading of the clock.
func (p *Port) Write(frames [][]byte) (int, error) {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	if p.done {
		return 0, port.ErrClosed
	}
	if p.werr != nil {
		return 0, p.werr
	}
	if p.pw == nil {
		p.tx.Add(uint64(len(frames)))
		return len(frames), nil
	}
	ci := gopacket.CaptureInfo{Timestamp: p.now()}
	for i, f := range frames {
		ci.Length = len(f)
		ci.CaptureLength = min(len(f), SnapLen)
		if err := p.pw.WritePacket(ci, f[:ci.CaptureLength]); err != nil {
			p.werr = fmt.Errorf("pcap port: record to %s: %w", p.out, err)
			p.tx.Add(uint64(i))
			p.txErr.Add(uint64(len(frames) - i))
			return i, p.werr
		}
	}
	p.tx.Add(uint64(len(frames)))
	return len(frames), nil
}

// BatchSize implements port.Port.
func (p *Port) BatchSize() int { return BatchSize }

// Close implements port.Port: it wakes a blocked Read, then flushes and
// fsyncs OUT so that the recording is complete on disk when Close returns.
func (p *Port) Close() error {
	p.closeOnce.Do(func() { close(p.closed) })
	p.wmu.Lock()
	defer p.wmu.Unlock()
	if p.done {
		return nil
	}
	p.done = true
	if p.file == nil {
		return nil
	}
	var errs []error
	if err := p.bw.Flush(); err != nil {
		errs = append(errs, fmt.Errorf("flush: %w", err))
	}
	if err := p.file.Sync(); err != nil {
		errs = append(errs, fmt.Errorf("fsync: %w", err))
	}
	if err := p.file.Close(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("pcap port: close %s: %w", p.out, err)
	}
	return nil
}

// Stats reports the frames replayed and recorded.
func (p *Port) Stats() port.Stats {
	return port.Stats{RxFrames: p.rx.Load(), TxFrames: p.tx.Load(), TxErrors: p.txErr.Load()}
}

// String implements port.Port: the backend and its argument.
func (p *Port) String() string {
	if p.out == "" {
		return "pcap:" + p.in
	}
	return "pcap:" + p.in + "," + p.out
}
