package vrrp

import (
	"errors"
	"net/netip"
	"testing"
	"time"
)

var (
	t0    = time.Unix(1_700_000_000, 0)
	peer  = netip.MustParseAddr("10.0.10.3") // above src (10.0.10.2)
	lower = netip.MustParseAddr("10.0.10.1")
)

func cfg(version, prio uint8) Config {
	return Config{Version: version, VRID: 1, Priority: prio, Preempt: true, Interval: time.Second,
		Addrs: []netip.Addr{netip.MustParseAddr("10.0.10.254")}, Primary: src}
}

func advert(version, prio uint8) *Advert {
	iv := uint16(1)
	if version == 3 {
		iv = 100
	}
	return &Advert{Version: version, VRID: 1, Priority: prio, Interval: iv, Addrs: []netip.Addr{netip.MustParseAddr("10.0.10.254")}}
}

func wantState(t *testing.T, r *Router, s State) {
	t.Helper()
	if got, _ := r.State(); got != s {
		t.Fatalf("state %s, want %s", got, s)
	}
}

func wantChange(t *testing.T, o Output, from, to State) {
	t.Helper()
	if !o.Changed || o.From != from || o.To != to {
		t.Fatalf("output %+v, want %s -> %s", o, from, to)
	}
}

func TestMasterDownIntervalIOS(t *testing.T) {
	// IOS shows 3.570 s for priority 110 and 3.609 s for 100 at 1 s.
	for _, tc := range []struct {
		version, prio uint8
		iv            time.Duration
		want          time.Duration
	}{
		{2, 110, time.Second, 3570312500},
		{2, 100, time.Second, 3609375000},
		{2, 110, 10 * time.Second, 30570312500},
		{3, 110, time.Second, 3570312500},
		{3, 110, 100 * time.Millisecond, 357031250},
	} {
		c := cfg(tc.version, tc.prio)
		if got := c.MasterDownInterval(tc.iv); got != tc.want {
			t.Errorf("v%d priority %d interval %v: %v, want %v", tc.version, tc.prio, tc.iv, got, tc.want)
		}
	}
}

func TestStartupBackupThenMaster(t *testing.T) {
	for _, v := range []uint8{2, 3} {
		r := New(cfg(v, 100))
		o := r.Start(t0)
		wantChange(t, o, Init, Backup)
		if o.Send {
			t.Errorf("v%d: a backup sent an advert at startup", v)
		}
		mdi := r.MasterDownInterval()
		if o := r.Tick(t0.Add(mdi - time.Millisecond)); o.Changed {
			t.Fatalf("v%d: master before the master-down interval", v)
		}
		o = r.Tick(t0.Add(mdi))
		wantChange(t, o, Backup, Master)
		if !o.Send {
			t.Errorf("v%d: new master sent no advert", v)
		}
		if ip, p := r.Master(); ip != src || p != 100 {
			t.Errorf("v%d: master %s/%d", v, ip, p)
		}
		// Then one advert per interval.
		if o := r.Tick(t0.Add(mdi + 999*time.Millisecond)); o.Send {
			t.Errorf("v%d: advert before the interval", v)
		}
		if o := r.Tick(t0.Add(mdi + time.Second)); !o.Send || o.Changed {
			t.Errorf("v%d: no advert after the interval: %+v", v, o)
		}
	}
}

func TestStartupOwnerIsMasterAtOnce(t *testing.T) {
	r := New(cfg(2, PriorityOwner))
	o := r.Start(t0)
	wantChange(t, o, Init, Master)
	if !o.Send {
		t.Error("owner sent no advert")
	}
	if a := r.Advert(false); a.Priority != 255 {
		t.Errorf("owner advertises priority %d", a.Priority)
	}
}

func TestBackupHigherMasterKeepsBackup(t *testing.T) {
	r := New(cfg(2, 100))
	r.Start(t0)
	mdi := r.MasterDownInterval()
	for i := 1; i <= 10; i++ {
		now := t0.Add(time.Duration(i) * time.Second)
		if o := r.Receive(now, peer, TTL, advert(2, 150)); o.Drop != nil || o.Changed {
			t.Fatalf("advert %d: %+v", i, o)
		}
		if o := r.Tick(now.Add(mdi - time.Millisecond)); o.Changed {
			t.Fatalf("became master while the master advertises")
		}
	}
	if ip, p := r.Master(); ip != peer || p != 150 {
		t.Errorf("master %s/%d", ip, p)
	}
	// The master stops advertising: master down after the interval.
	last := t0.Add(10 * time.Second)
	wantChange(t, r.Tick(last.Add(mdi)), Backup, Master)
}

