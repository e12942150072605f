package counter

import (
	"sync"
	"testing"
)

// TestOwnedSingleWriterManyReaders: the owner's adds are all counted, and
// concurrent readers only ever see values that grow.
func TestOwnedSingleWriterManyReaders(t *testing.T) {
	var c Owned
	const n = 200000
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			last := uint64(0)
			for {
				select {
				case <-stop:
					return
				default:
				}
				v := c.Load()
				if v < last {
					t.Errorf("count went back from %d to %d", last, v)
					return
				}
				last = v
			}
		}()
	}
	for i := range n {
		if i%2 == 0 {
			c.Inc()
		} else {
			c.Add(1)
		}
	}
	close(stop)
	wg.Wait()
	if c.Load() != n {
		t.Fatalf("count %d, want %d", c.Load(), n)
	}
	c.Store(7)
	if c.Load() != 7 {
		t.Fatalf("after Store: %d", c.Load())
	}
	if a := testing.AllocsPerRun(100, func() { c.Inc() }); a != 0 {
		t.Errorf("Inc allocates %v", a)
	}
}
