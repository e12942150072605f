package afpacket

import (
	"fmt"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/l2sw/l2sw/dataplane/port"
)

// BenchmarkAfpacketWriteRead measures frames/s through a veth with a plain
// AF_PACKET socket on the host end: "read" is packet socket -> veth ->
// Port.Read (a stream, see stream), "write" is Port.Write -> veth -> packet
// socket. Each op is one frame, moved in batches of 64; the host side (one
// syscall per frame) is part of the cost, so these are lower bounds for
// the backend itself.
func BenchmarkAfpacketWriteRead(b *testing.B) {
	const batch = 64
	for _, size := range []int{64, 1514} {
		b.Run(fmt.Sprintf("read/%dB", size), func(b *testing.B) {
			l := newVethLab(b, 0)
			p := l.open(b, Config{Batch: batch})
			ps := newPacketSocket(b, l.ns, l.peer)
			f := testFrame(switchMAC, hostMAC, 0, size)
			bufs, sizes := newBufs(batch, port.BufferSize)
			b.ReportAllocs()
			b.SetBytes(int64(size))
			b.ResetTimer()
			end := testFrame(switchMAC, hostMAC, endSeq, size)
			stream(b, p, bufs, sizes, func() error {
				for range b.N {
					if _, err := unix.Write(ps.fd, f); err != nil {
						return err
					}
				}
				return nil
			}, func() error {
				_, err := unix.Write(ps.fd, end)
				return err
			})
		})
		b.Run(fmt.Sprintf("write/%dB", size), func(b *testing.B) {
			l := newVethLab(b, 0)
			p := l.open(b, Config{Batch: batch})
			ps := newPacketSocket(b, l.ns, l.peer)
			frames := make([][]byte, batch)
			for i := range frames {
				frames[i] = testFrame(hostMAC, switchMAC, uint32(i), size)
			}
			rbuf := make([]byte, port.BufferSize)
			b.ReportAllocs()
			b.SetBytes(int64(size))
			b.ResetTimer()
			start := time.Now()
			for done := 0; done < b.N; {
				chunk := min(batch, b.N-done)
				if n, err := p.Write(frames[:chunk]); err != nil || n != chunk {
					b.Fatalf("Write: %d %v", n, err)
				}
				for range chunk {
					if _, err := unix.Read(ps.fd, rbuf); err != nil {
						b.Fatal(err)
					}
				}
				done += chunk
			}
			reportFrames(b, time.Since(start), b.N)
		})
	}
}

// BenchmarkAfpacketPump is the backend on both ends: Port.Write on one end
// of a veth, Port.Read on the other, a batch per call each way, streaming.
func BenchmarkAfpacketPump(b *testing.B) {
	const batch = 64
	for _, size := range []int{64, 1514} {
		b.Run(fmt.Sprintf("%dB", size), func(b *testing.B) {
			l := newVethLab(b, 0)
			tx := l.open(b, Config{Batch: batch})
			rx := l.openOn(b, l.peer, Config{Batch: batch})
			frames := make([][]byte, batch)
			for i := range frames {
				frames[i] = testFrame(hostMAC, switchMAC, uint32(i), size)
			}
			end := [][]byte{testFrame(hostMAC, switchMAC, endSeq, size)}
			bufs, sizes := newBufs(batch, port.BufferSize)
			b.ReportAllocs()
			b.SetBytes(int64(size))
			b.ResetTimer()
			stream(b, rx, bufs, sizes, func() error {
				for done := 0; done < b.N; {
					chunk := min(batch, b.N-done)
					if n, err := tx.Write(frames[:chunk]); err != nil || n != chunk {
						return fmt.Errorf("Write: %d %v", n, err)
					}
					done += chunk
				}
				return nil
			}, func() error {
				_, err := tx.Write(end)
				return err
			})
		})
	}
}

// stream runs send (which sends b.N frames) on its own goroutine while it
// reads them from rx, and reports the receive rate. A stream is what a
// forwarding port sees: with TPACKET_V3 a lock-step send-then-read would
// measure the ring's block retire timeout instead. After its b.N frames
// the sender sends end markers (sendEnd) until the reader has one: frames
// are delivered in order on a veth, so any not read by then were dropped
// by the kernel (rx ring or veth backlog full), reported as lost/op.
func stream(b *testing.B, rx *Port, bufs [][]byte, sizes []int, send, sendEnd func() error) {
	errc := make(chan error, 1)
	stop := make(chan struct{})
	start := time.Now()
	go func() {
		if err := send(); err != nil {
			errc <- err
			return
		}
		for {
			select {
			case <-stop:
				errc <- nil
				return
			case <-time.After(time.Millisecond):
			}
			if err := sendEnd(); err != nil {
				errc <- err
				return
			}
		}
	}()
	got := 0
	var elapsed time.Duration
read:
	for {
		n, err := rx.Read(bufs, sizes, port.Headroom)
		if err != nil {
			b.Fatal(err)
		}
		for i := range n {
			if s, _ := testSeq(bufs[i][port.Headroom : port.Headroom+sizes[i]]); s == endSeq {
				elapsed = time.Since(start)
				break read
			}
			got++
		}
	}
	close(stop)
	if err := <-errc; err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N-got)/float64(b.N), "lost/op")
	reportFrames(b, elapsed, got)
}

// endSeq marks the end of a stream.
const endSeq = 0xffffffff

func reportFrames(b *testing.B, elapsed time.Duration, frames int) {
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(frames), "ns/frame")
	b.ReportMetric(float64(frames)/elapsed.Seconds(), "frames/s")
}
