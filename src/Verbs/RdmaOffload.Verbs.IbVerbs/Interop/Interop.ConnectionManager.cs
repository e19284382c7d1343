using System.Runtime.InteropServices;

namespace RdmaOffload.Verbs.IbVerbs.Interop;

/// <summary>librdmacm calls, and shim accessors for the fields of its structs.</summary>
internal static unsafe partial class ConnectionManager
{
    [LibraryImport(NativeLibraries.RdmaCm, EntryPoint = "rdma_create_event_channel")]
    internal static partial nint CreateEventChannel();

    [LibraryImport(NativeLibraries.RdmaCm, EntryPoint = "rdma_destroy_event_channel")]
    internal static partial void DestroyEventChannel(nint channel);

    [LibraryImport(NativeLibraries.RdmaCm, EntryPoint = "rdma_create_id", SetLastError = true)]
    internal static partial int CreateId(nint channel, out nint id, nint context, int portSpace);

    [LibraryImport(NativeLibraries.RdmaCm, EntryPoint = "rdma_destroy_id")]
    internal static partial int DestroyId(nint id);

    [LibraryImport(NativeLibraries.RdmaCm, EntryPoint = "rdma_listen", SetLastError = true)]
    internal static partial int Listen(nint id, int backlog);

    [LibraryImport(NativeLibraries.RdmaCm, EntryPoint = "rdma_resolve_route", SetLastError = true)]
    internal static partial int ResolveRoute(nint id, int timeoutMilliseconds);

    [LibraryImport(NativeLibraries.RdmaCm, EntryPoint = "rdma_reject", SetLastError = true)]
    internal static partial int Reject(nint id, byte* privateData, byte length);

    [LibraryImport(NativeLibraries.RdmaCm, EntryPoint = "rdma_disconnect", SetLastError = true)]
    internal static partial int Disconnect(nint id);

    [LibraryImport(NativeLibraries.RdmaCm, EntryPoint = "rdma_destroy_qp")]
    internal static partial void DestroyQp(nint id);

    [LibraryImport(NativeLibraries.RdmaCm, EntryPoint = "rdma_ack_cm_event")]
    internal static partial int AckEvent(nint cmEvent);

    [LibraryImport(NativeLibraries.Shim, EntryPoint = "RdmaShim_EventChannelFd")]
    internal static partial int EventChannelFd(nint channel);

    /// <summary>Non-blocking when the channel fd is: -EAGAIN when no event is pending.</summary>
    [LibraryImport(NativeLibraries.Shim, EntryPoint = "RdmaShim_GetCmEvent")]
    internal static partial int GetEvent(nint channel, out nint cmEvent);

    [LibraryImport(NativeLibraries.Shim, EntryPoint = "RdmaShim_CmEventType")]
    internal static partial int EventType(nint cmEvent);

    [LibraryImport(NativeLibraries.Shim, EntryPoint = "RdmaShim_CmEventStatus")]
    internal static partial int EventStatus(nint cmEvent);

    [LibraryImport(NativeLibraries.Shim, EntryPoint = "RdmaShim_CmEventId")]
    internal static partial nint EventId(nint cmEvent);

    [LibraryImport(NativeLibraries.Shim, EntryPoint = "RdmaShim_CmEventListenId")]
    internal static partial nint EventListenId(nint cmEvent);

    [LibraryImport(NativeLibraries.Shim, EntryPoint = "RdmaShim_CmEventPrivateData")]
    internal static partial int EventPrivateData(nint cmEvent, byte* destination, int capacity);

    [LibraryImport(NativeLibraries.Shim, EntryPoint = "RdmaShim_CmIdVerbs")]
    internal static partial nint IdVerbs(nint id);

    [LibraryImport(NativeLibraries.Shim, EntryPoint = "RdmaShim_CmIdQp")]
    internal static partial nint IdQp(nint id);

    [LibraryImport(NativeLibraries.Shim, EntryPoint = "RdmaShim_CmIdLocalAddress")]
    internal static partial int IdLocalAddress(nint id, byte* address, out int family, out ushort port);

    [LibraryImport(NativeLibraries.Shim, EntryPoint = "RdmaShim_CmIdPeerAddress")]
    internal static partial int IdPeerAddress(nint id, byte* address, out int family, out ushort port);

    [LibraryImport(NativeLibraries.Shim, EntryPoint = "RdmaShim_CmBind")]
    internal static partial int Bind(nint id, byte* address, int family, ushort port);

    [LibraryImport(NativeLibraries.Shim, EntryPoint = "RdmaShim_CmResolveAddress")]
    internal static partial int ResolveAddress(nint id, byte* address, int family, ushort port, int timeoutMilliseconds);

    [LibraryImport(NativeLibraries.Shim, EntryPoint = "RdmaShim_CmCreateQp")]
    internal static partial int CreateQp(nint id, nint pd, nint sendCq, nint receiveCq, ShimQpCreateAttributes* attributes);

    [LibraryImport(NativeLibraries.Shim, EntryPoint = "RdmaShim_CmConnect")]
    internal static partial int Connect(nint id, byte* privateData, byte length, byte responderResources, byte initiatorDepth, byte retryCount, byte rnrRetryCount);

    [LibraryImport(NativeLibraries.Shim, EntryPoint = "RdmaShim_CmAccept")]
    internal static partial int Accept(nint id, byte* privateData, byte length, byte responderResources, byte initiatorDepth, byte rnrRetryCount);

    [LibraryImport(NativeLibraries.Shim, EntryPoint = "RdmaShim_CmSetAckTimeout")]
    internal static partial int SetAckTimeout(nint id, byte timeout);
}
