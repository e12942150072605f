// Package vxlan is a port backend that carries the port's frames in VXLAN
// (RFC 7348) over UDP to one remote VTEP: a Linux vxlan device, another
// l2sw, a hardware VTEP. The inner frames are exactly what the switch port
// sends and receives, tags included, so a VXLAN port is an access or a
// trunk port like any other.
//
// Receive is one UDP socket bound to the local address and the VXLAN port,
// read with recvmmsg(2) straight into the switch's buffers: the 8-byte
// VXLAN header lands in the buffer's headroom, so no frame is copied.
// Transmit is a raw IPPROTO_UDP socket written with one sendmmsg(2) per
// batch, header and frame as two iovecs, so that each flow gets its own UDP
// source port (a hash of the inner frame's addresses and ports, as the RFC
// recommends for ECMP in the underlay), which a bound UDP socket cannot do.
package vxlan

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"

	"github.com/cespare/xxhash/v2"
	"golang.org/x/sys/unix"

	"github.com/l2sw/l2sw/dataplane/port"
	"github.com/l2sw/l2sw/packet"
)

// The protocol's constants.
const (
	DefaultPort = 4789 // IANA's VXLAN port
	HeaderLen   = 8    // VXLAN header
	// Overhead is what the underlay carries besides the inner frame: the
	// outer IPv4, UDP and VXLAN headers.
	Overhead = 20 + 8 + HeaderLen
	flagI    = 0x08 // the VNI is valid
	maxVNI   = 1<<24 - 1
	srcLo    = 49152 // the UDP source ports used, RFC 7348 section 5
	srcSpan  = 65536 - srcLo
)

// Config is one VXLAN port.
type Config struct {
	VNI     uint32
	Remote  netip.Addr // the remote VTEP (IPv4)
	Local   netip.Addr // the local VTEP address; invalid: any
	DstPort uint16     // 0: DefaultPort
	TTL     int        // outer TTL; 0: 64
	// MTU is the underlay's MTU; the largest inner frame is MTU-Overhead
	// (1464 bytes, a 1450-byte payload, for the usual 1500). 0: 1500.
	MTU   int
	Batch int // frames per recvmmsg/sendmmsg; 0: 64
}

func (c *Config) normalize() error {
	if c.VNI > maxVNI {
		return fmt.Errorf("vxlan: VNI %d out of range 0-%d", c.VNI, maxVNI)
	}
	if !c.Remote.Is4() {
		return fmt.Errorf("vxlan: remote %v: want an IPv4 address", c.Remote)
	}
	if c.Local.IsValid() && !c.Local.Is4() {
		return fmt.Errorf("vxlan: local %v: want an IPv4 address", c.Local)
	}
	if c.DstPort == 0 {
		c.DstPort = DefaultPort
	}
	if c.TTL == 0 {
		c.TTL = 64
	}
	if c.TTL < 1 || c.TTL > 255 {
		return fmt.Errorf("vxlan: ttl %d out of range 1-255", c.TTL)
	}
	if c.MTU == 0 {
		c.MTU = 1500
	}
	if c.MTU < 576 || c.MTU-Overhead > port.MaxFrame {
		return fmt.Errorf("vxlan: underlay mtu %d out of range 576-%d", c.MTU, port.MaxFrame+Overhead)
	}
	if c.Batch == 0 {
		c.Batch = 64
	}
	if c.Batch < 1 || c.Batch > 1024 {
		return fmt.Errorf("vxlan: batch %d out of range 1-1024", c.Batch)
	}
	return nil
}

// Stats are the backend's counters beyond port.Stats.
type Stats struct {
	port.Stats
	RxForeign uint64 // datagrams from another source than the remote VTEP
	RxBad     uint64 // too short, I flag clear, or another VNI
	TxGiants  uint64 // inner frames larger than the underlay MTU allows
}

// mmsghdr is struct mmsghdr: Go lays it out as C does on every Linux ABI.
type mmsghdr struct {
	hdr unix.Msghdr
	len uint32
}

