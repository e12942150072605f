package dataplane

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/l2sw/l2sw/cam"
)

// TestPrefetchingTableForwardsTheSame: a CAM large enough that workers
// prefetch its lines for a batch (Receiver.prefetchCAM) forwards mixed
// batches — untagged, tagged, priority-tagged, runts and truncated tags,
// more frames than the prefetch distance — exactly as a small table does.
func TestPrefetchingTableForwardsTheSame(t *testing.T) {
	small := newRig(t, 4, cam.Config{})
	large := newRig(t, 4, cam.Config{Capacity: 1 << 20})
	if small.sw.cam.Prefetching() || !large.sw.cam.Prefetching() {
		t.Fatalf("Prefetching: small %v, large %v; want false, true", small.sw.cam.Prefetching(), large.sw.cam.Prefetching())
	}
	for _, g := range []*rig{small, large} {
		g.set(1, func(s *PortSettings) { s.AccessVLAN = 10 })
		g.set(2, func(s *PortSettings) { s.AccessVLAN = 10 })
		g.set(3, func(s *PortSettings) { s.Mode = ModeTrunk })
	}

	hosts := [][]byte{macA, macB, macC, mac("0000.0d00.000d"), mac("0000.0e00.000e")}
	rng := rand.New(rand.NewPCG(7, 7))
	batch := func() [][]byte {
		var fs [][]byte
		for len(fs) < 60 {
			src, dst := hosts[rng.IntN(len(hosts))], hosts[rng.IntN(len(hosts))]
			if rng.IntN(8) == 0 {
				dst = bcast
			}
			vlan := []uint16{0, 0, 10, 1, 20}[rng.IntN(5)]
			f := udpFrame(t, src, dst, vlan, "prefetch")
			switch rng.IntN(12) {
			case 0:
				f = f[:rng.IntN(18)] // a runt, or a tag cut short
			case 1:
				f = udpFrame(t, src, dst, 10, "priority-tagged")
				f[14], f[15] = 0xe0, 0 // priority 7, VID 0
			}
			fs = append(fs, f)
		}
		return fs
	}
	var forwarded uint64
	for round := range 6 {
		in := []int{1, 3, 2}[round%3]
		fs := batch()
		small.send(in, fs...)
		large.send(in, fs...)
		gs, gl := small.got(), large.got()
		for p := 1; p <= 4; p++ {
			if len(gs[p]) != len(gl[p]) {
				t.Fatalf("round %d port %d: %d frames with the small table, %d with the large one", round, p, len(gs[p]), len(gl[p]))
			}
			for k := range gs[p] {
				if !bytes.Equal(gs[p][k], gl[p][k]) {
					t.Errorf("round %d port %d frame %d:\nsmall %x\nlarge %x", round, p, k, gs[p][k], gl[p][k])
				}
			}
		}
	}
	for p := 1; p <= 4; p++ {
		cs, cl := small.portCounters(p), large.portCounters(p)
		if cs != cl {
			t.Errorf("port %d counters differ:\nsmall %v\nlarge %v", p, cs, cl)
		}
		forwarded += cs[Forwarded] - cs[UnknownUnicastFlooded]
	}
	if forwarded == 0 {
		t.Error("no frame was forwarded to a known destination: the batches test flooding only")
	}
	if small.sw.MACCount() != large.sw.MACCount() || small.sw.MACCount() == 0 {
		t.Errorf("learned %d entries with the small table, %d with the large one", small.sw.MACCount(), large.sw.MACCount())
	}
}
