// Command afpump joins two existing netdevs (veth ends) with the least work
// an AF_PACKET program can do: per direction one OS thread receives a frame
// on one packet socket and sends it on the other, one frame per system
// call, no ring, no lookup, no batching, no Go netpoller. It is the floor
// the afpacket backend is measured against in the side-by-side harness
// (bench/e2e), as bench/tappump is for TAPs.
//
// Both sockets ignore their own outgoing frames, bypass the qdisc and put
// their netdev in promiscuous mode, as the afpacket backend does. They use
// virtio-net headers (PACKET_VNET_HDR) and the header travels with the
// frame unchanged, so partial checksums and TCP super-frames cross whole:
// without them (-plain) a host's stack behind a veth, which leaves L4
// checksums to the "hardware", gets nothing through but ping. VLAN tags the
// kernel strips on receive are not put back: afpump is a floor, not a
// switch, and the harness sends untagged traffic.
//
//	afpump [-plain] NETDEV_A NETDEV_B
//
// afpump sets both netdevs up, runs until SIGINT/SIGTERM and then prints
// how many frames it moved each way.
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"runtime"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

const (
	bufSize  = 65536 + 256   // a 64 KiB super-frame with its header and L2
	plainBuf = 9216 + 14 + 8 // a jumbo frame
)

func main() {
	plain := flag.Bool("plain", false, "no virtio-net headers (PACKET_VNET_HDR): partial checksums and super-frames from a veth do not survive")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: afpump [-plain] NETDEV_A NETDEV_B\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 2 {
		flag.Usage()
		os.Exit(2)
	}
	vnet := !*plain
	a, err := openSocket(flag.Arg(0), vnet)
	if err != nil {
		fmt.Fprintln(os.Stderr, "afpump:", err)
		os.Exit(1)
	}
	b, err := openSocket(flag.Arg(1), vnet)
	if err != nil {
		fmt.Fprintln(os.Stderr, "afpump:", err)
		os.Exit(1)
	}
	size := plainBuf
	if vnet {
		size = bufSize
	}
	var ab, ba atomic.Uint64
	go pump(a, b, size, &ab)
	go pump(b, a, size, &ba)
	fmt.Printf("afpump: %s <-> %s, vnet=%v\n", flag.Arg(0), flag.Arg(1), vnet)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	fmt.Printf("afpump: %s->%s %d frames, %s->%s %d frames\n",
		flag.Arg(0), flag.Arg(1), ab.Load(), flag.Arg(1), flag.Arg(0), ba.Load())
}

// pump copies frames from one socket to the other until an error. Blocking
// recv(2)/send(2) on a locked thread: the cheapest loop there is.
func pump(from, to int, size int, count *atomic.Uint64) {
	runtime.LockOSThread()
	buf := make([]byte, size)
	var n uint64
	for {
		m, _, err := unix.Recvfrom(from, buf, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "afpump: receive:", err)
			return
		}
		// A send fails while the other netdev is down or its queue is
		// full; drop the frame as a wire would.
		_ = unix.Send(to, buf[:m], 0)
		n++
		if n&1023 == 0 {
			count.Add(1024)
		}
	}
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// openSocket sets name up and returns a packet socket bound to it.
func openSocket(name string, vnet bool) (int, error) {
	ctl, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("ioctl socket: %w", err)
	}
	defer unix.Close(ctl)
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		return -1, fmt.Errorf("%s: %w", name, err)
	}
	if err := unix.IoctlIfreq(ctl, unix.SIOCGIFFLAGS, ifr); err != nil {
		return -1, fmt.Errorf("%s: SIOCGIFFLAGS: %w", name, err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(ctl, unix.SIOCSIFFLAGS, ifr); err != nil {
		return -1, fmt.Errorf("%s: setting it up: %w", name, err)
	}
	ifi, err := net.InterfaceByName(name)
	if err != nil {
		return -1, err
	}
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("packet socket: %w", err)
	}
	opts := []int{unix.PACKET_IGNORE_OUTGOING, unix.PACKET_QDISC_BYPASS}
	if vnet {
		opts = append(opts, unix.PACKET_VNET_HDR)
	}
	for _, o := range opts {
		if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, o, 1); err != nil {
			unix.Close(fd)
			return -1, fmt.Errorf("%s: setsockopt %d: %w", name, o, err)
		}
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifi.Index}); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("%s: bind: %w", name, err)
	}
	mreq := unix.PacketMreq{Ifindex: int32(ifi.Index), Type: unix.PACKET_MR_PROMISC}
	if err := unix.SetsockoptPacketMreq(fd, unix.SOL_PACKET, unix.PACKET_ADD_MEMBERSHIP, &mreq); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("%s: promiscuous mode: %w", name, err)
	}
	return fd, nil
}
