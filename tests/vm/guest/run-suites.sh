#!/bin/bash
# Runs inside the SoftRoCE VM (tests/vm/run) for scripts/test: the verbs conformance suite on the
# `ibverbs` provider over kernel rxe, managed-roce against kernel rxe, the verbs demo, and the verbs
# benchmark next to perftest (figures only: a slow emulated run is not a test failure).
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

echo "=== verbs demo"
dotnet samples/VerbsDemo/bin/Release/net10.0/RdmaOffload.Samples.VerbsDemo.dll || status=1

echo "=== verbs benchmark vs perftest (emulated CPU: compare ratios only)"
bench/VerbsBench/run-in-guest.sh || echo "benchmark did not complete (figures only, not a test)"
exit $status
