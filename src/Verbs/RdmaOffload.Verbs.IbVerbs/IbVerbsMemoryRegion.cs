using RdmaOffload.Verbs.IbVerbs.Handles;

namespace RdmaOffload.Verbs.IbVerbs;

/// <summary>An <c>ibv_mr</c> over native memory.</summary>
internal sealed class IbVerbsMemoryRegion : IMemoryRegion
{
    private readonly MemoryRegionHandle _handle;
    private int _disposed;

    internal IbVerbsMemoryRegion(MemoryRegionHandle handle, nint address, nint length, MemoryAccess access, uint localKey, uint remoteKey)
    {
        _handle = handle;
        Address = address;
        Length = length;
        Access = access;
        LocalKey = localKey;
        RemoteKey = remoteKey;
    }

    internal event Action? Disposed;

    public nint Address { get; }

    public nint Length { get; }

    public uint LocalKey { get; }

    public uint RemoteKey { get; }

    public MemoryAccess Access { get; }

    // Safe: the span covers exactly the registered [Address, Address + Length) and is created only
    // while the region is not disposed (see the getter).
    public unsafe Span<byte> Span
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            if (Length > int.MaxValue)
            {
                throw new InvalidOperationException($"the region is {Length} bytes; a span covers at most {int.MaxValue}");
            }

            // Safe: the region is registered (not disposed), so its Length bytes at Address are
            // allocated and stay pinned until Dispose; callers must not keep the span past that.
            return new Span<byte>((void*)Address, (int)Length);
        }
    }

    public ScatterGatherEntry Slice(long offset, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (offset + length > Length)
        {
            throw new ArgumentOutOfRangeException(nameof(length), $"[{offset}, {offset + length}) exceeds the region's {Length} bytes");
        }

        return new ScatterGatherEntry((ulong)(Address + (nint)offset), (uint)length, LocalKey);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _handle.Dispose();
            Disposed?.Invoke();
        }
    }
}
