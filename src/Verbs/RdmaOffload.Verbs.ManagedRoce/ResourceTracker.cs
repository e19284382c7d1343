namespace RdmaOffload.Verbs.ManagedRoce;

/// <summary>Kinds of objects the provider counts.</summary>
internal enum ResourceKind
{
    Device,
    ProtectionDomain,
    MemoryRegion,
    CompletionQueue,
    QueuePair,
    ConnectionId,
}

/// <summary>Live object counts of one provider, for leak checks (<see cref="IFabricResourceCounter"/>).</summary>
internal sealed class ResourceTracker
{
    private readonly int[] _counts = new int[Enum.GetValues<ResourceKind>().Length];

    public void Opened(ResourceKind kind) => Interlocked.Increment(ref _counts[(int)kind]);

    public void Closed(ResourceKind kind) => Interlocked.Decrement(ref _counts[(int)kind]);

    public FabricResourceCounts Snapshot() => new(
        Volatile.Read(ref _counts[(int)ResourceKind.Device]),
        Volatile.Read(ref _counts[(int)ResourceKind.ProtectionDomain]),
        Volatile.Read(ref _counts[(int)ResourceKind.MemoryRegion]),
        Volatile.Read(ref _counts[(int)ResourceKind.CompletionQueue]),
        Volatile.Read(ref _counts[(int)ResourceKind.QueuePair]),
        Volatile.Read(ref _counts[(int)ResourceKind.ConnectionId]));
}
