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

        // Background work of the runtime (tiered re-compilation, timers) can land in any one
        // window on a loaded, emulated machine; a spinning wait burns CPU in every window. So the
        // quietest of three 1 s windows must stay under a quarter of a CPU.
        var budget = TimeSpan.FromMilliseconds(250);
        var report = new System.Text.StringBuilder();
        var quietest = TimeSpan.MaxValue;
        for (int attempt = 0; attempt < 3 && quietest >= budget; attempt++)
        {
            await Task.Delay(300);
            var before = ThreadCpu.Snapshot();
            var elapsed = await IdleWaitAsync(link.CompletionQueueA, TimeSpan.FromSeconds(1));
            var busiest = ThreadCpu.Difference(before, ThreadCpu.Snapshot());
            var cpu = TimeSpan.FromTicks(busiest.Sum(t => t.Cpu.Ticks));
            Assert.That(elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(950)), "the wait lasted until cancelled");
            quietest = cpu < quietest ? cpu : quietest;
            report.AppendLine($"window {attempt + 1}: {cpu.TotalMilliseconds:F0} ms CPU; busiest threads: " +
                string.Join(", ", busiest.Take(4).Select(t => $"{t.Name} {t.Cpu.TotalMilliseconds:F0} ms")));
        }

        Assert.That(quietest, Is.LessThan(budget), $"a 1 s idle wait used CPU in every window: it spins\n{report}");
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

/// <summary>CPU time per thread of this process, from <c>/proc/self/task/*/stat</c>.</summary>
internal static class ThreadCpu
{
    internal static Dictionary<string, (string Name, long Ticks)> Snapshot()
    {
        var threads = new Dictionary<string, (string Name, long Ticks)>(StringComparer.Ordinal);
        foreach (string task in Directory.GetDirectories("/proc/self/task"))
        {
            try
            {
                string stat = File.ReadAllText(Path.Combine(task, "stat"));
                int open = stat.IndexOf('(', StringComparison.Ordinal);
                int close = stat.LastIndexOf(')');
                string[] fields = stat[(close + 2)..].Split(' ');
                // fields[11] and [12] are utime and stime (stat fields 14 and 15) in clock ticks.
                long ticks = long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
                threads[Path.GetFileName(task)] = (stat[(open + 1)..close], ticks);
            }
            catch (IOException)
            {
                // the thread exited meanwhile
            }
        }

        return threads;
    }

    /// <summary>CPU used by each thread between the snapshots, busiest first (clock ticks of 10 ms).</summary>
    internal static List<(string Name, TimeSpan Cpu)> Difference(Dictionary<string, (string Name, long Ticks)> before, Dictionary<string, (string Name, long Ticks)> after) =>
        after.Select(entry => (entry.Value.Name, Cpu: TimeSpan.FromMilliseconds(10 * (entry.Value.Ticks - (before.TryGetValue(entry.Key, out var old) ? old.Ticks : 0)))))
            .Where(thread => thread.Cpu > TimeSpan.Zero)
            .OrderByDescending(thread => thread.Cpu)
            .ToList();
}
