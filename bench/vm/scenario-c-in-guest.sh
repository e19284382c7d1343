#!/bin/bash
# Inside the SoftRoCE VM: bench/run's scenario C (the static file sample as an accelerated host behind the target
# adapter, wrk over kernel TCP from a client namespace to the adapter's TAP) on `ibverbs` over kernel rxe and on
# `managed-roce`, in one run, with the same fabric addresses. Each provider's adapter and host start once and
# stay up; the measured cells alternate providers per repetition (ABBA: rep 1 ibverbs then managed-roce, rep 2
# the other way round, ...) so drift in the emulated machine hits both alike.
# The VM's CPU is emulated (QEMU TCG): only the ratios ibverbs / managed-roce mean anything.
#
#   dotnet build -c Release RdmaOffload.sln && tests/vm/run bench/vm/scenario-c-in-guest.sh
#
# Environment: BENCH_REPS (3), BENCH_DURATION (seconds per cell, 5), BENCH_WARMUP (unmeasured seconds per size
# after each start, 5), BENCH_SIZES (16KiB,1MiB), BENCH_CONCURRENCY (4), BENCH_BUDGET (seconds after which the
# remaining cells are not run, 360), BENCH_ADAPTER_ADDRESS / BENCH_HOST_ADDRESS (fabric addresses, both $RDMAOFFLOAD_IP: rxe0 talks
# to itself, as the accelerated demo does), BENCH_PROVIDERS (ibverbs,managed-roce; managed-roce alone checks the
# script on a machine without RDMA, with both addresses 127.0.0.1). managed-roce binds ephemeral UDP ports (kernel
# rxe owns 4791).
# Writes $VM_OUT/scenario-c-vm.md (the table) and scenario-c-vm.csv (bench/run's per-cell rows).
# Exit status: 0 every cell ran and both files arrived intact; 3 some cell did not run; 4 a file arrived damaged;
# 1 setup.
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
BENCH_DIR=$repo/bench
ACCEL_REPO=$repo
# shellcheck source=../lib/measure.sh
. "$BENCH_DIR/lib/measure.sh"
# shellcheck source=../lib/servers.sh
. "$BENCH_DIR/lib/servers.sh"
# shellcheck source=../../samples/demo/accelerated-path.sh
. "$repo/samples/demo/accelerated-path.sh"

reps=${BENCH_REPS:-3}
DURATION=${BENCH_DURATION:-5}
warmup=${BENCH_WARMUP:-5}
IFS=, read -r -a sizes <<< "${BENCH_SIZES:-16KiB,1MiB}"
conc=${BENCH_CONCURRENCY:-4}
budget=${BENCH_BUDGET:-360}
adapter_ip=${BENCH_ADAPTER_ADDRESS:-${RDMAOFFLOAD_IP:?RDMAOFFLOAD_IP not set (run inside tests/vm/run)}}
host_ip=${BENCH_HOST_ADDRESS:-$adapter_ip}
out=${VM_OUT:-$(mktemp -d)}
IFS=, read -r -a providers <<< "${BENCH_PROVIDERS:-ibverbs,managed-roce}"
tap_ip=10.96.0.1 client_ip=10.96.0.2 # this script's own subnet, inside its own namespace

accel_check_built || exit 1
for tool in wrk curl; do
    command -v "$tool" > /dev/null || { echo "scenario-c: $tool missing (scripts/install-deps vm)" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/rdob-vmc.XXXXXX)
