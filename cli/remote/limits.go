package remote

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/l2sw/l2sw/cli/engine"
)

// Limits bound what peers that have not logged in yet can hold, so that a
// flood of connections costs the switch a bounded number of goroutines and
// file descriptors and never reaches the forwarding plane.
type Limits struct {
	// Start, Rate and Full are OpenSSH's MaxStartups start:rate:full for
	// connections that have not finished authentication: up to Start are
	// accepted; beyond it a new one is refused with probability Rate
	// percent, rising linearly to 100 at Full. Full <= 0 means no limit.
	Start, Rate, Full int
	// PerSource caps the unauthenticated connections of one source address
	// (OpenSSH PerSourceMaxStartups); 0 means no cap.
	PerSource int
	// PerSourceRate and PerSourceBurst bound how fast one source may open
	// connections (a token bucket per address): every admitted connection
	// costs a key exchange, so a peer that connects and drops in a loop
	// would otherwise burn the CPU that forwarding needs, while staying
	// under every concurrency cap. PerSourceRate 0 means no rate limit.
	PerSourceRate  float64 // connections per second
	PerSourceBurst int
	// AuthTimeout bounds key exchange plus authentication (IOS `ip ssh
	// time-out`, OpenSSH LoginGraceTime); 0 means DefaultLimits' value.
	AuthTimeout time.Duration
}

// DefaultLimits are the SSH server's limits when SSHConfig.Limits is
// zero: MaxStartups 10:30:100, 10 per source, 30 s to log in, and 20 new
// connections a second from one source after a burst of 60 (automation
// opening a session per task stays far below).
func DefaultLimits() Limits {
	return Limits{Start: 10, Rate: 30, Full: 100, PerSource: 10, AuthTimeout: 30 * time.Second, PerSourceRate: 20, PerSourceBurst: 60}
}

// maxBuckets bounds the per-source rate table; beyond it, buckets that
// have refilled are forgotten (they carry no state worth keeping).
const maxBuckets = 4096

// bucket is one source's token bucket.
type bucket struct {
	tokens float64
	last   time.Time
}

// maxControlConns caps concurrent control socket connections: only the
// owner can connect, so this is a fence against a runaway script, far
// above what people and automation use.
const maxControlConns = 256

// gate counts the connections in a phase (not yet authenticated) and
// refuses new ones beyond Limits.
type gate struct {
	lim     Limits
	now     func() time.Time
	mu      sync.Mutex
	total   int
	bySrc   map[netip.Addr]int
	buckets map[netip.Addr]*bucket
	refused atomic.Uint64
}

func newGate(lim Limits) *gate {
	return &gate{lim: lim, now: time.Now, bySrc: map[netip.Addr]int{}, buckets: map[netip.Addr]*bucket{}}
}

