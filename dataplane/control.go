package dataplane

import (
	"errors"
	"fmt"
	"slices"

	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/dataplane/port"
	"github.com/l2sw/l2sw/packet"
)

// Control protocols (spanning tree, LLDP, CDP, LACP, the first-hop
// redundancy speakers and their snooper) live above the data plane. They
// hear the frames they listen for through the punt queue, and send their
// own through the control plane's transmit side: the per-frame path knows
// only a short list of destination MACs to look for, and with no listener
// it pays one nil test per multicast frame.

// ControlMode says what the data plane does with a frame a listener takes.
type ControlMode uint8

// The modes. When several listeners take one destination, Consume wins.
const (
	// ControlCopy hands a copy up and forwards the frame as usual: the
	// first-hop redundancy adverts a speaker or the snooper must see.
	ControlCopy ControlMode = iota
	// ControlConsume hands the frame up and forwards it nowhere, as a
	// bridge does with BPDUs, LLDP, CDP and LACP frames of a protocol it
	// runs.
	ControlConsume
)

// ControlFrame is a frame handed to a listener.
type ControlFrame struct {
	Port cam.PortID // the ingress port
	// VLAN is the frame's VLAN as the ingress port would classify it: the
	// tag's VID, or the port's access or native VLAN when untagged. It is
	// not checked against the port's allowed VLANs (BPDUs and LLDP come on
	// whatever VLAN the port has).
	VLAN  uint16
	Frame []byte // valid only during the call
	// Reflected: Port's fault injection sent the frame back out of Port
	// (ListenReflected); it was not received.
	Reflected bool
}

// ControlHandler receives control frames. It runs on the control plane's
// goroutine while that holds its lock: it must copy what it keeps, must not
// block, and must not call back into the Switch (hand the work to the
// protocol's own goroutine, for example with a non-blocking channel send).
type ControlHandler func(ControlFrame)

// ErrNoListener is returned when a handler is missing.
var ErrNoListener = errors.New("no control handler")

// controlListener is one registration of ListenControl.
type controlListener struct {
	dst  uint64
	mode ControlMode
	h    ControlHandler
}

// controlView is the data plane's part of the listeners: the destinations
// to look for and whether each is consumed. The handlers themselves are
// read by the control plane (sw.ctrlHandlers).
type controlView struct {
	dst     []uint64
	consume []bool
	q       *puntQueue
}

// match returns the index of dst in the list, or -1.
func (c *controlView) match(dst uint64) int {
	for i, d := range c.dst {
		if d == dst {
			return i
		}
	}
	return -1
}

// ListenControl registers h for the frames addressed to dst (a multicast
// MAC) that any port receives. The function returned removes the
// registration.
func (sw *Switch) ListenControl(dst packet.MAC, mode ControlMode, h ControlHandler) (cancel func(), err error) {
	if h == nil {
		return nil, fmt.Errorf("listen for %s: %w", dst, ErrNoListener)
	}
	if !dst.IsMulticast() {
		return nil, fmt.Errorf("listen for %s: not a multicast address", dst)
	}
	l := &controlListener{dst: dst.Uint64(), mode: mode, h: h}
	sw.mu.Lock()
	defer sw.mu.Unlock()
	sw.ctrl = append(sw.ctrl, l)
	sw.publishControlLocked()
	return func() {
		sw.mu.Lock()
		defer sw.mu.Unlock()
		if i := slices.Index(sw.ctrl, l); i >= 0 {
			sw.ctrl = slices.Delete(slices.Clone(sw.ctrl), i, i+1)
		}
		sw.publishControlLocked()
	}, nil
}

// publishControlLocked hands the listeners to the control plane and, with
// a new snapshot, their destinations to the workers.
func (sw *Switch) publishControlLocked() {
	hs := slices.Clone(sw.ctrl)
	sw.ctrlHandlers.Store(&hs)
	sw.publishLocked()
}

// controlSnapshotLocked builds the snapshot's list of destinations.
func (sw *Switch) controlSnapshotLocked(s *snapshot) {
	if len(sw.ctrl) == 0 {
		return
	}
	c := &controlView{q: sw.l3.punt}
	for _, l := range sw.ctrl {
		i := slices.Index(c.dst, l.dst)
		if i < 0 {
			c.dst = append(c.dst, l.dst)
			c.consume = append(c.consume, false)
			i = len(c.dst) - 1
		}
		c.consume[i] = c.consume[i] || l.mode == ControlConsume
	}
	s.ctrl = c
}

