package classbench

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/l2sw/l2sw/tcam/acl"
)

const sampleFilters = `@10.1.0.0/16	0.0.0.0/0	0 : 65535	80 : 80	0x06/0xFF	0x0000/0x0000
@0.0.0.0/0	192.168.1.7/32	1024 : 65535	0 : 1023	0x11/0xFF

@0.0.0.0/0	0.0.0.0/0	0 : 65535	0 : 65535	0x00/0x00
`

func TestReadFiltersAndACEs(t *testing.T) {
	fs, err := ReadFilters(strings.NewReader(sampleFilters))
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 3 {
		t.Fatalf("%d filters", len(fs))
	}
	want := []string{
		"permit tcp 10.1.0.0 0.0.255.255 any eq www",
		"deny udp any gt 1023 host 192.168.1.7 lt 1024",
		"permit ip any any",
	}
	aces, err := ACEs(fs)
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range aces {
		if got := a.String(); got != want[i] {
			t.Errorf("filter %d: %q, want %q", i, got, want[i])
		}
	}
	for _, bad := range []string{
		"@10.1.0.0/16 0.0.0.0/0 0 : 65535 80 : 80",           // no protocol
		"@10.1.0.0/33 0.0.0.0/0 0 : 65535 80 : 80 0x06/0xFF", // prefix length
		"@10.1.0.0/16 0.0.0.0/0 9 : 8 80 : 80 0x06/0xFF",     // inverted range
		"10.1.0.0/16 0.0.0.0/0 0 : 65535 80 : 80 0x06/0xFF",  // no @
		"@10.1.0.0/16 0.0.0.0/0 0 : 65536 80 : 80 0x06/0xFF", // port
	} {
		if _, err := ReadFilters(strings.NewReader(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

func TestReadTrace(t *testing.T) {
	ps, err := ReadTrace(strings.NewReader("167837953 3232235783 40000 80 6 0 12\n\n1 2 3 4 17 2\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || ps[0] != (Packet{Src: 0x0a010101, Dst: 0xc0a80107, Sport: 40000, Dport: 80, Proto: 6, First: 0}) || ps[1].First != 2 {
		t.Fatalf("%+v", ps)
	}
	for _, bad := range []string{"1 2 3 4 5", "1 2 70000 4 6 0", "1 2 3 4 256 0", "1 x 3 4 6 0"} {
		if _, err := ReadTrace(strings.NewReader(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

// filterMatches is the ClassBench semantics of a filter on a 5-tuple.
func filterMatches(f *Filter, src, dst uint32, sport, dport uint16, proto uint8) bool {
	return src&lenMask(f.SrcLen) == f.Src && dst&lenMask(f.DstLen) == f.Dst &&
		sport >= f.SportLo && sport <= f.SportHi && dport >= f.DportLo && dport <= f.DportHi &&
		proto&f.ProtoMask == f.Proto&f.ProtoMask
}

// checkACE holds the mapped ACE to the filter's semantics on random and
// boundary packets, and to the IOS codec's round trip.
func checkACE(t *testing.T, f *Filter, a acl.ACE, rng *rand.Rand) {
	t.Helper()
	back, err := acl.ParseLine(acl.Extended, a.String())
	if err != nil || back.String() != a.String() {
		t.Fatalf("%q does not re-parse: %v", a.String(), err)
	}
	ports := []uint16{0, 1, 1023, 1024, 65535, f.SportLo, f.SportHi, f.DportLo, f.DportHi, f.SportLo - 1, f.SportHi + 1, f.DportLo - 1, f.DportHi + 1}
	for range 300 {
		src, dst := rng.Uint32(), rng.Uint32()
		if rng.IntN(2) == 0 {
			src = f.Src | rng.Uint32()&^lenMask(f.SrcLen)
		}
		if rng.IntN(2) == 0 {
			dst = f.Dst | rng.Uint32()&^lenMask(f.DstLen)
		}
		sport, dport := ports[rng.IntN(len(ports))], ports[rng.IntN(len(ports))]
		proto := []uint8{f.Proto, 6, 17, 1, uint8(rng.Uint32())}[rng.IntN(5)]
		if proto != 6 && proto != 17 {
			sport, dport = 0, 0 // the classifier's key for protocols without ports
			if f.SportLo > 0 || f.DportLo > 0 {
				continue // a ported range on such a packet: not mapped (ACE refuses it)
			}
		}
		if got, want := a.Matches(proto, src, dst, sport, dport, 0), filterMatches(f, src, dst, sport, dport, proto); got != want {
			t.Fatalf("%+v as %q: packet %08x %08x %d %d %d: ACE %v, filter %v", f, a.String(), src, dst, sport, dport, proto, got, want)
		}
	}
}

func TestACEMappingMatchesFilterSemantics(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	for i := range 2000 {
		f := Filter{SrcLen: uint8(rng.IntN(33)), DstLen: uint8(rng.IntN(33)), SportHi: 65535, DportHi: 65535}
		f.Src, f.Dst = rng.Uint32()&lenMask(f.SrcLen), rng.Uint32()&lenMask(f.DstLen)
		switch rng.IntN(4) {
		case 0: // any protocol
		case 1:
			f.Proto, f.ProtoMask = 1, 0xff
		default:
			f.Proto, f.ProtoMask = []uint8{6, 17}[rng.IntN(2)], 0xff
			f.SportLo, f.SportHi = portRange(rng)
			f.DportLo, f.DportHi = portRange(rng)
		}
		a, err := f.ACE(i)
		if err != nil {
			t.Fatalf("%+v: %v", f, err)
		}
		checkACE(t, &f, a, rng)
	}
}

func portRange(rng *rand.Rand) (uint16, uint16) {
	switch rng.IntN(5) {
	case 0:
		return 0, 65535
	case 1:
		p := uint16(rng.IntN(65536))
		return p, p
	case 2:
		return 0, uint16(rng.IntN(65535))
	case 3:
		return uint16(1 + rng.IntN(65535)), 65535
	}
	a, b := uint16(rng.IntN(65536)), uint16(rng.IntN(65536))
	return min(a, b), max(a, b)
}

// FuzzReadFilters: any text either fails to parse or gives filters whose
// mapped ACEs (where expressible) match exactly what the filter matches.
func FuzzReadFilters(f *testing.F) {
	f.Add(sampleFilters)
	f.Add("@1.2.3.4/32 5.6.7.0/24 10 : 20 0 : 65535 0x11/0xFF 0x1000/0x1000")
	f.Fuzz(func(t *testing.T, text string) {
		fs, err := ReadFilters(strings.NewReader(text))
		if err != nil {
			return
		}
		rng := rand.New(rand.NewPCG(1, uint64(len(text))))
		for i := range fs {
			if a, err := fs[i].ACE(i); err == nil {
				checkACE(t, &fs[i], a, rng)
			}
		}
	})
}

// FuzzReadTrace: any text either fails or gives headers in range.
func FuzzReadTrace(f *testing.F) {
	f.Add("167837953 3232235783 40000 80 6 0 12\n1 2 3 4 17 2\n")
	f.Fuzz(func(t *testing.T, text string) {
		ps, err := ReadTrace(strings.NewReader(text))
		if err != nil {
			return
		}
		if n := len(strings.Fields(text)); len(ps) > n/6 {
			t.Fatalf("%d packets from %d fields", len(ps), n)
		}
	})
}
