// Package cam is the switch's MAC address table: it learns (VLAN, MAC) -> port
// from source addresses, answers destination lookups, ages, pins static entries
// and refuses newcomers when a hash bucket or the whole table is full.
// Lookups and the common learn case (known address, same port, already seen
// this second) take no lock and store nothing, so many dataplane workers can
// share one table.
//
// # Layout
//
// The table is a flat array of hash buckets of Ways slots (hardware-like:
// bucket = hash(VLAN<<48|MAC) mod buckets, see hashKey). A slot is two
// atomic words side by side, key then value; the array is 64-byte aligned, so
// a line holds four whole slots and, when Ways is a multiple of four (the
// default is 8), every bucket starts on a line. A key word is
// VLAN<<48|MAC with 0 meaning empty (VLAN 0 is never stored, so no real key
// is 0). A value word packs port (bits 0-15), entry type (16-17) and
// last-seen seconds (18-63, signed).
//
// A bucket of more than four ways spans several lines. Each key has a home
// line in its bucket (four slots from a multiple of four), chosen by hash
// bits the bucket index does not use; an insert takes the first free slot
// scanning from the home line (wrapping round the bucket) and a lookup scans
// in the same order. At the load a
// table runs at, nearly every key sits in its home line, so a hit reads one
// cache line, key and value together; only a miss, or
// a key that overflowed its home line, reads the others. The order is a
// preference, not an invariant: a lookup that does not find the key in its
// home line goes on to the rest of the bucket, so deletes never strand a key.
//
// On Linux a table of 4 MiB or more asks for transparent huge pages
// (madvise MADV_HUGEPAGE) for its slot array: at a million entries the random
// probes otherwise miss the TLB on nearly every frame, and under a hypervisor
// a TLB miss costs as much as the cache miss itself. It is a hint; where the
// kernel refuses it the table works the same. Build with -tags
// cam_nohugepages to measure without it.
//
// Huge pages in the guest do not help where the hypervisor backs guest
// memory with 4 KiB pages, so a table of 8 MiB or more also offers
// Prefetch: a worker hands it the keys of the frames a little ahead of the
// one it forwards, and their cache and TLB misses overlap instead of
// stalling one frame after another (about a fifth of the per-frame time
// at a million entries on the 2-vCPU VM of the README's benchmarks).
//
// # Lock-free reads
//
// Writers serialise on a striped mutex (stripe = bucket mod stripes). Every
// change of a slot's key (insert, delete) first increments the stripe's
// sequence word. A reader loads the sequence, finds the key, loads the value,
// reloads the key and the sequence, and accepts the value only if the key is
// unchanged and the sequence too. The key recheck catches a writer that
// rewrites the slot while the reader is inside it; the sequence catches the
// ABA case where the slot is emptied, reused by another address and refilled
// with ours between the two key loads (an address can only come back into a
// slot after a delete, and every delete bumps the sequence). Changes that keep
// the key (refresh, move, dynamic->static) are a single atomic store or CAS of
// the value word and need neither.
//
// # Choices (documented IOS-like behaviour)
//
//   - Expiry: a dynamic entry is removed by Age(now) once now-lastSeen >= the
//     aging time of its VLAN (per-VLAN override, else global); 0 never ages.
//   - MAC flap: an address that moves FlapMoves (3) times within FlapWindow
//     (10 s) raises EventFlap, at most once per FlapHold (10 s) per address.
//   - EventZeroFiltered: at most once per second per ingress port.
//   - EventFull: at most once per second for the whole table.
//   - Static and system entries never age, never move: a frame from such an
//     address on any port is StaticHit and changes nothing.
//   - Static entries count against Capacity. AddStatic may displace the least
//     recently seen dynamic entry of a full bucket: operator configuration wins
//     over learning (it is how a lab pins a host during a MAC-flooding attack).
package cam

import (
	"errors"
	"math/bits"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/l2sw/l2sw/packet"
)

// PortID is a switch port index assigned by the dataplane.
type PortID uint16

// NoPort is "no port": the result of a failed lookup and, in a Filter, "any port".
const NoPort PortID = 0xffff

// MaxVLAN is the highest VLAN ID a table stores (4095 is reserved by 802.1Q).
const MaxVLAN = 4094

// EntryType says how an entry got into the table.
type EntryType uint8

