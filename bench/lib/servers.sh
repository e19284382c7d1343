# Starting and stopping each scenario's processes for bench/run (sourced). Every start_* sets
#   SERVER_PIDS  the server process(es) whose CPU is the "server CPU"
#   PROXY_PIDS   the adapter or proxy (empty for A and A')
#   URL_BASE     what wrk asks, the path per size comes from url_for
# and returns non-zero with a reason in START_ERROR when the scenario cannot run.

STARTED_PIDS=()
SCENARIO_PIDS=()

spawn() { # spawn NAME CMD...: background process in the server namespace, remembered for cleanup; its output
    # goes to $WORK/$LOG_TAG-NAME.log (a new file per scenario and repetition, so no wait reads an old one).
    local log="$WORK/${LOG_TAG:-run}-$1.log"; shift
    : > "$log"
    SPAWNED_LOG=$log
    ip netns exec "$SRV_NS" "$@" > "$log" 2>&1 &
    local pid=$!
    STARTED_PIDS+=("$pid")
    SCENARIO_PIDS+=("$pid")
    SPAWNED=$pid
}

# stop_pids PID...: TERM, up to 10 s to exit, then KILL.
stop_pids() {
    local pid deadline=$((SECONDS + 10))
    for pid in "$@"; do kill -TERM "$pid" 2>/dev/null; done
    for pid in "$@"; do
        while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    return 0
}

stop_scenario() {
    [ ${#SCENARIO_PIDS[@]} -gt 0 ] && stop_pids "${SCENARIO_PIDS[@]}"
    SCENARIO_PIDS=()
    SERVER_PIDS="" PROXY_PIDS=""
}

# wait_log LOG PATTERN SECONDS PID: until the process prints PATTERN; fails if it exits or time runs out.
wait_log() {
    local deadline=$((SECONDS + $3))
    until grep -q -e "$2" "$1" 2>/dev/null; do
        if ! kill -0 "$4" 2>/dev/null; then START_ERROR="exited before '$2': $(tail -n 3 "$1" | tr '\n' ' ')"; return 1; fi
        if [ $SECONDS -ge $deadline ]; then START_ERROR="no '$2' within $3 s: $(tail -n 3 "$1" | tr '\n' ' ')"; return 1; fi
        sleep 0.2
    done
}

# wait_http URL BYTES SECONDS: until a GET from the client namespace returns 200 with BYTES body bytes.
wait_http() {
    local deadline=$((SECONDS + $3)) got
    while :; do
        got=$(ip netns exec "$CLI_NS" curl -s -o /dev/null -w '%{http_code} %{size_download}' --max-time 5 "$1" 2>/dev/null)
        [ "$got" = "200 $2" ] && return 0
        if [ $SECONDS -ge $deadline ]; then START_ERROR="GET $1 gave '$got', wanted '200 $2'"; return 1; fi
        sleep 0.3
    done
}

size_bytes() { case $1 in 64B) echo 64 ;; 16KiB) echo 16384 ;; 1MiB) echo 1048576 ;; *) return 1 ;; esac; }

# url_for SCENARIO SIZE: files for nginx and the static file sample, /bytes/{n} of the same size for Kestrel.
url_for() {
    case $1 in
        Ap | D) echo "$URL_BASE/bytes/$(size_bytes "$2")" ;;
        *) echo "$URL_BASE/$2.bin" ;;
    esac
}

# Files of each size (random bytes), served by nginx and by the static file sample.
make_files() {
    mkdir -p "$WWW"
    local s
    for s in 64B 16KiB 1MiB; do head -c "$(size_bytes $s)" /dev/urandom > "$WWW/$s.bin"; done
}

write_nginx_conf() {
    mkdir -p "$WORK/nginx"
    cat > "$WORK/nginx/nginx.conf" <<EOF
user root;
worker_processes auto;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 8192; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 100000000;
    keepalive_timeout 120s;
    open_file_cache max=64;
    default_type application/octet-stream;
    client_body_temp_path $WORK/nginx/body;
    proxy_temp_path $WORK/nginx/proxy;
    fastcgi_temp_path $WORK/nginx/fastcgi;
    uwsgi_temp_path $WORK/nginx/uwsgi;
    scgi_temp_path $WORK/nginx/scgi;
    server { listen 8080 backlog=4096; root $WWW; }
}
EOF
}

nginx_pids() { # master and workers
    local workers
    workers=$(pgrep -P "$1" | tr '\n' ' ')
    echo "$1 $workers"
}

start_nginx() {
    write_nginx_conf
    spawn nginx nginx -e "$WORK/nginx/error.log" -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx"
    NGINX_PID=$SPAWNED
    URL_BASE=http://$BENCH_SERVER_IP:8080
    wait_http "$URL_BASE/16KiB.bin" 16384 20 || return 1
    SERVER_PIDS=$(nginx_pids "$NGINX_PID")
}

