namespace RdmaOffload.Verbs;

/// <summary>
/// A completion queue with its own completion channel. Poll it until empty, then
/// <see cref="WaitAsync"/>: the wait arms the CQ and sleeps on the channel (no spinning when idle).
/// </summary>
public interface ICompletionQueue : IDisposable
{
    /// <summary>Entries the queue holds.</summary>
    int Capacity { get; }

    /// <summary>Copies up to <c>completions.Length</c> completions out; returns how many.</summary>
    int Poll(Span<WorkCompletion> completions);

    /// <summary>
    /// Completes when the queue may hold completions. Before sleeping it arms the CQ and re-polls,
    /// so no completion is missed; with <paramref name="spinBudget"/> &gt; 0 it first polls that many
    /// times without sleeping (latency over CPU). Safe to call from one waiter at a time.
    /// </summary>
    ValueTask WaitAsync(int spinBudget = 0, CancellationToken cancellationToken = default);

    /// <summary>
    /// For a consumer that polls from its own event loop rather than awaiting <see cref="WaitAsync"/>: arms the CQ
    /// so that the next completion calls <paramref name="onReady"/> once, on a provider thread, without a thread-pool
    /// hop. Returns false without arming when completions are already waiting (poll them first). The callback may
    /// run while the provider holds internal locks: it must only schedule work (post to the loop), never block, throw
    /// or call into the verbs API. Arming an armed queue throws; disposing the queue drops an armed callback uncalled.
    /// </summary>
    bool TryArm(Action onReady);
}