const (
	// Dynamic entries are learned from source addresses and age.
	Dynamic EntryType = iota
	// Static entries come from `mac address-table static`; they never age or move.
	Static
	// System entries are the switch's own addresses (SVI MAC -> CPU port);
	// they behave like Static but are not user configuration.
	System
)

// String returns the word IOS prints in the Type column of
// `show mac address-table`: IOS shows the switch's own (system) addresses as
// STATIC too, so System and Static render the same. Compare the values, not the
// strings, to tell them apart.
func (t EntryType) String() string {
	switch t {
	case Dynamic:
		return "DYNAMIC"
	case Static, System:
		return "STATIC"
	}
	return "UNKNOWN"
}

// LearnResult is what Learn did with a source address; the dataplane uses it
// to decide between forwarding and dropping the frame.
type LearnResult uint8

const (
	// Refreshed: known on this port; last-seen updated if the second changed.
	Refreshed LearnResult = iota
	// Learned: a new dynamic entry was inserted.
	Learned
	// Moved: known on another port; the entry now points at the new port.
	Moved
	// FilteredZero: source 0000.0000.0000 is never learned; forward the frame.
	FilteredZero
	// InvalidSource: multicast or broadcast source; drop the frame.
	InvalidSource
	// NotLearnedFull: the bucket or the table is full; forward (it floods back).
	NotLearnedFull
	// StaticHit: the source is a static or system entry; nothing changes, even
	// when the frame came in on another port.
	StaticHit
	// InvalidVLAN: VLAN 0 or above MaxVLAN; nothing learned.
	InvalidVLAN
)

// String names the result for traces and test failures.
func (r LearnResult) String() string {
	switch r {
	case Refreshed:
		return "refreshed"
	case Learned:
		return "learned"
	case Moved:
		return "moved"
	case FilteredZero:
		return "filtered-zero"
	case InvalidSource:
		return "invalid-source"
	case NotLearnedFull:
		return "not-learned-full"
	case StaticHit:
		return "static-hit"
	case InvalidVLAN:
		return "invalid-vlan"
	}
	return "unknown"
}

// EventKind says what an Event reports.
type EventKind uint8

const (
	// EventMove: an address moved from OldPort to Port.
	EventMove EventKind = iota
	// EventFlap: an address keeps moving (IOS %SW_MATM-4-MACFLAP_NOTIF).
	EventFlap
	// EventZeroFiltered: an all-zero source was filtered on Port
	// (Catalyst %SYS-4-P2_WARN); rate-limited per port.
	EventZeroFiltered
	// EventFull: an address was not learned because its bucket or the table
	// is full; rate-limited.
	EventFull
)

// String names the kind.
func (k EventKind) String() string {
	switch k {
	case EventMove:
		return "move"
	case EventFlap:
		return "flap"
	case EventZeroFiltered:
		return "zero-filtered"
	case EventFull:
		return "full"
	}
	return "unknown"
}

// Event is raised synchronously on the goroutine that caused it (after the
// table's locks are released). OldPort is set for EventMove and EventFlap.
type Event struct {
	Kind    EventKind
	VLAN    uint16
	MAC     packet.MAC
	Port    PortID
	OldPort PortID
}

// Defaults for Config fields left zero.
const (
	DefaultCapacity   = 65536
	DefaultWays       = 8
	DefaultAgingTime  = 300
	DefaultFlapMoves  = 3
	DefaultFlapWindow = 10
	DefaultFlapHold   = 10
	maxWays           = 64
)

// Config sizes a table. Zero fields take the defaults.
type Config struct {
	// Capacity is the maximum number of entries (static ones included).
	// Buckets = next power of two >= Capacity/Ways, so a bucket may overflow
	// before the table is full, as in hardware.
	Capacity int
	// Ways is the number of slots per hash bucket (at most 64).
	Ways int
	// AgingTime is the global aging time in seconds. 0 means the default
	// (300); a negative value disables aging (SetAgingTime(0) does the same,
	// as `mac address-table aging-time 0` does).
	AgingTime int64
	// FlapMoves moves within FlapWindow seconds make an address flap; a
	// notification is raised at most once per FlapHold seconds per address.
	// Negative FlapMoves disables flap detection.
	FlapMoves  int
	FlapWindow int64
	FlapHold   int64
	// Seed seeds the bucket hash (XXH3's seed). 0 is XXH3's default seed,
	// which anyone can compute buckets with; a switch picks a random one
	// at each start (dataplane.New), so that a flood cannot be crafted to
	// fill the bucket of a known host in advance.
	Seed uint64
}

