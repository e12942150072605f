package cli

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/clock"
	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/dataplane/port/mem"
	"github.com/l2sw/l2sw/lacp"
	"github.com/l2sw/l2sw/packet"
	"github.com/l2sw/l2sw/syslog"
)

// lacpPeer is a partner system speaking LACP through the rig's mem ports:
// its port i faces the rig's interface ports[i].
type lacpPeer struct {
	r     *ecRig
	g     lacp.Group
	ports []string
	ids   []cam.PortID
	cut   []bool // frames between the two stop (neither link goes down)
	now   time.Duration
}

func newLACPPeer(r *ecRig, ports ...string) *lacpPeer {
	p := &lacpPeer{r: r, ports: ports, cut: make([]bool, len(ports)), now: time.Second}
	for i, name := range ports {
		lp := lacp.NewPort(lacp.System{Priority: 65535, MAC: [6]byte{2, 0, 0, 0, 0, 1}},
			lacp.PortConfig{Port: uint16(i + 1), PortPriority: 255, Key: 9, Active: true, Fast: true})
		lp.SetLink(p.now, true)
		p.g.Ports = append(p.g.Ports, lp)
		st, err := r.sw.Status(name)
		if err != nil {
			r.t.Fatal(err)
		}
		p.ids = append(p.ids, st.ID)
	}
	return p
}

// run advances the rig's LACP and the peer's by d in 100 ms steps,
// carrying the PDUs both ways.
func (p *lacpPeer) run(d time.Duration) {
	for end := p.now + d; p.now < end; p.now += 100 * time.Millisecond {
		p.r.dev.lacpStep(p.now)
		for i, name := range p.ports {
			for _, f := range p.r.mems[name].Sent() {
				pdu, err := lacp.Parse(f)
				if err != nil {
					p.r.t.Fatalf("%s sent a bad LACPDU: %v %x", name, err, f)
				}
				if !p.cut[i] {
					p.g.Ports[i].Receive(p.now, pdu)
				}
			}
		}
		for _, s := range p.g.Tick(p.now) {
			if !p.cut[s.Port] {
				p.r.dev.lacpReceive(p.now, lacpFrame{port: p.ids[s.Port], frame: s.PDU.Append(nil, [6]byte{2, 0, 0, 0, 0, byte(0x10 + s.Port)})})
			}
		}
	}
}

// ecRig is a rig whose mem ports the test reads: what LACP sends.
type ecRig struct {
	*rig
	mems map[string]*mem.Port
}

func newECRig(t *testing.T) *ecRig {
	t.Helper()
	r := &rig{t: t, clk: clock.NewManual(1000 * time.Second), now: rigEpoch, rx: map[string]*dataplane.Receiver{}}
	log := syslog.New(syslog.WithClock(func() time.Time { return r.now }))
	r.sw = dataplane.New(dataplane.Config{Clock: r.clk, Log: log, BaseMAC: packet.MAC{0x00, 0x1e, 0x14, 0x7a, 0x00, 0x00}})
	e := &ecRig{rig: r, mems: map[string]*mem.Port{}}
	for i := 1; i <= 4; i++ {
		name := fmt.Sprintf("GigabitEthernet0/%d", i)
		e.mems[name] = mem.New(name)
		if err := r.sw.AddPort(name, e.mems[name]); err != nil {
			t.Fatal(err)
		}
		rx, err := r.sw.NewReceiver(name)
		if err != nil {
			t.Fatal(err)
		}
		r.rx[name] = rx
	}
	r.dev = NewDevice(r.sw, Options{Version: "1.0.0-test", Now: func() time.Time { return r.now }})
	return e
}

const ecHeader = `Flags:  D - down        P - bundled in port-channel
        I - stand-alone s - suspended
        H - Hot-standby (LACP only)
        R - Layer3      S - Layer2
        U - in use      f - failed to allocate aggregator

        M - not in use, minimum links not met
        u - unsuitable for bundling
        w - waiting to be aggregated
        d - default port


`

