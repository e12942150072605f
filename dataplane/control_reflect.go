package dataplane

import (
	"encoding/binary"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/dataplane/port"
	"github.com/l2sw/l2sw/packet"
)

// A port with `fault reflect` sends frames it received back out to the
// port's peer, below the pipeline: the switch itself is then the
// reflecting virtual switch of the field case where a CARP or VRRP pair
// hears its own adverts. A reflection listener (the FHRP snooper) hears
// those frames as they leave, so that it can name the port that reflects
// them; the speakers, which listen with ListenControl, do not.

// reflectListeners are the ListenReflected registrations: changed under
// mu, read by the fault injectors' goroutines and the control plane
// through cur.
type reflectListeners struct {
	mu  sync.Mutex
	ls  []*controlListener
	cur atomic.Pointer[[]*controlListener]
}

// puntAuxReflected marks a puntControl frame as reflected (puntPkt.aux;
// the pipeline's control punts set aux to 0).
const puntAuxReflected = 1

// ListenReflected registers h for the frames addressed to dst (a
// multicast MAC) that a port's fault injection reflects back out of the
// port they came in on. The handler runs as a ControlHandler does, with
// ControlFrame.Reflected set and Port the reflecting port. The function
// returned removes the registration.
func (sw *Switch) ListenReflected(dst packet.MAC, h ControlHandler) (cancel func(), err error) {
	if h == nil {
		return nil, fmt.Errorf("listen for reflected %s: %w", dst, ErrNoListener)
	}
	if !dst.IsMulticast() {
		return nil, fmt.Errorf("listen for reflected %s: not a multicast address", dst)
	}
	r := &sw.refl
	l := &controlListener{dst: dst.Uint64(), mode: ControlCopy, h: h}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ls = append(slices.Clone(r.ls), l)
	ls := r.ls
	r.cur.Store(&ls)
	return func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if i := slices.Index(r.ls, l); i >= 0 {
			r.ls = slices.Delete(slices.Clone(r.ls), i, i+1)
		}
		ls := r.ls
		r.cur.Store(&ls)
	}, nil
}

// reflectedFrame hands a frame that port id's fault injection reflected
// to the control plane, when a reflection listener wants its destination.
// It runs on the injector's goroutine and never waits: with the punt queue
// full the frame is not seen.
func (sw *Switch) reflectedFrame(id cam.PortID, f []byte) {
	ls := sw.refl.cur.Load()
	if ls == nil || len(*ls) == 0 || len(f) < packet.EthLen || len(f) > port.BufferSize-port.Headroom {
		return
	}
	dst := packet.MAC(f[0:6]).Uint64()
	if !slices.ContainsFunc(*ls, func(l *controlListener) bool { return l.dst == dst }) {
		return
	}
	s := sw.snap.Load()
	if int(id) >= len(s.ports) {
		return
	}
	vlan := s.ports[id].untagged
	if et := binary.BigEndian.Uint16(f[12:]); (et == packet.TypeDot1Q || et == packet.TypeQinQ) && len(f) >= packet.EthLen+packet.TagLen {
		vlan = binary.BigEndian.Uint16(f[14:]) & 0x0fff
	}
	q := sw.l3.punt
	select {
	case p := <-q.free:
		p.reason, p.vlan, p.in, p.nh, p.aux, p.ip = puntControl, vlan, id, 0, puntAuxReflected, 0
		p.n = copy(p.buf[port.Headroom:], f)
		q.q <- p
	default:
	}
}
