using System.Diagnostics;

namespace RdmaOffload.Verbs.ConformanceTests;

/// <summary>The completion queue's wait sleeps while idle and wakes on a completion.</summary>
[TestFixture]
public sealed class CompletionWaitTests
{
    [Test]
    public async Task WaitAsync_wakes_when_a_completion_arrives()
    {
        using var context = VerbsTestContext.Open();
        using var link = QueuePairLink.Create(context);
        using var remote = link.ProtectionDomain.AllocateAndRegister(4096, MemoryAccess.RemoteRead);
        using var local = link.ProtectionDomain.AllocateAndRegister(4096, MemoryAccess.LocalWrite);
        Assert.That(link.CompletionQueueA.Poll(new WorkCompletion[1]), Is.Zero);

        var wait = link.CompletionQueueA.WaitAsync().AsTask();
        await Task.Delay(200);
        Assert.That(wait.IsCompleted, Is.False, "nothing completed yet, so the wait must still be pending");

        link.A.PostSend(new SendWorkRequest { WorkRequestId = 4, Opcode = SendOpcode.RdmaRead, RemoteAddress = (ulong)remote.Address, RemoteKey = remote.RemoteKey }, [local.Slice(0, 4096)]);
        var finished = await Task.WhenAny(wait, Task.Delay(Completions.DefaultTimeout));
        Assert.That(finished, Is.SameAs(wait), "the wait woke up");
        await wait;

        var completions = new WorkCompletion[4];
        Assert.That(link.CompletionQueueA.Poll(completions), Is.EqualTo(1));
        Assert.That(completions[0].WorkRequestId, Is.EqualTo(4UL));
        Assert.That(completions[0].Status, Is.EqualTo(WorkCompletionStatus.Success));
    }

    [Test]
    public async Task Idle_wait_does_not_spin()
    {
        using var context = VerbsTestContext.Open();
        using var link = QueuePairLink.Create(context);
        // Run the measured code path once first: under an emulated CPU, JIT compilation of the
        // wait, the cancellation and this method's continuations costs far more than the wait.
        await IdleWaitAsync(link.CompletionQueueA, TimeSpan.FromMilliseconds(200));
        await Task.Delay(500);

        var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var elapsed = await IdleWaitAsync(link.CompletionQueueA, TimeSpan.FromSeconds(1));
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuBefore;

        Assert.That(elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(950)), "the wait lasted until cancelled");
        Assert.That(cpu, Is.LessThan(TimeSpan.FromMilliseconds(250)), $"a 1 s idle wait used {cpu.TotalMilliseconds:F0} ms of CPU: it spins");
    }

    private static async Task<TimeSpan> IdleWaitAsync(ICompletionQueue cq, TimeSpan duration)
    {
        var clock = Stopwatch.StartNew();
        using var idle = new CancellationTokenSource(duration);
        try
        {
            await cq.WaitAsync(0, idle.Token);
            Assert.Fail("the wait completed although no work was posted");
        }
        catch (OperationCanceledException)
        {
            // expected: nothing completes while idle
        }

        return clock.Elapsed;
    }

    [Test]
    public async Task A_cancelled_wait_leaves_the_queue_usable()
    {
        using var context = VerbsTestContext.Open();
        using var link = QueuePairLink.Create(context);
        using var buffer = link.ProtectionDomain.AllocateAndRegister(4096, MemoryAccess.LocalWrite | MemoryAccess.RemoteRead);
        using (var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100)))
        {
            Assert.That(async () => await link.CompletionQueueA.WaitAsync(0, cancel.Token), Throws.InstanceOf<OperationCanceledException>());
        }

        link.A.PostSend(new SendWorkRequest { WorkRequestId = 8, Opcode = SendOpcode.RdmaRead, RemoteAddress = (ulong)buffer.Address, RemoteKey = buffer.RemoteKey }, [buffer.Slice(2048, 2048)]);
        var completion = await Completions.WaitOneAsync(link.CompletionQueueA);
        Assert.That(completion.WorkRequestId, Is.EqualTo(8UL));
        Assert.That(completion.Status, Is.EqualTo(WorkCompletionStatus.Success));
    }
}
