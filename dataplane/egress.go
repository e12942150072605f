package dataplane

import (
	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/dataplane/gso"
	"github.com/l2sw/l2sw/dataplane/port"
	"github.com/l2sw/l2sw/packet"
)

// sendOne queues the frame at buf[port.Headroom:][:n] for the single port
// out, pushing or popping its tag in place as out wants.
func (r *Receiver) sendOne(s *snapshot, buf []byte, n int, vlan uint16, out cam.PortID, cast castClass) {
	const off = port.Headroom
	tagged, want := r.view.Tags > 0, s.ports[out].tagged(vlan)
	h := r.vh
	f := buf[off : off+n]
	if tagged != want {
		if !h.Plain() {
			h = tagShift(h, tagged, want)
		}
		if want {
			f = buf[packet.PushTag(buf, off, vlan) : off+n]
		} else {
			f = packet.Pad(buf, packet.PopTag(buf, off), off+n)
		}
	}
	r.enqueue(out, f, cast)
	if r.rxOffload {
		r.noteHdr(out, h)
	}
	if r.obs != nil {
		r.observeEgress(f, out, vlan, want)
	}
}

// The egress stage: a frame leaves on one port (sendOne) or floods its VLAN
// (flood), tagged as each egress port wants, and is queued for the batch's
// write (enqueue; the writes are Receiver.flush).

// observeEgress reports that f leaves on out.
func (r *Receiver) observeEgress(f []byte, out cam.PortID, vlan uint16, tagged bool) {
	r.observe(f, Decision{Stage: StageEgress, Verdict: Forward, Entry: Entry{Port: out, VLAN: vlan, Tagged: tagged}})
}

// flood sends the frame to every forwarding port of the VLAN but the
// ingress one, in (a Port-channel for a frame one of its members received:
// a Port-channel gets the frame on one member). Ports that need the other
// encapsulation get one shared copy.
func (r *Receiver) flood(s *snapshot, buf []byte, n int, in cam.PortID, tagged bool, vlan uint16, cast castClass) {
	const off = port.Headroom
	f := buf[off : off+n]
	var other []byte
	for _, out := range s.floodPorts(vlan, r.view.DstUint64(), cast) {
		if out == in {
			continue
		}
		out = s.egressPort(out, f)
		ov := &s.ports[out]
		if ov.tagged(vlan) == tagged {
			r.enqueue(out, f, cast)
			if r.rxOffload {
				r.noteHdr(out, r.vh)
			}
			if r.obs != nil {
				r.observeEgress(f, out, vlan, tagged)
			}
			continue
		}
		if other == nil {
			other = r.reencap(f, tagged, vlan)
		}
		r.enqueue(out, other, cast)
		if r.rxOffload {
			r.noteHdr(out, tagShift(r.vh, tagged, !tagged))
		}
		if r.obs != nil {
			r.observeEgress(other, out, vlan, !tagged)
		}
	}
}

// tagShift returns the virtio-net header of a frame after its tag was
// pushed or popped: the checksum and header offsets move with the payload.
func tagShift(h gso.Header, tagged, wantTagged bool) gso.Header {
	switch {
	case tagged == wantTagged || h.Plain():
		return h
	case wantTagged:
		return h.Shift(packet.TagLen)
	default:
		return h.Shift(-packet.TagLen)
	}
}

// reencap copies f into a scratch buffer with the tag added or removed.
func (r *Receiver) reencap(f []byte, tagged bool, vlan uint16) []byte {
	const off = port.Headroom
	sc := r.scratch[r.nscratch]
	r.nscratch++
	if tagged {
		return packet.Pad(sc, off, off+packet.CopyPopTag(sc[off:], f))
	}
	return sc[off : off+packet.CopyPushTag(sc[off:], f, vlan)]
}

// noteHdr gives the frame just queued for out the virtio-net header h.
// Headers are kept only from a port's first non-plain frame of the batch
// on (frames without one have zero headers, see padHdrs), so plain
// frames cost one test, and enqueue, which the router and the CPU use for
// the plain frames they build, stays small enough to inline.
func (r *Receiver) noteHdr(out cam.PortID, h gso.Header) {
	if !h.Plain() || r.txOff[out] {
		r.queueHdr(out, h)
	}
}

func (r *Receiver) queueHdr(out cam.PortID, h gso.Header) {
	hs := r.padHdrs(out, len(r.tx[out])-1)
	r.txh[out] = append(hs, h)
	r.txOff[out] = true
}

// padHdrs returns out's headers with zero ones added up to n.
func (r *Receiver) padHdrs(out cam.PortID, n int) []gso.Header {
	hs := r.txh[out]
	for len(hs) < n {
		hs = append(hs, gso.Header{})
	}
	r.txh[out] = hs
	return hs
}

// enqueue queues frame f for out; a frame with a non-plain virtio-net
// header has it recorded next (noteHdr).
func (r *Receiver) enqueue(out cam.PortID, f []byte, cast castClass) {
	q := r.tx[out]
	if len(q) == 0 {
		r.dirty = append(r.dirty, out)
	}
	r.tx[out] = append(q, f)
	st := &r.local[out]
	st.inc(TxFrames)
	st.add(TxBytes, uint64(len(f)))
	st.inc(TxUnicast + Counter(cast))
}
