using System.Net;

namespace RdmaOffload.Verbs.ManagedRoce.ConnectionManagement;

/// <summary>The verbs objects one connection owns: PD, CQ (send and receive) and QP, on a shared device.</summary>
internal sealed class ConnectionResources : IDisposable
{
    private const MemoryAccess RemoteAccess = MemoryAccess.LocalWrite | MemoryAccess.RemoteRead | MemoryAccess.RemoteWrite;
    private readonly TcpConnectionManager _manager;
    private int _disposed;

    private ConnectionResources(TcpConnectionManager manager, ManagedRoceDevice device, IProtectionDomain domain, ICompletionQueue completionQueue, IQueuePair queuePair, RdmaConnectionOptions options)
    {
        _manager = manager;
        Device = device;
        Domain = domain;
        CompletionQueue = completionQueue;
        QueuePair = queuePair;
        Options = options;
    }

    public ManagedRoceDevice Device { get; }

    public IProtectionDomain Domain { get; }

    public ICompletionQueue CompletionQueue { get; }

    public IQueuePair QueuePair { get; }

    public RdmaConnectionOptions Options { get; }

    public static ConnectionResources Create(TcpConnectionManager manager, IPAddress localAddress, RdmaConnectionOptions options)
    {
        var device = manager.AcquireDevice(localAddress);
        IProtectionDomain? domain = null;
        ICompletionQueue? queue = null;
        try
        {
            domain = device.AllocateProtectionDomain();
            queue = device.CreateCompletionQueue(options.CompletionQueueEntries);
            var queuePair = domain.CreateQueuePair(new QueuePairOptions
            {
                SendCompletionQueue = queue,
                ReceiveCompletionQueue = queue,
                MaxSendWorkRequests = options.MaxSendWorkRequests,
                MaxReceiveWorkRequests = options.MaxReceiveWorkRequests,
                MaxSendScatterGatherEntries = options.MaxScatterGatherEntries,
                MaxReceiveScatterGatherEntries = options.MaxScatterGatherEntries,
            });
            queuePair.ModifyToInit(1, RemoteAccess);
            return new ConnectionResources(manager, device, domain, queue, queuePair, options);
        }
        catch
        {
            queue?.Dispose();
            domain?.Dispose();
            manager.ReleaseDevice(device);
            throw;
        }
    }

    /// <summary>What the peer needs: QPN, PSN, GID, and our UDP port in the LID field.</summary>
    public QueuePairEndpoint LocalEndpoint(uint psn) =>
        new(QueuePair.QueuePairNumber, psn, Device.LocalGid, (ushort)Device.LocalEndPoint.Port);

    /// <summary>RTR towards the remote endpoint, then RTS with our PSN.</summary>
    public void Connect(uint localPsn, in QueuePairEndpoint remote)
    {
        var receive = ReadyToReceiveAttributes.ForRoce(remote, 0, Device.ActiveMtu) with { MaxDestinationReadAtomic = Options.ReadDepth };
        QueuePair.ModifyToReadyToReceive(receive);
        var defaults = ReadyToSendAttributes.Default(localPsn);
        QueuePair.ModifyToReadyToSend(defaults with
        {
            MaxReadAtomic = Options.ReadDepth,
            Timeout = Options.AckTimeout ?? defaults.Timeout,
            RetryCount = Options.RetryCount,
            RnrRetry = Options.RnrRetryCount,
        });
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        QueuePair.Dispose();
        CompletionQueue.Dispose();
        Domain.Dispose();
        _manager.ReleaseDevice(Device);
    }
}
