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
#   l2sw-poll   l2sw as l2sw, with --poll (adaptive busy-poll before parking)
#
# Per system: TCP throughput (iperf3, DUR s, 1 and 4 streams); 64-byte
# frames/s received, from bench/pktgen (a sendmmsg sender with
# PACKET_QDISC_BYPASS in A, a TPACKET_V3 ring counter in B: DUR s as fast
# as the kernel takes them; iperf3 -u, one frame per system call, cannot
# load a copy loop); ping latency: idle (avg of 200 pings, 10 ms apart),
# at load (the same while pktgen sends LOAD frames/s) and flood (ping -f,
# 5000); the CPU the system's process used during the idle pings. Then
# ratios against the floors.
#
# Environment: DUR (seconds per iperf3 and pktgen run, default 10), L2SW
# (binary, default bin/l2sw), TAPPUMP (default bin/tappump), AFPUMP (default
# bin/afpump), PKTGEN (default bin/pktgen), LOAD (frames/s of the stream
# during the ping at load, default 50000), UDP_IPERF=1 (also the old
# iperf3 -u frames/s, for comparison), FPS_ONLY=1 (skip TCP: for
# profiling the small-frame path), OUT (results directory,
# default /tmp/l2sw-bench-e2e), PROFILE=1 (pass --cpuprofile to l2sw when it
# has that flag; the profile lands in $OUT/SYSTEM.pprof), L2SW_ARGS (extra
# arguments for `l2sw run`). Without --cpuprofile in the binary, PROFILE=1
# samples l2sw with `perf record -g` into $OUT/SYSTEM.perf.data instead.
set -euo pipefail

DUR=${DUR:-10}
L2SW=${L2SW:-bin/l2sw}
TAPPUMP=${TAPPUMP:-bin/tappump}
AFPUMP=${AFPUMP:-bin/afpump}
PKTGEN=${PKTGEN:-bin/pktgen}
LOAD=${LOAD:-50000}
OUT=${OUT:-/tmp/l2sw-bench-e2e}
NSA=l2b-a NSB=l2b-b
TAPA=l2bA TAPB=l2bB
IPA=10.77.0.1 IPB=10.77.0.2
ALL=(l2sw l2sw-poll l2sw-q2 l2sw-plain bridge pump pump-q2 pump-vnet l2sw-af afpump ovs)

die() { echo "run.sh: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (namespaces, TAPs, bridge)"
for c in ip iperf3 jq ping; do command -v "$c" >/dev/null || die "$c is not installed"; done
[ -x "$PKTGEN" ] || die "$PKTGEN is not built (go build -o bin/pktgen ./bench/pktgen/cmd/pktgen)"
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

# mac NS: the MAC address of eth0 in a namespace.
mac() { ip -n "$1" -j link show eth0 | jq -r '.[0].address'; }

# pktgen_fps SYSTEM FLOWS: the receiver in B counts what the sender in A
# sends for DUR s as fast as the kernel takes it; prints frames/s received.
pktgen_fps() {
	local s=$1 flows=$2 src dst
	src=$(mac $NSA) dst=$(mac $NSB)
	ip netns exec $NSB "$PKTGEN" recv -i eth0 -src "$src" -dst "$dst" -flows "$flows" -idle 1s -max $((DUR + 20))s \
		>"$OUT/$s-pktgen-recv.json" 2>"$OUT/$s-pktgen-recv.log" &
	local rcv=$!
	for _ in $(seq 50); do grep -q receiving "$OUT/$s-pktgen-recv.log" 2>/dev/null && break; sleep 0.1; done
	ip netns exec $NSA "$PKTGEN" send -i eth0 -src "$src" -dst "$dst" -flows "$flows" -dur "${DUR}s" \
		>"$OUT/$s-pktgen-send.json" 2>"$OUT/$s-pktgen-send.log" || true
	wait $rcv 2>/dev/null || true
	jq -r '.frames_per_second // 0' "$OUT/$s-pktgen-recv.json" 2>/dev/null || echo 0
}

# rtt NAME PING-ARGS...: ping from A to B, the average RTT in µs (0 if none).
rtt() {
	local name=$1; shift
	ip netns exec $NSA ping -q "$@" $IPB >"$OUT/$name.ping" 2>&1 || true
	awk -F'/' '/^rtt|^round-trip/ { v = $5 * 1000 } END { print v + 0 }' "$OUT/$name.ping"
}

# cpu_ticks PID: user+system clock ticks the process used so far.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

measure() { # SYSTEM
	local s=$1 tcp1 tcp4 fps rtt_idle rtt_load rtt_flood flows=1 pid="" t0 t1 w0 w1 cpu=0
	[[ $s == *-q2 ]] && flows=4 # spread over both queues
	[ ${#PIDS[@]} -gt 0 ] && pid=${PIDS[0]}
	ip netns exec $NSA ping -c 20 -i 0.01 -q $IPB >/dev/null 2>&1 || true # warm neighbour and MAC tables
	if [ "${FPS_ONLY:-0}" != 1 ]; then
		iperf "$s-tcp1" -P 1
		iperf "$s-tcp4" -P 4
	fi
	tcp1=$(jq -r '(.end.sum_received.bits_per_second // 0) / 1e9' "$OUT/$s-tcp1.json" 2>/dev/null || echo 0)
	tcp4=$(jq -r '(.end.sum_received.bits_per_second // 0) / 1e9' "$OUT/$s-tcp4.json" 2>/dev/null || echo 0)
	fps=$(pktgen_fps "$s" $flows)
	if [ "${UDP_IPERF:-0}" = 1 ]; then
		iperf "$s-udp64" -u -l 18 -b 0 -P 2
		jq -r '.end.sum as $s | "iperf3 -u frames/s: \(if $s.seconds > 0 then (($s.packets - $s.lost_packets) / $s.seconds) else 0 end)"' \
			"$OUT/$s-udp64.json" 2>/dev/null || true
	fi
	# Idle pings, with the CPU the system's process spends meanwhile (a
	# busy-poll shows here).
	[ -n "$pid" ] && t0=$(cpu_ticks "$pid") && w0=$(date +%s%N)
	rtt_idle=$(rtt "$s-idle" -c 200 -i 0.01)
	if [ -n "$pid" ]; then
		t1=$(cpu_ticks "$pid") w1=$(date +%s%N)
		cpu=$(awk -v t="$((t1 - t0))" -v hz="$(getconf CLK_TCK)" -v ns="$((w1 - w0))" 'BEGIN { printf "%.0f", 100 * t / hz / (ns / 1e9) }')
	fi
	# At load: the same pings while a stream of LOAD frames/s crosses.
	local src dst
	src=$(mac $NSA) dst=$(mac $NSB)
	ip netns exec $NSA "$PKTGEN" send -i eth0 -src "$src" -dst "$dst" -flows $flows -rate "$LOAD" -dur 4s \
		>"$OUT/$s-load-send.json" 2>&1 &
	local load=$!
	sleep 0.5
	rtt_load=$(rtt "$s-load" -c 200 -i 0.01)
	wait $load 2>/dev/null || true
	rtt_flood=$(rtt "$s-flood" -f -c 5000)
	printf '%s\t%.2f\t%.2f\t%.0f\t%.0f\t%.0f\t%.0f\t%s\n' "$s" "$tcp1" "$tcp4" "$fps" "$rtt_idle" "$rtt_load" "$rtt_flood" "$cpu" |
		tee -a "$RESULTS" |
		awk -F'\t' '{ printf "%-11s TCP x1 %6.2f Gbit/s  TCP x4 %6.2f Gbit/s  64B %8.0f frames/s  ping idle %4.0f us (CPU %s%%)  at load %4.0f us  flood %4.0f us\n", $1, $2, $3, $4, $5, $8, $6, $7 }'
}

run_system() {
	local s=$1
	case $s in
	bridge) setup_bridge ;;
	pump) setup_pump ;;
	pump-q2) setup_pump -queues 2 ;;
	pump-vnet) setup_pump -vnet ;;
	l2sw) setup_l2sw "$s" "" ;;
	l2sw-poll) L2SW_ARGS="${L2SW_ARGS:-} --poll" setup_l2sw "$s" "" ;;
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