func TestBackupPriorityZeroSkew(t *testing.T) {
	r := New(cfg(2, 100))
	r.Start(t0)
	r.Receive(t0, peer, TTL, advert(2, 150))
	now := t0.Add(time.Second)
	r.Receive(now, peer, TTL, advert(2, 0))
	skew := time.Duration(156) * time.Second / 256
	if o := r.Tick(now.Add(skew - time.Millisecond)); o.Changed {
		t.Fatal("master before the skew time")
	}
	wantChange(t, r.Tick(now.Add(skew)), Backup, Master)
}

func TestBackupPreemptsLowerMaster(t *testing.T) {
	r := New(cfg(2, 150))
	r.Start(t0)
	mdi := r.MasterDownInterval()
	// A lower-priority master's adverts are ignored: the timer runs out.
	for i := 0; i < 3; i++ {
		r.Receive(t0.Add(time.Duration(i)*time.Second), peer, TTL, advert(2, 100))
	}
	wantChange(t, r.Tick(t0.Add(mdi)), Backup, Master)
}

func TestBackupNoPreemptStaysBackup(t *testing.T) {
	c := cfg(2, 150)
	c.Preempt = false
	r := New(c)
	r.Start(t0)
	mdi := r.MasterDownInterval()
	for i := 0; i < 10; i++ {
		now := t0.Add(time.Duration(i) * time.Second)
		r.Receive(now, peer, TTL, advert(2, 100))
		if o := r.Tick(now.Add(mdi / 2)); o.Changed {
			t.Fatal("preempted with preempt off")
		}
	}
}

func TestBackupPreemptDelay(t *testing.T) {
	c := cfg(2, 150)
	c.PreemptDelay = 10 * time.Second
	r := New(c)
	r.Start(t0)
	for i := 0; i <= 12; i++ {
		now := t0.Add(time.Duration(i) * time.Second)
		r.Receive(now, peer, TTL, advert(2, 100))
		o := r.Tick(now)
		if i < 10 && o.Changed {
			t.Fatalf("preempted %d s after the first lower advert, delay 10 s", i)
		}
		if i == 10 {
			wantChange(t, o, Backup, Master)
		}
	}
}

func TestMasterYieldsToHigher(t *testing.T) {
	r := New(cfg(3, PriorityOwner-1))
	r.Start(t0)
	r.Tick(t0.Add(10 * time.Second))
	wantState(t, r, Master)
	// Lower priority: ignored.
	if o := r.Receive(t0.Add(11*time.Second), peer, TTL, advert(3, 100)); o.Changed {
		t.Fatal("master yielded to a lower priority")
	}
	// Higher priority: backup, with the master's interval learned (v3).
	a := advert(3, 255)
	a.Interval = 50
	o := r.Receive(t0.Add(12*time.Second), peer, TTL, a)
	wantChange(t, o, Master, Backup)
	if r.MasterInterval() != 500*time.Millisecond {
		t.Errorf("learned interval %v", r.MasterInterval())
	}
}

func TestMasterEqualPriorityTieBreak(t *testing.T) {
	for _, tc := range []struct {
		from  netip.Addr
		yield bool
	}{{peer, true}, {lower, false}} {
		r := New(cfg(2, 100))
		r.Start(t0)
		r.Tick(t0.Add(10 * time.Second))
		o := r.Receive(t0.Add(11*time.Second), tc.from, TTL, advert(2, 100))
		if o.Changed != tc.yield {
			t.Errorf("equal priority from %s: changed %v, want %v", tc.from, o.Changed, tc.yield)
		}
	}
}

