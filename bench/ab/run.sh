#!/bin/bash
# bench/ab/run.sh OLD NEW [BENCH-REGEX] [ROUNDS] [LAYOUTS]
#
# A/B of the forwarding benchmarks of two git revisions that holds on a
# noisy, bimodal VM. Builds of the same code that differ only in unrelated
# code or data have measured 8-10% apart here (alignment), and some rounds
# run at twice the time, so one binary per side and its median say little.
# This builds LAYOUTS variants of ./bench's test binary per revision (each
# with a different never-hot padding file, which moves the test package's
# code and data), runs every variant of both sides alternately ROUNDS
# times pinned to one CPU, takes each variant's minimum (its fast-round
# figure), and prints per side the variants' minima and their median, and
# the change of the medians.
#
#   bench/ab/run.sh ba756e0 HEAD 'ForwardRouted$/prefixes=1k$' 6 6
set -euo pipefail
old=$1 new=$2 re=${3:-'ForwardRouted$/prefixes=1k$'} rounds=${4:-6} layouts=${5:-6}
cpu=${CPU:-1} benchtime=${BENCHTIME:-200000x}
repo=$(git rev-parse --show-toplevel)
work=$(mktemp -d)
trap 'git -C "$repo" worktree remove --force "$work/old" >/dev/null 2>&1 || true; git -C "$repo" worktree remove --force "$work/new" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
for side in old new; do
	rev=${!side}
	git -C "$repo" worktree add --detach "$work/$side" "$rev" >/dev/null 2>&1
	ln -s "$repo/../shared" "$work/shared" 2>/dev/null || true
	for k in $(seq 0 $((layouts - 1))); do
		if ((k > 0)); then
			{
				echo "package bench"
				echo "var layoutPad$k [$((k * 1000 + k * 24))]byte"
				echo "func init() { layoutPad$k[0] = byte(len(layoutPad$k) % 251) }"
				for j in $(seq $((k * 5))); do echo "func layoutFn${k}_$j(x int) int { return x*$j + $k }"; done
				echo "var layoutFns$k = []func(int) int{$(for j in $(seq $((k * 5))); do printf 'layoutFn%s_%s,' $k $j; done)}"
			} >"$work/$side/bench/zz_layout_test.go"
		fi
		(cd "$work/$side" && go test -c -o "$work/$side$k.test" ./bench)
		rm -f "$work/$side/bench/zz_layout_test.go"
	done
done
for r in $(seq "$rounds"); do
	for k in $(seq 0 $((layouts - 1))); do
		for side in old new; do
			taskset -c "$cpu" "$work/$side$k.test" -test.run '^$' -test.bench "$re" -test.benchtime "$benchtime" 2>/dev/null |
				awk -v s=$side -v k=$k '/^Benchmark/ { for (i = 2; i < NF; i++) if ($(i+1) == "ns/frame") print s, k, $1, $i }' >>"$work/res.txt"
		done
	done
done
awk '
{ key = $3 SUBSEP $1 SUBSEP $2; if (!(key in min) || $4 < min[key]) min[key] = $4; names[$3] = 1 }
function median(arr, n,   i, j, t) {
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (arr[j] < arr[i]) { t = arr[i]; arr[i] = arr[j]; arr[j] = t }
	return n % 2 ? arr[(n + 1) / 2] : (arr[n / 2] + arr[n / 2 + 1]) / 2
}
END {
	for (name in names) {
		line = name
		for (si = 1; si <= 2; si++) {
			side = si == 1 ? "old" : "new"; n = 0; list = ""
			for (key in min) { split(key, f, SUBSEP); if (f[1] == name && f[2] == side) { v[++n] = min[key]; list = list sprintf(" %.1f", min[key]) } }
			med[side] = median(v, n)
			line = line sprintf("\n  %s per-layout minima:%s  median %.1f ns/frame", side, list, med[side])
		}
		printf "%s\n  change of the medians: %+.1f%%\n", line, 100 * (med["new"] / med["old"] - 1)
	}
}' "$work/res.txt"