// control is the control-frame check of the pipeline, for multicast
// frames while some listener exists: a frame to a listened destination is
// punted, and forward stops when it is consumed. It reports whether the
// frame was consumed.
//
//go:noinline
func (r *Receiver) control(s *snapshot, pv *portView, v *packet.View, buf []byte, n int, dst uint64) bool {
	i := s.ctrl.match(dst)
	if i < 0 {
		return false
	}
	vlan := v.VID()
	if vlan == 0 {
		vlan = pv.untagged
	}
	if !r.dry {
		if p := r.takePunt(s.ctrl.q); p != nil {
			p.reason, p.vlan, p.in, p.nh, p.aux, p.ip = puntControl, vlan, r.in, 0, 0, 0
			p.n = copy(p.buf[port.Headroom:], buf[port.Headroom:port.Headroom+n])
			s.ctrl.q.q <- p
		}
	}
	if !s.ctrl.consume[i] {
		return false
	}
	r.local[r.in].inc(ToControl)
	if r.obs != nil {
		r.observeIngress(v.B, StageVLAN, 0)
		r.observe(v.B, Decision{Stage: StageVLAN, Verdict: Consume, Entry: Entry{Port: r.in, VLAN: vlan}})
	}
	return true
}

// handleControl gives a punted control frame to every listener of its
// destination.
func (c *controlPlane) handleControl(p *puntPkt) {
	hs := c.sw.ctrlHandlers.Load()
	if p.aux == puntAuxReflected {
		hs = c.sw.refl.cur.Load()
	}
	if hs == nil {
		return
	}
	f := p.frame()
	if len(f) < packet.EthLen {
		return
	}
	dst := packet.MAC(f[0:6]).Uint64()
	for _, l := range *hs {
		if l.dst == dst {
			l.h(ControlFrame{Port: p.in, VLAN: p.vlan, Frame: f, Reflected: p.aux == puntAuxReflected})
		}
	}
}

// Errors of the control protocols' transmit calls.
var (
	ErrFrameSize = errors.New("frame size out of range")
	ErrNoPort    = errors.New("no such port")
	ErrPortDown  = errors.New("port is not forwarding")
)

// SendFrame transmits frame as it is (tag included, if any) on port out,
// as a bridge's CPU sends its link-local protocol frames: no VLAN, ACL or
// spanning-tree state applies, only the port's link and admin state. It is
// counted as the port's output and does not wait for the frame to leave.
// Safe for concurrent use; not from a ControlHandler.
func (sw *Switch) SendFrame(out cam.PortID, frame []byte) error {
	if len(frame) < packet.EthLen || len(frame) > port.BufferSize-port.Headroom-packet.TagLen {
		return fmt.Errorf("send on port %d: %d bytes: %w", out, len(frame), ErrFrameSize)
	}
	c := sw.l3.cp
	c.mu.Lock()
	defer c.mu.Unlock()
	s := sw.snap.Load()
	if int(out) >= len(s.ports) || !s.ports[out].present {
		return fmt.Errorf("send on port %d: %w", out, ErrNoPort)
	}
	if !s.ports[out].forwarding {
		return fmt.Errorf("send on port %d: %w", out, ErrPortDown)
	}
	const start = port.Headroom
	n := copy(c.obuf[start:], frame)
	f := packet.Pad(c.obuf, start, start+n)
	c.r.enqueue(out, f, castOf(packet.MAC(f[0:6]).Uint64()))
	c.flush()
	return nil
}

// SendVLANFrame sends an untagged frame into vlan from the CPU, as routed
// frames leave it: a known unicast destination to its port, anything else
// flooded to the VLAN's forwarding ports, each in its encapsulation. It is
// what a first-hop redundancy speaker sends its hellos and gratuitous ARPs
// with. Safe for concurrent use; not from a ControlHandler.
func (sw *Switch) SendVLANFrame(vlan uint16, frame []byte) error {
	if err := checkVLAN(vlan); err != nil {
		return err
	}
	if len(frame) < packet.EthLen || len(frame) > port.BufferSize-port.Headroom-packet.TagLen {
		return fmt.Errorf("send into vlan %d: %d bytes: %w", vlan, len(frame), ErrFrameSize)
	}
	c := sw.l3.cp
	c.mu.Lock()
	defer c.mu.Unlock()
	s := sw.snap.Load()
	const start = port.Headroom
	n := copy(c.obuf[start:], frame)
	c.r.l2Out(s, c.obuf, start, start+n, vlan, false)
	c.flush()
	return nil
}
