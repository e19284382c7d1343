namespace RdmaOffload.Verbs;

/// <summary>Registered memory: local key for our work requests, remote key for the peer's one-sided access.</summary>
public interface IMemoryRegion : IDisposable
{
    /// <summary>Start of the region in this process's address space (also the address peers use with the rkey).</summary>
    nint Address { get; }

    /// <summary>Length in bytes.</summary>
    nint Length { get; }

    /// <summary>Local key.</summary>
    uint LocalKey { get; }

    /// <summary>Remote key.</summary>
    uint RemoteKey { get; }

    /// <summary>Access granted.</summary>
    MemoryAccess Access { get; }

    /// <summary>The region's bytes (only valid while the region is not disposed; at most 2 GiB).</summary>
    Span<byte> Span { get; }

    /// <summary>A scatter/gather entry covering <paramref name="length"/> bytes at <paramref name="offset"/>.</summary>
    ScatterGatherEntry Slice(long offset, int length);
}