start_A() { start_nginx; }

start_B() {
    start_nginx || return 1
    cat > "$WORK/haproxy.cfg" <<EOF
global
    maxconn 9000
defaults
    mode tcp
    timeout connect 5s
    timeout client 120s
    timeout server 120s
listen web
    bind $BENCH_SERVER_IP:8081
    server nginx 127.0.0.1:8080
EOF
    spawn haproxy haproxy -db -f "$WORK/haproxy.cfg"
    PROXY_PIDS=$SPAWNED
    URL_BASE=http://$BENCH_SERVER_IP:8081
    wait_http "$URL_BASE/16KiB.bin" 16384 20
}

# Kestrel logs every request at Information; the benchmark keeps only warnings (and the lifetime lines).
KESTREL_LOGGING=(--Logging:LogLevel:Default=Warning --Logging:LogLevel:Microsoft.Hosting.Lifetime=Information)

start_Ap() {
    spawn kestrel-sockets dotnet "$ASPNET_DLL" --transport=sockets --urls "http://$BENCH_SERVER_IP:8082" \
        "${KESTREL_LOGGING[@]}"
    SERVER_PIDS=$SPAWNED
    URL_BASE=http://$BENCH_SERVER_IP:8082
    wait_log "$SPAWNED_LOG" "Now listening on" 60 "$SERVER_PIDS" || return 1
    wait_http "$URL_BASE/bytes/16384" 16384 20
}

# The target adapter in the server namespace (TAP there, put on the bridge), managed-roce on that namespace's
# loopback. ADAPTER_EXTRA_ARGS may add settings (the scale run raises the per-host connection slots).
start_adapter() {
    spawn adapter dotnet "$ADAPTER_DLL" --Adapter:Identity=bench-adapter \
        --Adapter:SharedSecretFile="$WORK/secret" --Adapter:ServicePorts=80,81 \
        --Tap:Name="$BENCH_TAP" --Tap:Address="$BENCH_ADAPTER_IP/24" \
        --Fabric:Provider=managed-roce --Fabric:Address=127.0.0.1 --Admin:Socket="$WORK/admin.sock" \
        "${ADAPTER_EXTRA_ARGS[@]}"
    PROXY_PIDS=$SPAWNED
    ADAPTER_LOG=$SPAWNED_LOG
    wait_log "$ADAPTER_LOG" "Adapter ready" 60 "$PROXY_PIDS" || return 1
    ADAPTER_RSS_BOOT=$(rss_kib "$PROXY_PIDS") # before any host links (its staging is allocated per host link)
    net_attach_tap || { START_ERROR="could not put $BENCH_TAP on the bridge"; return 1; }
}

# The static file sample's host agent takes at most 128 connections (HostAgentOptions.MaxConnections, not
# configurable in the sample), so C runs two of them — as nginx runs two workers — and the adapter balances
# between them; their CPU is summed as the server CPU.
C_HOSTS=${C_HOSTS:-2}
start_C() {
    start_adapter || return 1
    local i
    SERVER_PIDS=""
    for i in $(seq 1 "$C_HOSTS"); do
        spawn "static-host-$i" dotnet "$STATIC_DLL" --StaticFiles:Root="$WWW" \
            --RdmaOffload:Adapter=127.0.0.1:18515 --RdmaOffload:SharedSecretFile="$WORK/secret" \
            --RdmaOffload:HostIdentity="files-$i" --RdmaOffload:ServicePort=80 \
            --Fabric:Provider=managed-roce --Fabric:Address="127.0.1.$i"
        SERVER_PIDS="$SERVER_PIDS $SPAWNED"
        wait_log "$ADAPTER_LOG" "Host files-$i .*registered port 80" 60 "$SPAWNED" || return 1
    done
    URL_BASE=http://$BENCH_ADAPTER_IP:80
    wait_http "$URL_BASE/16KiB.bin" 16384 20
}

start_D() {
    start_adapter || return 1
    spawn kestrel-rdma dotnet "$ASPNET_DLL" --urls "http://127.0.0.1:5081" \
        --RdmaOffload:Adapter=127.0.0.1:18515 --RdmaOffload:SharedSecretFile="$WORK/secret" \
        --RdmaOffload:HostIdentity=aspnet-1 --RdmaOffload:ServicePort=81 \
        --RdmaOffload:MaxConnections="${D_MAX_CONNECTIONS:-512}" \
        --Fabric:Provider=managed-roce --Fabric:Address=127.0.0.3 "${KESTREL_LOGGING[@]}"
    SERVER_PIDS=$SPAWNED
    wait_log "$ADAPTER_LOG" "registered port 81" 60 "$SERVER_PIDS" || return 1
    URL_BASE=http://$BENCH_ADAPTER_IP:81
    wait_http "$URL_BASE/bytes/16384" 16384 20
}
