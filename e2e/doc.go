// Package e2e tests l2sw end to end with real Linux hosts: each host is a
// network namespace whose only interface is a TAP the switch opened (and then
// moved there) or a veth whose other end the switch attached with the
// afpacket backend, so pings, ARP, VLAN sub-interfaces, CARP and VRRP speakers
// are the kernel's and Debian's own, and only the switch sits in between.
//
// The switch runs in-process (dataplane.New with tap ports), so a test can
// assert on its MAC table, counters and log while the hosts talk.
//
// The tests need root, /dev/net/tun and iproute2, iputils-ping, ucarp,
// keepalived and tshark (`make test-deps` installs them; the capture tests
// skip without tshark, and fail under CI=true). Run them as root with
//
//	go test -count=1 ./e2e/
//
// Without root they skip; with CI=true in the environment they fail instead,
// so CI cannot silently skip them. TestTrunkRouterOnAStick also needs the
// kernel's 802.1Q VLAN devices (CONFIG_VLAN_8021Q; some VM kernels lack it):
// it skips without them (a kernel property no package can install, so also
// under CI), and TestTrunkTagsOnTheWire
// checks the trunk's tags without them. The package takes about two
// minutes: the tests run in parallel and the longest ones wait out 802.1D
// spanning tree's timers (TestSTPPVSTTriangle: 30 s to converge, 30 s to
// recover from a cut) and the 60-second steady state of a reflected CARP or
// VRRP pair (L2SW_E2E_FHRP_STEADY=10s shortens it outside CI); the others a
// 30-second FHRP steady state and a 10-second MAC aging time.
package e2e
