namespace RdmaOffload.Verbs.ManagedRoce.Tests.Provider;

/// <summary>One side of an out-of-band connected RC QP pair, with its PD, CQ and a registered buffer.</summary>
internal sealed class QueuePairSide : IDisposable
{
    public QueuePairSide(IRdmaDevice device, int bufferLength)
    {
        Device = device;
        Domain = device.AllocateProtectionDomain();
        CompletionQueue = device.CreateCompletionQueue(1024);
        QueuePair = Domain.CreateQueuePair(new QueuePairOptions { SendCompletionQueue = CompletionQueue, ReceiveCompletionQueue = CompletionQueue });
        Buffer = Domain.AllocateAndRegister(bufferLength, MemoryAccess.LocalWrite | MemoryAccess.RemoteRead | MemoryAccess.RemoteWrite);
    }

    public IRdmaDevice Device { get; }

    public IProtectionDomain Domain { get; }

    public ICompletionQueue CompletionQueue { get; }

    public IQueuePair QueuePair { get; }

    public IMemoryRegion Buffer { get; }

    public QueuePairEndpoint Endpoint(uint psn, ushort lid = 0) =>
        new(QueuePair.QueuePairNumber, psn, Device.QueryGid(1, 0), lid, (ulong)Buffer.Address, Buffer.RemoteKey, (ulong)Buffer.Length);

    public void Connect(QueuePairEndpoint local, QueuePairEndpoint remote, ReadyToSendAttributes? send = null)
    {
        QueuePair.ModifyToInit(1, MemoryAccess.LocalWrite | MemoryAccess.RemoteRead | MemoryAccess.RemoteWrite);
        QueuePair.ModifyToReadyToReceive(ReadyToReceiveAttributes.ForRoce(remote, 0, Device.QueryPort(1).ActiveMtu));
        QueuePair.ModifyToReadyToSend(send ?? ReadyToSendAttributes.Default(local.PacketSequenceNumber));
    }

    /// <summary>Waits (without spinning) for one completion.</summary>
    public async Task<WorkCompletion> NextCompletionAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        var completions = new WorkCompletion[1];
        while (true)
        {
            if (CompletionQueue.Poll(completions) == 1)
            {
                return completions[0];
            }

            await CompletionQueue.WaitAsync(0, cancellation.Token);
        }
    }

    public void Dispose()
    {
        QueuePair.Dispose();
        Buffer.Dispose();
        CompletionQueue.Dispose();
        Domain.Dispose();
    }

    /// <summary>Connects two sides the way ibv_rc_pingpong does: exchange endpoints, then RTR and RTS.</summary>
    public static void ConnectPair(QueuePairSide a, QueuePairSide b, ushort lidA = 0, ushort lidB = 0, ReadyToSendAttributes? send = null)
    {
        var endpointA = a.Endpoint(0x123, lidA);
        var endpointB = b.Endpoint(0xFF_FFF0, lidB);

        // Through the wire form, as an out-of-band exchange would carry it.
        var bytes = new byte[QueuePairEndpoint.EncodedLength];
        endpointA.Encode(bytes);
        Assert.That(QueuePairEndpoint.TryDecode(bytes, out var receivedA), Is.True);
        endpointB.Encode(bytes);
        Assert.That(QueuePairEndpoint.TryDecode(bytes, out var receivedB), Is.True);
        a.Connect(endpointA, receivedB, send is null ? null : send.Value with { SendPacketSequenceNumber = endpointA.PacketSequenceNumber });
        b.Connect(endpointB, receivedA, send is null ? null : send.Value with { SendPacketSequenceNumber = endpointB.PacketSequenceNumber });
    }
}
