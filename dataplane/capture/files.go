package capture

import (
	"fmt"
	"io"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
	ngpacket "github.com/gopacket/gopacket"
	nglayers "github.com/gopacket/gopacket/layers"
	ngpcapgo "github.com/gopacket/gopacket/pcapgo"

	"github.com/l2sw/l2sw/cam"
)

// WritePcap writes pkts to w as a classic pcap file (Ethernet, nanosecond
// timestamps), the format of an EPC export: one link, no comments, which
// every tool reads.
func WritePcap(w io.Writer, pkts []Packet) error {
	pw := pcapgo.NewWriterNanos(w)
	if err := pw.WriteFileHeader(DefaultSnapLen, layers.LinkTypeEthernet); err != nil {
		return fmt.Errorf("pcap: %w", err)
	}
	for i := range pkts {
		p := &pkts[i]
		ci := gopacket.CaptureInfo{Timestamp: p.Time, CaptureLength: len(p.Data), Length: max(p.Len, len(p.Data))}
		if err := pw.WritePacket(ci, p.Data); err != nil {
			return fmt.Errorf("pcap: packet %d: %w", i+1, err)
		}
	}
	return nil
}

// Interface is one pcapng interface (IDB) of a NgWriter: a switch port.
type Interface struct {
	Port cam.PortID
	Name string // the IOS interface name, as tshark shows it (frame.interface_name)
}

// NgWriter writes captured packets as pcapng: one interface block per
// switch port, each packet on its port's interface, with its direction in
// the EPB flags and, for a drop, the reason in an EPB comment
// (tshark's frame.comment). It uses the maintained gopacket fork, whose
// writer has per-packet options; the original gopacket's has none.
type NgWriter struct {
	w     *ngpcapgo.NgWriter
	index map[cam.PortID]int
}

// NewNgWriter writes the section header and the interfaces to w.
func NewNgWriter(w io.Writer, intfs []Interface, app string) (*NgWriter, error) {
	if len(intfs) == 0 {
		return nil, fmt.Errorf("pcapng: no interface")
	}
	opts := ngpcapgo.DefaultNgWriterOptions
	opts.SectionInfo.Application = app
	idb := func(i Interface) ngpcapgo.NgInterface {
		return ngpcapgo.NgInterface{Name: i.Name, LinkType: nglayers.LinkTypeEthernet,
			SnapLength: DefaultSnapLen, TimestampResolution: 9}
	}
	nw, err := ngpcapgo.NewNgWriterInterface(w, idb(intfs[0]), opts)
	if err != nil {
		return nil, fmt.Errorf("pcapng: %w", err)
	}
	out := &NgWriter{w: nw, index: map[cam.PortID]int{intfs[0].Port: 0}}
	for _, i := range intfs[1:] {
		id, err := nw.AddInterface(idb(i))
		if err != nil {
			return nil, fmt.Errorf("pcapng: interface %s: %w", i.Name, err)
		}
		out.index[i.Port] = id
	}
	return out, nil
}

// WritePacket writes p on its port's interface; a port without one is an
// error.
func (w *NgWriter) WritePacket(p *Packet) error {
	id, ok := w.index[p.Port]
	if !ok {
		return fmt.Errorf("pcapng: port %d has no interface", p.Port)
	}
	ci := ngpacket.CaptureInfo{Timestamp: p.Time, CaptureLength: len(p.Data), Length: max(p.Len, len(p.Data)), InterfaceIndex: id}
	flags := ngpcapgo.NgEpbFlags{Direction: ngpcapgo.NgEpbFlagDirectionInbound}
	if p.Point == Egress {
		flags.Direction = ngpcapgo.NgEpbFlagDirectionOutbound
	}
	opts := ngpcapgo.NgPacketOptions{Flags: &flags}
	if c := p.Comment(); c != "" {
		opts.Comments = []string{c}
	}
	if err := w.w.WritePacketWithOptions(ci, p.Data, opts); err != nil {
		return fmt.Errorf("pcapng: %w", err)
	}
	return nil
}

// Flush writes out what is buffered: a live reader sees the packets
// written so far.
func (w *NgWriter) Flush() error {
	if err := w.w.Flush(); err != nil {
		return fmt.Errorf("pcapng: %w", err)
	}
	return nil
}
