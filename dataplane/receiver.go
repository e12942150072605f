package dataplane

import (
	"encoding/binary"
	"errors"
	"github.com/l2sw/l2sw/counter"
	"unsafe"

	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/cef"
	"github.com/l2sw/l2sw/dataplane/gso"
	"github.com/l2sw/l2sw/dataplane/port"
	"github.com/l2sw/l2sw/packet"
	"github.com/l2sw/l2sw/tcam"
)

// Receiver runs the forwarding pipeline for frames received on one port
// queue. It owns its buffers and counters, so the per-frame path takes no
// lock and allocates nothing. The switch runs one per queue; benchmarks and
// tests drive one synchronously through Buffers and Process.
type Receiver struct {
	sw    *Switch
	in    cam.PortID
	rx    port.Port
	queue int          // rx's index among the ingress port's queues; egress uses the same (portView.txQueue)
	stats statsTable   // published counters, read by the control plane
	local []localStats // running totals, written per frame

	bufs  [][]byte // receive buffers; frame i at bufs[i][port.Headroom:]
	sizes []int

	scratch  [][]byte // re-encapsulated copies for floods
	nscratch int
	probes   []cam.Probe // per frame: its CAM keys and their hashes (prepare)
	probe    *cam.Probe  // the probe of the frame being forwarded
	fibDsts  []uint32    // IPv4 destinations to prefetch FIB lines or counters of
	fibDst   []uint32    // per frame: its routed destination, 0 if none

	tx    [][][]byte     // pending frames per egress port
	txh   [][]gso.Header // their virtio-net headers
	txOff []bool         // per egress port: a pending frame's header is not plain
	dirty []cam.PortID

	// Offloads (virtio-net headers). rxOffload: the ingress port has
	// offloads in effect, so every received frame's header is in the
	// headroom; vh is the header of the frame being forwarded. seg are
	// the scratch buffers (with headroom) that super-frames are segmented
	// and partial checksums completed in for ports that cannot take them;
	// allocated only when rxOffload, as only such a receiver makes
	// non-plain frames.
	rxOffload bool
	vh        gso.Header
	segBuf    [][]byte // with headroom, for the router
	seg       [][]byte // segBuf[i][port.Headroom:]
	segSizes  []int
	slow      [][]byte     // a port's frames on the segmenting flush path
	slowHdr   []gso.Header // and their headers
	view      packet.View
	l3w       *l3Worker           // routed-path counters (l3.go)
	nhPorts   [nhCacheSize]nhPort // remembered next-hop ports (l3.go)

	now       int64          // seconds, read once per batch
	shardID   int            // the counter shard this receiver counts under (cef and TCAM index)
	shard     *counter.Shard // held for each batch (Process)
	key       tcam.Header    // the ACL key of the packet being classified (aclstage.go)
	keyed     bool           // key is built for the current packet
	ace       uint32         // with an observer: the sequence number of the ACE that matched last
	obs       Observer       // the switch's observer for this batch; nil: none
	aclSecond int64          // the second aclPunts counts in
	aclPunts  int            // ACL punts sent in aclSecond
	l3err     packet.Reason  // what is wrong with the frame's ARP or IPv4 header, which bridging ignores (l3Bad)
	l3parsed  bool           // view's network header is parsed and l3err set
	dropped   bool           // a drop counter moved since the last publish
	cpu       bool           // the control plane's transmit side: nothing it sends was received
	worker    int            // this receiver's number among the switch's, for observers (Decision.Worker); the CPU's is 0
	spanBuf   []byte         // SPAN copies (span.go); nil until a session needs one
	spanUsed  int            // bytes of spanBuf the queued copies use
	dry       bool           // the simulated trace's receiver: changes no shared table (simulate.go)
	pending   pendingLearn   // dry: the source the frame would have learned
	storm     stormWorker    // storm control's counts of the ingress port (storm.go)
}

