package tap

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/l2sw/l2sw/dataplane/port"
	"github.com/l2sw/l2sw/internal/netns"
)

// epollWatched returns the descriptors that the process's epoll instances
// (the Go netpoller's among them) watch, from /proc/self/fdinfo.
func epollWatched(t *testing.T) map[int]bool {
	t.Helper()
	fds, err := filepath.Glob("/proc/self/fd/*")
	if err != nil {
		t.Fatal(err)
	}
	watched := map[int]bool{}
	for _, fd := range fds {
		if target, err := os.Readlink(fd); err != nil || target != "anon_inode:[eventpoll]" {
			continue
		}
		info, err := os.ReadFile("/proc/self/fdinfo/" + filepath.Base(fd))
		if err != nil {
			continue // closed meanwhile (Glob's own descriptor, say)
		}
		for _, line := range strings.Split(string(info), "\n") {
			var n int
			if _, err := fmt.Sscanf(line, "tfd: %d", &n); err == nil {
				watched[n] = true
			}
		}
	}
	return watched
}

// TestQueueOutsideNetpoller: no queue descriptor is in an epoll set, in
// either open mode, so a frame costs no netpoller wake-up; the reader waits
// in poll(2) instead (reader.go).
func TestQueueOutsideNetpoller(t *testing.T) {
	netns.RequireRoot(t)
	for _, mode := range []VnetMode{VnetAuto, VnetOff} {
		t.Run(mode.String(), func(t *testing.T) {
			p, _ := openInNamespace(t, Config{Queues: 2, Vnet: mode})
			watched := epollWatched(t)
			for _, q := range p.Queues() {
				qp := q.(*Port)
				var fd int
				if err := qp.raw.Control(func(f uintptr) { fd = int(f) }); err != nil {
					t.Fatal(err)
				}
				if watched[fd] {
					t.Errorf("%v: descriptor %d is in an epoll set", qp, fd)
				}
			}
		})
	}
}

// TestReadInOrder: frames that find the reader waiting in poll(2), and
// frames that queue up while it is busy, all arrive, in the order sent.
func TestReadInOrder(t *testing.T) {
	netns.RequireRoot(t)
	p, ns := openInNamespace(t, Config{Batch: 8})
	ps := newPacketSocket(t, ns, p.Name())
	const total = 400
	got := make(chan uint32, total)
	errc := make(chan error, 1)
	go func() {
		bufs, sizes := newBufs(8)
		for n := 0; n < total; {
			k, err := p.Read(bufs, sizes, port.Headroom)
			if err != nil {
				errc <- err
				return
			}
			for i := range k {
				seq, ok := testSeq(bufs[i][port.Headroom : port.Headroom+sizes[i]])
				if !ok {
					errc <- fmt.Errorf("frame %d is not a test frame", n)
					return
				}
				got <- seq
				n++
			}
		}
		errc <- nil
	}()
	for i := range total {
		ps.send(t, testFrame(switchMAC, hostMAC, uint32(i), 60))
		switch {
		case i%50 == 0:
			time.Sleep(5 * time.Millisecond) // the reader waits in poll(2)
		case i%10 == 0:
			time.Sleep(100 * time.Microsecond)
		}
	}
	select {
	case err := <-errc:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(promptly):
		t.Fatalf("%d of %d frames read", len(got), total)
	}
	close(got)
	want := uint32(0)
	for seq := range got {
		if seq != want {
			t.Fatalf("frame %d has sequence number %d", want, seq)
		}
		want++
	}
}

// TestCloseWaitingQueues: Close of queue 0 wakes the readers of every
// queue that wait in poll(2), and Close of one other queue wakes only its
// own; the descriptors are then closed (a Read after Close fails at once).
func TestCloseWaitingQueues(t *testing.T) {
	netns.RequireRoot(t)
	p, _ := openInNamespace(t, Config{Queues: 3})
	qs := p.Queues()
	chs := make([]<-chan readResult, len(qs))
	for i, q := range qs {
		chs[i] = readAsync(q, 4)
	}
	time.Sleep(50 * time.Millisecond) // let them reach poll(2)
	if err := qs[2].Close(); err != nil {
		t.Fatal(err)
	}
	if r := waitRead(t, chs[2], promptly); !errors.Is(r.err, port.ErrClosed) {
		t.Errorf("queue 2 Read after its Close: %v, want ErrClosed", r.err)
	}
	select {
	case r := <-chs[0]:
		t.Fatalf("queue 0 Read returned after queue 2's Close: %v", r.err)
	case <-time.After(20 * time.Millisecond):
	}
	start := time.Now()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if r := waitRead(t, chs[i], promptly); !errors.Is(r.err, port.ErrClosed) {
			t.Errorf("queue %d Read after Close: %v, want ErrClosed", i, r.err)
		}
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("waiting readers took %v to return", d)
	}
	if r := waitRead(t, readAsync(qs[1], 4), promptly); !errors.Is(r.err, port.ErrClosed) {
		t.Errorf("Read after Close: %v, want ErrClosed", r.err)
	}
}
