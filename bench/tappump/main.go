// Command tappump joins two TAP devices with the least work a userspace
// program can do: per direction and per queue, one OS thread reads a frame
// from one TAP and writes it to the other, with no lookup, no batching and no
// Go netpoller. It is the floor that any userspace TAP switch, l2sw
// included, is measured against in the side-by-side harness (bench/e2e).
//
// With -vnet both TAPs are opened with virtio-net headers (IFF_VNET_HDR) and
// every offload the kernel has (TUNSETOFFLOAD csum, TSO4/6, ECN, USO), and
// the header travels with the frame unchanged, as QEMU's TAP backend does:
// the kernel then hands over 64 KiB super-frames instead of MTU frames.
//
//	tappump [-vnet] [-queues N] TAP_A TAP_B
//
// The TAPs are created if they do not exist (and vanish when tappump exits)
// and are left down: the harness moves them into namespaces and brings them
// up there. tappump runs until SIGINT/SIGTERM and then prints how many
// frames it moved each way.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

const (
	vnetHdrLen = 10            // struct virtio_net_hdr
	bufSize    = 65536 + 256   // a 64 KiB super-frame with its header and L2
	plainBuf   = 9216 + 14 + 8 // a jumbo frame
)

func main() {
	vnet := flag.Bool("vnet", false, "use virtio-net headers and offloads (IFF_VNET_HDR + TUNSETOFFLOAD)")
	queues := flag.Int("queues", 1, "queues per TAP (IFF_MULTI_QUEUE when > 1), one thread per queue and direction")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: tappump [-vnet] [-queues N] TAP_A TAP_B\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 2 || *queues < 1 {
		flag.Usage()
		os.Exit(2)
	}
	a, err := openTAP(flag.Arg(0), *queues, *vnet)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tappump:", err)
		os.Exit(1)
	}
	b, err := openTAP(flag.Arg(1), *queues, *vnet)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tappump:", err)
		os.Exit(1)
	}
	size := plainBuf
	if *vnet {
		size = bufSize
	}
	var ab, ba atomic.Uint64
	for q := range *queues {
		go pump(a[q], b[q], size, &ab)
		go pump(b[q], a[q], size, &ba)
	}
	fmt.Printf("tappump: %s <-> %s, %d queue(s), vnet=%v\n", flag.Arg(0), flag.Arg(1), *queues, *vnet)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	fmt.Printf("tappump: %s->%s %d frames, %s->%s %d frames\n",
		flag.Arg(0), flag.Arg(1), ab.Load(), flag.Arg(1), flag.Arg(0), ba.Load())
}

// pump copies frames from one queue descriptor to another until an error.
// Blocking read(2)/write(2) on a locked thread: the cheapest loop there is.
func pump(from, to int, size int, count *atomic.Uint64) {
	runtime.LockOSThread()
	buf := make([]byte, size)
	var n uint64
	for {
		m, err := unix.Read(from, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "tappump: read:", err)
			return
		}
		// A write fails (EIO) while the other TAP is down; drop the frame
		// as a wire would.
		_, _ = unix.Write(to, buf[:m])
		n++
		if n&1023 == 0 {
			count.Add(1024)
		}
	}
}

// openTAP creates or attaches the TAP name with n blocking queue
// descriptors.
func openTAP(name string, n int, vnet bool) ([]int, error) {
	flags := uint16(unix.IFF_TAP | unix.IFF_NO_PI)
	if vnet {
		flags |= unix.IFF_VNET_HDR
	}
	if n > 1 {
		flags |= unix.IFF_MULTI_QUEUE
	}
	fds := make([]int, 0, n)
	for range n {
		fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_CLOEXEC, 0)
		if err != nil {
			return nil, fmt.Errorf("opening /dev/net/tun: %w", err)
		}
		ifr, err := unix.NewIfreq(name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		ifr.SetUint16(flags)
		if err := unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr); err != nil {
			return nil, fmt.Errorf("%s: TUNSETIFF: %w", name, err)
		}
		fds = append(fds, fd)
	}
	if vnet {
		off := unix.TUN_F_CSUM | unix.TUN_F_TSO4 | unix.TUN_F_TSO6 | unix.TUN_F_TSO_ECN
		if err := unix.IoctlSetInt(fds[0], unix.TUNSETOFFLOAD, off|unix.TUN_F_USO4|unix.TUN_F_USO6); err != nil {
			// Kernels before 6.2 have no USO.
			if err := unix.IoctlSetInt(fds[0], unix.TUNSETOFFLOAD, off); err != nil {
				return nil, fmt.Errorf("%s: TUNSETOFFLOAD: %w", name, err)
			}
		}
	}
	return fds, nil
}
