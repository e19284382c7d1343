#!/bin/bash
# Runs inside the SoftRoCE VM (tests/vm/run) for scripts/test: the verbs conformance suite on the
# `ibverbs` provider over kernel rxe, managed-roce against kernel rxe, the accelerated path end to end on
# ibverbs, the verbs and accelerated demos, the verbs benchmark next to perftest and scenario C on ibverbs
# vs managed-roce (benchmarks are figures only: a slow emulated run is not a test failure; a file that arrives
# damaged is).
# Everything is built on the host first (Release).
set -uo pipefail
here=$(dirname "$0")
status=0

echo "=== verbs conformance (ibverbs on $RDMAOFFLOAD_DEVICE)"
"$here/verbs-conformance.sh" || status=1

echo "=== managed-roce against kernel rxe"
dotnet tests/RdmaOffload.Verbs.RxeInteropTests/bin/Release/net10.0/RdmaOffload.Verbs.RxeInteropTests.dll \
    --progress off --output Detailed || status=1

echo "=== NetStack against Linux TCP under tc netem (loss, delay, reordering)"
dotnet tests/RdmaOffload.NetStack.InteropTests/bin/Release/net10.0/RdmaOffload.NetStack.InteropTests.dll \
    --progress off --output Detailed --filter "FullyQualifiedName~Netem" || status=1

echo "=== accelerated path end to end on ibverbs over kernel rxe (scaled-down integrity test, admin, service)"
RDMAOFFLOAD_PROVIDER=ibverbs RDMAOFFLOAD_E2E_SCALE=0.05 \
    dotnet tests/RdmaOffload.EndToEnd.Tests/bin/Release/net10.0/RdmaOffload.EndToEnd.Tests.dll \
    --progress off --output Detailed --filter "FullyQualifiedName~IntegrityTests|FullyQualifiedName~AdapterServiceTests" || status=1

echo "=== verbs demo"
dotnet samples/VerbsDemo/bin/Release/net10.0/RdmaOffload.Samples.VerbsDemo.dll || status=1

echo "=== accelerated demo (adapter + static file host on ibverbs/rxe0, curl in a namespace)"
samples/demo/accelerated-demo.sh --provider ibverbs --adapter-address "$RDMAOFFLOAD_IP" --host-address "$RDMAOFFLOAD_IP" || status=1

echo "=== verbs benchmark vs perftest (emulated CPU: compare ratios only)"
bench/VerbsBench/run-in-guest.sh || echo "benchmark did not complete (figures only, not a test)"

echo "=== scenario C, static file host behind the adapter: ibverbs/rxe vs managed-roce (emulated CPU: ratios only)"
timeout -k 10 480 bench/vm/scenario-c-in-guest.sh
case $? in
    0) ;;
    4) echo "scenario C: a file fetched through the adapter arrived damaged"; status=1 ;;
    *) echo "scenario C benchmark did not complete (figures only, not a test)" ;;
esac
exit $status
