#!/bin/bash
# Inside the SoftRoCE VM: the verbs demo on kernel rxe (see scripts/demo).
set -euo pipefail
echo "demo: RDMA devices: $(rdma link show | tr '\n' ' ')"
dotnet samples/VerbsDemo/bin/Release/net10.0/RdmaOffload.Samples.VerbsDemo.dll
