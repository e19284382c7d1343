#!/bin/bash
# Inside the SoftRoCE VM: the verbs conformance suite, the verbs demo and the READ benchmark next to
# perftest, in one boot. Build on the host first (Release):
#   dotnet build -c Release tests/RdmaOffload.Verbs.ConformanceTests samples/VerbsDemo bench/VerbsBench
set -uo pipefail
here=$(dirname "$0")
status=0
echo "=== verbs conformance"
"$here/verbs-conformance.sh" "$@" || status=1
echo "=== verbs demo"
dotnet samples/VerbsDemo/bin/${RDMAOFFLOAD_CONFIGURATION:-Release}/net10.0/RdmaOffload.Samples.VerbsDemo.dll || status=1
echo "=== verbs benchmark vs perftest"
bench/VerbsBench/run-in-guest.sh || status=1
exit $status
