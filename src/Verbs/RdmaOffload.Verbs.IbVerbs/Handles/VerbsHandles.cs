using System.Runtime.InteropServices;
using RdmaOffload.Verbs.IbVerbs.Interop;

namespace RdmaOffload.Verbs.IbVerbs.Handles;

/// <summary>An <c>ibv_context</c>: closed by us when we opened it, left to librdmacm when it owns it.</summary>
internal sealed class ContextHandle(ResourceTracker tracker, bool owned) : NativeObjectHandle(tracker, ResourceKind.Context)
{
    protected override bool Destroy(nint pointer) => !owned || Devices.CloseDevice(pointer) == 0;
}

/// <summary>An <c>ibv_pd</c>.</summary>
internal sealed class ProtectionDomainHandle(ResourceTracker tracker, ContextHandle context)
    : NativeObjectHandle(tracker, ResourceKind.ProtectionDomain, context)
{
    protected override bool Destroy(nint pointer) => Memory.DeallocatePd(pointer) == 0;
}

/// <summary>An <c>ibv_mr</c>, and the native memory under it when the provider allocated it.</summary>
internal sealed class MemoryRegionHandle(ResourceTracker tracker, ProtectionDomainHandle pd, nint ownedMemory)
    : NativeObjectHandle(tracker, ResourceKind.MemoryRegion, pd)
{
    // Safe: the only pointer use frees `ownedMemory`, once (ReleaseHandle runs once) and only after
    // ibv_dereg_mr succeeded, so the HCA can no longer reach it.
    protected override unsafe bool Destroy(nint pointer)
    {
        bool deregistered = Memory.DeregisterMr(pointer) == 0;
        if (ownedMemory != 0 && deregistered)
        {
            // Safe: the memory came from NativeMemory.AlignedAlloc in AllocateAndRegister and the
            // region that made it reachable by the HCA is gone. If deregistration failed the HCA
            // may still access it, so it is leaked rather than freed.
            NativeMemory.AlignedFree((void*)ownedMemory);
        }

        return deregistered;
    }
}

/// <summary>An <c>ibv_comp_channel</c>.</summary>
internal sealed class CompletionChannelHandle(ResourceTracker tracker, ContextHandle context)
    : NativeObjectHandle(tracker, ResourceKind.CompletionChannel, context)
{
    protected override bool Destroy(nint pointer) => CompletionQueues.DestroyCompletionChannel(pointer) == 0;
}

/// <summary>An <c>ibv_cq</c> bound to its completion channel.</summary>
internal sealed class CompletionQueueHandle(ResourceTracker tracker, ContextHandle context, CompletionChannelHandle channel)
    : NativeObjectHandle(tracker, ResourceKind.CompletionQueue, context, channel)
{
    protected override bool Destroy(nint pointer) => CompletionQueues.DestroyCq(pointer) == 0;
}

/// <summary>An <c>ibv_qp</c> created with <c>ibv_create_qp</c>.</summary>
internal sealed class QueuePairHandle(ResourceTracker tracker, ProtectionDomainHandle pd, CompletionQueueHandle sendCq, CompletionQueueHandle receiveCq)
    : NativeObjectHandle(tracker, ResourceKind.QueuePair, pd, sendCq, receiveCq)
{
    protected override bool Destroy(nint pointer) => QueuePairs.DestroyQp(pointer) == 0;
}

/// <summary>An <c>rdma_event_channel</c>.</summary>
internal sealed class CmEventChannelHandle(ResourceTracker tracker) : NativeObjectHandle(tracker, ResourceKind.CmEventChannel)
{
    protected override bool Destroy(nint pointer)
    {
        ConnectionManager.DestroyEventChannel(pointer);
        return true;
    }
}

/// <summary>An <c>rdma_cm_id</c> reporting to an event channel.</summary>
internal sealed class CmIdHandle(ResourceTracker tracker, CmEventChannelHandle channel)
    : NativeObjectHandle(tracker, ResourceKind.CmId, channel)
{
    protected override bool Destroy(nint pointer) => ConnectionManager.DestroyId(pointer) == 0;
}

/// <summary>The <c>ibv_qp</c> of an <c>rdma_cm_id</c> (created with <c>rdma_create_qp</c>, destroyed with <c>rdma_destroy_qp</c>).</summary>
internal sealed class CmQueuePairHandle(ResourceTracker tracker, CmIdHandle id, ProtectionDomainHandle pd, CompletionQueueHandle cq)
    : NativeObjectHandle(tracker, ResourceKind.QueuePair, id, pd, cq)
{
    protected override bool Destroy(nint pointer)
    {
        ConnectionManager.DestroyQp(id.Pointer);
        return true;
    }
}
