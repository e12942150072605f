package capture

import (
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/dataplane"
)

// Point is where on a port a frame is captured; a set of them is a mask.
type Point uint8

// The capture points. Ingress and Egress are EPC's `in` and `out`; Drop
// is the frame the pipeline dropped after the port received it.
const (
	Ingress   Point = 1 << iota // as the port received it
	Egress                      // as the port sends it
	Drop                        // received by the port, then dropped
	Both      = Ingress | Egress
	AllPoints = Ingress | Egress | Drop
)

// String names the points: "ingress", "egress", "drop", joined by ",".
func (p Point) String() string {
	var w []string
	for _, x := range []struct {
		p    Point
		name string
	}{{Ingress, "ingress"}, {Egress, "egress"}, {Drop, "drop"}} {
		if p&x.p != 0 {
			w = append(w, x.name)
		}
	}
	if len(w) == 0 {
		return "none"
	}
	return strings.Join(w, ",")
}

// DefaultSnapLen is how much of a frame is kept when the Config does not
// say: a whole frame of the largest MTU, and a whole GSO super-frame of
// a TAP's offloads.
const DefaultSnapLen = 65535

// Packet is one captured frame.
type Packet struct {
	Time   time.Time
	Port   cam.PortID       // the port it was captured on
	Point  Point            // one of Ingress, Egress and Drop
	Stage  dataplane.Stage  // Drop: the stage that dropped it
	Reason dataplane.Reason // Drop: why
	Len    int              // the frame's length
	Data   []byte           // its first min(Len, snap length) bytes
}

// Comment is the pcapng comment of a dropped packet, the drop reason and
// stage ("drop: vlan not allowed (stage vlan)"); "" for the others.
func (p *Packet) Comment() string {
	if p.Point != Drop {
		return ""
	}
	return "drop: " + p.Reason.String() + " (stage " + p.Stage.String() + ")"
}

// A Sink takes the packets a Session captures. Add runs on the forwarding
// goroutines, several at once: it must copy p.Data (which the pipeline
// reuses) and must not block. The packet is passed by value so that it
// stays on the forwarding goroutine's stack. It returns false when it takes no more
// packets, which stops the session.
type Sink interface {
	Add(p Packet) bool
}

// Config says what a Session captures.
type Config struct {
	// Ports are the points captured on each port. With none, every port
	// is captured at AllPorts.
	Ports    map[cam.PortID]Point
	AllPorts Point
	// Match filters the frames; an invalid one (the zero Match) captures
	// nothing.
	Match Match
	// SnapLen is the most bytes kept of a frame (0: DefaultSnapLen).
	SnapLen int
}

// Session is one running capture: a dataplane.Observer feeding a Sink.
// Its configuration is fixed; to change it, attach a new Session.
type Session struct {
	now     func() time.Time
	sink    Sink
	match   Match
	snap    int
	points  []Point // by port
	all     Point   // points of ports beyond points
	drops   bool    // some port captures drops: ingress frames are kept per worker
	onStop  func()
	stopped atomic.Bool

	// received holds, per worker, the frame the worker is running as the
	// port received it: a drop at a later stage sees only what that stage
	// holds (a routed stage the bare IPv4 packet), and a capture of drops
	// wants the frame that came in.
	received sync.Map // worker int -> *received
}

// received is a worker's copy of its current frame.
type received struct {
	port  cam.PortID
	valid bool
	data  []byte
	n     int
}

// NewSession returns a session capturing what cfg says into sink. now
// stamps the packets (nil: time.Now); onStop, if set, runs once on a goroutine
// of its own when the sink has taken its last packet.
func NewSession(cfg Config, sink Sink, now func() time.Time, onStop func()) *Session {
	if now == nil {
		now = time.Now
	}
	s := &Session{now: now, sink: sink, match: cfg.Match, snap: cfg.SnapLen, onStop: onStop}
	if s.snap <= 0 {
		s.snap = DefaultSnapLen
	}
	if len(cfg.Ports) == 0 {
		s.all = cfg.AllPorts
	}
	for p, pt := range cfg.Ports {
		for int(p) >= len(s.points) {
			s.points = append(s.points, 0)
		}
		s.points[p] = pt
	}
	s.drops = s.all&Drop != 0
	for _, pt := range s.points {
		s.drops = s.drops || pt&Drop != 0
	}
	return s
}

// Stopped reports whether the sink refused a packet and the session
// captures no more.
func (s *Session) Stopped() bool { return s.stopped.Load() }

// pointsOf returns the points captured on port p.
func (s *Session) pointsOf(p cam.PortID) Point {
	if int(p) < len(s.points) {
		return s.points[p]
	}
	return s.all
}

// Observe picks the decisions that capture a frame: the ingress stage of
// a frame a port received, an egress Forward, a Drop. The others return
// at the first test.
func (s *Session) Observe(in cam.PortID, f []byte, d dataplane.Decision) {
	switch {
	case d.Stage == dataplane.StageIngress:
		// The control plane's own packets (worker 0) enter no port.
		if d.Worker == 0 || s.stopped.Load() {
			return
		}
		pts := s.pointsOf(in)
		if pts&Drop != 0 {
			s.keepReceived(d.Worker, in, f, d.Verdict != dataplane.Drop)
		}
		if pts&Ingress != 0 {
			s.capture(in, Ingress, f, len(f), d)
		}
		if d.Verdict == dataplane.Drop && pts&Drop != 0 {
			s.capture(in, Drop, f, len(f), d)
		}
	case d.Verdict == dataplane.Forward && d.Stage == dataplane.StageEgress:
		if s.pointsOf(d.Entry.Port)&Egress != 0 && !s.stopped.Load() {
			s.capture(d.Entry.Port, Egress, f, len(f), d)
		}
	case d.Verdict == dataplane.Drop:
		if !s.drops || d.Worker == 0 || s.pointsOf(in)&Drop == 0 || s.stopped.Load() {
			return
		}
		v, ok := s.received.Load(d.Worker)
		if !ok {
			return
		}
		r := v.(*received)
		if !r.valid || r.port != in {
			return
		}
		r.valid = false
		s.capture(in, Drop, r.data[:min(r.n, len(r.data))], r.n, d)
	}
}

// keepReceived copies the frame worker w just received on port p, for a
// drop later in its path; valid is false for a frame that ends here.
func (s *Session) keepReceived(w int, p cam.PortID, f []byte, valid bool) {
	v, ok := s.received.Load(w)
	if !ok {
		v, _ = s.received.LoadOrStore(w, &received{})
	}
	r := v.(*received)
	n := min(len(f), s.snap)
	if cap(r.data) < n {
		r.data = make([]byte, n, max(n, 2048))
	}
	r.data = r.data[:n]
	copy(r.data, f)
	r.port, r.valid, r.n = p, valid, len(f)
}

// capture filters the frame and hands it to the sink.
func (s *Session) capture(port cam.PortID, pt Point, f []byte, n int, d dataplane.Decision) {
	if !s.match.Matches(f) {
		return
	}
	p := Packet{Time: s.now(), Port: port, Point: pt, Len: n, Data: f[:min(len(f), s.snap)]}
	if pt == Drop {
		p.Stage, p.Reason = d.Stage, d.Reason
	}
	if !s.sink.Add(p) && s.stopped.CompareAndSwap(false, true) && s.onStop != nil {
		go s.onStop()
	}
}
