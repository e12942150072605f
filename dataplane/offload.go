package dataplane

import (
	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/cef"
	"github.com/l2sw/l2sw/dataplane/gso"
	"github.com/l2sw/l2sw/dataplane/port"
	"github.com/l2sw/l2sw/packet"
)

// Offloads (virtio-net headers) in the pipeline.
//
// A port whose backend is a port.OffloadPort gets every offload it supports
// when it is added, so its kernel hands over TCP/UDP super-frames of up to
// 64 KiB with partial checksums: one read(2) and one write(2) instead of
// ~45 of each. The receiver reads each frame's header from the headroom
// (r.vh), shifts it when a tag is pushed or popped, and queues it with the
// frame. At flush a port whose offloads accept every queued header gets
// them all in one WriteOffload; on any other port the frames its offloads
// do not accept are segmented (gso.SegmentFrom) or checksum-completed
// (gso.Checksum) into the receiver's scratch buffers and written plain.
// A batch with only plain headers takes the same path as without offloads.
//
// The router only routes plain IPv4 packets (one IP header, one TTL, an MTU
// check per packet): a super-frame for the router MAC is segmented first
// and each segment routed (routeSegments), and a partial checksum is
// completed in place. Software segmentation costs ~240 ns per segment, far
// less than the write(2) each segment then needs; dropping super-frames
// instead would break every TCP connection routed between offload ports.

// acceptsAll reports whether offloads o take every header of hs unchanged.
func acceptsAll(o port.Offload, hs []gso.Header) bool {
	for _, h := range hs {
		if !o.Accepts(h) {
			return false
		}
	}
	return true
}

// flushOffload transmits q, whose headers hs are not all plain, to one port.
func (r *Receiver) flushOffload(pv *portView, out cam.PortID, q [][]byte, hs []gso.Header) {
	if pv.offload != 0 && acceptsAll(pv.offload, hs) {
		if w, err := pv.otx[pv.txQueue(r.queue)].WriteOffload(q, hs); err != nil || w < len(q) {
			r.local[out].add(TxErrors, uint64(len(q)-w))
		}
		return
	}
	// Frames keep their order: segments replace their super-frame in
	// place, and the list is written whenever the scratch buffers run out.
	used := 0
	for i, f := range q {
		h := hs[i]
		if h.Plain() || (pv.offload != 0 && pv.offload.Accepts(h)) {
			r.slow = append(r.slow, f)
			r.slowHdr = append(r.slowHdr, h)
			continue
		}
		if !h.IsGSO() { // a partial checksum: complete it in a copy, the frame may go to other ports as it is
			if used == len(r.seg) {
				used = r.writeSlow(pv, out)
			}
			b := r.seg[used]
			if len(f) > len(b) || gso.Checksum(b[:copy(b, f)], h) != nil {
				r.local[out].inc(TxErrors)
				continue
			}
			r.slow = append(r.slow, b[:len(f)])
			r.slowHdr = append(r.slowHdr, gso.Header{})
			used++
			continue
		}
		for first := 0; ; {
			if used == len(r.seg) {
				used = r.writeSlow(pv, out)
			}
			k, done, err := gso.SegmentFrom(f, h, first, r.seg[used:], r.segSizes[used:])
			if err != nil {
				r.local[out].inc(TxErrors)
				break
			}
			for j := used; j < used+k; j++ {
				r.slow = append(r.slow, r.seg[j][:r.segSizes[j]])
				r.slowHdr = append(r.slowHdr, gso.Header{})
			}
			used += k
			first += k
			if done {
				break
			}
		}
	}
	r.writeSlow(pv, out)
}

// writeSlow writes the frames flushOffload collected and returns 0, the
// number of scratch buffers then in use.
func (r *Receiver) writeSlow(pv *portView, out cam.PortID) int {
	if len(r.slow) > 0 {
		var w int
		var err error
		if q := pv.txQueue(r.queue); pv.offload != 0 {
			w, err = pv.otx[q].WriteOffload(r.slow, r.slowHdr)
		} else {
			w, err = pv.tx[q].Write(r.slow)
		}
		if err != nil || w < len(r.slow) {
			r.local[out].add(TxErrors, uint64(len(r.slow)-w))
		}
	}
	clear(r.slow)
	r.slow = r.slow[:0]
	r.slowHdr = r.slowHdr[:0]
	return 0
}

// offloadToRouter reports whether the frame in v is an IPv4 packet the
// router would route (to the router MAC on a VLAN with an SVI that is up).
func (r *Receiver) offloadToRouter(s *snapshot, v *packet.View, vlan uint16) bool {
	svi := s.l3.svis[vlan]
	return svi != nil && svi.up && v.EtherType == packet.TypeIPv4 && v.DstUint64() == s.l3.routerMAC && r.l3Bad() == packet.ReasonNone
}

// routeSegments routes a frame with a non-plain header (r.vh), held at
// buf[port.Headroom:][:n], as the plain packets it stands for.
func (r *Receiver) routeSegments(s *snapshot, buf []byte, n int, vlan uint16, cast castClass) {
	const off = port.Headroom
	f := buf[off : off+n]
	h := r.vh
	r.vh = gso.Header{}
	if !h.IsGSO() {
		// It goes to the router alone, so the frame itself can be completed.
		if gso.Checksum(f, h) != nil {
			r.badOffload()
			return
		}
		r.routerIn(s, &r.view, buf, n, vlan, cast)
		return
	}
	// The segments live in the scratch buffers flushOffload uses: send
	// what is queued first, and each round of routed segments before the
	// buffers are reused.
	r.flush(s)
	r.nscratch = 0
	for first := 0; ; {
		k, done, err := gso.SegmentFrom(f, h, first, r.seg, r.segSizes)
		if err != nil {
			r.badOffload()
			return
		}
		for j := range k {
			r.keyed = false // a new packet: the ACL stages build its key afresh
			if r.view.Parse(r.seg[j][:r.segSizes[j]]) != packet.ReasonNone {
				continue
			}
			r.l3err, r.l3parsed = packet.ReasonNone, true
			r.routerIn(s, &r.view, r.segBuf[j], r.segSizes[j], vlan, cast)
		}
		r.flush(s)
		r.nscratch = 0
		first += k
		if done {
			return
		}
	}
}

// badOffload counts a super-frame for the router whose virtio-net header
// does not match it.
func (r *Receiver) badOffload() {
	r.l3w.inc(l3DropBadChecksum)
	r.l3w.cef.Dropped(cef.DropBadHeader, cef.Result{}, 0)
}