// Port is one open VXLAN port.
type Port struct {
	cfg      Config
	name     string
	rx       *net.UDPConn
	rxRaw    syscall.RawConn
	tx       int // raw socket
	remote   [4]byte
	maxInner int

	rxMsgs  []mmsghdr
	rxIovs  []unix.Iovec
	rxNames []unix.RawSockaddrInet4
	rxN     int
	rxErr   unix.Errno
	rxFn    func(fd uintptr) bool

	txMu   sync.Mutex
	txMsgs []mmsghdr
	txIovs []unix.Iovec
	txHdrs [][16]byte // UDP + VXLAN header per message
	txName unix.RawSockaddrInet4

	closed                       atomic.Bool
	rxFrames, txFrames, txErrors atomic.Uint64
	rxForeign, rxBad, txGiants   atomic.Uint64
}

// Open creates the sockets of a VXLAN port (root, or CAP_NET_RAW, for the
// raw transmit socket).
func Open(cfg Config) (*Port, error) {
	if err := cfg.normalize(); err != nil {
		return nil, err
	}
	p := &Port{cfg: cfg, name: cfg.Spec(), remote: cfg.Remote.As4(), maxInner: cfg.MTU - Overhead}
	laddr := &net.UDPAddr{Port: int(cfg.DstPort)}
	if cfg.Local.IsValid() {
		laddr.IP = cfg.Local.AsSlice()
	}
	rx, err := net.ListenUDP("udp4", laddr)
	if err != nil {
		return nil, fmt.Errorf("vxlan %s: %w", p.name, err)
	}
	_ = rx.SetReadBuffer(4 << 20)
	p.rx = rx
	if p.rxRaw, err = rx.SyscallConn(); err != nil {
		rx.Close()
		return nil, fmt.Errorf("vxlan %s: %w", p.name, err)
	}
	if p.tx, err = openTx(cfg); err != nil {
		rx.Close()
		return nil, fmt.Errorf("vxlan %s: %w", p.name, err)
	}
	n := cfg.Batch
	p.rxMsgs, p.rxIovs, p.rxNames = make([]mmsghdr, n), make([]unix.Iovec, n), make([]unix.RawSockaddrInet4, n)
	for i := range p.rxMsgs {
		p.rxMsgs[i].hdr.Iov = &p.rxIovs[i]
		p.rxMsgs[i].hdr.SetIovlen(1)
		p.rxMsgs[i].hdr.Name = (*byte)(unsafe.Pointer(&p.rxNames[i]))
		p.rxMsgs[i].hdr.Namelen = unix.SizeofSockaddrInet4
	}
	p.rxFn = p.recv
	p.txMsgs, p.txIovs, p.txHdrs = make([]mmsghdr, n), make([]unix.Iovec, 2*n), make([][16]byte, n)
	p.txName = unix.RawSockaddrInet4{Family: unix.AF_INET, Addr: p.remote}
	vni := cfg.VNI << 8
	for i := range p.txMsgs {
		h := &p.txHdrs[i]
		binary.BigEndian.PutUint16(h[2:4], cfg.DstPort)
		h[8] = flagI
		binary.BigEndian.PutUint32(h[12:16], vni)
		p.txIovs[2*i].Base = &h[0]
		p.txIovs[2*i].SetLen(len(h))
		p.txMsgs[i].hdr.Iov = &p.txIovs[2*i]
		p.txMsgs[i].hdr.SetIovlen(2)
		p.txMsgs[i].hdr.Name = (*byte)(unsafe.Pointer(&p.txName))
		p.txMsgs[i].hdr.Namelen = unix.SizeofSockaddrInet4
	}
	return p, nil
}

// openTx makes the raw transmit socket: the kernel adds the IP header, we
// write UDP and VXLAN. It would also receive a copy of every UDP datagram
// the host gets, so a filter that accepts nothing is attached.
func openTx(cfg Config) (int, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_UDP)
	if err != nil {
		return -1, fmt.Errorf("raw socket: %w", err)
	}
	dropAll := []unix.SockFilter{{Code: 0x06, K: 0}} // BPF_RET|BPF_K 0
	steps := []struct {
		what string
		err  error
	}{
		{"filter", unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &unix.SockFprog{Len: 1, Filter: &dropAll[0]})},
		{"ttl", unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_TTL, cfg.TTL)},
		{"send buffer", unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, 4<<20)},
	}
	if cfg.Local.IsValid() {
		steps = append(steps, struct {
			what string
			err  error
		}{"bind", unix.Bind(fd, &unix.SockaddrInet4{Addr: cfg.Local.As4()})})
	}
	for _, s := range steps {
		if s.err != nil {
			unix.Close(fd)
			return -1, fmt.Errorf("raw socket %s: %w", s.what, s.err)
		}
	}
	return fd, nil
}

