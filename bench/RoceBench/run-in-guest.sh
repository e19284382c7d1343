#!/bin/bash
# Inside the SoftRoCE VM: managed-roce next to the kernel's rxe in the same run, RDMA READ bandwidth
# (64 KiB, 1 MiB) and 8 B READ latency. perftest runs as usual (server and client on rxe0, its
# defaults: tx depth 128, outstanding READs = the device's maximum, 128 on rxe); RoceBench runs its
# two processes between the VM's two addresses (10.77.0.1 <- 10.77.0.2; both paths are local, so
# both go through the guest's loopback at path MTU 1024) with the same depth and outstanding READs.
# The VM is emulated (TCG): only the ratios mean anything.
#   dotnet build -c Release bench/RoceBench && tests/vm/run bench/RoceBench/run-in-guest.sh
# Environment: BENCH_REPS (3), BENCH_DEPTH (128), BENCH_READ_DEPTH (128) for RoceBench, BENCH_ITERATIONS (64 KiB
# READs per perftest run, 2000), BENCH_ITERATIONS_1M (200), BENCH_LAT_ITERATIONS (1000),
# BENCH_SECONDS / BENCH_MAX_MIB (bounds of one managed-roce repetition, 3 s / 256 MiB), BENCH_ACK_TIMEOUT (18).
# perftest's "MB/sec" is MiB/s (2^20 bytes).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
source "$repo/tests/vm/guest/lib.sh"
dev=${RDMAOFFLOAD_DEVICE:?}; ip=${RDMAOFFLOAD_IP:?}; peer_ip=${RDMAOFFLOAD_PEER_IP:?}
reps=${BENCH_REPS:-3}; depth=${BENCH_DEPTH:-128}; read_depth=${BENCH_READ_DEPTH:-128}
iterations=${BENCH_ITERATIONS:-2000}; iterations_1m=${BENCH_ITERATIONS_1M:-200}; lat_iterations=${BENCH_LAT_ITERATIONS:-1000}
# Under TCG a process answers its first packets only after ~0.6 s (cold code), past the default ACK
# timeout's retries (67 ms × 8); 18 ≈ 1.07 s per try. It only matters on loss, which guest loopback has none of.
ack_timeout=${BENCH_ACK_TIMEOUT:-18}
config=${RDMAOFFLOAD_CONFIGURATION:-Release}
dll=$repo/bench/RoceBench/bin/$config/net10.0/RdmaOffload.Bench.Roce.dll
[ -f "$dll" ] || { echo "run-in-guest: $dll missing: dotnet build -c $config bench/RoceBench on the host" >&2; exit 1; }
command -v ib_read_bw >/dev/null || { echo "run-in-guest: perftest missing (scripts/install-deps vm)" >&2; exit 1; }
out=${VM_OUT:-$(mktemp -d)}
gid=$(gid_index_for_ip "$dev" "$ip")
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
echo "SoftRoCE: $(rdma link show | tr '\n' ' ')"

# perftest: server in the background, client to the same device's address; prints the client's result line for $size.
perftest() {
    local tool=$1 size=$2; shift 2
    "$tool" -d "$dev" -x "$gid" -F -s "$size" "$@" > "$work/server.log" 2>&1 &
    local server=$! tries=0
    until "$tool" -d "$dev" -x "$gid" -F -s "$size" "$@" "$ip" > "$work/client.log" 2>&1; do
        tries=$((tries + 1))
        [ $tries -lt 20 ] || { cat "$work/client.log" "$work/server.log" >&2; kill $server 2>/dev/null; return 1; }
        sleep 0.5 # the server was not listening yet
    done
    wait $server || true
    awk -v s="$size" '$1 == s && NF >= 5 { print; exit }' "$work/client.log"
}

: > "$work/rxe.csv"
for rep in $(seq 1 "$reps"); do
    for size in 65536 1048576; do
        n=$iterations; [ "$size" -lt 1048576 ] || n=$iterations_1m
        line=$(perftest ib_read_bw "$size" -n "$n")
        echo "rxe rep $rep ib_read_bw: $line"
        echo "bw,$size,$(echo "$line" | awk '{ print $4 }')" >> "$work/rxe.csv"
    done
    line=$(perftest ib_read_lat 8 -n "$lat_iterations")
    echo "rxe rep $rep ib_read_lat: $line"
    echo "lat,8,$(echo "$line" | awk '{ print $5 }')" >> "$work/rxe.csv"
    echo "p99,8,$(echo "$line" | awk '{ print $8 }')" >> "$work/rxe.csv"
done

dotnet "$dll" --server-address "$ip" --client-address "$peer_ip" --reps "$reps" --depth "$depth" --read-depth "$read_depth" \
    --seconds "${BENCH_SECONDS:-3}" --max-mib "${BENCH_MAX_MIB:-256}" --lat-iterations "$lat_iterations" \
    --ack-timeout "$ack_timeout" --label vm --results "$out" | tee "$work/managed.log"
managed_csv=$(ls -t "$out"/roce-vm-*.csv | head -n 1)

# median and min-max of column values: "median (min–max)"
summary() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "n/a"; exit } m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.1f %.1f %.1f\n", m, v[1], v[NR] }'; }
rxe() { awk -F, -v k="$1" -v s="$2" '$1 == k && $2 == s { print $3 }' "$work/rxe.csv" | summary; }
managed_bw() { awk -F, -v s="$1" '$1 == "read_bw" && $2 == s { print $7 }' "$managed_csv" | summary; }
managed_lat() { awk -F, -v c="$1" '$1 == "read_lat" { print $c }' "$managed_csv" | summary; }
row() { # name unit rxe-summary managed-summary
    read -r rm rlo rhi <<< "$3"; read -r mm mlo mhi <<< "$4"
    echo "| $1 | $rm $2 ($rlo–$rhi) | $mm $2 ($mlo–$mhi) | $(awk -v a="$mm" -v b="$rm" 'BEGIN { printf "%.2f", a / b }') |"
}
{
    echo "managed-roce vs kernel rxe in the SoftRoCE VM ($(nproc) vCPUs, $(uname -r), QEMU), $(date -u +'%F %H:%M') UTC"
    echo "perftest on $dev ($ip), its defaults; RoceBench $peer_ip -> $ip, queue depth $depth, outstanding READs $read_depth; $reps repetitions, median (min–max)"
    echo
    echo "| test | kernel rxe (perftest) | managed-roce (RoceBench) | managed / rxe |"
    echo "|---|---|---|---|"
    row "READ bandwidth, 64 KiB" "MiB/s" "$(rxe bw 65536)" "$(managed_bw 65536)"
    row "READ bandwidth, 1 MiB" "MiB/s" "$(rxe bw 1048576)" "$(managed_bw 1048576)"
    row "READ latency, 8 B, median (perftest: typical)" "µs" "$(rxe lat 8)" "$(managed_lat 11)"
    row "READ latency, 8 B, p99" "µs" "$(rxe p99 8)" "$(managed_lat 12)"
} | tee "$out/roce-vm-vs-rxe.md"
