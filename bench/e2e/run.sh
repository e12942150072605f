#!/usr/bin/env bash
# Side-by-side harness: two network namespaces joined through one system at a
# time, measured the same way in one run.
#
#   bench/e2e/run.sh [SYSTEM ...]          (root; `make bench-e2e` builds first)
#
# Systems (default: all that can run):
#   l2sw        l2sw on two TAPs (vnet headers as the binary defaults)
#   l2sw-q2     l2sw on two 2-queue TAPs (one receive worker per queue)
#   l2sw-plain  l2sw on two plain TAPs (,vnet=off)
#   bridge      the Linux bridge with two veth pairs
#   pump        bench/tappump: plain TAP-to-TAP copy, the floor of a userspace TAP switch
#   pump-q2     the same with 2 queues
#   pump-vnet   bench/tappump -vnet: virtio-net headers and offloads, as QEMU uses
#   l2sw-af     l2sw on two veth pairs attached with afpacket (virtio-net headers)
#   afpump      bench/afpump: AF_PACKET copy between the same two veths, with
#               virtio-net headers (without them no TCP or UDP crosses a veth:
#               the hosts' checksums are left partial)
#   ovs         Open vSwitch, userspace datapath, on the same two veths
#
# Per system: TCP throughput (iperf3, DUR s, 1 and 4 streams), 64-byte UDP
# frames/s received (iperf3 -u -l 18, 2 streams, unlimited rate), and ping
# latency (avg of 200 pings, 10 ms apart). Then ratios against the floors.
#
# Environment: DUR (seconds per iperf3 run, default 10), L2SW (binary,
# default bin/l2sw), TAPPUMP (default bin/tappump), AFPUMP (default
# bin/afpump), OUT (results directory,
# default /tmp/l2sw-bench-e2e), PROFILE=1 (pass --cpuprofile to l2sw when it
# has that flag; the profile lands in $OUT/SYSTEM.pprof), L2SW_ARGS (extra
# arguments for `l2sw run`). Without --cpuprofile in the binary, PROFILE=1
# samples l2sw with `perf record -g` into $OUT/SYSTEM.perf.data instead.
set -euo pipefail

DUR=${DUR:-10}
L2SW=${L2SW:-bin/l2sw}
TAPPUMP=${TAPPUMP:-bin/tappump}
AFPUMP=${AFPUMP:-bin/afpump}
OUT=${OUT:-/tmp/l2sw-bench-e2e}
NSA=l2b-a NSB=l2b-b
TAPA=l2bA TAPB=l2bB
IPA=10.77.0.1 IPB=10.77.0.2
ALL=(l2sw l2sw-q2 l2sw-plain bridge pump pump-q2 pump-vnet l2sw-af afpump ovs)

