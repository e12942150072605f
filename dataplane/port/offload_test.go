package port

import (
	"testing"

	"github.com/l2sw/l2sw/dataplane/gso"
)

func TestOffloadString(t *testing.T) {
	for o, want := range map[Offload]string{0: "none", OffloadCsum: "csum", OffloadAll: "csum|tso4|tso6|uso", OffloadCsum | OffloadTSO6: "csum|tso6"} {
		if o.String() != want {
			t.Errorf("%#x.String() = %q, want %q", uint8(o), o.String(), want)
		}
	}
}

func TestOffloadAccepts(t *testing.T) {
	csum := gso.Header{Flags: gso.FlagNeedsCsum}
	tso4 := gso.Header{Flags: gso.FlagNeedsCsum, GSOType: uint8(gso.GSOTCPv4) | gso.GSOECN}
	tso6 := gso.Header{Flags: gso.FlagNeedsCsum, GSOType: uint8(gso.GSOTCPv6)}
	uso := gso.Header{Flags: gso.FlagNeedsCsum, GSOType: uint8(gso.GSOUDPL4)}
	ufo := gso.Header{GSOType: uint8(gso.GSOUDP)}
	tests := []struct {
		o    Offload
		h    gso.Header
		want bool
	}{
		{0, gso.Header{}, true},
		{0, gso.Header{Flags: gso.FlagDataValid}, true},
		{0, csum, false},
		{OffloadCsum, csum, true},
		{OffloadCsum, tso4, false},
		{OffloadCsum | OffloadTSO4, tso4, true},
		{OffloadCsum | OffloadTSO4, tso6, false},
		{OffloadAll, tso6, true},
		{OffloadCsum | OffloadTSO4 | OffloadTSO6, uso, false},
		{OffloadAll, uso, true},
		{OffloadAll, ufo, false},
	}
	for _, tt := range tests {
		if got := tt.o.Accepts(tt.h); got != tt.want {
			t.Errorf("%v.Accepts(%v) = %v, want %v", tt.o, tt.h, got, tt.want)
		}
	}
}