# Ratios against the floors the issue sets: frames/s and ping against the
# plain copy (afpump for l2sw-af), TCP against the virtio-net-header copy,
# and everything against the bridge.
awk -F'\t' '
	{ tcp1[$1] = $2; tcp4[$1] = $3; fps[$1] = $4; idle[$1] = $5; load[$1] = $6; flood[$1] = $7; order[n++] = $1 }
	function r(a, b) { return b > 0 ? sprintf("%.2f", a / b) : "n/a" }
	END {
		print ""
		for (i = 0; i < n; i++) {
			s = order[i]
			if (s !~ /^l2sw/) continue
			floor = s == "l2sw-af" ? "afpump" : s ~ /-q2$/ ? "pump-q2" : "pump"
			tcpfloor = s == "l2sw-af" ? "afpump" : "pump-vnet"
			if (!(floor in fps)) floor = "pump"
			printf "%-11s vs %s: frames/s %s (target >= 0.95), ping idle %s, flood %s, at load %s (target <= 1.1)  TCP x1 vs %s %s (target >= 0.95)  vs bridge: TCP x1 %s, TCP x4 %s, frames/s %s\n",
				s, floor, r(fps[s], fps[floor]), r(idle[s], idle[floor]), r(flood[s], flood[floor]), r(load[s], load[floor]),
				tcpfloor, r(tcp1[s], tcp1[tcpfloor]), r(tcp1[s], tcp1["bridge"]), r(tcp4[s], tcp4["bridge"]), r(fps[s], fps["bridge"])
			if (s == "l2sw-af" && ("ovs" in fps)) printf "%-11s vs ovs (userspace datapath, target >= 1): frames/s %s, TCP x1 %s, TCP x4 %s\n",
				s, r(fps[s], fps["ovs"]), r(tcp1[s], tcp1["ovs"]), r(tcp4[s], tcp4["ovs"])
		}
		if ("pump-q2" in fps) printf "pump-q2 / pump frames/s %s\n", r(fps["pump-q2"], fps["pump"])
		if ("l2sw-q2" in fps) printf "l2sw-q2 / l2sw frames/s %s\n", r(fps["l2sw-q2"], fps["l2sw"])
		if ("pump-vnet" in fps) printf "pump-vnet vs bridge: TCP x1 %s\n", r(tcp1["pump-vnet"], tcp1["bridge"])
	}' "$RESULTS"