ACCEL_WORK=$WORK
ACCEL_START_SECONDS=120 # a dotnet start under an emulated CPU takes tens of seconds
WWW=$WORK/www
RAW_CSV=$WORK/raw.csv
ns_prefix=rdob-vmc-$$
started=()
cleanup() {
    [ ${#started[@]} -gt 0 ] && stop_pids "${started[@]}"
    local k
    for k in "${!providers[@]}"; do ip netns del "$ns_prefix-$k" 2> /dev/null; done
    if [ "${keep_logs:-0}" = 1 ]; then mkdir -p "$out/scenario-c-logs" && cp "$WORK"/*.log "$out/scenario-c-logs/" 2> /dev/null; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

mkdir -p "$WWW"
for size in "${sizes[@]}"; do head -c "$(size_bytes "$size")" /dev/urandom > "$WWW/$size.bin"; done
echo "$CSV_HEADER" > "$RAW_CSV"

# Kernel rxe owns UDP 4791 on every address, so managed-roce takes ephemeral ports (its connection manager tells
# the peer which). The keepalive is relaxed for both providers: under emulation a busy host can take more than the
# default 1 s to answer a ping, and a dropped link would reset the measured connections.
provider_settings() { [ "$1" = managed-roce ] && echo "--Fabric:RocePort=0"; }
keepalive=(--Adapter:KeepaliveInterval=00:00:02 --Adapter:KeepaliveTimeout=00:00:15)

# Each provider's adapter and host start once and stay up for all repetitions (a dotnet start under emulation
# takes a minute when the machine is busy); the idle one only exchanges a keepalive every 2 s. Each adapter has
# its own client namespace (TAP rdo0 there, the same addresses in both) and its own link port.
declare -A ns_of adapter_pid_of host_pid_of integrity
# start_provider K PROVIDER: adapter and static host on PROVIDER, the client address on the TAP, a GET answered.
start_provider() {
    local k=$1 provider=$2 ns=$ns_prefix-$1 port=$((18515 + $1)) settings rc
    # shellcheck disable=SC2207
    settings=($(provider_settings "$provider"))
    ip netns add "$ns" && ip -n "$ns" link set lo up || return 1
    accel_start_adapter "$provider" "$adapter_ip" "$ns" "$tap_ip/24" "$WORK/$provider-adapter.log" \
        --Adapter:LinkPort="$port" "${settings[@]}" "${keepalive[@]}"
    rc=$?
    started+=("$ACCEL_ADAPTER_PID")
    [ $rc -eq 0 ] || return 1
    ip -n "$ns" addr add "$client_ip/24" dev rdo0 || return 1
    accel_start_static_host "$provider" "$host_ip" "$adapter_ip:$port" "$WWW" files-1 "$WORK/$provider-host.log" \
        "$WORK/$provider-adapter.log" "${settings[@]}"
    rc=$?
    started+=("$ACCEL_HOST_PID")
    [ $rc -eq 0 ] || return 1
    CLI_NS=$ns
    wait_http "http://$tap_ip/${sizes[0]}.bin" "$(size_bytes "${sizes[0]}")" 60 || { echo "$START_ERROR" >&2; return 1; }
    ns_of[$provider]=$ns adapter_pid_of[$provider]=$ACCEL_ADAPTER_PID host_pid_of[$provider]=$ACCEL_HOST_PID
}

# verify PROVIDER: every file once through the adapter with curl, sha256 against the file on disk.
verify() {
    local provider=$1 size got want result=ok
    for size in "${sizes[@]}"; do
        got=$(timeout 90 ip netns exec "${ns_of[$provider]}" curl -sS --max-time 60 "http://$tap_ip/$size.bin" | sha256sum | cut -d' ' -f1)
        want=$(sha256sum "$WWW/$size.bin" | cut -d' ' -f1)
        if [ "$got" = "$want" ]; then
            echo "  $provider: $size.bin intact (sha256 ${want:0:16}…)"
        else
            echo "  $provider: $size.bin DAMAGED: sha256 ${got:0:16}… received, ${want:0:16}… on disk"
            result=damaged
        fi
    done
    integrity[$provider]=$result
}

echo "scenario C in the VM: $(nproc) vCPUs, kernel $(uname -r); adapter $adapter_ip, host $host_ip;" \
    "sizes ${sizes[*]}, c$conc, $DURATION s per cell, $reps repetitions"
for k in "${!providers[@]}"; do
    provider=${providers[$k]}
    echo "starting $provider (at $SECONDS s)"
    if ! start_provider "$k" "$provider"; then
        keep_logs=1
        echo "  $provider did not start (logs: scenario-c-logs/$provider-*)"
        continue
    fi
    verify "$provider"
    for size in "${sizes[@]}"; do # unmeasured: JIT tiering and first-use allocations
        timeout 60 ip netns exec "${ns_of[$provider]}" wrk -t2 -c"$conc" -d"${warmup}s" "http://$tap_ip/$size.bin" > /dev/null 2>&1
    done
done
for rep in $(seq 1 "$reps"); do
    order=("${providers[@]}")
    if [ $((rep % 2)) -eq 0 ]; then order=(); for provider in "${providers[@]}"; do order=("$provider" "${order[@]}"); done; fi
    for provider in "${order[@]}"; do
        for size in "${sizes[@]}"; do
            if [ -z "${ns_of[$provider]:-}" ]; then
                csv_skip "$provider" "$size" "$conc" "$rep" "did not start (logs: scenario-c-logs/$provider-*)"
            elif [ $SECONDS -ge "$budget" ]; then
                csv_skip "$provider" "$size" "$conc" "$rep" "time budget of $budget s used up"
            else
                CLI_NS=${ns_of[$provider]} SERVER_PIDS=${host_pid_of[$provider]} PROXY_PIDS=${adapter_pid_of[$provider]}
                run_cell "$provider" "$size" "$conc" "$rep" "http://$tap_ip/$size.bin" || keep_logs=1
            fi
        done
    done
done
cp "$RAW_CSV" "$out/scenario-c-vm.csv"

# Medians over the repetitions per provider and size, then the table with the ratio ibverbs / managed-roce.
medians() { # PROVIDER SIZE -> "req/s MB/s p99_ms host_cpu_s_per_gb adapter_cpu_s_per_gb n" (n = repetitions that ran)
    awk -F, -v p="$1" -v s="$2" '
        function median(a, n,   i, j, t) {
            for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
            return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
        }
        $1 == p && $2 == s && $5 == "ok" && $8 > 0 {
            n++; rq[n] = $7 / $6; mb[n] = $8 / $6 / 1e6; p99[n] = $11; hc[n] = $12 / ($8 / 1e9); ac[n] = $13 / ($8 / 1e9)
        }
        END {
            if (n == 0) { print "n/a n/a n/a n/a n/a 0"; exit }
            printf "%.0f %.2f %.1f %.2f %.2f %d\n", median(rq, n), median(mb, n), median(p99, n), median(hc, n), median(ac, n), n
        }' "$RAW_CSV"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a" || b == 0) print "n/a"; else printf "%.2f", a / b }'; }
{
    echo "Scenario C (static file host behind the target adapter) in the SoftRoCE VM: ibverbs on kernel rxe vs managed-roce"
    echo "$(date -u +'%F %H:%M') UTC, $(nproc) vCPUs, kernel $(uname -r), QEMU (emulated CPU: only the ratios mean anything);"
    echo "fabric addresses adapter $adapter_ip, host $host_ip; wrk -t2 -c$conc, $DURATION s per cell, $reps repetitions alternating"
    echo "providers; medians. CPU per GB counts every byte wrk read."
    echo
    echo "| file | metric | ibverbs (rxe) | managed-roce | ibverbs / managed-roce |"
    echo "|---|---|---|---|---|"
    for size in "${sizes[@]}"; do
        read -r iq im ip9 ih ia i_n <<< "$(medians ibverbs "$size")"
        read -r mq mm mp9 mh ma m_n <<< "$(medians managed-roce "$size")"
        echo "| $size | req/s | $iq | $mq | $(ratio "$iq" "$mq") |"
        echo "| $size | MB/s | $im | $mm | $(ratio "$im" "$mm") |"
        echo "| $size | p99 latency, ms | $ip9 | $mp9 | $(ratio "$ip9" "$mp9") |"
        echo "| $size | host CPU-s per GB | $ih | $mh | $(ratio "$ih" "$mh") |"
        echo "| $size | adapter CPU-s per GB | $ia | $ma | $(ratio "$ia" "$ma") |"
        [ "$i_n" = "$reps" ] && [ "$m_n" = "$reps" ] || echo "| $size | repetitions that ran | $i_n of $reps | $m_n of $reps | |"
    done
    echo
    for size in "${sizes[@]}"; do # how far single repetitions scatter, next to the medians
        echo "ibverbs / managed-roce req/s per repetition, $size: $(awk -F, -v s="$size" '
            $2 == s && $5 == "ok" { r[$1, $4] = $7 / $6; if ($4 > n) n = $4 }
            END { for (i = 1; i <= n; i++) printf "%s ", ((("ibverbs", i) in r) && (("managed-roce", i) in r) && r["managed-roce", i] > 0) ? sprintf("%.2f", r["ibverbs", i] / r["managed-roce", i]) : "n/a" }' "$RAW_CSV")"
    done
    echo "sha256 of every file fetched once per provider with curl: ibverbs ${integrity[ibverbs]:-not checked}," \
        "managed-roce ${integrity[managed-roce]:-not checked}"
} | tee "$out/scenario-c-vm.md"

for provider in "${providers[@]}"; do
    [ "${integrity[$provider]:-}" = damaged ] && exit 4
done
grep -q ',not run: ' "$RAW_CSV" && exit 3
exit 0
