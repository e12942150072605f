package dataplane

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/dataplane/gso"
	"github.com/l2sw/l2sw/dataplane/port"
	"github.com/l2sw/l2sw/packet"
)

// SPAN, the local Switched Port Analyzer of a Catalyst: the frames a source
// port receives (rx) or sends (tx), or that a source VLAN receives, are
// copied to the session's destination ports. A destination port sends the
// copies and nothing else: it takes no part in flooding or learning and
// drops what it receives (ReasonSPANDest).
//
// Received frames are copied at ingress as they arrived, before any stage
// can drop or rewrite them, as the hardware does; sent frames are copied at
// the batch's transmit (mirrorTx), from the queues about to be written,
// which cost a source-free switch nothing per frame.

// SPANDir is the traffic of a source that a session copies.
type SPANDir uint8

// The directions.
const (
	SPANRx   SPANDir = 1 << iota // received
	SPANTx                       // sent
	SPANBoth = SPANRx | SPANTx
)

// MaxMonitorSession is the highest session number (`monitor session <1-66>`).
const MaxMonitorSession = 66

// MonitorSession is one SPAN session's configuration: source ports or
// source VLANs (a session has one kind, as on a Catalyst), and the
// destinations.
type MonitorSession struct {
	Sources      map[string]SPANDir // source interfaces by name
	VLANs        map[uint16]SPANDir // source VLANs (received traffic only)
	Destinations []string
	// Replicate sends the copies as they are on the source's wire, with
	// their 802.1Q tags (`encapsulation replicate`); without it they leave
	// untagged ("native").
	Replicate bool
}

// Errors of SetMonitorSession, wrapped with the interface or VLAN.
var (
	ErrSessionNumber  = errors.New("session number out of range")
	ErrSPANMixed      = errors.New("a session has source ports or source VLANs, not both")
	ErrSPANVLANTx     = errors.New("VLAN sources are monitored in the rx direction only")
	ErrSPANDestSource = errors.New("destination is a source in another session")
	ErrSPANSourceDest = errors.New("source is a destination")
	ErrSPANDestInUse  = errors.New("destination already in another session")
)

// spanDest is one destination of a source's copies.
type spanDest struct {
	port      cam.PortID
	replicate bool
}

// spanCopyBuf is the size of each receiver's buffer for the copies that
// cannot share the frame they copy: taken before a stage rewrites it, or
// with its tag removed. It is allocated when first needed.
const spanCopyBuf = 1 << 20

// SetMonitorSession configures SPAN session id, replacing what it held. It
// refuses what a Catalyst refuses and then changes nothing. A destination
// port's learned MAC addresses are flushed: it takes no part in switching.
func (sw *Switch) SetMonitorSession(id int, ms MonitorSession) error {
	if id < 1 || id > MaxMonitorSession {
		return fmt.Errorf("monitor session %d: %w", id, ErrSessionNumber)
	}
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if len(ms.Sources) > 0 && len(ms.VLANs) > 0 {
		return fmt.Errorf("monitor session %d: %w", id, ErrSPANMixed)
	}
	for v, d := range ms.VLANs {
		if d&SPANTx != 0 {
			return fmt.Errorf("monitor session %d vlan %d: %w", id, v, ErrSPANVLANTx)
		}
	}
	for _, name := range slices.Concat(slices.Collect(maps.Keys(ms.Sources)), ms.Destinations) {
		if _, err := sw.portLocked(name); err != nil {
			return fmt.Errorf("monitor session %d: %w", id, err)
		}
	}
	for name := range ms.Sources {
		if slices.Contains(ms.Destinations, name) {
			return fmt.Errorf("monitor session %d %s: %w", id, name, ErrSPANSourceDest)
		}
	}
	for other, o := range sw.span {
		if other == id {
			continue
		}
		for _, dst := range ms.Destinations {
			if _, ok := o.Sources[dst]; ok {
				return fmt.Errorf("monitor session %d %s: %w", id, dst, ErrSPANDestSource)
			}
			if slices.Contains(o.Destinations, dst) {
				return fmt.Errorf("monitor session %d %s: %w", id, dst, ErrSPANDestInUse)
			}
		}
		for src := range ms.Sources {
			if slices.Contains(o.Destinations, src) {
				return fmt.Errorf("monitor session %d %s: %w", id, src, ErrSPANSourceDest)
			}
		}
	}
	ms.Sources, ms.VLANs = maps.Clone(ms.Sources), maps.Clone(ms.VLANs)
	ms.Destinations = slices.Clone(ms.Destinations)
	if sw.span == nil {
		sw.span = map[int]MonitorSession{}
	}
	sw.span[id] = ms
	for _, dst := range ms.Destinations {
		p, _ := sw.portLocked(dst)
		sw.cam.ClearDynamic(cam.Filter{Port: p.id})
	}
	sw.publishLocked()
	return nil
}

// DeleteMonitorSession removes SPAN session id; a session that does not
// exist is not an error (`no monitor session N`).
func (sw *Switch) DeleteMonitorSession(id int) {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if _, ok := sw.span[id]; ok {
		delete(sw.span, id)
		sw.publishLocked()
	}
}

