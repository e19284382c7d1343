using RdmaOffload.Verbs.ManagedRoce.Transport;

namespace RdmaOffload.Verbs.ManagedRoce.Tests.Transport;

/// <summary>A completion sink that keeps everything, in order.</summary>
internal sealed class CompletionList : ICompletionSink
{
    public List<WorkCompletion> Items { get; } = [];

    public bool TryAdd(in WorkCompletion completion)
    {
        Items.Add(completion);
        return true;
    }
}
