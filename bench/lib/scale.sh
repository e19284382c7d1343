# Connection scale (P4) for bench/run (sourced): N idle client connections through the adapter to the ASP.NET
# Core sample on the RdmaOffload transport (the static file sample's host agent is fixed at 128 connections);
# resident memory of adapter and host before and after, per connection. One row in SCALE_CSV.

run_scale() {
    local n=$1 log="$WORK/scale-client.log" status=ok
    echo "bench/run: scale: $n idle connections through the adapter"
    ADAPTER_EXTRA_ARGS=(--Adapter:MaxConnectionsPerHost=$((n + 64)))
    D_MAX_CONNECTIONS=$((n + 64))
    LOG_TAG=scale START_ERROR="" SERVER_PIDS="" PROXY_PIDS="" URL_BASE=""
    if ! start_D; then
        echo "  scale could not start: $START_ERROR"
        echo "$n,,,,,,,,,not run: did not start: ${START_ERROR//,/;}" >> "$SCALE_CSV"
        stop_scenario; ADAPTER_EXTRA_ARGS=(); return 1
    fi
    local adapter=$PROXY_PIDS host=$SERVER_PIDS
    # Warm-up so JIT and first-use allocations are in the "before" figure, not charged to the connections.
    timeout 30 ip netns exec "$CLI_NS" wrk -t2 -c64 -d2s "$URL_BASE/health" > "$WORK/scale-warmup.log" 2>&1
    sleep 1
    local a0 h0 a1 h1
    a0=$(rss_kib "$adapter") h0=$(rss_kib "$host")
    local hold=$((n / 500 + 5))
    timeout --kill-after=5 $((hold + 200)) ip netns exec "$CLI_NS" "$PYTHON" "$BENCH_DIR/tools/idle_connections.py" \
        --host "$BENCH_ADAPTER_IP" --port 81 --count "$n" --hold "$hold" --probe 20 > "$log" 2>&1 &
    local client=$!
    local deadline=$((SECONDS + 180))
    until grep -q '^READY' "$log" 2>/dev/null; do
        if ! kill -0 "$client" 2>/dev/null || [ $SECONDS -ge $deadline ]; then status="client did not get ready: $(tail -n 2 "$log" | tr '\n' ' ')"; break; fi
        sleep 0.5
    done
    sleep 2 # let the adapter and host finish opening the last connections
    a1=$(rss_kib "$adapter") h1=$(rss_kib "$host")
    wait "$client"
    local est alive probe_ok probe_total
    est=$(sed -n 's/^READY established=\([0-9]*\).*/\1/p' "$log")
    alive=$(sed -n 's/^ALIVE alive=\([0-9]*\).*/\1/p' "$log")
    probe_ok=$(sed -n 's/^PROBE ok=\([0-9]*\).*/\1/p' "$log")
    probe_total=$(sed -n 's/^PROBE ok=[0-9]* total=\([0-9]*\).*/\1/p' "$log")
    [ "$status" = ok ] && [ "${alive:-0}" -lt "$n" ] && status="only ${alive:-0} of $n connections still open after the hold"
    [ "$status" = ok ] && [ "${probe_ok:-0}" -lt "${probe_total:-0}" ] \
        && status="$((probe_total - probe_ok)) of $probe_total probe GETs failed:$(sed -n 's/^PROBE .*failures://p' "$log")"
    echo "$n,${alive:-0},$ADAPTER_RSS_BOOT,$a0,$a1,$h0,$h1,${probe_ok:-0},${probe_total:-0},${status//,/;}" >> "$SCALE_CSV"
    echo "  established ${est:-0}, alive after hold ${alive:-0}; adapter RSS $ADAPTER_RSS_BOOT (no host) / $a0 (host linked) -> $a1 KiB, host RSS $h0 -> $h1 KiB; probes ${probe_ok:-0}/${probe_total:-0}; $status"
    stop_scenario
    ADAPTER_EXTRA_ARGS=()
}
