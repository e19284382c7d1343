#!/bin/bash
# Runs inside the SoftRoCE VM (tests/vm/run): the verbs conformance suite on the `ibverbs` provider over
# kernel rxe, the verbs demo, and the verbs benchmark next to perftest. Builds happen on the host.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
status=0
echo "SoftRoCE: $(rdma link show | tr '\n' ' ')"
echo "gid index for $RDMAOFFLOAD_IP on $RDMAOFFLOAD_DEVICE: $(gid_index_for_ip "$RDMAOFFLOAD_DEVICE" "$RDMAOFFLOAD_IP")"

echo "=== verbs conformance (ibverbs on $RDMAOFFLOAD_DEVICE)"
RDMAOFFLOAD_PROVIDER=ibverbs dotnet tests/RdmaOffload.Verbs.ConformanceTests/bin/Release/net10.0/RdmaOffload.Verbs.ConformanceTests.dll \
    --no-progress || status=1

echo "=== after the suite: kernel RDMA resources left (must be none from the suite)"
rdma resource show qp | grep -v -e "qp-type GSI" -e "lqpn 1 " || true
rdma resource show mr || true

echo "=== verbs demo"
dotnet samples/VerbsDemo/bin/Release/net10.0/RdmaOffload.Samples.VerbsDemo.dll || status=1

if [ -x bench/VerbsBench/run-in-guest.sh ]; then
    echo "=== verbs benchmark vs perftest (emulated CPU: compare ratios only)"
    bench/VerbsBench/run-in-guest.sh || echo "benchmark failed (not a test failure)"
fi
exit $status