func TestEtherChannelLACP(t *testing.T) {
	r := newECRig(t)
	got := r.out("configure terminal",
		"vlan 10", "exit",
		"interface range gi0/1 - 2", "switchport mode trunk", "lacp rate fast", "channel-group 1 mode active",
		"end")
	if !strings.Contains(got, "Creating a port-channel interface Port-channel 1\n") {
		t.Errorf("channel-group output %q", got)
	}
	peer := newLACPPeer(r, "GigabitEthernet0/1", "GigabitEthernet0/2")
	r.dev.ec.clock = func() time.Duration { return peer.now }
	peer.run(1 * time.Second)
	if want := ecHeader + `Number of channel-groups in use: 1
Number of aggregators:           1

Group  Port-channel  Protocol    Ports
------+-------------+-----------+-----------------------------------------------
1      Po1(SD)         LACP      Gi0/1(w)       Gi0/2(w)       

`; r.out("show etherchannel summary") != want {
		t.Errorf("waiting:\n%s\nwant:\n%s", r.out("show etherchannel summary"), want)
	}
	peer.run(3 * time.Second)
	wantSum := ecHeader + `Number of channel-groups in use: 1
Number of aggregators:           1

Group  Port-channel  Protocol    Ports
------+-------------+-----------+-----------------------------------------------
1      Po1(SU)         LACP      Gi0/1(P)       Gi0/2(P)       

`
	if got := r.out("show etherchannel summary"); got != wantSum {
		t.Fatalf("show etherchannel summary:\n%s\nwant:\n%s", got, wantSum)
	}
	for _, line := range []string{
		"%EC-5-BUNDLED: Interface Gi0/1 joined port-channel Po1",
		"%EC-5-BUNDLED: Interface Gi0/2 joined port-channel Po1",
		"%LINK-3-UPDOWN: Interface Port-channel1, changed state to up",
		"%LINEPROTO-5-UPDOWN: Line protocol on Interface Port-channel1, changed state to up",
	} {
		if len(r.sw.Log().Grep(line)) != 1 {
			t.Errorf("log lacks %q once: %q", line, r.sw.Log().Grep("Port-channel"))
		}
	}
	// The partner's side agrees.
	for i, p := range peer.g.Ports {
		if !p.Bundled() {
			t.Errorf("peer port %d not bundled (%v %v)", i, p.Rx(), p.Mux())
		}
		if p.Partner().System != [6]byte{0x00, 0x1e, 0x14, 0x7a, 0x00, 0x00} || p.Partner().Key != 1 {
			t.Errorf("peer sees partner %+v", p.Partner())
		}
	}

	nb := r.out("show lacp neighbor")
	wantNB := lacpFlags + `
Channel group 1 neighbors

Partner's information:

                  LACP port                        Admin  Oper   Port    Port
Port      Flags   Priority  Dev ID          Age    key    Key    Number  State
Gi0/1     FA      255       0200.0000.0001  0s     0x0    0x9    0x1     0x3F  
Gi0/2     FA      255       0200.0000.0001  0s     0x0    0x9    0x2     0x3F  
`
	if nb != wantNB {
		t.Errorf("show lacp neighbor:\n%q\nwant:\n%q", nb, wantNB)
	}
	in := r.out("show lacp internal")
	wantIn := lacpFlags + `
Channel group 1
                            LACP port     Admin     Oper    Port        Port
Port      Flags   State     Priority      Key       Key     Number      State
Gi0/1     FA      bndl      32768         0x1       0x1     0x101       0x3F  
Gi0/2     FA      bndl      32768         0x1       0x1     0x102       0x3F  
`
	if in != wantIn {
		t.Errorf("show lacp internal:\n%s\nwant:\n%s", in, wantIn)
	}
	if got := r.out("show interfaces trunk"); !strings.Contains(got, "\nPo1         on               802.1q         trunking      1\n") || strings.Contains(got, "Gi0/1") {
		t.Errorf("show interfaces trunk does not list the bundle as Po1 alone:\n%s", got)
	}
	if got := r.out("show lacp sys-id"); got != "32768, 001e.147a.0000\n" {
		t.Errorf("show lacp sys-id %q", got)
	}
	pc := r.out("show etherchannel 1 port-channel")
	for _, s := range []string{"Port-channel: Po1    (Primary Aggregator)", "Number of ports = 2", "Port state          = Port-channel Ag-Inuse \n", "Protocol            =   LACP\n",
		"  0     00     Gi0/1    Active             0\n", "  1     00     Gi0/2    Active             0\n", "Time since last port bundled:"} {
		if !strings.Contains(pc, s) {
			t.Errorf("show etherchannel 1 port-channel lacks %q:\n%s", s, pc)
		}
	}
	ifc := r.out("show interfaces port-channel 1")
	for _, s := range []string{"Port-channel1 is up, line protocol is up (connected) \n", "  Hardware is EtherChannel, address is", "  Members in this channel: Gi0/1 Gi0/2 \n"} {
		if !strings.Contains(ifc, s) {
			t.Errorf("show interfaces port-channel 1 lacks %q:\n%s", s, ifc)
		}
	}
	rows := parseFSM(t, "show_interfaces", ifc)
	want(t, row(t, rows, "INTERFACE", "Port-channel1"), map[string]any{"LINK_STATUS": "up", "PROTOCOL_STATUS": "up (connected)", "HARDWARE_TYPE": "EtherChannel"})
	st := parseFSM(t, "show_interfaces_status", r.out("show interfaces status"))
	want(t, row(t, st, "PORT", "Po1"), map[string]any{"STATUS": "connected"})
	if got := r.out("show interfaces po1 etherchannel"); !strings.Contains(got, "Port-channel: Po1") {
		t.Errorf("show interfaces po1 etherchannel:\n%s", got)
	}
	if got := r.out("show interfaces gi0/2 etherchannel"); !strings.Contains(got, "Port state    = Up Mstr Assoc In-Bndl \n") || !strings.Contains(got, "Mode = Active") {
		t.Errorf("show interfaces gi0/2 etherchannel:\n%s", got)
	}

	// The partner stops hearing from Gi0/2 and Gi0/2 from it: after the
	// short timeout Gi0/2 leaves, the bundle stays up on Gi0/1.
	peer.cut[1] = true
	peer.run(4 * time.Second)
	sum := r.out("show etherchannel summary")
	if !strings.Contains(sum, "1      Po1(SU)         LACP      Gi0/1(P)       Gi0/2(s)       \n") {
		t.Errorf("after the cut:\n%s", sum)
	}
	if len(r.sw.Log().Grep("%EC-5-UNBUNDLED: Interface Gi0/2 left the port-channel Po1")) != 1 {
		t.Errorf("no UNBUNDLED: %q", r.sw.Log().Grep("EC-5"))
	}
	if len(r.sw.Log().Grep("Port-channel1, changed state to down")) != 0 {
		t.Error("the Port-channel went down when one member left")
	}
	peer.run(4 * time.Second)
	if len(r.sw.Log().Grep("%EC-5-L3DONTBNDL2: Gi0/2 suspended: LACP currently not enabled on the remote port.")) != 1 {
		t.Errorf("no L3DONTBNDL2: %q", r.sw.Log().Grep("EC-5"))
	}
	peer.cut[1] = false
	peer.run(4 * time.Second)
	if !strings.Contains(r.out("show etherchannel summary"), "Gi0/1(P)       Gi0/2(P)") {
		t.Errorf("did not rejoin:\n%s", r.out("show etherchannel summary"))
	}

	// Configuration lines, and the switchport config is the Port-channel's.
	r.out("configure terminal", "port-channel load-balance src-dst-ip", "lacp system-priority 100",
		"interface gi0/1", "lacp port-priority 200", "interface po1", "switchport trunk allowed vlan 10", "end")
	cfg := r.out("show running-config")
	for _, s := range []string{
		"lacp system-priority 100\nport-channel load-balance src-dst-ip\n!\n",
		"interface Port-channel1\n switchport trunk allowed vlan 10\n switchport mode trunk\n!\n",
		"interface GigabitEthernet0/1\n switchport trunk allowed vlan 10\n switchport mode trunk\n lacp port-priority 200\n lacp rate fast\n channel-group 1 mode active\n!\n",
		"interface GigabitEthernet0/2\n switchport trunk allowed vlan 10\n switchport mode trunk\n lacp rate fast\n channel-group 1 mode active\n!\n",
	} {
		if !strings.Contains(cfg, s) {
			t.Errorf("running-config lacks %q:\n%s", s, cfg)
		}
	}
	if got := r.out("show lacp sys-id"); got != "100, 001e.147a.0000\n" {
		t.Errorf("show lacp sys-id %q", got)
	}
	if got := r.out("show etherchannel load-balance"); !strings.Contains(got, "        src-dst-ip\n") || !strings.Contains(got, "  IPv4: Source XOR Destination IP address\n") {
		t.Errorf("show etherchannel load-balance:\n%s", got)
	}

	// Feeding the running-config to a new switch gives the same config.
	r2 := newRig(t)
	if errs := r2.dev.LoadConfig(strings.NewReader(cfg[strings.Index(cfg, "!"):])); len(errs) != 0 {
		t.Fatalf("reload: %v", errs)
	}
	if a, b := r2.dev.RunningConfig(), r.dev.RunningConfig(); a != b {
		t.Errorf("round trip differs:\n%s\n---\n%s", a, b)
	}
}

