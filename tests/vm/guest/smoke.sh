#!/bin/bash
# Smoke check of the VM harness: rxe devices present, a kernel-verbs RC ping-pong over the IPv4 GID
# and an RDMA CM ping work.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ibv_devinfo -d "$RDMAOFFLOAD_DEVICE" | grep -E "hca_id|state|link_layer"
gid=$(gid_index_for_ip "$RDMAOFFLOAD_DEVICE" "$RDMAOFFLOAD_IP")
echo "IPv4 GID index on $RDMAOFFLOAD_DEVICE: $gid"
ibv_rc_pingpong -d "$RDMAOFFLOAD_DEVICE" -g "$gid" -n 10 & server=$!
sleep 1
ibv_rc_pingpong -d "$RDMAOFFLOAD_DEVICE" -g "$gid" -n 10 127.0.0.1
wait $server
rping -s -a "$RDMAOFFLOAD_IP" -C 3 & server=$!
sleep 1
rping -c -a "$RDMAOFFLOAD_IP" -C 3 -v
wait $server
echo "smoke: ok"
