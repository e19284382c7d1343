#!/bin/bash
# Inside the SoftRoCE VM: the accelerated demo on the ibverbs provider over kernel rxe (see scripts/demo --vm):
# adapter and host both on rxe0 (10.77.0.1, a device reaching itself by its IPv4 GID), curl in a client namespace.
set -euo pipefail
echo "demo: RDMA devices: $(rdma link show | tr '\n' ' ')"
exec samples/demo/accelerated-demo.sh --provider ibverbs --adapter-address "$RDMAOFFLOAD_IP" --host-address "$RDMAOFFLOAD_IP"