die() { echo "run.sh: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (namespaces, TAPs, bridge)"
for c in ip iperf3 jq ping; do command -v "$c" >/dev/null || die "$c is not installed"; done
mkdir -p "$OUT"
RESULTS=$OUT/results.tsv
: >"$RESULTS"

PIDS=()
cleanup() {
	# Newest first: a perf recorder stops (and writes its file) before the
	# switch it samples.
	# A copy: a cleanup that runs meanwhile (the EXIT trap) empties PIDS.
	local i pids=("${PIDS[@]}")
	PIDS=()
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		kill -INT "${pids[i]}" 2>/dev/null && wait "${pids[i]}" 2>/dev/null || true
	done
	ip netns del $NSA 2>/dev/null || true
	ip netns del $NSB 2>/dev/null || true
	ip link del l2b-br 2>/dev/null || true
	ip link del l2bovs 2>/dev/null || true
	ip link del l2bva 2>/dev/null || true
	ip link del l2bvb 2>/dev/null || true
	ip link del $TAPA 2>/dev/null || true
	ip link del $TAPB 2>/dev/null || true
	rm -f "$OUT/l2sw.sock"
	return 0
}
trap cleanup EXIT INT TERM

# wait_link NAME: wait up to 5 s for an interface to appear.
wait_link() {
	for _ in $(seq 50); do [ -e "/sys/class/net/$1" ] && return 0; sleep 0.1; done
	return 1
}

# hosts IFA IFB: move the two interfaces into fresh namespaces as eth0 with
# addresses, IPv6 off (no background chatter), and check reachability.
hosts() {
	ip netns add $NSA
	ip netns add $NSB
	local ns ifc ip
	for spec in "$NSA $1 $IPA" "$NSB $2 $IPB"; do
		read -r ns ifc ip <<<"$spec"
		ip link set "$ifc" netns "$ns"
		ip -n "$ns" link set "$ifc" name eth0
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
		ip -n "$ns" link set lo up
		ip -n "$ns" addr add "$ip/24" dev eth0
		ip -n "$ns" link set eth0 up
	done
	for _ in $(seq 50); do
		ip netns exec $NSA ping -c1 -W1 -q $IPB >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

setup_bridge() {
	ip link add l2b-br type bridge
	ip link add l2bva type veth peer name l2bva0
	ip link add l2bvb type veth peer name l2bvb0
	for l in l2bva l2bvb; do ip link set $l master l2b-br; ip link set $l up; done
	ip link set l2b-br up
	hosts l2bva0 l2bvb0
}

setup_pump() { # ARGS for tappump
	"$TAPPUMP" "$@" $TAPA $TAPB >"$OUT/tappump.log" 2>&1 &
	PIDS+=($!)
	wait_link $TAPA && wait_link $TAPB || { echo "tappump did not create the TAPs: $(cat "$OUT/tappump.log")" >&2; return 1; }
	hosts $TAPA $TAPB
}

# veths: the bridge's two veth pairs, without the bridge: l2bva and l2bvb
# stay here for the system under test, their peers become the hosts' eth0.
veths() {
	ip link add l2bva type veth peer name l2bva0
	ip link add l2bvb type veth peer name l2bvb0
}

setup_afpump() { # ARGS for afpump
	veths
	"$AFPUMP" "$@" l2bva l2bvb >"$OUT/afpump.log" 2>&1 &
	PIDS+=($!)
	hosts l2bva0 l2bvb0
}

# ovs: Open vSwitch's userspace datapath (datapath_type=netdev, its
# AF_PACKET netdevs) on the same two veths, from a private ovsdb and
# vswitchd under $OUT so that a host's own OVS is untouched.
setup_ovs() {
	command -v ovs-vswitchd >/dev/null || { echo "ovs: Open vSwitch is not installed (make test-deps)" >&2; return 1; }
	veths
	local d="$OUT/ovs"
	rm -rf "$d"; mkdir -p "$d"
	ovsdb-tool create "$d/conf.db" /usr/share/openvswitch/vswitch.ovsschema
	OVS_RUNDIR=$d OVS_LOGDIR=$d ovsdb-server "$d/conf.db" --remote=punix:"$d/db.sock" --unixctl="$d/ovsdb.ctl" \
		--log-file="$d/ovsdb.log" --pidfile="$d/ovsdb.pid" &
	PIDS+=($!)
	for _ in $(seq 50); do [ -S "$d/db.sock" ] && break; sleep 0.1; done
	ovs-vsctl --db=unix:"$d/db.sock" --no-wait init
	ip link set l2bva up; ip link set l2bvb up
	OVS_RUNDIR=$d OVS_LOGDIR=$d ovs-vswitchd unix:"$d/db.sock" --unixctl="$d/vswitchd.ctl" \
		--log-file="$d/vswitchd.log" --pidfile="$d/vswitchd.pid" &
	PIDS+=($!)
	ovs-vsctl --db=unix:"$d/db.sock" --timeout=20 add-br l2bovs -- set bridge l2bovs datapath_type=netdev \
		-- add-port l2bovs l2bva -- add-port l2bovs l2bvb
	hosts l2bva0 l2bvb0 || return 1
	# The userspace datapath's AF_PACKET netdevs carry no virtio-net
	# header: the checksums a veth host leaves partial would stay so, and
	# no TCP or UDP would cross. The hosts compute them (OVS's own advice).
	for ns in $NSA $NSB; do ip netns exec $ns ethtool -K eth0 tx off tso off gso off >/dev/null; done
}

setup_l2sw_af() { # SYSTEM
	veths
	# shellcheck disable=SC2086
	"$L2SW" run --port "gi0/1=afpacket:l2bva" --port "gi0/2=afpacket:l2bvb" \
		--control "$OUT/l2sw.sock" ${L2SW_ARGS:-} >"$OUT/$1.log" 2>&1 &
	PIDS+=($!)
	hosts l2bva0 l2bvb0
}

setup_l2sw() { # SYSTEM TAPOPTS
	local prof=()
	if [ "${PROFILE:-0}" = 1 ]; then
		if "$L2SW" run --help 2>&1 | grep -q -- --cpuprofile; then
			prof=(--cpuprofile "$OUT/$1.pprof")
		else
			echo "run.sh: $L2SW has no --cpuprofile flag; no profile" >&2
		fi
	fi
	# shellcheck disable=SC2086
	"$L2SW" run --port "gi0/1=tap:$TAPA$2" --port "gi0/2=tap:$TAPB$2" \
		--control "$OUT/l2sw.sock" "${prof[@]}" ${L2SW_ARGS:-} >"$OUT/$1.log" 2>&1 &
	PIDS+=($!)
	wait_link $TAPA && wait_link $TAPB || { echo "l2sw did not create the TAPs: $(cat "$OUT/$1.log")" >&2; return 1; }
	hosts $TAPA $TAPB
	if [ "${PROFILE:-0}" = 1 ] && [ ${#prof[@]} -eq 0 ] && command -v perf >/dev/null; then
		# No --cpuprofile: sample the switch with perf for the whole
		# measurement instead (report: perf report -i $OUT/SYSTEM.perf.data).
		perf record -q -F 499 -g -p "${PIDS[-1]}" -o "$OUT/$1.perf.data" >/dev/null 2>&1 &
		PIDS+=($!)
	fi
}

# iperf NAME ARGS...: one iperf3 client run from A to a server in B, JSON kept.
iperf() {
	local name=$1; shift
	ip netns exec $NSB iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
	local srv=$!
	for _ in $(seq 50); do ip netns exec $NSB ss -ltn 2>/dev/null | grep -q ':5201 ' && break; sleep 0.1; done
	ip netns exec $NSA iperf3 -c $IPB -p 5201 -J -t "$DUR" "$@" >"$OUT/$name.json" 2>&1 || true
	wait $srv 2>/dev/null || true
}

measure() { # SYSTEM
	local s=$1 tcp1 tcp4 fps rtt
	ip netns exec $NSA ping -c 20 -i 0.01 -q $IPB >/dev/null 2>&1 || true # warm neighbour and MAC tables
	iperf "$s-tcp1" -P 1
	iperf "$s-tcp4" -P 4
	iperf "$s-udp64" -u -l 18 -b 0 -P 2
	tcp1=$(jq -r '(.end.sum_received.bits_per_second // 0) / 1e9' "$OUT/$s-tcp1.json" 2>/dev/null || echo 0)
	tcp4=$(jq -r '(.end.sum_received.bits_per_second // 0) / 1e9' "$OUT/$s-tcp4.json" 2>/dev/null || echo 0)
	# Frames the receiver got: sent minus lost, over the run's duration.
	fps=$(jq -r '.end.sum as $s | if $s.seconds > 0 then (($s.packets - $s.lost_packets) / $s.seconds) else 0 end' \
		"$OUT/$s-udp64.json" 2>/dev/null || echo 0)
	rtt=$(ip netns exec $NSA ping -c 200 -i 0.01 -q $IPB 2>/dev/null |
		awk -F'/' '/^rtt|^round-trip/ { print $5 * 1000 }')
	printf '%s\t%.2f\t%.2f\t%.0f\t%.0f\n' "$s" "$tcp1" "$tcp4" "$fps" "${rtt:-0}" | tee -a "$RESULTS" |
		awk -F'\t' '{ printf "%-11s TCP x1 %6.2f Gbit/s  TCP x4 %6.2f Gbit/s  UDP 64B %9.0f frames/s  ping %5.0f us\n", $1, $2, $3, $4, $5 }'
}

run_system() {
	local s=$1
	case $s in
	bridge) setup_bridge ;;
	pump) setup_pump ;;
	pump-q2) setup_pump -queues 2 ;;
	pump-vnet) setup_pump -vnet ;;
	l2sw) setup_l2sw "$s" "" ;;
	l2sw-q2) setup_l2sw "$s" ",queues=2" ;;
	l2sw-plain) setup_l2sw "$s" ",vnet=off" ;;
	l2sw-af) setup_l2sw_af "$s" ;;
	afpump) setup_afpump ;;
	ovs) setup_ovs ;;
	*) die "unknown system $s (${ALL[*]})" ;;
	esac || { echo "$s: setup failed" >&2; cleanup; return 1; }
	measure "$s"
	cleanup
}