func TestMasterAnswersPriorityZero(t *testing.T) {
	r := New(cfg(2, 100))
	r.Start(t0)
	r.Tick(t0.Add(10 * time.Second))
	if o := r.Receive(t0.Add(10500*time.Millisecond), peer, TTL, advert(2, 0)); !o.Send || o.Changed {
		t.Errorf("priority 0 to a master: %+v, want an advert at once", o)
	}
}

func TestShutdownResigns(t *testing.T) {
	r := New(cfg(2, PriorityOwner))
	r.Start(t0)
	o := r.Shutdown(t0.Add(time.Second))
	wantChange(t, o, Master, Init)
	if !o.Send || !o.Stop || r.Advert(o.Stop).Priority != 0 {
		t.Errorf("shutdown of a master: %+v", o)
	}
	r2 := New(cfg(2, 100))
	r2.Start(t0)
	if o := r2.Shutdown(t0); o.Send || !o.Changed || o.To != Init {
		t.Errorf("shutdown of a backup: %+v", o)
	}
}

func TestReceiveChecks(t *testing.T) {
	c := cfg(2, 100)
	c.AuthText = "cisco"
	r := New(c)
	if o := r.Receive(t0, peer, TTL, advert(2, 150)); !errors.Is(o.Drop, ErrNotActive) {
		t.Errorf("in Init: %v", o.Drop)
	}
	r.Start(t0)
	good := advert(2, 150)
	good.AuthType, good.Auth = AuthText, TextAuth("cisco")
	bad := func(f func(a *Advert)) *Advert { a := *good; f(&a); return &a }
	for _, tc := range []struct {
		name string
		a    *Advert
		ttl  uint8
		want error
	}{
		{"ttl", good, 254, ErrTTL},
		{"vrid", bad(func(a *Advert) { a.VRID = 2 }), TTL, ErrGroup},
		{"version", bad(func(a *Advert) { a.Version = 3 }), TTL, ErrGroup},
		{"no auth", bad(func(a *Advert) { a.AuthType = 0; a.Auth = [8]byte{} }), TTL, ErrAuth},
		{"wrong key", bad(func(a *Advert) { a.Auth = TextAuth("other") }), TTL, ErrAuth},
		{"interval", bad(func(a *Advert) { a.Interval = 3 }), TTL, ErrInterval},
		{"good", good, TTL, nil},
	} {
		if o := r.Receive(t0, peer, tc.ttl, tc.a); !errors.Is(o.Drop, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, o.Drop, tc.want)
		}
	}
	if r.Dropped != 7 || r.AdvertsIn != 1 { // the one in Init and six
		t.Errorf("counters: dropped %d in %d", r.Dropped, r.AdvertsIn)
	}
}

func TestTimersLearnV2(t *testing.T) {
	c := cfg(2, 100)
	c.Learn = true
	r := New(c)
	r.Start(t0)
	a := advert(2, 150)
	a.Interval = 3
	if o := r.Receive(t0, peer, TTL, a); o.Drop != nil {
		t.Fatal(o.Drop)
	}
	if r.MasterInterval() != 3*time.Second {
		t.Errorf("learned %v", r.MasterInterval())
	}
	if o := r.Tick(t0.Add(9 * time.Second)); o.Changed {
		t.Error("master down before 3 learned intervals")
	}
}

func TestUpdateToOwnerTakesOver(t *testing.T) {
	r := New(cfg(2, 100))
	r.Start(t0)
	r.Receive(t0, peer, TTL, advert(2, 150))
	c := cfg(2, PriorityOwner)
	o := r.Update(t0.Add(time.Second), c)
	wantChange(t, o, Backup, Master)
	if !o.Send {
		t.Error("no advert")
	}
}

func TestWireInterval(t *testing.T) {
	for _, tc := range []struct {
		v    uint8
		iv   time.Duration
		want uint16
	}{{2, time.Second, 1}, {2, 3 * time.Second, 3}, {2, 100 * time.Millisecond, 1}, {3, time.Second, 100}, {3, 250 * time.Millisecond, 25}, {3, 40 * time.Second, 4000}} {
		c := Config{Version: tc.v, Interval: tc.iv}
		if got := c.wireInterval(); got != tc.want {
			t.Errorf("v%d %v: %d, want %d", tc.v, tc.iv, got, tc.want)
		}
	}
}