// MonitorSessions returns the SPAN sessions by number.
func (sw *Switch) MonitorSessions() map[int]MonitorSession {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	out := make(map[int]MonitorSession, len(sw.span))
	for id, ms := range sw.span {
		ms.Sources, ms.VLANs = maps.Clone(ms.Sources), maps.Clone(ms.VLANs)
		ms.Destinations = slices.Clone(ms.Destinations)
		out[id] = ms
	}
	return out
}

// spanSnapshotLocked fills the SPAN part of a snapshot whose port views
// are built: the destinations stop forwarding, the sources get their
// destinations. A destination whose link is down gets no copies.
func (sw *Switch) spanSnapshotLocked(s *snapshot) {
	if len(sw.span) == 0 {
		return
	}
	for _, id := range slices.Sorted(maps.Keys(sw.span)) {
		ms := sw.span[id]
		var dsts []spanDest
		for _, name := range ms.Destinations {
			id, ok := sw.byName[name]
			if !ok {
				continue
			}
			pv := &s.ports[id]
			live := pv.forwarding
			pv.forwarding, pv.spanDest = false, true
			if live {
				dsts = append(dsts, spanDest{port: id, replicate: ms.Replicate})
			}
		}
		if len(dsts) == 0 {
			continue
		}
		s.spanning = true
		for name, d := range ms.Sources {
			id, ok := sw.byName[name]
			if !ok {
				continue
			}
			pv := &s.ports[id]
			if d&SPANRx != 0 {
				pv.spanRx = append(pv.spanRx, dsts...)
			}
			if d&SPANTx != 0 {
				pv.spanTx = append(pv.spanTx, dsts...)
			}
		}
		for vid := range ms.VLANs {
			if s.spanVLAN == nil {
				s.spanVLAN = make([][]spanDest, MaxVLAN+1)
			}
			s.spanVLAN[vid] = append(s.spanVLAN[vid], dsts...)
		}
	}
	// The flood lists were built before the destinations left them.
	for vid, ps := range s.flood {
		if len(ps) > 0 {
			s.flood[vid] = slices.DeleteFunc(ps, func(p cam.PortID) bool { return s.ports[p].spanDest })
		}
	}
}

// mirrorRx copies the frame f just received, as it arrived, to dsts. The
// copies are taken now: later stages rewrite f in place.
func (r *Receiver) mirrorRx(s *snapshot, dsts []spanDest, f []byte, cast castClass) {
	tagged := r.view.Tags > 0
	for _, d := range dsts {
		c, ok := r.spanCopy(s, f, tagged && !d.replicate, true)
		r.mirror(d, c, ok, tagged && !d.replicate, r.vh, cast)
	}
}

// mirrorTx copies every frame queued for a tx-source port to its
// destinations, before the batch is written. Nothing changes a queued
// frame any more, so a destination that wants it as it is shares it.
func (r *Receiver) mirrorTx(s *snapshot) {
	for i, n := 0, len(r.dirty); i < n; i++ {
		src := r.dirty[i]
		dsts := s.ports[src].spanTx
		if dsts == nil {
			continue
		}
		hs := r.txh[src]
		for j, f := range r.tx[src] {
			var h gso.Header
			if r.txOff[src] && j < len(hs) {
				h = hs[j]
			}
			tagged := packet.Tagged(f)
			for _, d := range dsts {
				c, ok, pop := f, true, tagged && !d.replicate
				if pop {
					c, ok = r.spanCopy(s, f, true, false)
				}
				r.mirror(d, c, ok, pop, h, castUnicast)
			}
		}
	}
}

// mirror queues c, the copy of a frame that carries the virtio-net header
// h, for d. A copy that found no room (!ok) is counted as an output drop
// of the destination, as an oversubscribed SPAN port drops.
func (r *Receiver) mirror(d spanDest, c []byte, ok, popped bool, h gso.Header, cast castClass) {
	if !ok {
		r.local[d.port].inc(TxErrors)
		return
	}
	if popped {
		h = tagShift(h, true, false)
	}
	r.enqueue(d.port, c, cast)
	r.noteHdr(d.port, h)
}

// spanCopy copies f, without its tag when pop, into the receiver's SPAN
// buffer with port.Headroom before it. When the buffer is full and
// canFlush, the batch so far is written to make room; otherwise there is
// no copy.
func (r *Receiver) spanCopy(s *snapshot, f []byte, pop, canFlush bool) ([]byte, bool) {
	const off = port.Headroom
	need := off + max(len(f), packet.MinFrame)
	if r.spanBuf == nil {
		r.spanBuf = make([]byte, spanCopyBuf)
	}
	if r.spanUsed+need > len(r.spanBuf) {
		if !canFlush || need > len(r.spanBuf) {
			return nil, false
		}
		r.flush(s)
	}
	b := r.spanBuf[r.spanUsed : r.spanUsed+need]
	r.spanUsed += need
	if pop {
		return packet.Pad(b, off, off+packet.CopyPopTag(b[off:], f)), true
	}
	return b[off : off+copy(b[off:], f)], true
}
