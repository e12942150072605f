package arp

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// ShowHeader is the first line of `show ip arp` in current IOS.
const ShowHeader = "Protocol  Address          Age (min)  Hardware Addr   Type   Interface"

// WriteShowIPARP renders entries (already filtered and sorted, see Entries)
// in the IOS `show ip arp` layout: address at column 10, age right-aligned
// to end at column 35 ("-" for static and interface entries), hardware
// address at 38, type at 54, interface at 61. Incomplete entries show
// "Incomplete" and no interface, as IOS does. Ages are whole minutes.
func WriteShowIPARP(w io.Writer, entries []Entry, now int64) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(ShowHeader)
	bw.WriteByte('\n')
	for _, e := range entries {
		age, hw, ifName := "-", e.MAC.String(), e.IfName
		switch e.Type {
		case Dynamic:
			age = strconv.FormatInt(int64(e.Age(now)/time.Minute), 10)
		case Incomplete:
			age = strconv.FormatInt(int64(e.Age(now)/time.Minute), 10)
			hw, ifName = "Incomplete", ""
		}
		line := fmt.Sprintf("Internet  %-15s  %8s   %-14s  ARPA   %s", e.IP, age, hw, ifName)
		bw.WriteString(strings.TrimRight(line, " "))
		bw.WriteByte('\n')
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("show ip arp: %w", err)
	}
	return nil
}

// WriteTraffic renders the ARP block of `show ip traffic`.
func WriteTraffic(w io.Writer, s Stats) error {
	var filtered uint64
	for _, n := range s.Filtered {
		filtered += n
	}
	_, err := fmt.Fprintf(w, "ARP statistics:\n"+
		"  Rcvd: %d requests, %d replies, %d reverse, %d other\n"+
		"  Sent: %d requests, %d replies (%d proxy), %d reverse\n"+
		"  Drop due to input queue full: %d\n"+
		"  Filtered: %d (wrong cable %d, reply not for us %d, gratuitous refused %d, multicast sender %d)\n"+
		"  Gratuitous: %d probes, %d announcements, %d replies\n"+
		"  Resolution: %d queued, %d dropped, %d failed\n",
		s.RequestsRx, s.RepliesRx, 0, s.FilteredBy(ReasonBadOp),
		s.RequestsTx, s.RepliesTx, s.ProxyRepliesTx, 0,
		0,
		filtered, s.FilteredBy(ReasonWrongCable), s.FilteredBy(ReasonReplyNotForUs),
		s.FilteredBy(ReasonGratuitousRefused), s.FilteredBy(ReasonMulticastSender),
		s.GratuitousBy(Probe), s.GratuitousBy(Announcement), s.GratuitousBy(GratuitousReply),
		s.QueuedPackets, s.QueueDrops, s.ResolutionFailed)
	if err != nil {
		return fmt.Errorf("show ip traffic: %w", err)
	}
	return nil
}
