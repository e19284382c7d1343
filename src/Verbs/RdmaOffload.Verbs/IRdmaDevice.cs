using System.Net;

namespace RdmaOffload.Verbs;

/// <summary>An opened RDMA device (an <c>ibv_context</c>). Disposing it closes everything created from it.</summary>
public interface IRdmaDevice : IDisposable
{
    /// <summary>Device name.</summary>
    string Name { get; }

    /// <summary>Capability limits of the device.</summary>
    DeviceAttributes Attributes { get; }

    /// <summary>Queries a port (ports are numbered from 1).</summary>
    PortAttributes QueryPort(byte portNumber);

    /// <summary>Reads one entry of a port's GID table.</summary>
    Gid QueryGid(byte portNumber, int index);

    /// <summary>
    /// Finds the GID index whose GID is the given IP address (IPv4-mapped for IPv4), the way RoCEv2
    /// peers address each other; null when the port has no such GID.
    /// </summary>
    int? FindGidIndex(byte portNumber, IPAddress address);

    /// <summary>Allocates a protection domain.</summary>
    IProtectionDomain AllocateProtectionDomain();

    /// <summary>
    /// Creates a completion queue with at least <paramref name="minimumEntries"/> entries and its own
    /// completion channel, so it can be awaited without spinning.
    /// </summary>
    ICompletionQueue CreateCompletionQueue(int minimumEntries);
}

/// <summary>Device limits that callers size their queues by.</summary>
public sealed record DeviceAttributes(
    int MaxQueuePairs,
    int MaxQueuePairWorkRequests,
    int MaxScatterGatherEntries,
    int MaxCompletionQueues,
    int MaxCompletionQueueEntries,
    int MaxMemoryRegions,
    ulong MaxMemoryRegionSize,
    int MaxReadAtomicPerQueuePair);

/// <summary>Attributes of one port.</summary>
public sealed record PortAttributes(
    PortState State,
    PathMtu MaxMtu,
    PathMtu ActiveMtu,
    int GidTableLength,
    RdmaTransport LinkLayer);

/// <summary>Logical state of a port.</summary>
public enum PortState
{
    /// <summary>Not reported.</summary>
    Nop = 0,
    /// <summary>Link down.</summary>
    Down = 1,
    /// <summary>Initialising.</summary>
    Init = 2,
    /// <summary>Armed.</summary>
    Armed = 3,
    /// <summary>Usable.</summary>
    Active = 4,
    /// <summary>Active, deferred.</summary>
    ActiveDefer = 5,
}

/// <summary>Path MTU, with the verbs' enumeration values.</summary>
public enum PathMtu
{
    /// <summary>256 bytes.</summary>
    Mtu256 = 1,
    /// <summary>512 bytes.</summary>
    Mtu512 = 2,
    /// <summary>1024 bytes.</summary>
    Mtu1024 = 3,
    /// <summary>2048 bytes.</summary>
    Mtu2048 = 4,
    /// <summary>4096 bytes.</summary>
    Mtu4096 = 5,
}

/// <summary>Conversions for <see cref="PathMtu"/>.</summary>
public static class PathMtuExtensions
{
    /// <summary>The MTU in bytes.</summary>
    public static int ToBytes(this PathMtu mtu) => mtu switch
    {
        PathMtu.Mtu256 => 256,
        PathMtu.Mtu512 => 512,
        PathMtu.Mtu1024 => 1024,
        PathMtu.Mtu2048 => 2048,
        PathMtu.Mtu4096 => 4096,
        _ => throw new ArgumentOutOfRangeException(nameof(mtu), mtu, "not a path MTU"),
    };
}