func (sw *Switch) newReceiverLocked(in cam.PortID, rx port.Port, queue int) *Receiver {
	batch := rx.BatchSize()
	if batch < 1 {
		batch = 1
	}
	size := port.BufferSize
	if bs, ok := rx.(port.BufferSizer); ok && bs.BufferSize() > size {
		size = bs.BufferSize()
	}
	r := &Receiver{
		sw:      sw,
		in:      in,
		rx:      rx,
		queue:   queue,
		stats:   make(statsTable, sw.cfg.MaxPorts),
		local:   make([]localStats, sw.cfg.MaxPorts),
		bufs:    make([][]byte, batch),
		sizes:   make([]int, batch),
		scratch: make([][]byte, batch),
		dirty:   make([]cam.PortID, 0, sw.cfg.MaxPorts),
		probes:  make([]cam.Probe, batch),
		fibDsts: make([]uint32, 0, batch),
		fibDst:  make([]uint32, batch),
	}
	r.initTx(sw.cfg.MaxPorts, batch)
	r.bufs = carve(batch, size)
	r.scratch = carve(batch, size)
	if int(in) < len(sw.ports) && sw.ports[in] != nil && sw.ports[in].offload != 0 {
		r.rxOffload = true
		r.segBuf = make([][]byte, segScratch)
		r.seg = make([][]byte, segScratch)
		r.segSizes = make([]int, segScratch)
		for i := range r.seg {
			r.segBuf[i] = make([]byte, port.BufferSize)
			r.seg[i] = r.segBuf[i][port.Headroom:]
		}
		r.slow = make([][]byte, 0, batch+segScratch)
		r.slowHdr = make([]gso.Header, 0, batch+segScratch)
	}
	r.takeShard(sw.shards)
	r.l3w = sw.l3.newWorkerLocked(r.shardID, r.shard)
	sw.workers[r] = struct{}{}
	sw.lastWorker++
	r.worker = sw.lastWorker
	return r
}

// carve returns n buffers of size bytes cut from one allocation, each
// starting a whole, odd number of cache lines after the previous one.
// Frames sit at the same offset of every buffer; with a stride of an odd
// number of lines (and so not a multiple of the 4 KiB that the L1 cache
// indexes by) the n frames of a batch fall into n different cache sets
// instead of crowding a few, where they would evict each other before the
// pipeline reads them.
func carve(n, size int) [][]byte {
	const line = 64
	stride := (size + line - 1) / line
	if stride%2 == 0 {
		stride++
	}
	stride *= line
	slab := make([]byte, n*stride+line)
	off := int((line - uintptr(unsafe.Pointer(unsafe.SliceData(slab)))%line) % line)
	bufs := make([][]byte, n)
	for i := range bufs {
		start := off + i*stride
		bufs[i] = slab[start : start+size : start+size]
	}
	return bufs
}

// segScratch is how many segments a receiver cuts before it writes them: a
// 64 KiB TCP super-frame at an MSS of 1448 is 46 segments, so one round.
const segScratch = 64

// initTx sizes the transmit queues: maxPorts egress ports, batch frames each
// before a queue grows.
func (r *Receiver) initTx(maxPorts, batch int) {
	r.tx = make([][][]byte, maxPorts)
	r.txh = make([][]gso.Header, maxPorts)
	r.txOff = make([]bool, maxPorts)
	for i := range r.tx {
		r.tx[i] = make([][]byte, 0, batch)
		r.txh[i] = make([]gso.Header, 0, batch)
	}
}

// NewReceiver returns a receiver for frames entering on the named port,
// driven by the caller (benchmarks, tests, replays) instead of a worker.
func (sw *Switch) NewReceiver(name string) (*Receiver, error) {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	p, err := sw.portLocked(name)
	if err != nil {
		return nil, err
	}
	return sw.newReceiverLocked(p.id, p.backend, 0), nil
}

// takeShard gives r a counter shard of its own (or the least shared one).
func (r *Receiver) takeShard(shards *counter.Shards) {
	r.shardID = shards.Acquire()
	r.shard = shards.At(r.shardID)
}

