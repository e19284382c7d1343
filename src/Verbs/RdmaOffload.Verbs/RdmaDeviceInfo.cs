namespace RdmaOffload.Verbs;

/// <summary>A device as listed by a provider, before it is opened.</summary>
/// <param name="Name">Kernel or provider name, e.g. <c>rxe0</c>, <c>mlx5_0</c>, <c>mroce0</c>.</param>
/// <param name="NodeGuid">The node GUID in host byte order.</param>
/// <param name="Transport">What kind of fabric the device speaks.</param>
public sealed record RdmaDeviceInfo(string Name, ulong NodeGuid, RdmaTransport Transport);

/// <summary>Link layer of a device.</summary>
public enum RdmaTransport
{
    /// <summary>Unknown or not reported.</summary>
    Unknown = 0,
    /// <summary>InfiniBand link layer.</summary>
    InfiniBand = 1,
    /// <summary>RoCE (Ethernet link layer), including SoftRoCE and the managed provider.</summary>
    Ethernet = 2,
    /// <summary>iWARP (e.g. siw).</summary>
    Iwarp = 3,
}