// BatchSize implements port.Port.
func (p *Port) BatchSize() int { return p.cfg.Batch }

// String implements port.Port.
func (p *Port) String() string { return "vxlan:" + p.name }

// Read implements port.Port: it waits for datagrams from the remote VTEP
// and returns their inner frames at bufs[i][offset:]. Datagrams from
// elsewhere, too short, without the I flag or of another VNI are counted
// and skipped. offset must leave HeaderLen bytes of headroom.
func (p *Port) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	if offset < HeaderLen {
		return 0, fmt.Errorf("vxlan %s: offset %d leaves no room for the header", p.name, offset)
	}
	n := min(len(bufs), len(p.rxMsgs))
	for {
		for i := range n {
			b := bufs[i][offset-HeaderLen:]
			p.rxIovs[i].Base = &b[0]
			p.rxIovs[i].SetLen(len(b))
			p.rxMsgs[i].hdr.Namelen = unix.SizeofSockaddrInet4
		}
		p.rxN = n
		if err := p.rxRaw.Read(p.rxFn); err != nil || p.closed.Load() {
			return 0, port.ErrClosed
		}
		if p.rxErr != 0 {
			if p.rxErr == unix.EINTR {
				continue
			}
			return 0, fmt.Errorf("vxlan %s: recvmmsg: %w", p.name, p.rxErr)
		}
		got := 0
		for i := range p.rxN {
			if !p.accept(i, bufs[i][offset-HeaderLen:]) {
				continue
			}
			l := int(p.rxMsgs[i].len) - HeaderLen
			completePartial(bufs[i][offset : offset+l])
			if got != i {
				copy(bufs[got][offset:], bufs[i][offset:offset+l])
			}
			sizes[got] = l
			got++
		}
		if got > 0 {
			p.rxFrames.Add(uint64(got))
			return got, nil
		}
	}
}

// recv is the body of one non-blocking recvmmsg, run by the netpoller
// until a datagram is there.
func (p *Port) recv(fd uintptr) bool {
	r, _, e := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&p.rxMsgs[0])), uintptr(p.rxN), unix.MSG_DONTWAIT, 0, 0)
	if e == unix.EAGAIN {
		return false
	}
	p.rxN, p.rxErr = int(r), e
	if e != 0 {
		p.rxN = 0
	}
	return true
}

// accept checks datagram i, whose VXLAN header is at b.
func (p *Port) accept(i int, b []byte) bool {
	if p.rxNames[i].Addr != p.remote {
		p.rxForeign.Add(1)
		return false
	}
	l := int(p.rxMsgs[i].len)
	if l < HeaderLen+packet.EthLen || b[0]&flagI == 0 || binary.BigEndian.Uint32(b[4:8])>>8 != p.cfg.VNI {
		p.rxBad.Add(1)
		return false
	}
	return true
}

// Write implements port.Port with one sendmmsg(2) per batch. A frame longer
// than the underlay carries is dropped and counted as a giant (and a
// transmit error), as a NIC drops what exceeds its MTU.
func (p *Port) Write(frames [][]byte) (int, error) {
	if p.closed.Load() {
		return 0, port.ErrClosed
	}
	p.txMu.Lock()
	defer p.txMu.Unlock()
	sent := 0
	for len(frames) > 0 {
		k := 0
		for len(frames) > 0 && k < len(p.txMsgs) {
			f := frames[0]
			frames = frames[1:]
			if len(f) > p.maxInner || len(f) == 0 {
				p.txGiants.Add(1)
				p.txErrors.Add(1)
				continue
			}
			h := &p.txHdrs[k]
			binary.BigEndian.PutUint16(h[0:2], srcLo+uint16(flowHash(f)%srcSpan))
			binary.BigEndian.PutUint16(h[4:6], uint16(16+len(f)))
			// h[6:8], the UDP checksum, stays zero: RFC 7348 says
			// SHOULD for IPv4, and every VTEP accepts it.
			p.txIovs[2*k+1].Base = &f[0]
			p.txIovs[2*k+1].SetLen(len(f))
			k++
		}
		for i := 0; i < k; {
			r, _, e := unix.Syscall6(unix.SYS_SENDMMSG, uintptr(p.tx), uintptr(unsafe.Pointer(&p.txMsgs[i])), uintptr(k-i), 0, 0, 0)
			switch {
			case e == unix.EINTR:
				continue
			case e != 0:
				// Unreachable underlay, full queue: the datagram is lost,
				// as on a wire.
				p.txErrors.Add(1)
				i++
				continue
			}
			sent += int(r)
			i += int(r)
		}
	}
	p.txFrames.Add(uint64(sent))
	return sent, nil
}