// takeTokenLocked spends one of src's connection tokens, if it has one.
func (g *gate) takeTokenLocked(src netip.Addr) bool {
	l := g.lim
	if l.PerSourceRate <= 0 {
		return true
	}
	burst := float64(max(l.PerSourceBurst, 1))
	now := g.now()
	b := g.buckets[src]
	if b == nil {
		if len(g.buckets) >= maxBuckets {
			for a, o := range g.buckets {
				if o.tokens+now.Sub(o.last).Seconds()*l.PerSourceRate >= burst {
					delete(g.buckets, a)
				}
			}
		}
		b = &bucket{tokens: burst, last: now}
		if len(g.buckets) < maxBuckets {
			g.buckets[src] = b
		}
	}
	b.tokens = min(burst, b.tokens+now.Sub(b.last).Seconds()*l.PerSourceRate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// enter admits a connection from src into the phase, or refuses it. leave
// must be called once the connection leaves the phase (authenticated or
// gone); calling it again does nothing.
func (g *gate) enter(src netip.Addr) (leave func(), ok bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.admitLocked(src) {
		g.refused.Add(1)
		return nil, false
	}
	g.total++
	g.bySrc[src]++
	var once sync.Once
	return func() {
		once.Do(func() {
			g.mu.Lock()
			defer g.mu.Unlock()
			g.total--
			if g.bySrc[src]--; g.bySrc[src] <= 0 {
				delete(g.bySrc, src)
			}
		})
	}, true
}

func (g *gate) admitLocked(src netip.Addr) bool {
	l := g.lim
	if l.PerSource > 0 && g.bySrc[src] >= l.PerSource {
		return false
	}
	if !g.takeTokenLocked(src) {
		return false
	}
	if l.Full <= 0 || g.total < l.Start {
		return true
	}
	if g.total >= l.Full {
		return false
	}
	// Random early drop between Start and Full, as sshd does.
	p := l.Rate + (100-l.Rate)*(g.total-l.Start)/max(1, l.Full-l.Start)
	return rand.IntN(100) >= p
}

// inPhase returns the number of connections in the phase.
func (g *gate) inPhase() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.total
}

// rateLog passes on at most one message per key and interval, and says
// how many it held back: a flood must not turn into a flood of log lines.
type rateLog struct {
	logf     func(format string, args ...any)
	interval time.Duration
	mu       sync.Mutex
	last     map[string]time.Time
	held     map[string]int
}

func newRateLog(logf func(string, ...any), interval time.Duration) *rateLog {
	return &rateLog{logf: logf, interval: interval, last: map[string]time.Time{}, held: map[string]int{}}
}

func (r *rateLog) log(key, format string, args ...any) {
	if r == nil || r.logf == nil {
		return
	}
	r.mu.Lock()
	now := time.Now()
	if t, ok := r.last[key]; ok && now.Sub(t) < r.interval {
		r.held[key]++
		r.mu.Unlock()
		return
	}
	r.last[key] = now
	held := r.held[key]
	delete(r.held, key)
	r.mu.Unlock()
	msg := fmt.Sprintf(format, args...)
	if held > 0 {
		msg += fmt.Sprintf(" (%d more like it since the last report)", held)
	}
	r.logf("%s", msg)
}

// Accept back-off bounds, as net/http uses: a failing accept (EMFILE,
// ENFILE, ENOBUFS ...) is retried after 5 ms, doubling up to 1 s.
const (
	acceptBackoffMin = 5 * time.Millisecond
	acceptBackoffMax = time.Second
)

// serveConns accepts connections on ln and runs serve for each on its own
// goroutine until ctx is done. It then closes ln and every connection, waits
// for their goroutines and returns nil. admit, if set, is asked first in
// the accept loop and may refuse (it closes nothing; serveConns does) or
// hand back the connection wrapped.
// Accept errors are logged and retried with a back-off, never returned: a
// process out of file descriptors keeps forwarding and recovers when
// connections go. Only a listener closed by someone else ends the loop
// with an error (prefixed by what).
func serveConns(ctx context.Context, ln net.Listener, what string, log *rateLog, admit func(net.Conn) (net.Conn, bool), serve func(net.Conn)) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns = map[net.Conn]struct{}{}
		done  bool
	)
	stop := context.AfterFunc(ctx, func() {
		ln.Close()
		mu.Lock()
		done = true
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	defer stop()
	defer wg.Wait()
	backoff := time.Duration(0)
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				// Close again, synchronously: the socket file must be gone
				// when Serve returns, not whenever AfterFunc finishes.
				ln.Close()
				return nil
			}
			if errors.Is(err, net.ErrClosed) {
				return fmt.Errorf("%s: accept: %w", what, err)
			}
			backoff = min(max(2*backoff, acceptBackoffMin), acceptBackoffMax)
			log.log(what+" accept", "%s: accept: %v; retrying in %v", what, err, backoff)
			select {
			case <-time.After(backoff):
			case <-ctx.Done():
			}
			continue
		}
		backoff = 0
		if admit != nil {
			ac, ok := admit(c)
			if !ok {
				c.Close()
				continue
			}
			c = ac
		}
		mu.Lock()
		if done {
			mu.Unlock()
			c.Close()
			continue
		}
		conns[c] = struct{}{}
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				mu.Lock()
				delete(conns, c)
				mu.Unlock()
				c.Close()
			}()
			serve(c)
		}()
	}
}

// ControlOptions configure ServeControlWith.
type ControlOptions struct {
	// Logf, when set, receives accept errors and refused connections
	// (rate-limited).
	Logf func(format string, args ...any)
	// Capture runs capture connections; nil refuses them.
	Capture Capturer
	// ConsoleTimeout, when set, is the console line's exec-timeout at the
	// start of each console session (0: none): an idle console session is
	// closed after it, as IOS ends an idle EXEC on con 0.
	ConsoleTimeout func() time.Duration
	// JSON answers exec requests that ask for JSON; nil refuses them.
	JSON JSONExecer
}

// ServeControlWith is ServeControl with a log: it accepts control
// connections on ln and serves each as its own session of eng until ctx is
// done, refusing connections beyond a few hundred at once.
func ServeControlWith(ctx context.Context, ln net.Listener, eng *engine.Engine, o ControlOptions) error {
	log := newRateLog(o.Logf, 10*time.Second)
	var open atomic.Int64
	admit := func(c net.Conn) (net.Conn, bool) {
		if open.Add(1) > maxControlConns {
			open.Add(-1)
			log.log("control busy", "control socket: %d connections open; refusing more", maxControlConns)
			return nil, false
		}
		return c, true
	}
	return serveConns(ctx, ln, "control socket", log, admit, func(c net.Conn) {
		defer open.Add(-1)
		serveControlConn(c, eng, o)
	})
}

// preAuthConn is an accepted SSH connection holding a place in the
// unauthenticated phase until leave is called.
type preAuthConn struct {
	net.Conn
	leave func()
}

// admitSSH is the SSH accept loop's gate: MaxStartups and the per-source
// cap, checked before a goroutine is spent on the connection.
func (s *SSHServer) admitSSH(c net.Conn) (net.Conn, bool) {
	src := addrOf(c.RemoteAddr().String())
	leave, ok := s.gate.enter(src)
	if !ok {
		l := s.gate.lim
		s.log.log("startups", "ssh: refused connection from %v: %d connections not authenticated yet (MaxStartups %d:%d:%d, %d per source, %g/s per source)",
			c.RemoteAddr(), s.gate.inPhase(), l.Start, l.Rate, l.Full, l.PerSource, l.PerSourceRate)
		return nil, false
	}
	return &preAuthConn{Conn: c, leave: leave}, true
}
