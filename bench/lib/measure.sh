# CPU accounting and one measured cell for bench/run (sourced).

CLK_TCK=$(getconf CLK_TCK)

# cpu_ticks PID...: utime+stime (fields 14 and 15 of /proc/PID/stat, counted after the ")" ending the name) of
# the live processes among PID..., in clock ticks. Prints "dead" if any of them is gone.
cpu_ticks() {
    local total=0 pid rest
    for pid in "$@"; do
        rest=$(cat "/proc/$pid/stat" 2>/dev/null) || { echo dead; return; }
        rest=${rest##*) }
        # shellcheck disable=SC2086
        set -- $rest
        total=$((total + ${12} + ${13}))
    done
    echo "$total"
}

# rss_kib PID: resident set size in KiB.
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

CSV_HEADER="scenario,size,concurrency,rep,status,duration_s,requests,bytes,errors,p50_ms,p99_ms,server_cpu_s,proxy_cpu_s"

# csv_skip SCENARIO SIZE CONC REP REASON: a cell that did not run, with why (no numbers).
csv_skip() {
    local reason=${5//,/;}
    echo "$1,$2,$3,$4,not run: $reason,,,,,,,," >> "$RAW_CSV"
    echo "  $1 $2 c$3 rep$4: NOT RUN — $5"
}

# run_cell SCENARIO SIZE CONC REP URL: one bounded wrk run from the client namespace; the CPU of the
# processes in SERVER_PIDS and PROXY_PIDS (globals) is read before and after.
run_cell() {
    local scen=$1 size=$2 conc=$3 rep=$4 url=$5
    local log="$WORK/wrk-$scen-$size-c$conc-r$rep.log" threads=2 s0 s1 p0=0 p1=0
    [ "$conc" -lt 2 ] && threads=1
    s0=$(cpu_ticks $SERVER_PIDS)
    [ -n "$PROXY_PIDS" ] && p0=$(cpu_ticks $PROXY_PIDS)
    timeout --kill-after=5 $((DURATION + 30)) ip netns exec "$CLI_NS" \
        wrk -t"$threads" -c"$conc" -d"${DURATION}s" --timeout 5s --latency -s "$BENCH_DIR/tools/summary.lua" "$url" \
        > "$log" 2>&1
    local rc=$?
    s1=$(cpu_ticks $SERVER_PIDS)
    [ -n "$PROXY_PIDS" ] && p1=$(cpu_ticks $PROXY_PIDS)
    if [ "$s0" = dead ] || [ "$s1" = dead ] || [ "$p0" = dead ] || [ "$p1" = dead ]; then
        csv_skip "$scen" "$size" "$conc" "$rep" "a server or adapter/proxy process exited (see $scen logs)"; return 1
    fi
    local line
    line=$(grep '^RESULT ' "$log" | tail -n 1)
    if [ $rc -ne 0 ] || [ -z "$line" ]; then
        csv_skip "$scen" "$size" "$conc" "$rep" "wrk exit $rc: $(grep -v '^RESULT' "$log" | tail -n 1)"; return 1
    fi
    # RESULT requests=.. bytes=.. duration_us=.. p50_us=.. p99_us=.. connect=.. read=.. write=.. status=.. timeout=..
    local requests bytes dur p50 p99 errors
    eval "$(echo "${line#RESULT }" | tr ' ' '\n' | sed 's/^/local w_/')"
    # shellcheck disable=SC2154
    requests=$w_requests bytes=$w_bytes dur=$w_duration_us p50=$w_p50_us p99=$w_p99_us
    # shellcheck disable=SC2154
    errors=$((w_connect + w_read + w_write + w_status + w_timeout))
    awk -v OFS=, -v s="$scen" -v z="$size" -v c="$conc" -v r="$rep" -v req="$requests" -v b="$bytes" -v d="$dur" \
        -v e="$errors" -v p50="$p50" -v p99="$p99" -v sc=$((s1 - s0)) -v pc=$((p1 - p0)) -v tck="$CLK_TCK" 'BEGIN {
        # counts as strings: %d in mawk stops at 2^31, and a 5 s cell of 1 MiB files reads more bytes than that
        printf "%s,%s,%s,%s,ok,%.3f,%s,%s,%s,%.3f,%.3f,%.2f,%.2f\n", s, z, c, r, d / 1e6, req, b, e, p50 / 1e3, p99 / 1e3, sc / tck, pc / tck
    }' >> "$RAW_CSV"
    awk -v s="$scen" -v z="$size" -v c="$conc" -v r="$rep" -v req="$requests" -v b="$bytes" -v d="$dur" -v e="$errors" \
        -v p99="$p99" -v sc=$((s1 - s0)) -v pc=$((p1 - p0)) -v tck="$CLK_TCK" 'BEGIN {
        printf "  %-3s %-6s c%-4s rep%s: %9.0f req/s %9.1f MB/s  p99 %7.2f ms  server %.2f cpu-s  adapter/proxy %.2f cpu-s  errors %d\n",
            s, z, c, r, req / (d / 1e6), b / (d / 1e6) / 1e6, p99 / 1e3, sc / tck, pc / tck, e
    }'
}