// Errors returned (wrapped) by the control-plane operations.
var (
	ErrInvalidVLAN = errors.New("invalid VLAN")
	ErrInvalidMAC  = errors.New("invalid MAC address")
	ErrInvalidPort = errors.New("invalid port")
	ErrFull        = errors.New("MAC address table full")
	ErrNotFound    = errors.New("no such entry")
)

// Value word layout.
const (
	typeShift = 16
	seenShift = 18
	typeMask  = 3
)

func packValue(port PortID, typ EntryType, lastSeen int64) uint64 {
	return uint64(lastSeen)<<seenShift | uint64(typ&typeMask)<<typeShift | uint64(port)
}

func valuePort(v uint64) PortID         { return PortID(v) }
func valueType(v uint64) EntryType      { return EntryType(v>>typeShift) & typeMask }
func valueSeen(v uint64) int64          { return int64(v) >> seenShift }
func withSeen(v uint64, s int64) uint64 { return v&(1<<seenShift-1) | uint64(s)<<seenShift }

const macMask = 1<<48 - 1

// Key is the table key of (vlan, mac): vlan<<48 | mac, with mac packed like
// packet.MAC.Uint64 (bits above 48 are ignored).
func Key(vlan uint16, mac uint64) uint64 { return uint64(vlan)<<48 | mac&macMask }

// stripe is one writer lock and the sequence word readers validate against.
// Padded to a cache line so that writers on one stripe do not slow readers of
// the next.
type stripe struct {
	mu  sync.Mutex
	seq atomic.Uint64
	// flaps tracks recent moves per address of this stripe; guarded by mu.
	flaps map[uint64]*flapState
	_     [64 - 8 - 8 - 8]byte
}

type flapState struct {
	windowStart  int64
	moves        int
	lastNotified int64
	notified     bool
}

// maxFlapTracked bounds the per-stripe flap map so that a flood of moving
// addresses cannot grow memory without bound.
const maxFlapTracked = 256

// slot is one way of a bucket: the key and its value side by side, so that a
// hit reads a single cache line.
type slot struct {
	key atomic.Uint64
	val atomic.Uint64
}

// A cache line is 64 bytes and holds slotsPerLine slots.
const (
	cacheLine    = 64
	slotSize     = 16
	slotsPerLine = cacheLine / slotSize
)

// Table is a MAC address table. All methods are safe for concurrent use.
type Table struct {
	slots    []slot // buckets*ways; bucket b is slots[b*ways:(b+1)*ways]
	ways     int
	lines    uint64 // cache lines per bucket: ceil(ways/slotsPerLine)
	bmask    uint64
	stripes  []stripe
	smask    uint64
	capacity int64
	flip     uint64 // the hash seed's constant (seedFlip); xxh3Flip for seed 0
	seed     uint64

	used    atomic.Int64 // entries of every type
	limit   atomic.Int64 // entries learning may fill: capacity, or less (SetLimit)
	statics atomic.Int64 // static + system entries

	aging     atomic.Int64       // global aging seconds; 0 = never
	vlanAging [4096]atomic.Int64 // per-VLAN override: seconds+1, 0 = unset

	flapMoves  int
	flapWindow int64
	flapHold   int64

	// gen counts the changes that can make an earlier lookup wrong: an
	// entry removed or given another port (see Generation). It sits on a
	// line of its own, as every worker reads it per routed frame.
	_   [cacheLine]byte
	gen atomic.Uint64
	_   [cacheLine - 8]byte

	handler  atomic.Pointer[func(Event)]
	fullLast atomic.Int64 // now+1 of the last EventFull, 0 = never
	zeroLast [zeroLimiters]atomic.Int64

	stats counters
}

// zeroLimiters is the number of per-port limiter slots for EventZeroFiltered;
// ports beyond it share slots (port mod zeroLimiters).
const zeroLimiters = 1024

// counters are the policy counters of Stats. Each is incremented before the
// change it counts is published: a reader that sees an
// entry learned, moved, aged or cleared then also sees it counted.
type counters struct {
	learned, refreshed, moved, aged, full, zero, invalid, flaps, cleared, displaced atomic.Uint64
}

// Generation returns a number that changes after any entry leaves the
// table or changes port or type, and not when an entry is learned or
// refreshed. A caller that read g = Generation() before a Lookup may keep
// its result for as long as Generation() still returns g: that is how the
// routed path remembers its next hops' ports without a lookup per packet.
func (t *Table) Generation() uint64 { return t.gen.Load() }

