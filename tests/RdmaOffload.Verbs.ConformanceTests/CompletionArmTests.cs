namespace RdmaOffload.Verbs.ConformanceTests;

/// <summary>An armed completion queue calls its callback once for the next completion, and never while work waits.</summary>
[TestFixture]
public sealed class CompletionArmTests
{
    [Test]
    public async Task An_armed_queue_calls_back_once_when_a_completion_arrives()
    {
        using var context = VerbsTestContext.Open();
        using var link = QueuePairLink.Create(context);
        using var buffer = link.ProtectionDomain.AllocateAndRegister(8192, MemoryAccess.LocalWrite | MemoryAccess.RemoteRead);
        int calls = 0;
        var called = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Assert.That(link.CompletionQueueA.TryArm(() =>
        {
            Interlocked.Increment(ref calls);
            called.TrySetResult();
        }), Is.True, "an empty queue arms");
        await Task.Delay(200);
        Assert.That(Volatile.Read(ref calls), Is.Zero, "nothing completed yet");

        PostRead(link, 1, buffer);
        PostRead(link, 2, buffer);
        var finished = await Task.WhenAny(called.Task, Task.Delay(Completions.DefaultTimeout));
        Assert.That(finished, Is.SameAs(called.Task), "the completion called the armed callback");

        var completions = await PollAsync(link.CompletionQueueA, 2);
        Assert.That(completions.Select(c => c.WorkRequestId), Is.EqualTo(new ulong[] { 1, 2 }));
        Assert.That(completions.Select(c => c.Status), Is.All.EqualTo(WorkCompletionStatus.Success));
        Assert.That(Volatile.Read(ref calls), Is.EqualTo(1), "one arm, one call");
    }

    [Test]
    public async Task Arming_is_refused_while_completions_wait_and_granted_once_they_are_polled()
    {
        using var context = VerbsTestContext.Open();
        using var link = QueuePairLink.Create(context);
        using var buffer = link.ProtectionDomain.AllocateAndRegister(8192, MemoryAccess.LocalWrite | MemoryAccess.RemoteRead);
        PostRead(link, 7, buffer);
        await link.CompletionQueueA.WaitAsync().AsTask().WaitAsync(Completions.DefaultTimeout);

        Assert.That(link.CompletionQueueA.TryArm(() => Assert.Fail("a refused arm must never call back")), Is.False, "a completion waits: poll it first");
        var completions = await PollAsync(link.CompletionQueueA, 1);
        Assert.That(completions[0].WorkRequestId, Is.EqualTo(7UL));

        var called = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // An event left over from the earlier wait may refuse one more arm; the queue is empty, so a retry arms.
        bool armed = link.CompletionQueueA.TryArm(() => called.TrySetResult()) || link.CompletionQueueA.TryArm(() => called.TrySetResult());
        Assert.That(armed, Is.True, "the drained queue arms");
        PostRead(link, 8, buffer);
        await called.Task.WaitAsync(Completions.DefaultTimeout);
        Assert.That((await PollAsync(link.CompletionQueueA, 1))[0].WorkRequestId, Is.EqualTo(8UL));
    }

    private static void PostRead(QueuePairLink link, ulong id, IMemoryRegion buffer) =>
        link.A.PostSend(
            new SendWorkRequest { WorkRequestId = id, Opcode = SendOpcode.RdmaRead, RemoteAddress = (ulong)buffer.Address, RemoteKey = buffer.RemoteKey },
            [buffer.Slice(4096, 4096)]);

    /// <summary>Polls until <paramref name="count"/> completions arrived (completions of one batch may land a moment apart).</summary>
    private static async Task<List<WorkCompletion>> PollAsync(ICompletionQueue queue, int count)
    {
        var polled = new List<WorkCompletion>();
        var batch = new WorkCompletion[8];
        var deadline = DateTime.UtcNow + Completions.DefaultTimeout;
        while (polled.Count < count)
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), $"{polled.Count} of {count} completions arrived");
            int n = queue.Poll(batch);
            polled.AddRange(batch.Take(n));
            if (n == 0)
            {
                await Task.Delay(5);
            }
        }

        return polled;
    }
}