// Close retires the receiver; its counters stay counted.
func (r *Receiver) Close() {
	r.sw.mu.Lock()
	defer r.sw.mu.Unlock()
	if _, ok := r.sw.workers[r]; ok {
		delete(r.sw.workers, r)
		r.sw.shards.Release(r.shardID)
		for id := range r.stats {
			r.stats.sumInto(id, &r.sw.retired[id])
		}
	}
}

// Buffers returns the receive buffers and their size slots. A driver writes
// frame i at bufs[i][port.Headroom:] and its length in sizes[i].
func (r *Receiver) Buffers() (bufs [][]byte, sizes []int) { return r.bufs, r.sizes }

func (r *Receiver) run() {
	defer r.Close()
	for {
		n, err := r.rx.Read(r.bufs, r.sizes, port.Headroom)
		if n > 0 {
			r.Process(n)
		}
		if err != nil {
			if !errors.Is(err, port.ErrClosed) {
				r.sw.linkDown(r.in)
			}
			return
		}
	}
}

// Process forwards the first n frames of the buffers and transmits the
// result, one Write per egress port.
func (r *Receiver) Process(n int) {
	r.shard.Lock()
	defer r.shard.Unlock()
	s := r.sw.snap.Load()
	r.obs = nil
	if o := r.sw.observer.Load(); o != nil {
		r.obs = *o
	}
	now := r.sw.clk.Nanos() / 1e9
	r.now = now
	r.nscratch = 0
	camPF := r.sw.cam.Prefetching()
	var fib *cef.Table
	if s.l3 != nil && s.l3.fib.Prefetching() {
		fib = s.l3.fib
	}
	counters := fib != nil && s.l3.perPrefix
	if !camPF && fib == nil {
		// Tables in the caches: nothing to prefetch, and each frame's
		// hashes are taken where they are used.
		r.probe = nil
		for i := 0; i < n; i++ {
			r.forward(s, r.bufs[i], r.sizes[i], now)
		}
	} else {
		r.prepare(s, fib != nil, n)
		// The lines of a frame are prefetched 16 to 23 frames ahead of it;
		// a routed frame's prefix counter, which only its FIB leaf names,
		// 8 to 15 frames ahead, once that leaf is in.
		r.prefetchLines(fib, camPF, 0, min(n, prefetchAhead))
		for i := 0; i < n; i++ {
			if i%prefetchStep == 0 {
				if i+prefetchAhead < n {
					r.prefetchLines(fib, camPF, i+prefetchAhead, min(n, i+prefetchAhead+prefetchStep))
				}
				if counters && i+prefetchStep < n {
					r.prefetchCounters(fib, i+prefetchStep, min(n, i+2*prefetchStep))
				}
			}
			r.probe = &r.probes[i]
			r.forward(s, r.bufs[i], r.sizes[i], now)
		}
	}
	r.flush(s)
}

// prepare reads the addresses of the batch's n frames before any is
// forwarded: each frame's CAM probe (its source and destination keys and
// their hashes, see cam.Probe) and, with route, the IPv4 destination of a
// frame to the router MAC (fibDst, 0 if none). One tight loop over the
// batch overlaps the frames' hash computations, and the prefetches of the
// forwarding loop then only compute addresses. The VLAN is read from the
// tag, else taken from the port; a guess that forward corrects costs a
// second hash.
func (r *Receiver) prepare(s *snapshot, route bool, n int) {
	pv := &s.ports[r.in]
	untagged := pv.untagged
	router := uint64(0)
	if route {
		router = s.l3.routerMAC
	}
	cm := r.sw.cam
	for i := 0; i < n; i++ {
		f := r.bufs[i][port.Headroom:]
		r.fibDst[i] = 0
		if r.sizes[i] < packet.EthLen+packet.TagLen || len(f) < packet.EthLen+packet.TagLen+packet.IPv4Min {
			continue
		}
		vlan, l3 := untagged, packet.EthLen
		if binary.BigEndian.Uint16(f[packet.EthType:]) == packet.TypeDot1Q {
			vlan = binary.BigEndian.Uint16(f[packet.EthLen:]) & 0x0fff
			l3 += packet.TagLen
		}
		dst, src := packet.MACUint64(f[packet.EthDst:]), packet.MACUint64(f[packet.EthSrc:])
		if !route || dst != router {
			cm.SetProbe(&r.probes[i], vlan, src, dst)
			continue
		}
		// To the router: only the source is looked up in the CAM.
		cm.SetSourceProbe(&r.probes[i], vlan, src)
		if binary.BigEndian.Uint16(f[l3-2:]) == packet.TypeIPv4 && r.sizes[i] >= l3+packet.IPv4Min {
			r.fibDst[i] = binary.BigEndian.Uint32(f[l3+packet.IPv4Dst:])
		}
	}
}

