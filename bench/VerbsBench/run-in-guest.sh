#!/bin/bash
# Inside the SoftRoCE VM (tests/vm/run bench/VerbsBench/run-in-guest.sh): RDMA READ bandwidth
# (64 KiB, 1 MiB) and 8 B READ latency, perftest (ib_read_bw/ib_read_lat, server and client on the
# same device) next to the .NET benchmark in the same run, as a markdown table.
# Build on the host first: dotnet build -c Release bench/VerbsBench
# Environment: RDMAOFFLOAD_DEVICE / RDMAOFFLOAD_IP (set by the VM), BENCH_ITERATIONS (default 1000),
# BENCH_LAT_ITERATIONS (default 1000). perftest's "MB/sec" is taken as MiB/s (its MB is 2^20 bytes).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
source "$repo/tests/vm/guest/lib.sh"
dev=${RDMAOFFLOAD_DEVICE:?RDMAOFFLOAD_DEVICE not set}
ip=${RDMAOFFLOAD_IP:?RDMAOFFLOAD_IP not set}
iterations=${BENCH_ITERATIONS:-1000}
lat_iterations=${BENCH_LAT_ITERATIONS:-1000}
config=${RDMAOFFLOAD_CONFIGURATION:-Release}
bench_dll=$repo/bench/VerbsBench/bin/$config/net10.0/RdmaOffload.Bench.Verbs.dll
[ -f "$bench_dll" ] || { echo "run-in-guest: $bench_dll missing: dotnet build -c $config bench/VerbsBench on the host" >&2; exit 1; }
command -v ib_read_bw >/dev/null || { echo "run-in-guest: perftest missing (scripts/install-deps vm)" >&2; exit 1; }
gid=$(gid_index_for_ip "$dev" "$ip")
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

declare -A perf_bw perf_lat
for size in 65536 1048576; do
    line=$(perftest ib_read_bw -s "$size" -n "$iterations")
    echo "perftest ib_read_bw: $line"
    perf_bw[$size]=$(echo "$line" | awk '{ print $4 }') # BW average
done
size=8
line=$(perftest ib_read_lat -s 8 -n "$lat_iterations")
echo "perftest ib_read_lat: $line"
perf_lat[8]=$(echo "$line" | awk '{ print $5 }') # t_typical

dotnet "$bench_dll" --device "$dev" --ip "$ip" --sizes 65536,1048576 --iterations "$iterations" --lat-iterations "$lat_iterations" | tee "$work/dotnet.log"
value() { grep "test=$1 bytes=$2 " "$work/dotnet.log" | tr ' ' '\n' | awk -F= -v k="$3" '$1 == k { print $2 }'; }

echo
echo "| test | perftest | .NET (ibverbs provider) | .NET / perftest |"
echo "|---|---|---|---|"
for size in 65536 1048576; do
    ours=$(value read_bw "$size" MiBps)
    echo "| RDMA READ bandwidth, $size B | ${perf_bw[$size]} MiB/s | $ours MiB/s | $(awk -v a="$ours" -v b="${perf_bw[$size]}" 'BEGIN { printf "%.2f", a / b }') |"
done
ours=$(value read_lat 8 typical_us)
echo "| RDMA READ latency, 8 B (typical) | ${perf_lat[8]} µs | $ours µs | $(awk -v a="$ours" -v b="${perf_lat[8]}" 'BEGIN { printf "%.2f", a / b }') |"
echo
echo "targets: bandwidth ratio >= 0.90, latency ratio <= 1.20 (same VM run; an emulated CPU makes absolute figures meaningless)"
