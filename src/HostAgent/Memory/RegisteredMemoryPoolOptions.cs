namespace RdmaOffload.HostAgent.Memory;

/// <summary>Sizes of a <see cref="RegisteredMemoryPool"/>.</summary>
public sealed class RegisteredMemoryPoolOptions
{
    /// <summary>Bytes per block: the pool's <see cref="System.Buffers.MemoryPool{T}.MaxBufferSize"/>.</summary>
    public int BlockSize { get; init; } = 16 * 1024;

    /// <summary>Blocks per slab; one slab is one memory registration.</summary>
    public int BlocksPerSlab { get; init; } = 64;

    /// <summary>Most slabs the pool registers; beyond them it hands out unregistered blocks (sent by copy).</summary>
    public int MaxSlabs { get; init; } = 64;

    /// <summary>Record each renter's stack so a leak report says who rented the block (diagnostics: costly).</summary>
    public bool CaptureRenterStacks { get; init; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(BlockSize, 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(BlocksPerSlab, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxSlabs, 1);
        if ((long)BlockSize * BlocksPerSlab > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(BlocksPerSlab), "A slab must be smaller than 2 GiB.");
        }
    }
}