// prefetchLines starts loading the table lines that frames [from, to)
// will need, so that their misses overlap instead of stalling one frame
// after another: with camPF, the CAM home lines of their source and
// destination; with fib, the FIB leaves of the frames to the router MAC.
func (r *Receiver) prefetchLines(fib *cef.Table, camPF bool, from, to int) {
	if camPF {
		r.sw.cam.PrefetchProbes(r.probes[from:to])
	}
	if fib != nil {
		fib.PrefetchLeaves(r.routedDsts(from, to))
	}
}

// prefetchCounters starts loading this worker's prefix counters of the
// routed frames among [from, to), whose FIB leaves prefetchLines asked
// for earlier.
func (r *Receiver) prefetchCounters(fib *cef.Table, from, to int) {
	r.l3w.cef.PrefetchCounters(fib, r.routedDsts(from, to))
}

// routedDsts gathers the IPv4 destinations of the routed frames among
// [from, to) (prepare's fibDst) into r.fibDsts, reused batch after batch.
func (r *Receiver) routedDsts(from, to int) []uint32 {
	dsts := r.fibDsts[:0]
	for _, a := range r.fibDst[from:to] {
		if a != 0 {
			dsts = append(dsts, a)
		}
	}
	r.fibDsts = dsts
	return dsts
}

// publish makes the batch's counts visible: everything of the ingress port,
// the transmit side of every port the batch sent to.
func (r *Receiver) publish() {
	to := dropBase
	if r.dropped { // the drop counters only when one moved
		to, r.dropped = numCounters, false
	}
	r.stats[r.in].publish(&r.local[r.in], 0, to)
	for _, out := range r.dirty {
		r.stats[out].publish(&r.local[out], TxFrames, TxErrors+1)
	}
}

// flush transmits the batch. Its counts are published before the frames
// leave, so whoever sees a frame arrive also sees it counted; only transmit
// errors, known after the writes, are published after them.
func (r *Receiver) flush(s *snapshot) {
	if s.spanning {
		r.mirrorTx(s)
	}
	r.publish()
	for _, out := range r.dirty {
		q := r.tx[out]
		pv := &s.ports[out]
		if r.txOff[out] {
			r.flushOffload(pv, out, q, r.padHdrs(out, len(q)))
			r.txOff[out] = false
			r.txh[out] = r.txh[out][:0]
		} else if w, err := pv.tx[pv.txQueue(r.queue)].Write(q); err != nil || w < len(q) {
			r.local[out].add(TxErrors, uint64(len(q)-w))
		}
		clear(q)
		r.tx[out] = q[:0]
		r.stats[out].publish(&r.local[out], TxErrors, TxErrors+1)
	}
	r.dirty = r.dirty[:0]
	r.spanUsed = 0
}

// prefetchAhead is how many frames ahead of the one being forwarded its
// table lines are prefetched: far enough for a miss to resolve, near
// enough that the lines are still in L1 when the frame gets there. They
// are prefetched prefetchStep frames at a time.
const (
	prefetchAhead = 16
	prefetchStep  = 8
)
