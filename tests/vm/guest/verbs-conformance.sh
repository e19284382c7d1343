#!/bin/bash
# Inside the SoftRoCE VM (tests/vm/run): the provider-neutral verbs conformance suite against the
# `ibverbs` provider on kernel rxe. Build on the host first:
#   dotnet build -c Release tests/RdmaOffload.Verbs.ConformanceTests
# Extra arguments go to the test runner (e.g. --filter-class '*RdmaReadWriteTests').
set -uo pipefail
config=${RDMAOFFLOAD_CONFIGURATION:-Release}
dll=tests/RdmaOffload.Verbs.ConformanceTests/bin/$config/net10.0/RdmaOffload.Verbs.ConformanceTests.dll
[ -f "$dll" ] || { echo "verbs-conformance: $dll is missing: build it on the host first" >&2; exit 1; }
echo "SoftRoCE: $(rdma link show | tr '\n' ' ')"
args=()
for a in "$@"; do [ -n "$a" ] && args+=("$a"); done # the harness may pass one empty argument
status=0
RDMAOFFLOAD_PROVIDER=${RDMAOFFLOAD_PROVIDER:-ibverbs} dotnet "$dll" --progress off --output Detailed "${args[@]}" || status=$?
echo "=== kernel RDMA resources left (only the kernel's own GSI QPs may remain)"
rdma resource show qp | grep -v "qp-type GSI" || true
rdma resource show mr || true
exit $status
