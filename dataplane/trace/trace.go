// Package trace records the pipeline's decisions about real frames: the
// live packet trace of IOS-XE (`debug platform condition`, `debug platform
// packet-trace`, `show platform packet-trace`). A Tracer is a
// dataplane.Observer; attached, it follows each frame through the stages
// and keeps, for the frames its conditions select, the stages passed, the
// result, and the ports in and out. It renders nothing: the CLI does.
package trace

import (
	"cmp"
	"slices"
	"sync"
	"time"

	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/dataplane"
)

// Direction says which frames of a port a condition selects.
type Direction uint8

// The directions of `debug platform condition interface IF {ingress|egress|both}`.
const (
	Ingress Direction = 1 << iota // frames received on the port
	Egress                        // frames sent out of the port
	Both    = Ingress | Egress
)

// State is a traced frame's outcome, as IOS-XE names it.
type State uint8

// The states. A frame that left on at least one port is FWD even if a
// copy was also punted (broadcast ARP to an SVI).
const (
	StateFwd State = iota
	StateDrop
	StatePunt
	StateConsume
)

var stateNames = [...]string{"FWD", "DROP", "PUNT", "CONSUME"}

// String is the State column of `show platform packet-trace summary`.
func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "UNKNOWN"
}

// HeaderBytes is how much of each traced frame is kept: enough for the
// Ethernet, tag, IPv4 and transport headers the packet view reads.
const HeaderBytes = 96

// Packet is one traced frame.
type Packet struct {
	Num     int // packets are numbered from 0 in the order they entered the switch
	In      cam.PortID
	FromCPU bool         // the switch sent it (an ICMP error, an ARP request): In means nothing
	Out     []cam.PortID // the ports it left on, in order
	State   State
	Reason  dataplane.Reason // of a DROP or PUNT
	Start   time.Time
	Stop    time.Time
	Header  []byte               // the frame's first HeaderBytes as received
	Steps   []dataplane.Decision // every stage's decision, in order

	seq uint64 // when it began, among all the frames followed
}

// Limits of `debug platform packet-trace packet N`.
const (
	MinPackets     = 16
	MaxPackets     = 8192
	DefaultPackets = 128
)

// Tracer is the live packet trace. Its zero value is not usable; use New.
type Tracer struct {
	now func() time.Time

	mu       sync.Mutex
	cond     map[cam.PortID]Direction
	limit    int
	circular bool
	running  bool
	seq      uint64          // frames begun so far
	shed     int             // packets a circular buffer has let go
	done     []*Packet       // finished packets that met the conditions, by seq
	open     map[int]*Packet // per worker: the frame being followed
	last     map[int]dataplane.Stage
}

// New returns a stopped Tracer with no conditions that keeps
// DefaultPackets packets; now stamps the packets (nil: time.Now).
func New(now func() time.Time) *Tracer {
	if now == nil {
		now = time.Now
	}
	return &Tracer{now: now, cond: map[cam.PortID]Direction{}, limit: DefaultPackets,
		open: map[int]*Packet{}, last: map[int]dataplane.Stage{}}
}

// SetCondition selects the frames of port in direction d (0 removes the
// port's condition). With no condition at all, nothing is traced, as on
// IOS-XE.
func (t *Tracer) SetCondition(p cam.PortID, d Direction) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if d == 0 {
		delete(t.cond, p)
		return
	}
	t.cond[p] = d
}

// Conditions returns the ports with a condition.
func (t *Tracer) Conditions() map[cam.PortID]Direction {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[cam.PortID]Direction, len(t.cond))
	for p, d := range t.cond {
		out[p] = d
	}
	return out
}

// ClearConditions removes every condition and stops the trace
// (`clear platform condition all`).
func (t *Tracer) ClearConditions() {
	t.mu.Lock()
	defer t.mu.Unlock()
	clear(t.cond)
	t.running = false
}

// SetLimit sets how many packets are kept, rounded up to a power of two
// within [MinPackets, MaxPackets] as IOS-XE does; circular keeps the newest
// instead of the first. It clears what was kept.
func (t *Tracer) SetLimit(n int, circular bool) int {
	p := MinPackets
	for p < n && p < MaxPackets {
		p <<= 1
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.limit, t.circular = p, circular
	t.clearLocked()
	return p
}

// Limit returns the packet limit and whether the buffer is circular.
func (t *Tracer) Limit() (int, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.limit, t.circular
}

// Start starts tracing (`debug platform condition start`).
func (t *Tracer) Start() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.running = true
}

