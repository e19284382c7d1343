using RdmaOffload.Verbs.IbVerbs;

namespace RdmaOffload.Verbs.Tests;

/// <summary>Queue pair sizes are validated before <c>ibv_create_qp</c> sees them.</summary>
public sealed class QueuePairCapacitiesTests
{
    private static readonly ICompletionQueue NoQueue = null!;

    [Test]
    public void Sizes_are_copied_into_the_native_layout()
    {
        var native = QueuePairCapacities.From(new QueuePairOptions
        {
            SendCompletionQueue = NoQueue,
            ReceiveCompletionQueue = NoQueue,
            MaxSendWorkRequests = 100,
            MaxReceiveWorkRequests = 200,
            MaxSendScatterGatherEntries = 3,
            MaxReceiveScatterGatherEntries = 5,
            MaxInlineData = 64,
            SignalAllSends = false,
        });
        Assert.That((native.MaxSendWr, native.MaxRecvWr, native.MaxSendSge, native.MaxRecvSge, native.MaxInlineData, native.SignalAllSends), Is.EqualTo((100u, 200u, 3u, 5u, 64u, 0)));
    }

    [TestCase(0, 1, 1, 1)]
    [TestCase(1, -1, 1, 1)]
    [TestCase(1, 1, 0, 1)]
    [TestCase(1, 1, 1, 0)]
    public void Non_positive_sizes_are_refused(int sends, int receives, int sendEntries, int receiveEntries)
    {
        var options = new QueuePairOptions
        {
            SendCompletionQueue = NoQueue,
            ReceiveCompletionQueue = NoQueue,
            MaxSendWorkRequests = sends,
            MaxReceiveWorkRequests = receives,
            MaxSendScatterGatherEntries = sendEntries,
            MaxReceiveScatterGatherEntries = receiveEntries,
        };
        Assert.That(() => QueuePairCapacities.From(options), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }
}
