using System.Diagnostics;
using RdmaOffload.Verbs;

namespace RdmaOffload.Bench.Roce;

internal static class Completions
{
    /// <summary>The next completion, waiting without spinning, failing after <paramref name="timeout"/>.</summary>
    public static async Task<WorkCompletion> NextAsync(ICompletionQueue queue, TimeSpan timeout)
    {
        var completions = new WorkCompletion[1];
        long start = Stopwatch.GetTimestamp();
        while (queue.Poll(completions) == 0)
        {
            var remaining = timeout - Stopwatch.GetElapsedTime(start);
            if (remaining <= TimeSpan.Zero)
            {
                throw new TimeoutException($"no completion within {timeout.TotalSeconds} s");
            }

            using var cancel = new CancellationTokenSource(remaining);
            try
            {
                await queue.WaitAsync(0, cancel.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Polled once more, then the loop reports the timeout.
            }
        }

        return completions[0];
    }
}
