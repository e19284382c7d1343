namespace RdmaOffload.Verbs.IbVerbs.Handles;

/// <summary>Kinds of native objects the provider counts.</summary>
internal enum ResourceKind
{
    Context,
    ProtectionDomain,
    MemoryRegion,
    CompletionChannel,
    CompletionQueue,
    QueuePair,
    CmEventChannel,
    CmId,
}

/// <summary>Live native objects of one provider, counted as handles are created and released.</summary>
internal sealed class ResourceTracker
{
    private readonly int[] _counts = new int[Enum.GetValues<ResourceKind>().Length];

    internal void Created(ResourceKind kind) => Interlocked.Increment(ref _counts[(int)kind]);

    internal void Released(ResourceKind kind) => Interlocked.Decrement(ref _counts[(int)kind]);

    internal int Count(ResourceKind kind) => Volatile.Read(ref _counts[(int)kind]);

    internal FabricResourceCounts Snapshot() => new(
        Count(ResourceKind.Context),
        Count(ResourceKind.ProtectionDomain),
        Count(ResourceKind.MemoryRegion),
        Count(ResourceKind.CompletionQueue),
        Count(ResourceKind.QueuePair),
        Count(ResourceKind.CmId));
}
