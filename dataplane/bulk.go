package dataplane

// Bulk runs fn, a large configuration change such as a startup-config
// load, with the FIB's snapshot publication deferred to its end: every
// route, SVI and ARP change inside fn is recorded in the RIB at once, and
// the forwarding structure is rebuilt and published once when fn returns,
// instead of once per change. A publication copies the LPM root
// (256 KiB) and every block the change touched, so a per-line publish
// makes a 100k-route config cost tens of gigabytes of copying; one
// publish costs one root.
//
// Until fn returns, forwarding (and anything that looks the FIB up, such
// as proxy ARP) sees the FIB as it was before fn. Bulks nest; fn may call
// any Switch method, including ones that batch themselves.
func (sw *Switch) Bulk(fn func() error) error { return sw.l3.fib.Batch(fn) }

// FIBPublications returns the number of FIB snapshots published since New
// (see cef.Table.Publications): a Bulk costs one, however much it changed.
func (sw *Switch) FIBPublications() uint64 { return sw.l3.fib.Publications() }
