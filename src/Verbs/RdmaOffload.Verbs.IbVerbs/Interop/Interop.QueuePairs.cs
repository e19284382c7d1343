using System.Runtime.InteropServices;

namespace RdmaOffload.Verbs.IbVerbs.Interop;

/// <summary>RC queue pairs: creation, state transitions, posting.</summary>
internal static unsafe partial class QueuePairs
{
    [LibraryImport(NativeLibraries.Shim, EntryPoint = "RdmaShim_CreateRcQp")]
    internal static partial nint CreateRcQp(nint pd, nint sendCq, nint receiveCq, ShimQpCreateAttributes* attributes, out int error);

    [LibraryImport(NativeLibraries.IbVerbs, EntryPoint = "ibv_destroy_qp")]
    internal static partial int DestroyQp(nint qp);

    [LibraryImport(NativeLibraries.Shim, EntryPoint = "RdmaShim_QpNumber")]
    internal static partial uint QpNumber(nint qp);

    [LibraryImport(NativeLibraries.Shim, EntryPoint = "RdmaShim_ModifyQpToInit")]
    internal static partial int ModifyToInit(nint qp, byte port, int accessFlags);

    [LibraryImport(NativeLibraries.Shim, EntryPoint = "RdmaShim_ModifyQpToRtr")]
    internal static partial int ModifyToRtr(nint qp, ShimRtrAttributes* attributes);

    [LibraryImport(NativeLibraries.Shim, EntryPoint = "RdmaShim_ModifyQpToRts")]
    internal static partial int ModifyToRts(nint qp, ShimRtsAttributes* attributes);

    [LibraryImport(NativeLibraries.Shim, EntryPoint = "RdmaShim_ModifyQpState")]
    internal static partial int ModifyState(nint qp, int state);

    [LibraryImport(NativeLibraries.Shim, EntryPoint = "RdmaShim_QueryQpState")]
    internal static partial int QueryState(nint qp);

    [LibraryImport(NativeLibraries.Shim, EntryPoint = "RdmaShim_PostSend")]
    internal static partial int PostSend(nint qp, IbvSendWr* requests, out IbvSendWr* badRequest);

    [LibraryImport(NativeLibraries.Shim, EntryPoint = "RdmaShim_PostRecv")]
    internal static partial int PostReceive(nint qp, IbvRecvWr* requests, out IbvRecvWr* badRequest);
}
