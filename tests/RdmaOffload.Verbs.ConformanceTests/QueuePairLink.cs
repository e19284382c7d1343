namespace RdmaOffload.Verbs.ConformanceTests;

/// <summary>
/// Two RC queue pairs on one device connected to each other through the out-of-band
/// <see cref="QueuePairEndpoint"/> exchange (encoded and decoded as a peer would), each with its
/// own completion queue.
/// </summary>
internal sealed class QueuePairLink : IDisposable
{
    private QueuePairLink(IProtectionDomain pd, ICompletionQueue cqA, ICompletionQueue cqB, IQueuePair a, IQueuePair b)
    {
        ProtectionDomain = pd;
        CompletionQueueA = cqA;
        CompletionQueueB = cqB;
        A = a;
        B = b;
    }

    internal IProtectionDomain ProtectionDomain { get; }

    internal ICompletionQueue CompletionQueueA { get; }

    internal ICompletionQueue CompletionQueueB { get; }

    /// <summary>The requester in most tests.</summary>
    internal IQueuePair A { get; }

    /// <summary>The responder in most tests.</summary>
    internal IQueuePair B { get; }

    internal static QueuePairLink Create(VerbsTestContext context, int depth = 256, IProtectionDomain? pd = null)
    {
        pd ??= context.Device.AllocateProtectionDomain();
        var cqA = context.Device.CreateCompletionQueue(depth * 2);
        var cqB = context.Device.CreateCompletionQueue(depth * 2);
        var a = pd.CreateQueuePair(new QueuePairOptions { SendCompletionQueue = cqA, ReceiveCompletionQueue = cqA, MaxSendWorkRequests = depth, MaxReceiveWorkRequests = depth });
        var b = pd.CreateQueuePair(new QueuePairOptions { SendCompletionQueue = cqB, ReceiveCompletionQueue = cqB, MaxSendWorkRequests = depth, MaxReceiveWorkRequests = depth });
        Assert.That(a.State, Is.EqualTo(QueuePairState.Reset), "a new QP starts in RESET");
        Connect(context, a, b, psnA: 0x1000, psnB: 0xFFFFF0); // B's PSN wraps past 2^24 during the tests
        return new QueuePairLink(pd, cqA, cqB, a, b);
    }

    private static void Connect(VerbsTestContext context, IQueuePair a, IQueuePair b, uint psnA, uint psnB)
    {
        const MemoryAccess Access = MemoryAccess.LocalWrite | MemoryAccess.RemoteRead | MemoryAccess.RemoteWrite;
        a.ModifyToInit(VerbsTestContext.Port, Access);
        b.ModifyToInit(VerbsTestContext.Port, Access);
        var endpointA = RoundTrip(new QueuePairEndpoint(a.QueuePairNumber, psnA, context.Gid));
        var endpointB = RoundTrip(new QueuePairEndpoint(b.QueuePairNumber, psnB, context.Gid));
        a.ModifyToReadyToReceive(ReadyToReceiveAttributes.ForRoce(endpointB, context.GidIndex, context.Mtu));
        b.ModifyToReadyToReceive(ReadyToReceiveAttributes.ForRoce(endpointA, context.GidIndex, context.Mtu));
        a.ModifyToReadyToSend(ReadyToSendAttributes.Default(psnA));
        b.ModifyToReadyToSend(ReadyToSendAttributes.Default(psnB));
        Assert.That(a.QueryState(), Is.EqualTo(QueuePairState.ReadyToSend));
        Assert.That(b.QueryState(), Is.EqualTo(QueuePairState.ReadyToSend));
    }

    private static QueuePairEndpoint RoundTrip(QueuePairEndpoint endpoint)
    {
        Span<byte> wire = stackalloc byte[QueuePairEndpoint.EncodedLength];
        endpoint.Encode(wire);
        Assert.That(QueuePairEndpoint.TryDecode(wire, out var decoded), Is.True);
        return decoded;
    }

    public void Dispose()
    {
        A.Dispose();
        B.Dispose();
        CompletionQueueA.Dispose();
        CompletionQueueB.Dispose();
        ProtectionDomain.Dispose();
    }
}
