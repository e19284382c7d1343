#!/bin/sh
# The static file host in its container: links to the adapter (found by its network alias) over managed-roce
# from this container's own IP and serves /srv/www on service port 80 through it. No TCP port is opened here.
set -eu
self=$(ip -4 -o addr show eth0 | awk '{ split($4, a, "/"); print a[1]; exit }')
adapter=$(getent ahostsv4 "${ADAPTER_ALIAS:-adapter}" | awk '{ print $1; exit }')
[ -n "$self" ] && [ -n "$adapter" ] || { echo "entry: own address '$self' or adapter address '$adapter' unknown" >&2; exit 1; }
echo "entry: host at $self, adapter at $adapter"
exec dotnet /opt/rdmaoffload/host/RdmaOffload.Samples.StaticFileServer.dll \
    --StaticFiles:Root=/srv/www --RdmaOffload:Adapter="$adapter:18515" \
    --RdmaOffload:SharedSecretFile=/etc/rdmaoffload/secret --RdmaOffload:HostIdentity=web-1 \
    --RdmaOffload:ServicePort=80 --Fabric:Provider=managed-roce --Fabric:Address="$self" "$@"
