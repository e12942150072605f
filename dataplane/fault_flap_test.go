package dataplane

import (
	"testing"
	"time"

	"github.com/l2sw/l2sw/dataplane/port/fault"
	"github.com/l2sw/l2sw/dataplane/port/mem"
	"github.com/l2sw/l2sw/packet"
)

// TestFaultFlapTakesThePortDown: `flap` takes the port's link down as a
// pulled cable does (no forwarding to or from it, the IOS link messages),
// and removing it brings the port back.
func TestFaultFlapTakesThePortDown(t *testing.T) {
	sw := New(Config{})
	ports := make([]*mem.Port, 2)
	for i := range ports {
		ports[i] = mem.New(ifName(i + 1))
		if err := sw.AddPort(ifName(i+1), ports[i]); err != nil {
			t.Fatal(err)
		}
	}
	sw.Start()
	defer func() { _ = sw.Stop() }()
	bcast := testFrame(t, "ffff.ffff.ffff", "0200.0000.0001")
	if err := sw.SetPortFaults(ifName(2), fault.Config{Flap: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if st, _ := sw.Status(ifName(2)); st.Up || st.LinkUp {
		t.Errorf("with a flap just set: %+v, want the link down, as with a cable pulled", st)
	}
	if got := sw.Log().Grep("%LINK-3-UPDOWN: Interface " + ifName(2) + ", changed state to down"); len(got) != 1 {
		t.Errorf("link down logged %q", got)
	}
	ports[0].Inject(bcast)
	time.Sleep(50 * time.Millisecond)
	if n := ports[1].TxFrames(); n != 0 {
		t.Errorf("a port held down by the flap sent %d frames", n)
	}
	if err := sw.SetPortFaults(ifName(2), fault.Config{}); err != nil {
		t.Fatal(err)
	}
	if st, _ := sw.Status(ifName(2)); !st.Up {
		t.Errorf("after removing the flap: %+v, want up", st)
	}
	ports[0].Inject(bcast)
	deadline := time.Now().Add(2 * time.Second)
	for ports[1].TxFrames() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if ports[1].TxFrames() != 1 {
		t.Errorf("the port sent %d frames after coming back, want the flood", ports[1].TxFrames())
	}
}

// TestListenReflected: a reflection listener hears the adverts a port's
// `reflect multicast` sends back, marked Reflected and on that port; the
// control listeners hear only what the switch received.
func TestListenReflected(t *testing.T) {
	sw := New(Config{})
	ports := make([]*mem.Port, 2)
	for i := range ports {
		ports[i] = mem.New(ifName(i + 1))
		if err := sw.AddPort(ifName(i+1), ports[i]); err != nil {
			t.Fatal(err)
		}
	}
	dst := packet.MAC{0x01, 0x00, 0x5e, 0, 0, 0x12}
	got := make(chan ControlFrame, 8)
	keep := func(f ControlFrame) {
		f.Frame = append([]byte(nil), f.Frame...)
		got <- f
	}
	cancelR, err := sw.ListenReflected(dst, keep)
	if err != nil {
		t.Fatal(err)
	}
	defer cancelR()
	cancelC, err := sw.ListenControl(dst, ControlCopy, keep)
	if err != nil {
		t.Fatal(err)
	}
	defer cancelC()
	sw.Start()
	defer func() { _ = sw.Stop() }()
	if err := sw.SetPortFaults(ifName(1), fault.Config{Reflect: fault.ReflectMulticast}); err != nil {
		t.Fatal(err)
	}
	adv := testFrame(t, "0100.5e00.0012", "0000.5e00.0107")
	ports[0].Inject(adv)
	var rx, refl int
	for range 2 {
		select {
		case f := <-got:
			if f.Port != 0 || f.VLAN != 1 || string(f.Frame) != string(adv) {
				t.Errorf("heard %+v", f)
			}
			if f.Reflected {
				refl++
			} else {
				rx++
			}
		case <-time.After(2 * time.Second):
			t.Fatal("the listeners heard too little")
		}
	}
	if rx != 1 || refl != 1 {
		t.Errorf("heard %d received and %d reflected, want one each", rx, refl)
	}
}