func TestEtherChannelModeOnAndRejects(t *testing.T) {
	r := newRig(t)
	r.out("configure terminal", "interface gi0/3", "channel-group 2 mode on", "end")
	r.dev.lacpStep(time.Second)
	if got := r.out("show etherchannel summary"); !strings.Contains(got, "2      Po2(SU)         -         Gi0/3(P)       \n") {
		t.Errorf("mode on:\n%s", got)
	}
	if got := r.out("show vlan brief"); !strings.Contains(got, "Gi0/1, Gi0/2, Gi0/4, Po2\n") {
		t.Errorf("show vlan brief lists a bundle's member, or not its Port-channel:\n%s", got)
	}
	if got := r.out("show lacp neighbor"); got != lacpFlags {
		t.Errorf("show lacp neighbor lists a static channel:\n%s", got)
	}
	res := r.run("configure terminal", "interface gi0/4", "channel-group 2 mode active")
	if !res.Rejected || !strings.Contains(res.Output, "% Channel protocol mismatch for interface Gi0/4 in group 2: the interface can not be added to the channel group") {
		t.Errorf("protocol mismatch accepted:\n%s", res.Output)
	}
	if strings.Contains(r.dev.RunningConfig(), "interface GigabitEthernet0/4\n channel-group") {
		t.Error("a refused channel-group changed the configuration")
	}
	// PAgP modes run as mode on, and say so.
	r.out("configure terminal", "interface gi0/4", "channel-group 3 mode desirable non-silent", "end")
	r.dev.lacpStep(2 * time.Second)
	if got := r.out("show etherchannel 3 port-channel"); !strings.Contains(got, "PAgP mode desirable runs as mode on") {
		t.Errorf("show etherchannel 3 port-channel:\n%s", got)
	}
	// no channel-group: the port leaves; no interface: the channel goes.
	r.out("configure terminal", "interface gi0/3", "no channel-group", "exit", "no interface port-channel 3", "end")
	cfg := r.dev.RunningConfig()
	if strings.Contains(cfg, "channel-group") || strings.Contains(cfg, "Port-channel3") {
		t.Errorf("after removal:\n%s", cfg)
	}
	if !strings.Contains(cfg, "interface Port-channel2\n") {
		t.Error("Port-channel2 removed with its last member (IOS keeps it)")
	}
	if got := r.out("show etherchannel summary"); !strings.Contains(got, "2      Po2(SD)         -         \n") {
		t.Errorf("empty group:\n%s", got)
	}
}
