#!/bin/bash
# Inside the SoftRoCE VM (tests/vm/run bench/VerbsBench/run-in-guest.sh): RDMA READ bandwidth
# (64 KiB, 1 MiB) and 8 B READ latency, perftest (ib_read_bw/ib_read_lat, server and client on the
# same device) next to the .NET benchmark in the same run, as a markdown table.
# Build on the host first: dotnet build -c Release bench/VerbsBench
# Environment: RDMAOFFLOAD_DEVICE / RDMAOFFLOAD_IP (set by the VM), BENCH_ITERATIONS (64 KiB, default
# 1000), BENCH_ITERATIONS_1M (default 200), BENCH_LAT_ITERATIONS (default 1000). perftest's "MB/sec" is taken as MiB/s (its MB is 2^20 bytes).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
source "$repo/tests/vm/guest/lib.sh"
dev=${RDMAOFFLOAD_DEVICE:?RDMAOFFLOAD_DEVICE not set}
ip=${RDMAOFFLOAD_IP:?RDMAOFFLOAD_IP not set}
iterations=${BENCH_ITERATIONS:-1000}
iterations_1m=${BENCH_ITERATIONS_1M:-200}
lat_iterations=${BENCH_LAT_ITERATIONS:-1000}
config=${RDMAOFFLOAD_CONFIGURATION:-Release}
bench_dll=$repo/bench/VerbsBench/bin/$config/net10.0/RdmaOffload.Bench.Verbs.dll
[ -f "$bench_dll" ] || { echo "run-in-guest: $bench_dll missing: dotnet build -c $config bench/VerbsBench on the host" >&2; exit 1; }
command -v ib_read_bw >/dev/null || { echo "run-in-guest: perftest missing (scripts/install-deps vm)" >&2; exit 1; }
gid=$(gid_index_for_ip "$dev" "$ip")
echo "clocksource: $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null || echo unknown)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# perftest: server in the background, client to the same device's address; prints the client's result line.
perftest() {
    local tool=$1; shift
    "$tool" -d "$dev" -x "$gid" -F "$@" > "$work/server.log" 2>&1 &
    local server=$!
    local tries=0
    until "$tool" -d "$dev" -x "$gid" -F "$@" "$ip" > "$work/client.log" 2>&1; do
        tries=$((tries + 1))
        [ $tries -lt 20 ] || { cat "$work/client.log" "$work/server.log" >&2; kill $server 2>/dev/null; return 1; }
        sleep 0.5 # the server was not listening yet
    done
    wait $server || true
    # the result line starts with the message size
    awk -v s="$size" '$1 == s && NF >= 5 { print; exit }' "$work/client.log"
}

# The emulated machine is noisy (host load, JIT under emulation): run both sides twice, alternating,
# and keep each side's best figure.
better() { awk -v a="$1" -v b="$2" -v dir="$3" 'BEGIN { if (b == "" || (dir == "max" ? a > b : a < b)) print a; else print b }'; }
declare -A perf dotnet_best
for round in 1 2; do
    for size in 65536 1048576; do
        iters=$iterations; [ "$size" -lt 1048576 ] || iters=$iterations_1m
        line=$(perftest ib_read_bw -s "$size" -n "$iters")
        echo "round $round perftest ib_read_bw: $line"
        perf[bw$size]=$(better "$(echo "$line" | awk '{ print $4 }')" "${perf[bw$size]:-}" max) # BW average
    done
    size=8
    line=$(perftest ib_read_lat -s 8 -n "$lat_iterations")
    echo "round $round perftest ib_read_lat: $line"
    perf[lat]=$(better "$(echo "$line" | awk '{ print $5 }')" "${perf[lat]:-}" min) # t_typical

    : > "$work/dotnet.log"
    dotnet "$bench_dll" --device "$dev" --ip "$ip" --sizes 65536 --iterations "$iterations" --lat-iterations "$lat_iterations" | tee -a "$work/dotnet.log"
    dotnet "$bench_dll" --device "$dev" --ip "$ip" --sizes 1048576 --iterations "$iterations_1m" --lat-iterations 0 | tee -a "$work/dotnet.log"
    value() { grep "test=$1 bytes=$2 " "$work/dotnet.log" | tail -n 1 | tr ' ' '\n' | awk -F= -v k="$3" '$1 == k { print $2 }'; }
    for size in 65536 1048576; do
        dotnet_best[bw$size]=$(better "$(value read_bw "$size" MiBps)" "${dotnet_best[bw$size]:-}" max)
    done
    dotnet_best[lat]=$(better "$(value read_lat 8 typical_us)" "${dotnet_best[lat]:-}" min)
done

echo
echo "| test | perftest | .NET (ibverbs provider) | .NET / perftest |"
echo "|---|---|---|---|"
for size in 65536 1048576; do
    echo "| RDMA READ bandwidth, $size B | ${perf[bw$size]} MiB/s | ${dotnet_best[bw$size]} MiB/s | $(awk -v a="${dotnet_best[bw$size]}" -v b="${perf[bw$size]}" 'BEGIN { printf "%.2f", a / b }') |"
done
echo "| RDMA READ latency, 8 B (typical) | ${perf[lat]} µs | ${dotnet_best[lat]} µs | $(awk -v a="${dotnet_best[lat]}" -v b="${perf[lat]}" 'BEGIN { printf "%.2f", a / b }') |"
echo
echo "targets: bandwidth ratio >= 0.90, latency ratio <= 1.20 (same VM run; an emulated CPU makes absolute figures meaningless)"
