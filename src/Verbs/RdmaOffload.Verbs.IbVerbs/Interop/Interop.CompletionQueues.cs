using System.Runtime.InteropServices;

namespace RdmaOffload.Verbs.IbVerbs.Interop;

/// <summary>Completion channels and completion queues.</summary>
internal static unsafe partial class CompletionQueues
{
    [LibraryImport(NativeLibraries.IbVerbs, EntryPoint = "ibv_create_comp_channel")]
    internal static partial nint CreateCompletionChannel(nint context);

    [LibraryImport(NativeLibraries.IbVerbs, EntryPoint = "ibv_destroy_comp_channel")]
    internal static partial int DestroyCompletionChannel(nint channel);

    [LibraryImport(NativeLibraries.Shim, EntryPoint = "RdmaShim_CompChannelFd")]
    internal static partial int CompletionChannelFd(nint channel);

    [LibraryImport(NativeLibraries.Shim, EntryPoint = "RdmaShim_CreateCq")]
    internal static partial nint CreateCq(nint context, int entries, nint channel, out int error);

    [LibraryImport(NativeLibraries.IbVerbs, EntryPoint = "ibv_destroy_cq")]
    internal static partial int DestroyCq(nint cq);

    [LibraryImport(NativeLibraries.Shim, EntryPoint = "RdmaShim_CqCapacity")]
    internal static partial int CqCapacity(nint cq);

    /// <summary>
    /// Polling reads the CQ ring in user memory without blocking or calling back, so the call
    /// skips the GC mode transition: it is the innermost call of every busy-poll loop.
    /// </summary>
    [LibraryImport(NativeLibraries.Shim, EntryPoint = "RdmaShim_PollCq")]
    [SuppressGCTransition]
    internal static partial int PollCq(nint cq, int count, IbvWc* completions);

    [LibraryImport(NativeLibraries.Shim, EntryPoint = "RdmaShim_ReqNotifyCq")]
    internal static partial int RequestNotify(nint cq, int solicitedOnly);

    /// <summary>Non-blocking when the channel fd is: -EAGAIN when no event is pending.</summary>
    [LibraryImport(NativeLibraries.Shim, EntryPoint = "RdmaShim_GetCqEvent")]
    internal static partial int GetCqEvent(nint channel, out nint cq);

    [LibraryImport(NativeLibraries.IbVerbs, EntryPoint = "ibv_ack_cq_events")]
    internal static partial void AckCqEvents(nint cq, uint count);
}
