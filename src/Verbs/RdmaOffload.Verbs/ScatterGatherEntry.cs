using System.Runtime.InteropServices;

namespace RdmaOffload.Verbs;

/// <summary>One piece of local memory in a work request; layout identical to <c>struct ibv_sge</c>.</summary>
/// <param name="Address">Local virtual address.</param>
/// <param name="Length">Length in bytes.</param>
/// <param name="LocalKey">Local key of the region containing the memory.</param>
[StructLayout(LayoutKind.Sequential)]
public readonly record struct ScatterGatherEntry(ulong Address, uint Length, uint LocalKey);