// Stop stops tracing; what was kept stays (`debug platform condition stop`).
func (t *Tracer) Stop() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.running = false
	for w := range t.open {
		t.finishLocked(w)
	}
}

// Running reports whether the trace runs.
func (t *Tracer) Running() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.running
}

// Clear forgets the packets kept (`clear platform packet-trace statistics`).
func (t *Tracer) Clear() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.clearLocked()
}

func (t *Tracer) clearLocked() {
	t.done, t.shed = nil, 0
	clear(t.open)
	clear(t.last)
}

// Packets returns the packets kept, the ones still being followed
// included, in the order they entered the switch. Frames the workers
// handle at the same time finish in any order; numbering them by when they
// began keeps a flood and the punt it caused next to each other.
func (t *Tracer) Packets() []Packet {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]Packet, 0, len(t.done)+len(t.open))
	for _, p := range t.done {
		out = append(out, *p)
	}
	for _, p := range t.open {
		if t.selects(p) {
			q := *p
			q.Steps = slices.Clone(p.Steps)
			q.Out = slices.Clone(p.Out)
			out = append(out, q)
		}
	}
	slices.SortStableFunc(out, func(a, b Packet) int { return cmp.Compare(a.seq, b.seq) })
	shed := t.shed
	if t.circular && len(out) > t.limit {
		shed += len(out) - t.limit
		out = out[len(out)-t.limit:]
	}
	for i := range out {
		out[i].Num = shed + i
	}
	return out
}

// Observe follows the frames: a worker's decisions about one frame come
// in pipeline order, so a decision at the ingress stage, or at a stage
// before the worker's last one, begins the next frame.
func (t *Tracer) Observe(in cam.PortID, f []byte, d dataplane.Decision) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.running {
		return
	}
	w := d.Worker
	p := t.open[w]
	if p != nil && (d.Stage == dataplane.StageIngress || d.Stage < t.last[w]) {
		t.finishLocked(w)
		p = nil
	}
	if p == nil {
		if t.full() {
			return
		}
		// The control plane's transmit side is worker 0.
		t.seq++
		p = &Packet{seq: t.seq, In: in, FromCPU: w == 0, State: StateConsume, Start: t.now(), Header: append([]byte(nil), f[:min(len(f), HeaderBytes)]...)}
		t.open[w] = p
	}
	t.last[w] = d.Stage
	p.Steps = append(p.Steps, d)
	p.Stop = t.now()
	switch d.Verdict {
	case dataplane.Forward:
		p.Out = append(p.Out, d.Entry.Port)
		p.State, p.Reason = StateFwd, dataplane.ReasonNone
	case dataplane.Drop:
		if p.State != StateFwd {
			p.State, p.Reason = StateDrop, d.Reason
		}
	case dataplane.Punt:
		if p.State != StateFwd {
			p.State, p.Reason = StatePunt, d.Reason
		}
	}
}

// full reports whether a linear buffer holds its limit.
func (t *Tracer) full() bool { return !t.circular && len(t.done)+len(t.open) >= t.limit }

// finishLocked ends worker w's frame, keeping it if it meets a condition.
func (t *Tracer) finishLocked(w int) {
	p := t.open[w]
	delete(t.open, w)
	delete(t.last, w)
	if p == nil || !t.selects(p) {
		return
	}
	i := len(t.done)
	for i > 0 && t.done[i-1].seq > p.seq {
		i--
	}
	t.done = slices.Insert(t.done, i, p)
	if t.circular && len(t.done) > t.limit {
		t.shed += len(t.done) - t.limit
		t.done = t.done[len(t.done)-t.limit:]
	}
}

// selects reports whether a condition selects p.
func (t *Tracer) selects(p *Packet) bool {
	if !p.FromCPU && t.cond[p.In]&Ingress != 0 {
		return true
	}
	for _, o := range p.Out {
		if t.cond[o]&Egress != 0 {
			return true
		}
	}
	return false
}
