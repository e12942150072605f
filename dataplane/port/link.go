package port

// LinkNotifier is implemented by backends that see their medium's link
// state change while the port stays open: an AF_PACKET port follows its
// netdev's carrier and administrative state, as a NIC follows its cable.
// A backend without it is up while it is open, and a Read error takes it
// down for good.
type LinkNotifier interface {
	// NotifyLink registers fn and returns the link state now. From then on
	// the backend calls fn, from a goroutine of its own and never while
	// holding a lock fn could need, after each change of the link state,
	// until the port is closed (a call under way may end after Close
	// returns). Calls are serialised; fn may be called
	// with the state it was last called with (or that NotifyLink
	// returned), so it must be idempotent.
	NotifyLink(fn func(up bool)) (up bool)
}