// flowHash hashes what tells one flow of the inner frame from another: the
// MAC addresses, and for IPv4 the addresses, protocol and ports.
func flowHash(f []byte) uint64 {
	var key [12 + 13]byte
	n := copy(key[:], f[:min(12, len(f))])
	var v packet.View
	if v.Parse(f) == packet.ReasonNone && v.EtherType == packet.TypeIPv4 && v.L3+20 <= len(f) {
		ip := f[v.L3:]
		n += copy(key[n:], ip[12:20]) // addresses
		key[n] = ip[9]                // protocol
		n++
		if ihl := int(ip[0]&0xf) * 4; v.L3+ihl+4 <= len(f) && (ip[9] == 6 || ip[9] == 17) {
			n += copy(key[n:], ip[ihl:ihl+4]) // ports
		}
	}
	return xxhash.Sum64(key[:n])
}

// completePartial finishes an inner TCP or UDP checksum that the remote
// VTEP's kernel left partial: over a veth underlay (containers, namespaces)
// nothing computes the checksums a NIC would, and the datagram reaches a
// UDP socket without the offload metadata the kernel's own VXLAN receive
// keeps. A partial checksum is recognisable: the field holds the folded
// pseudo-header sum. Only then is the segment summed, and a checksum that
// already verifies is left alone, so a complete frame costs one
// pseudo-header sum.
func completePartial(f []byte) {
	var v packet.View
	if v.Parse(f) != packet.ReasonNone || v.EtherType != packet.TypeIPv4 || v.L3+20 > len(f) {
		return
	}
	ip := f[v.L3:]
	ihl, total := int(ip[0]&0xf)*4, int(binary.BigEndian.Uint16(ip[2:4]))
	if ihl < 20 || total < ihl || total > len(ip) || binary.BigEndian.Uint16(ip[6:8])&0x3fff != 0 {
		return // malformed, or a fragment: no L4 header to finish
	}
	var field int
	switch ip[9] {
	case 6:
		field = 16
	case 17:
		field = 6
	default:
		return
	}
	l4 := ip[ihl:total]
	if len(l4) < field+2 {
		return
	}
	pseudo := packet.Sum(0, ip[12:20]) + uint64(ip[9]) + uint64(len(l4))
	if binary.BigEndian.Uint16(l4[field:]) != packet.Fold(pseudo) || packet.Fold(pseudo+packet.Sum(0, l4)) == 0xffff {
		return
	}
	c := packet.Checksum(l4)
	if c == 0 && field == 6 {
		c = 0xffff // a zero UDP checksum means none
	}
	binary.BigEndian.PutUint16(l4[field:], c)
}

// Stats returns the port's counters.
func (p *Port) Stats() Stats {
	return Stats{
		Stats:     port.Stats{RxFrames: p.rxFrames.Load(), TxFrames: p.txFrames.Load(), TxErrors: p.txErrors.Load()},
		RxForeign: p.rxForeign.Load(), RxBad: p.rxBad.Load(), TxGiants: p.txGiants.Load(),
	}
}

// Close implements port.Port; a blocked Read returns port.ErrClosed.
func (p *Port) Close() error {
	if p.closed.Swap(true) {
		return nil
	}
	err := p.rx.Close()
	p.txMu.Lock()
	if cerr := unix.Close(p.tx); err == nil {
		err = cerr
	}
	p.txMu.Unlock()
	return err
}

// ErrSpec is wrapped by ParseSpec's errors.
var ErrSpec = errors.New("bad vxlan port argument")
