#!/bin/sh
# The target adapter in its container. Its fabric address is the container's own IP on the container network.
# The TAP lives in the container's namespace: NetStack answers at 10.99.0.1, the kernel side of the TAP is
# 10.99.0.2 (NetStack's gateway), and the kernel forwards clients' packets between eth0 and the TAP.
set -eu
self=$(ip -4 -o addr show eth0 | awk '{ split($4, a, "/"); print a[1]; exit }')
[ -n "$self" ] || { echo "entry: eth0 has no IPv4 address" >&2; exit 1; }
[ "$(cat /proc/sys/net/ipv4/ip_forward)" = 1 ] || { echo "entry: net.ipv4.ip_forward is not 1" >&2; exit 1; }
dotnet /opt/rdmaoffload/adapter/RdmaOffload.TargetAdapter.dll \
    --Adapter:Identity=adapter-1 --Adapter:SharedSecretFile=/etc/rdmaoffload/secret --Adapter:ServicePorts=80 \
    --Adapter:LinkPort=18515 --Tap:Address=10.99.0.1/24 --Tap:Gateway=10.99.0.2 \
    --Fabric:Provider=managed-roce --Fabric:Address="$self" --Admin:Socket= "$@" &
adapter=$!
trap 'kill -TERM "$adapter" 2>/dev/null' TERM INT
until ip link show rdo0 >/dev/null 2>&1; do
    kill -0 "$adapter" 2>/dev/null || { wait "$adapter" || exit $?; exit 1; }
    sleep 0.1
done
ip addr add 10.99.0.2/24 dev rdo0
echo "entry: TAP rdo0 kernel side 10.99.0.2/24, forwarding for clients via $self"
wait "$adapter"
