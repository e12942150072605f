package tap

import (
	"fmt"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/l2sw/l2sw/dataplane/port"
)

// BenchmarkTapWriteRead measures frames/s through a TAP with an AF_PACKET
// socket on the kernel side: "read" is packet socket -> TAP -> Port.Read,
// "write" is Port.Write -> TAP -> packet socket. Each op is one frame, moved
// in batches of 32; the kernel side (one syscall per frame on the packet
// socket) is part of the cost.
func BenchmarkTapWriteRead(b *testing.B) {
	const batch = 32
	for _, size := range []int{64, 1514} {
		b.Run(fmt.Sprintf("read/%dB", size), func(b *testing.B) {
			p, ns := openInNamespace(b, Config{Batch: batch})
			ps := newPacketSocket(b, ns, p.Name())
			f := testFrame(switchMAC, hostMAC, 0, size)
			bufs, sizes := newBufs(batch)
			b.ReportAllocs()
			b.SetBytes(int64(size))
			b.ResetTimer()
			start := time.Now()
			for done := 0; done < b.N; {
				chunk := min(batch, b.N-done)
				for range chunk {
					if _, err := unix.Write(ps.fd, f); err != nil {
						b.Fatal(err)
					}
				}
				for got := 0; got < chunk; {
					n, err := p.Read(bufs, sizes, port.Headroom)
					if err != nil {
						b.Fatal(err)
					}
					got += n
				}
				done += chunk
			}
			reportFrames(b, time.Since(start))
		})
		b.Run(fmt.Sprintf("write/%dB", size), func(b *testing.B) {
			p, ns := openInNamespace(b, Config{Batch: batch})
			ps := newPacketSocket(b, ns, p.Name())
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
			reportFrames(b, time.Since(start))
		})
	}
}

func reportFrames(b *testing.B, elapsed time.Duration) {
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(b.N), "ns/frame")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "frames/s")
}
