namespace RdmaOffload.Verbs.ConformanceTests;

/// <summary>Many work requests with a deep outstanding window (bounded in count and time).</summary>
[TestFixture]
public sealed class StressTests
{
    [Test]
    public async Task Ten_thousand_work_requests_with_a_deep_window_all_succeed()
    {
        const int Total = 10_000;
        const int Window = 192;
        const int Batch = 32;
        const int Size = 512;
        using var context = VerbsTestContext.Open();
        using var link = QueuePairLink.Create(context, depth: 256);
        using var remote = link.ProtectionDomain.AllocateAndRegister(Window * Size, MemoryAccess.LocalWrite | MemoryAccess.RemoteRead | MemoryAccess.RemoteWrite);
        using var local = link.ProtectionDomain.AllocateAndRegister(Window * Size, MemoryAccess.LocalWrite);
        Pattern.Fill(remote.Span, seed: 5);

        var seen = new bool[Total];
        var requests = new SendWorkRequest[Batch];
        var entries = new ScatterGatherEntry[Batch];
        var completions = new WorkCompletion[64];
        int posted = 0, completed = 0, failures = 0;
        var start = Environment.TickCount64;
        while (completed < Total)
        {
            while (posted < Total && posted - completed + Batch <= Window)
            {
                int count = Math.Min(Batch, Total - posted);
                for (int i = 0; i < count; i++)
                {
                    int id = posted + i;
                    int slot = id % Window;
                    entries[i] = local.Slice(slot * Size, Size);
                    requests[i] = new SendWorkRequest
                    {
                        WorkRequestId = (ulong)id,
                        Opcode = id % 2 == 0 ? SendOpcode.RdmaRead : SendOpcode.RdmaWrite,
                        RemoteAddress = (ulong)remote.Address + (ulong)(slot * Size),
                        RemoteKey = remote.RemoteKey,
                        FirstEntry = i,
                        EntryCount = 1,
                    };
                }

                Assert.That(link.A.PostSend(requests.AsSpan(0, count), entries.AsSpan(0, count)), Is.EqualTo(count), $"batch at {posted} posted");
                posted += count;
            }

            int polled = link.CompletionQueueA.Poll(completions);
            for (int i = 0; i < polled; i++)
            {
                var completion = completions[i];
                Assert.That(seen[completion.WorkRequestId], Is.False, $"work request {completion.WorkRequestId} completed twice");
                seen[completion.WorkRequestId] = true;
                failures += completion.IsSuccess ? 0 : 1;
            }

            completed += polled;
            if (polled == 0)
            {
                using var timeout = new CancellationTokenSource(Completions.DefaultTimeout);
                await link.CompletionQueueA.WaitAsync(spinBudget: 16, timeout.Token);
            }

            Assert.That(Environment.TickCount64 - start, Is.LessThan(300_000), $"stress run too slow: {completed} of {Total} after 5 minutes");
        }

        Assert.That(failures, Is.Zero);
        Assert.That(seen, Is.All.True);
        Pattern.AssertEqual(local.Span, remote.Span); // the last READ/WRITE of every slot carried the same bytes
    }
}