// changed marks a removal or port change; call it after the stores, so a
// reader that saw the old generation re-validates.
func (t *Table) changed() { t.gen.Add(1) }

// New returns an empty table sized by cfg.
func New(cfg Config) *Table {
	if cfg.Capacity <= 0 {
		cfg.Capacity = DefaultCapacity
	}
	if cfg.Ways <= 0 {
		cfg.Ways = DefaultWays
	}
	if cfg.Ways > maxWays {
		cfg.Ways = maxWays
	}
	switch {
	case cfg.AgingTime == 0:
		cfg.AgingTime = DefaultAgingTime
	case cfg.AgingTime < 0:
		cfg.AgingTime = 0
	}
	if cfg.FlapMoves == 0 {
		cfg.FlapMoves = DefaultFlapMoves
	}
	if cfg.FlapWindow <= 0 {
		cfg.FlapWindow = DefaultFlapWindow
	}
	if cfg.FlapHold <= 0 {
		cfg.FlapHold = DefaultFlapHold
	}
	nb := (cfg.Capacity + cfg.Ways - 1) / cfg.Ways
	nb = 1 << bits.Len(uint(nb-1)) // next power of two (1 stays 1)
	ns := nb
	if ns > 256 {
		ns = 256
	}
	t := &Table{
		slots:      newSlots(nb * cfg.Ways),
		ways:       cfg.Ways,
		lines:      uint64((cfg.Ways + slotsPerLine - 1) / slotsPerLine),
		bmask:      uint64(nb - 1),
		stripes:    make([]stripe, ns),
		smask:      uint64(ns - 1),
		capacity:   int64(cfg.Capacity),
		flapMoves:  cfg.FlapMoves,
		flapWindow: cfg.FlapWindow,
		flapHold:   cfg.FlapHold,
		flip:       seedFlip(cfg.Seed),
		seed:       cfg.Seed,
	}
	t.aging.Store(cfg.AgingTime)
	t.limit.Store(t.capacity)
	return t
}

// Capacity is the configured maximum number of entries.
func (t *Table) Capacity() int { return int(t.capacity) }

// Buckets is the number of hash buckets (a power of two).
func (t *Table) Buckets() int { return int(t.bmask + 1) }

// Ways is the number of slots per bucket.
func (t *Table) Ways() int { return t.ways }

// SetEventHandler installs fn (nil removes it). fn runs synchronously on the
// goroutine that caused the event, after the table's locks are released; it
// must not block. Set it before traffic starts.
func (t *Table) SetEventHandler(fn func(Event)) {
	if fn == nil {
		t.handler.Store(nil)
		return
	}
	t.handler.Store(&fn)
}

func (t *Table) emit(e Event) {
	if h := t.handler.Load(); h != nil {
		(*h)(e)
	}
}

// validVLAN reports whether vlan can be stored.
func validVLAN(vlan uint16) bool { return vlan >= 1 && vlan <= MaxVLAN }

// newSlots allocates n slots starting on a cache-line boundary, so that every
// aligned group of four slots is one line. (Large allocations are page
// aligned anyway; small ones are aligned by hand.)
func newSlots(n int) []slot {
	raw := make([]slot, n+slotsPerLine-1)
	off := int((cacheLine - uintptr(unsafe.Pointer(&raw[0]))%cacheLine) % cacheLine / slotSize)
	s := raw[off : off+n : off+n]
	adviseHugePages(s)
	return s
}

// bucket returns key's bucket, its stripe and the first slot of key's home
// line: the bucket index takes the hash's low bits, the home line its top 32
// bits, so the two are independent (for any table below 2^32 buckets).
func (t *Table) bucket(key uint64) ([]slot, *stripe, int) {
	h := t.hash(key)
	b := h & t.bmask
	base := int(b) * t.ways
	return t.slots[base : base+t.ways : base+t.ways], &t.stripes[b&t.smask], t.homeOf(h)
}

// homeOf returns the index within its bucket of the first slot of the home
// line of a key with hash h.
func (t *Table) homeOf(h uint64) int { return int((h>>32)*t.lines>>32) * slotsPerLine }

// bucketAt returns bucket b and its stripe, for the control-plane scans.
func (t *Table) bucketAt(b int) ([]slot, *stripe) {
	base := b * t.ways
	return t.slots[base : base+t.ways : base+t.ways], &t.stripes[uint64(b)&t.smask]
}
