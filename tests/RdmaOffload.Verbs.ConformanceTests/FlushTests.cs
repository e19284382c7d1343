namespace RdmaOffload.Verbs.ConformanceTests;

/// <summary>Moving a QP to ERROR flushes its outstanding work.</summary>
[TestFixture]
public sealed class FlushTests
{
    [Test]
    public async Task Error_state_flushes_every_outstanding_receive()
    {
        using var context = VerbsTestContext.Open();
        using var link = QueuePairLink.Create(context);
        using var buffers = link.ProtectionDomain.AllocateAndRegister(64 * 256, MemoryAccess.LocalWrite);
        const int Receives = 64;
        for (int i = 0; i < Receives; i++)
        {
            link.B.PostReceive((ulong)(1000 + i), [buffers.Slice(i * 256, 256)]);
        }

        link.B.ModifyToError();
        var completions = await Completions.WaitAsync(link.CompletionQueueB, Receives);

        Assert.That(link.B.QueryState(), Is.EqualTo(QueuePairState.Error));
        Assert.That(completions.Select(c => c.Status), Is.All.EqualTo(WorkCompletionStatus.WorkRequestFlushError));
        Assert.That(completions.Select(c => c.WorkRequestId), Is.EquivalentTo(Enumerable.Range(1000, Receives).Select(i => (ulong)i)));
        Assert.That(link.CompletionQueueB.Poll(new WorkCompletion[4]), Is.Zero, "nothing beyond the flushed receives");
    }

    [Test]
    public void Reset_after_error_returns_the_qp_to_RESET()
    {
        using var context = VerbsTestContext.Open();
        using var link = QueuePairLink.Create(context);
        link.A.ModifyToError();
        link.A.ModifyToReset();
        Assert.That(link.A.QueryState(), Is.EqualTo(QueuePairState.Reset));
    }
}
