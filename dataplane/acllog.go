package dataplane

import (
	"fmt"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/l2sw/l2sw/syslog"
	"github.com/l2sw/l2sw/tcam"
	"github.com/l2sw/l2sw/tcam/acl"
)

// ACL logging as IOS does it: the first packet of a flow that hits a `log`
// entry is reported at once ("1 packet"), later ones are counted and
// reported together once per interval ("N packets"), so a busy flow costs
// one line per five minutes rather than one per packet.

// ACLLogInterval is how often the packets of a logged flow are reported.
const ACLLogInterval = 5 * time.Minute

// aclLogFlows bounds the flows the control plane remembers; the least
// recently hit one is forgotten (and its pending count reported) first.
const aclLogFlows = 1024

// aclLogInfo is what a worker reports for a packet that hit a log entry.
type aclLogInfo struct {
	name   string
	kind   acl.Kind
	permit bool
	hdr    tcam.Header
}

// aclLogKey is one logged flow: the fields the message prints.
type aclLogKey struct {
	name             string
	kind             acl.Kind
	permit           bool
	proto            uint8
	src, dst         uint32
	srcPort, dstPort uint16
}

type aclLogFlow struct {
	pending uint64 // packets since the last report
	since   int64  // nanoseconds of the last report
}

// aclLogger aggregates logged flows. Used only by the control plane.
type aclLogger struct {
	log   *syslog.Logger
	flows *lru.Cache[aclLogKey, *aclLogFlow]
}

func newACLLogger(l *syslog.Logger) *aclLogger {
	a := &aclLogger{log: l}
	flows, err := lru.NewWithEvict(aclLogFlows, func(k aclLogKey, f *aclLogFlow) {
		if f.pending > 0 {
			a.report(k, f.pending)
		}
	})
	if err != nil {
		panic(fmt.Sprintf("acl log cache: %v", err)) // only for a size < 1
	}
	a.flows = flows
	return a
}

func logKey(i aclLogInfo) aclLogKey {
	k := aclLogKey{name: i.name, kind: i.kind, permit: i.permit, proto: i.hdr.Proto, src: i.hdr.Src}
	if i.kind == acl.Standard {
		return k // standard lists log the source only
	}
	k.dst, k.srcPort, k.dstPort = i.hdr.Dst, i.hdr.SrcPort, i.hdr.DstPort
	return k
}

// hit accounts one packet at now (nanoseconds).
func (a *aclLogger) hit(i aclLogInfo, now int64) {
	k := logKey(i)
	if f, ok := a.flows.Get(k); ok {
		f.pending++
		return
	}
	a.flows.Add(k, &aclLogFlow{since: now})
	a.report(k, 1)
}

// flush reports the flows whose interval has passed and forgets the idle
// ones.
func (a *aclLogger) flush(now int64) {
	for _, k := range a.flows.Keys() {
		f, ok := a.flows.Peek(k)
		if !ok || now-f.since < int64(ACLLogInterval) {
			continue
		}
		if f.pending == 0 {
			a.flows.Remove(k)
			continue
		}
		a.report(k, f.pending)
		f.pending, f.since = 0, now
	}
}
