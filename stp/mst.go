package stp

import (
	"crypto/hmac"
	"crypto/md5"
	"encoding/binary"
	"errors"
)

// This file is the IEEE 802.1s (802.1Q-2005 clause 14.6) MST BPDU: an RST
// BPDU of version 3 whose Bridge Identifier field is the CIST regional
// root, followed by the MST configuration identifier, the CIST's internal
// part and one 16-byte M-record per MSTI.

// MSTConfigID is a region's identity (802.1Q 13.7): two bridges are in the
// same region when all three fields (and the format selector, 0) match.
type MSTConfigID struct {
	Name     string // up to 32 bytes, NUL padded on the wire
	Revision uint16
	Digest   [16]byte // HMAC-MD5 of the VLAN-to-instance table
}

// digestKey is the fixed HMAC-MD5 key of the configuration digest
// (802.1Q-2005 table 13-2).
var digestKey = []byte{0x13, 0xAC, 0x06, 0xA6, 0x2E, 0x47, 0xFD, 0x51, 0xF9, 0x5D, 0x2B, 0xA2, 0x43, 0xCD, 0x03, 0x46}

// ConfigDigest is the configuration digest of a VLAN-to-instance table:
// instance(v) is the MSTI of VLAN v (0 the IST), for v in 0..4095, each
// written as two big-endian bytes and hashed with HMAC-MD5 under the
// standard key.
func ConfigDigest(instance func(vlan uint16) uint16) [16]byte {
	var table [4096 * 2]byte
	for v := 0; v < 4096; v++ {
		binary.BigEndian.PutUint16(table[2*v:], instance(uint16(v)))
	}
	m := hmac.New(md5.New, digestKey)
	m.Write(table[:])
	var d [16]byte
	copy(d[:], m.Sum(nil))
	return d
}

// MRecord is one MSTI configuration message. The MSTI's designated
// bridge and port are the sender's CIST bridge address and port number
// with the record's own priorities.
type MRecord struct {
	Flags      uint8    // RST flags, with FlagMaster in place of the TC acknowledgement
	RegRoot    BridgeID // the MSTI regional root (priority + MSTI number + address)
	IntCost    uint32   // the internal root path cost
	BridgePrio uint8    // the sender's MSTI bridge priority, its top four bits
	PortPrio   uint8    // the sender's MSTI port priority, its top four bits
	Hops       uint8    // remaining hops
}

// FlagMaster is the master flag of an M-record (bit 8, the TCA bit of an
// RST BPDU): the port is the MSTI's master port or its designated port
// leads to one.
const FlagMaster uint8 = 0x80

// MST is the MST part of a version 3 BPDU.
type MST struct {
	Config     MSTConfigID
	IntCost    uint32   // the CIST internal root path cost
	CISTBridge BridgeID // the sender's CIST bridge ID (the Bridge field holds the regional root)
	Hops       uint8    // CIST remaining hops
	MSTIs      []MRecord
}

// Lengths of the MST BPDU's parts.
const (
	LenMSTBase = 102 // up to and including the CIST remaining hops
	LenMRecord = 16
	maxMSTIs   = 64
)

// ErrMSTLength is a version 3 length that does not match the records.
var ErrMSTLength = errors.New("bad mst version 3 length")

// parseMST reads the MST part of a version 3 RST BPDU p. A BPDU too short
// for it is an RST BPDU to an MST bridge (802.1Q 14.4: fewer than 102
// bytes, it is treated as RST), so that is not an error: nil is returned.
func parseMST(p []byte) (*MST, error) {
	if len(p) < LenMSTBase {
		return nil, nil
	}
	v3 := int(binary.BigEndian.Uint16(p[36:38]))
	if v3 < LenMSTBase-38 || (v3-(LenMSTBase-38))%LenMRecord != 0 || 38+v3 > len(p) {
		return nil, ErrMSTLength
	}
	n := (v3 - (LenMSTBase - 38)) / LenMRecord
	if n > maxMSTIs {
		return nil, ErrMSTLength
	}
	m := &MST{}
	if p[38] != 0 {
		// Another format selector: a configuration no region of ours has.
		m.Config.Name = "\x00format"
	}
	name := p[39:71]
	end := len(name)
	for end > 0 && name[end-1] == 0 {
		end--
	}
	if m.Config.Name == "" {
		m.Config.Name = string(name[:end])
	}
	m.Config.Revision = binary.BigEndian.Uint16(p[71:73])
	copy(m.Config.Digest[:], p[73:89])
	m.IntCost = binary.BigEndian.Uint32(p[89:93])
	m.CISTBridge = BridgeID(binary.BigEndian.Uint64(p[93:101]))
	m.Hops = p[101]
	if n > 0 {
		m.MSTIs = make([]MRecord, n)
	}
	for i := range m.MSTIs {
		r := p[LenMSTBase+i*LenMRecord:]
		m.MSTIs[i] = MRecord{Flags: r[0], RegRoot: BridgeID(binary.BigEndian.Uint64(r[1:9])), IntCost: binary.BigEndian.Uint32(r[9:13]),
			BridgePrio: r[13] & 0xf0, PortPrio: r[14] & 0xf0, Hops: r[15]}
	}
	return m, nil
}

// appendMST appends the MST part after the RST BPDU's version 1 length.
func (m *MST) appendMST(dst []byte) []byte {
	dst = binary.BigEndian.AppendUint16(dst, uint16(LenMSTBase-38+LenMRecord*len(m.MSTIs)))
	dst = append(dst, 0) // format selector
	var name [32]byte
	copy(name[:], m.Config.Name)
	dst = append(dst, name[:]...)
	dst = binary.BigEndian.AppendUint16(dst, m.Config.Revision)
	dst = append(dst, m.Config.Digest[:]...)
	dst = binary.BigEndian.AppendUint32(dst, m.IntCost)
	dst = binary.BigEndian.AppendUint64(dst, uint64(m.CISTBridge))
	dst = append(dst, m.Hops)
	for _, r := range m.MSTIs {
		dst = append(dst, r.Flags)
		dst = binary.BigEndian.AppendUint64(dst, uint64(r.RegRoot))
		dst = binary.BigEndian.AppendUint32(dst, r.IntCost)
		dst = append(dst, r.BridgePrio&0xf0, r.PortPrio&0xf0, r.Hops)
	}
	return dst
}

// MSTI is the instance number of an M-record: the system ID extension of
// its regional root.
func (r MRecord) MSTI() uint16 { return r.RegRoot.Priority() & 0x0fff }
