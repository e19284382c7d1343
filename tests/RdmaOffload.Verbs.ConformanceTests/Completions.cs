namespace RdmaOffload.Verbs.ConformanceTests;

/// <summary>Waiting for completions with a deadline, through the CQ's non-spinning wait.</summary>
internal static class Completions
{
    /// <summary>Generous: the SoftRoCE VM emulates its CPU and is 10–50× slower than hardware.</summary>
    internal static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    internal static async Task<List<WorkCompletion>> WaitAsync(ICompletionQueue cq, int count, TimeSpan? timeout = null)
    {
        var received = new List<WorkCompletion>(count);
        var buffer = new WorkCompletion[64];
        using var deadline = new CancellationTokenSource(timeout ?? DefaultTimeout);
        while (received.Count < count)
        {
            int polled = cq.Poll(buffer.AsSpan(0, Math.Min(buffer.Length, count - received.Count)));
            received.AddRange(buffer.AsSpan(0, polled).ToArray());
            if (polled > 0)
            {
                continue;
            }

            try
            {
                await cq.WaitAsync(0, deadline.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"timed out after {timeout ?? DefaultTimeout} with {received.Count} of {count} completions: " +
                    string.Join(", ", received.Select(c => $"{c.WorkRequestId}:{c.Opcode}:{c.Status}")));
            }
        }

        return received;
    }

    internal static async Task<WorkCompletion> WaitOneAsync(ICompletionQueue cq) => (await WaitAsync(cq, 1))[0];
}
