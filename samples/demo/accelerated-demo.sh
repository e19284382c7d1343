#!/usr/bin/env bash
# The accelerated path, live: a client namespace, the target adapter with its TAP inside it, the static file
# sample as a host linked over RDMA, and curl (an ordinary kernel TCP client) fetching pages through the adapter.
# Run by scripts/demo on the host (managed-roce) and inside the SoftRoCE VM (ibverbs on kernel rxe).
#
#   samples/demo/accelerated-demo.sh [--provider managed-roce|ibverbs] [--adapter-address IP] [--host-address IP]
#
# Needs root (namespace, TAP) and a Release build of the adapter and the sample. Cleans up after itself.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
provider=managed-roce adapter_ip=127.0.0.1 host_ip=127.0.0.2
while [ $# -gt 0 ]; do
    case $1 in
        --provider) provider=$2; shift 2 ;;
        --adapter-address) adapter_ip=$2; shift 2 ;;
        --host-address) host_ip=$2; shift 2 ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done
ACCEL_REPO=$repo
source "$repo/samples/demo/accelerated-path.sh"
accel_check_built || { echo "demo: cannot start" >&2; exit 1; }

ns=rdo-demo-$$
work=$(mktemp -d /tmp/rdo-demo.XXXXXX)
ACCEL_WORK=$work
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

echo "demo: provider $provider; adapter fabric address $adapter_ip, host $host_ip"
mkdir -p "$work/site"
cat > "$work/site/index.html" <<'HTML'
<!doctype html>
<html><head><title>RdmaOffload demo</title></head>
<body><h1>Hello from RdmaOffload</h1>
<p>This page came from a host that runs no TCP: the target adapter terminated your TCP connection and
pulled these bytes out of the host's registered memory with RDMA READs.</p></body></html>
HTML
head -c $((16 << 20)) /dev/urandom > "$work/site/blob.bin"

ip netns add "$ns"
ip netns exec "$ns" ip link set lo up

echo "demo: starting the target adapter (TAP rdo0 in namespace $ns, 10.99.0.1/24)"
accel_start_adapter "$provider" "$adapter_ip" "$ns" 10.99.0.1/24 "$work/adapter.log" 2>&1 \
    || { pids+=("$ACCEL_ADAPTER_PID"); exit 1; }
pids+=("$ACCEL_ADAPTER_PID")
ip netns exec "$ns" ip addr add 10.99.0.2/24 dev rdo0

echo "demo: starting the static file sample as host web-1, linked to the adapter over RDMA"
accel_start_static_host "$provider" "$host_ip" "$adapter_ip" "$work/site" web-1 "$work/host.log" "$work/adapter.log" 2>&1 \
    || { pids+=("$ACCEL_HOST_PID"); exit 1; }
pids+=("$ACCEL_HOST_PID")

echo
echo "demo: \$ ip netns exec $ns curl -sS -i http://10.99.0.1/"
ip netns exec "$ns" curl -sS -i --max-time 20 http://10.99.0.1/ | tee "$work/page.txt"
grep -q "Hello from RdmaOffload" "$work/page.txt" || { echo "demo: the page did not arrive"; exit 1; }

echo
echo "demo: \$ ip netns exec $ns curl -sS http://10.99.0.1/blob.bin | sha256sum   (16 MiB)"
got=$(ip netns exec "$ns" curl -sS --max-time 60 http://10.99.0.1/blob.bin | sha256sum | cut -d' ' -f1)
want=$(sha256sum "$work/site/blob.bin" | cut -d' ' -f1)
echo "  received $got"
echo "  on disk  $want"
[ "$got" = "$want" ] || { echo "demo: the 16 MiB file arrived damaged"; exit 1; }

echo
echo "demo: the adapter's log of those connections (one line per finished connection):"
grep "finished:" "$work/adapter.log" | sed 's/^/  /'
echo
echo "demo: \$ RdmaOffload.TargetAdapter admin hosts"
dotnet "$ACCEL_ADAPTER_DLL" admin hosts --socket "$work/admin.sock" | sed 's/^/  /'
echo
echo "demo: OK — curl got the page and 16 MiB intact through the target adapter ($provider)"