systems=("$@")
if [ ${#systems[@]} -eq 0 ]; then
	systems=()
	for s in "${ALL[@]}"; do
		case $s in
		l2sw*) [ -x "$L2SW" ] || { echo "skipping $s: $L2SW not built" >&2; continue; } ;;
		pump*) [ -x "$TAPPUMP" ] || { echo "skipping $s: $TAPPUMP not built" >&2; continue; } ;;
		afpump*) [ -x "$AFPUMP" ] || { echo "skipping $s: $AFPUMP not built" >&2; continue; } ;;
		esac
		systems+=("$s")
	done
fi

echo "side-by-side: $(nproc) CPUs, $(uname -r), iperf3 ${DUR}s runs; results in $OUT"
cleanup
for s in "${systems[@]}"; do run_system "$s" || echo "$s: failed, see $OUT" >&2; done

# Ratios against the floors the issue sets: frames/s against the plain copy,
# TCP against the virtio-net-header copy, and everything against the bridge.
awk -F'\t' '
	{ tcp1[$1] = $2; tcp4[$1] = $3; fps[$1] = $4; order[n++] = $1 }
	function r(a, b) { return b > 0 ? sprintf("%.2f", a / b) : "n/a" }
	END {
		print ""
		for (i = 0; i < n; i++) {
			s = order[i]
			if (s !~ /^l2sw/) continue
			if (s == "l2sw-af") {
				printf "%-11s frames/s vs afpump %s (target >= 0.9)  TCP x1 vs afpump %s  vs bridge: TCP x1 %s, TCP x4 %s, frames/s %s\n",
					s, r(fps[s], fps["afpump"]), r(tcp1[s], tcp1["afpump"]), r(tcp1[s], tcp1["bridge"]), r(tcp4[s], tcp4["bridge"]), r(fps[s], fps["bridge"])
				if ("ovs" in fps) printf "%-11s vs ovs (userspace datapath, target >= 1): frames/s %s, TCP x1 %s, TCP x4 %s\n",
					s, r(fps[s], fps["ovs"]), r(tcp1[s], tcp1["ovs"]), r(tcp4[s], tcp4["ovs"])
				continue
			}
			printf "%-11s frames/s vs pump %s (target >= 0.9)  TCP x1 vs pump-vnet %s (target >= 0.9)  vs bridge: TCP x1 %s, TCP x4 %s, frames/s %s\n",
				s, r(fps[s], fps["pump"]), r(tcp1[s], tcp1["pump-vnet"]), r(tcp1[s], tcp1["bridge"]), r(tcp4[s], tcp4["bridge"]), r(fps[s], fps["bridge"])
		}
		if ("pump-q2" in fps) printf "pump-q2 / pump frames/s %s\n", r(fps["pump-q2"], fps["pump"])
		if ("l2sw-q2" in fps) printf "l2sw-q2 / l2sw frames/s %s\n", r(fps["l2sw-q2"], fps["l2sw"])
		if ("pump-vnet" in fps) printf "pump-vnet vs bridge: TCP x1 %s\n", r(tcp1["pump-vnet"], tcp1["bridge"])
	}' "$RESULTS"
