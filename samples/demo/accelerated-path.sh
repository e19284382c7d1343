# The accelerated path's two processes, for scripts that run it (sourced): the target adapter with its TAP in a
# client namespace, and the static file sample as a host linked to it. Used by samples/demo/accelerated-demo.sh and
# bench/vm/scenario-c-in-guest.sh, so the demo and the VM benchmark start them the same way.
#
# The caller sets ACCEL_REPO (repository root) and ACCEL_WORK (a private directory for logs, the shared secret
# and the admin socket). Every function returns non-zero with the reason on stderr instead of exiting.

ACCEL_ADAPTER_DLL=$ACCEL_REPO/src/TargetAdapter/bin/Release/net10.0/RdmaOffload.TargetAdapter.dll
ACCEL_HOST_DLL=$ACCEL_REPO/samples/StaticFileServer/bin/Release/net10.0/RdmaOffload.Samples.StaticFileServer.dll

# accel_check_built: both executables exist.
accel_check_built() {
    local f
    for f in "$ACCEL_ADAPTER_DLL" "$ACCEL_HOST_DLL"; do
        [ -f "$f" ] || { echo "$f is not built (dotnet build -c Release RdmaOffload.sln)" >&2; return 1; }
    done
}

# accel_secret: the shared secret both sides prove (mode 600, as the adapter requires), once per ACCEL_WORK.
accel_secret() {
    [ -s "$ACCEL_WORK/secret" ] || (umask 077; head -c 32 /dev/urandom | base64 > "$ACCEL_WORK/secret")
}

# accel_wait_log FILE PATTERN SECONDS [PID]: until FILE has a line matching PATTERN; fails with the log's tail when
# the deadline passes or PID exits first.
accel_wait_log() {
    local deadline=$((SECONDS + $3))
    until grep -q -e "$2" "$1" 2>/dev/null; do
        if [ -n "${4:-}" ] && ! kill -0 "$4" 2>/dev/null; then
            echo "process $4 exited before '$2' appeared in $1:" >&2; tail -n 30 "$1" >&2; return 1
        fi
        if [ $SECONDS -ge "$deadline" ]; then echo "no '$2' in $1 after $3 s:" >&2; tail -n 30 "$1" >&2; return 1; fi
        sleep 0.2
    done
}

# accel_start_adapter PROVIDER FABRIC_ADDRESS NAMESPACE TAP_ADDRESS/PREFIX LOG [SETTING...]: the adapter in the
# background, serving port 80, its TAP (rdo0) created inside NAMESPACE; returns once it is ready. Sets
# ACCEL_ADAPTER_PID. SETTINGs are extra --Section:Key=Value arguments.
accel_start_adapter() {
    local provider=$1 address=$2 ns=$3 tap_address=$4 log=$5
    shift 5
    accel_secret
    : > "$log"
    dotnet "$ACCEL_ADAPTER_DLL" --Adapter:Identity=demo-adapter --Adapter:SharedSecretFile="$ACCEL_WORK/secret" \
        --Adapter:ServicePorts=80 --Tap:Namespace="$ns" --Tap:Address="$tap_address" \
        --Fabric:Provider="$provider" --Fabric:Address="$address" --Admin:Socket="$ACCEL_WORK/admin.sock" "$@" \
        > "$log" 2>&1 &
    ACCEL_ADAPTER_PID=$!
    accel_wait_log "$log" "Adapter ready" "${ACCEL_START_SECONDS:-60}" "$ACCEL_ADAPTER_PID"
}

# accel_start_static_host PROVIDER FABRIC_ADDRESS ADAPTER_ADDRESS[:LINK_PORT] ROOT IDENTITY LOG ADAPTER_LOG [SETTING...]:
# the static file sample serving ROOT as host IDENTITY for port 80, in the background; returns once the adapter
# has registered it. LINK_PORT is the adapter's Adapter:LinkPort (18515 unless given). Sets ACCEL_HOST_PID.
accel_start_static_host() {
    local provider=$1 address=$2 adapter=$3 root=$4 identity=$5 log=$6 adapter_log=$7
    shift 7
    [[ $adapter == *:* ]] || adapter=$adapter:18515
    accel_secret
    : > "$log"
    dotnet "$ACCEL_HOST_DLL" --StaticFiles:Root="$root" --RdmaOffload:Adapter="$adapter" \
        --RdmaOffload:SharedSecretFile="$ACCEL_WORK/secret" --RdmaOffload:HostIdentity="$identity" \
        --RdmaOffload:ServicePort=80 --Fabric:Provider="$provider" --Fabric:Address="$address" "$@" > "$log" 2>&1 &
    ACCEL_HOST_PID=$!
    accel_wait_log "$log" "serving .* through adapter" "${ACCEL_START_SECONDS:-60}" "$ACCEL_HOST_PID" \
        && accel_wait_log "$adapter_log" "$identity.* authenticated and registered port 80" 30 "$ACCEL_ADAPTER_PID"
}
