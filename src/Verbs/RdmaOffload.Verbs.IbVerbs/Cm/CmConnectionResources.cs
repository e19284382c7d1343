using System.Runtime.InteropServices;
using RdmaOffload.Verbs.IbVerbs.Handles;
using RdmaOffload.Verbs.IbVerbs.Interop;

namespace RdmaOffload.Verbs.IbVerbs.Cm;

/// <summary>
/// The verbs objects of one CM connection, created on the id's own <c>ibv_context</c> (owned by
/// librdmacm): a PD, one CQ for both directions, and the QP made by <c>rdma_create_qp</c>.
/// </summary>
internal sealed class CmConnectionResources : IDisposable
{
    private CmConnectionResources(IbVerbsDevice device, IbVerbsProtectionDomain pd, IbVerbsCompletionQueue cq, IbVerbsQueuePair qp)
    {
        Device = device;
        ProtectionDomain = pd;
        CompletionQueue = cq;
        QueuePair = qp;
    }

    internal IbVerbsDevice Device { get; }

    internal IbVerbsProtectionDomain ProtectionDomain { get; }

    internal IbVerbsCompletionQueue CompletionQueue { get; }

    internal IbVerbsQueuePair QueuePair { get; }

    internal static CmConnectionResources Create(IbVerbsProvider provider, CmIdHandle id, RdmaConnectionOptions options)
    {
        nint verbs = ConnectionManager.IdVerbs(id.Pointer);
        if (verbs == 0)
        {
            throw new RdmaConnectionException("RDMA CM: the id is not bound to an RDMA device");
        }

        var context = new ContextHandle(provider.Tracker, owned: false);
        context.Attach(verbs);
        string name = Marshal.PtrToStringUTF8(Devices.GetDeviceName(Devices.ContextDevice(verbs))) ?? "?";
        var device = new IbVerbsDevice(provider, context, name);
        try
        {
            var pd = (IbVerbsProtectionDomain)device.AllocateProtectionDomain();
            var cq = (IbVerbsCompletionQueue)device.CreateCompletionQueue(options.CompletionQueueEntries);
            var attributes = QueuePairCapacities.From(new QueuePairOptions
            {
                SendCompletionQueue = cq,
                ReceiveCompletionQueue = cq,
                MaxSendWorkRequests = options.MaxSendWorkRequests,
                MaxReceiveWorkRequests = options.MaxReceiveWorkRequests,
                MaxSendScatterGatherEntries = options.MaxScatterGatherEntries,
                MaxReceiveScatterGatherEntries = options.MaxScatterGatherEntries,
            });
            var qpHandle = new CmQueuePairHandle(provider.Tracker, id, pd.Handle, cq.Handle);
            int rc;
            // Safe: the id, PD and CQ pointers stay valid through `id`, `pd.Handle` and `cq.Handle`, which
            // `qpHandle` holds references on; the shim only reads `attributes` during the call.
            unsafe
            {
                // Safe: `attributes` is a local on this frame, alive for the whole call.
                rc = ConnectionManager.CreateQp(id.Pointer, pd.Handle.Pointer, cq.Handle.Pointer, cq.Handle.Pointer, &attributes);
            }

            if (rc < 0)
            {
                qpHandle.Abandon();
                NativeErrors.Throw("rdma_create_qp", -rc);
            }

            qpHandle.Attach(ConnectionManager.IdQp(id.Pointer));
            if (options.AckTimeout is { } ackTimeout)
            {
                NativeErrors.ThrowIfNegative(ConnectionManager.SetAckTimeout(id.Pointer, ackTimeout), "rdma_set_option(RDMA_OPTION_ID_ACK_TIMEOUT)");
            }

            return new CmConnectionResources(device, pd, cq, new IbVerbsQueuePair(qpHandle, options.MaxSendWorkRequests));
        }
        catch
        {
            device.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        QueuePair.Dispose();
        Device.Dispose(); // disposes the CQ and the PD
    }
}
