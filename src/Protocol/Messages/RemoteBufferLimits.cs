namespace RdmaOffload.Protocol.Messages;

/// <summary>Bounds on the registered memory regions named by receive buffers and send descriptors.</summary>
public static class RemoteBufferLimits
{
    /// <summary>
    /// Largest buffer or descriptor, 1 GiB: offsets within one stay far inside <see cref="int"/>, and the largest TCP
    /// window (2^30 with the maximum window scale) is reachable with a single buffer.
    /// </summary>
    public const uint MaxLength = 1u << 30;

    /// <summary>Whether <paramref name="address"/>..+<paramref name="length"/> is a non-empty, bounded, non-wrapping region.</summary>
    public static bool IsValidRegion(ulong address, uint length) =>
        length is > 0 and <= MaxLength && address <= ulong.MaxValue - length;
}
