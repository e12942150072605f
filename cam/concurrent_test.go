package cam

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/l2sw/l2sw/packet"
)

// In the concurrency test every address has exactly two legal dynamic ports,
// derived from the address itself, and churned static entries a third one.
// A reader that ever pairs a key with another slot's value (the torn read or
// ABA the protocol prevents) sees a port outside that set.
func legalPorts(mac uint64) (PortID, PortID, PortID) {
	base := PortID(mac&0xff) * 3
	return base, base + 1, base + 2
}

const pinnedStatics = 4 // addresses 0x0aa0_0000_0000+i: static for the whole test

// TestConcurrentInvariants runs on a tiny table, so that slots are emptied
// and reused all the time: 4 ways (one cache line a bucket) and 6 ways (two
// lines, keys scanned from their home line round the bucket).
func TestConcurrentInvariants(t *testing.T) {
	for _, ways := range []int{4, 6} {
		t.Run(fmt.Sprintf("ways=%d", ways), func(t *testing.T) {
			testConcurrentInvariants(t, New(Config{Capacity: 64, Ways: ways, AgingTime: 2}))
		})
	}
}

func testConcurrentInvariants(t *testing.T, tb *Table) {
	var events atomic.Int64
	tb.SetEventHandler(func(Event) { events.Add(1) })
	for i := range pinnedStatics {
		mac := uint64(0x0aa0_0000_0000 + i)
		_, _, sp := legalPorts(mac)
		if err := tb.AddStatic(1, packet.MACFromUint64(mac), sp); err != nil {
			t.Fatal(err)
		}
	}
	const nMACs = 300
	macOf := func(i int) uint64 { return 0x0200_0000_0000 | uint64(i)<<8 | uint64(i%85) }
	var now atomic.Int64
	now.Store(1)
	iters := 20000
	if testing.Short() {
		iters = 4000
	}
	var stopReaders atomic.Bool
	var bad atomic.Value
	fail := func(msg string) { bad.CompareAndSwap(nil, msg) }

	var writers, readers sync.WaitGroup
	for w := range 3 { // learners
		writers.Add(1)
		go func() {
			defer writers.Done()
			r := rand.New(rand.NewPCG(uint64(w), 1))
			for i := range iters {
				if i%32 == 0 {
					runtime.Gosched() // interleave finely with the other goroutines
				}
				mac := macOf(r.IntN(nMACs))
				a, b, _ := legalPorts(mac)
				p := a
				if r.IntN(2) == 0 {
					p = b
				}
				vlan := uint16(1 + r.IntN(2))
				switch res := tb.Learn(vlan, mac, p, now.Load()); res {
				case Learned, Refreshed, Moved, NotLearnedFull, StaticHit:
				default:
					fail("unexpected learn result " + res.String())
				}
			}
		}()
	}
	writers.Add(1)
	go func() { // control plane: clock, aging, clears, static churn
		defer writers.Done()
		r := rand.New(rand.NewPCG(99, 1))
		for i := range iters / 10 {
			switch i % 6 {
			case 0:
				now.Add(int64(1 + r.IntN(3)))
				tb.Age(now.Load())
			case 1:
				a, _, _ := legalPorts(macOf(r.IntN(nMACs)))
				tb.ClearDynamic(ForPort(a))
			case 2:
				tb.ClearDynamic(ForVLAN(uint16(1 + r.IntN(2))))
			case 3:
				mac := macOf(r.IntN(nMACs))
				_, _, sp := legalPorts(mac)
				_ = tb.AddStatic(uint16(1+r.IntN(2)), packet.MACFromUint64(mac), sp) // may be ErrFull
			case 5:
				tb.ClearDynamic(ForMAC(packet.MACFromUint64(macOf(r.IntN(nMACs)))))
			case 4:
				_ = tb.RemoveStatic(uint16(1+r.IntN(2)), packet.MACFromUint64(macOf(r.IntN(nMACs))))
			}
			runtime.Gosched()
		}
	}()
	for w := range 2 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			r := rand.New(rand.NewPCG(uint64(w), 7))
			for i := range iters {
				if i%32 == 0 {
					runtime.Gosched() // interleave finely with the other goroutines
				}
				mac := macOf(r.IntN(nMACs))
				vlan := uint16(1 + r.IntN(2))
				if p, ok := tb.Lookup(vlan, mac); ok {
					a, b, s := legalPorts(mac)
					if p != a && p != b && p != s {
						fail("lookup returned a port that never belonged to the address")
					}
				}
				pin := uint64(0x0aa0_0000_0000 + r.IntN(pinnedStatics))
				_, _, sp := legalPorts(pin)
				if p, ok := tb.Lookup(1, pin); !ok || p != sp {
					fail("a pinned static entry was missed or changed")
				}
			}
		}()
	}
	writers.Wait()
	stopReaders.Store(true)
	readers.Wait()
	if msg := bad.Load(); msg != nil {
		t.Fatal(msg)
	}
	checkQuiescent(t, tb)
	st := tb.Stats()
	if st.Learned == 0 || st.Moved == 0 || st.NotLearnedFull == 0 || st.Aged+st.Cleared == 0 {
		t.Fatalf("the test did not exercise the paths it claims to: %+v", st)
	}
	t.Logf("stats %+v events %d", st, events.Load())
}

// checkQuiescent verifies the table's structure once no one is writing.
func checkQuiescent(t *testing.T, tb *Table) {
	t.Helper()
	seen := map[uint64]bool{}
	statics := 0
	for b := range tb.Buckets() {
		bk, _ := tb.bucketAt(b)
		for j := range bk {
			k := bk[j].key.Load()
			if k == 0 {
				continue
			}
			if seen[k] {
				t.Fatalf("key %#x stored twice", k)
			}
			seen[k] = true
			if int(hashKey(k)&tb.bmask) != b {
				t.Fatalf("key %#x in bucket %d, belongs in %d", k, b, hashKey(k)&tb.bmask)
			}
			if valueType(bk[j].val.Load()) != Dynamic {
				statics++
			}
		}
	}
	if tb.Len() != len(seen) || len(tb.Entries(MatchAll())) != len(seen) {
		t.Fatalf("Len %d, stored %d", tb.Len(), len(seen))
	}
	if tb.Len() > tb.Capacity() {
		t.Fatalf("Len %d over capacity %d", tb.Len(), tb.Capacity())
	}
	if int(tb.statics.Load()) != statics {
		t.Fatalf("static counter %d, stored %d", tb.statics.Load(), statics)
	}
	c := tb.Counts()
	if c.Total != len(seen) || c.Static+c.System != statics {
		t.Fatalf("counts %+v, stored %d (%d static)", c, len(seen), statics)
	}
}
