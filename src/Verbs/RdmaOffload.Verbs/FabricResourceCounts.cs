namespace RdmaOffload.Verbs;

/// <summary>
/// Implemented by providers that count the objects they hold open, so tests and health checks can
/// assert that disposal released everything.
/// </summary>
public interface IFabricResourceCounter
{
    /// <summary>Objects of this provider that are currently open.</summary>
    FabricResourceCounts GetLiveResourceCounts();
}

/// <summary>Numbers of open provider objects, by kind.</summary>
/// <param name="Devices">Opened devices (contexts).</param>
/// <param name="ProtectionDomains">Protection domains.</param>
/// <param name="MemoryRegions">Registered memory regions.</param>
/// <param name="CompletionQueues">Completion queues (with their channels).</param>
/// <param name="QueuePairs">Queue pairs.</param>
/// <param name="ConnectionIds">Connection-manager identifiers (listeners, requests, connections).</param>
public readonly record struct FabricResourceCounts(
    int Devices,
    int ProtectionDomains,
    int MemoryRegions,
    int CompletionQueues,
    int QueuePairs,
    int ConnectionIds)
{
    /// <summary>All objects together.</summary>
    public int Total => Devices + ProtectionDomains + MemoryRegions + CompletionQueues + QueuePairs + ConnectionIds;
}
