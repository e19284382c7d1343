using System.Buffers;

namespace RdmaOffload.HostAgent.Memory;

/// <summary>
/// One block of a registered slab, handed out by <see cref="RegisteredMemoryPool.Rent"/>; disposing it returns it.
/// A rented block is referenced only by its renter, so one dropped without being returned is collected and its
/// finalizer reports the leak. The block's memory is not reused then: a span taken from it may still be live.
/// </summary>
internal sealed class RegisteredBlock : RegisteredMemoryManager, IDisposable
{
    private const int Free = 0;
    private const int Rented = 1;

    private readonly RegisteredMemoryPool _pool;
    private int _state;

    public RegisteredBlock(RegisteredMemoryPool pool, RegisteredSlab slab, int index)
    {
        _pool = pool;
        Slab = slab;
        Index = index;
    }

#pragma warning disable CA2015 // the finalizer only reports a leak; it never frees or reuses the memory
    ~RegisteredBlock()
    {
        if (_state == Rented)
        {
            _pool.OnLeaked(this);
        }
    }
#pragma warning restore CA2015

    public override RegisteredMemoryPool Pool => _pool;

    public RegisteredSlab Slab { get; }

    public int Index { get; }

    public string? RenterStack { get; private set; }

    private int Offset => Index * _pool.BlockSize;

    public override Span<byte> GetSpan() => Slab.Array.AsSpan(Offset, _pool.BlockSize);

    public override Memory<byte> Memory => CreateMemory(_pool.BlockSize);

    // The slab is a pinned-heap array: it never moves, so pinning needs no handle of its own.
    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(elementIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(elementIndex, _pool.BlockSize);
        return Slab.Array.AsMemory(Offset + elementIndex).Pin();
    }

    public override void Unpin()
    {
    }

    public override bool TryGetRemote(int start, out ulong address, out uint remoteKey) =>
        Slab.TryGetRemote(Offset + start, out address, out remoteKey);

    /// <summary>Marks the block rented; false if it already was (a bug in the pool).</summary>
    public bool TryMarkRented(string? renterStack)
    {
        RenterStack = renterStack;
        return Interlocked.Exchange(ref _state, Rented) == Free;
    }

    // Re-implemented instead of MemoryManager's, which suppresses finalization: a returned block may be rented
    // again at once by another thread, and its leak detection must stay armed.
#pragma warning disable CA1816 // finalization stays registered on purpose (see above)
    void IDisposable.Dispose()
    {
        if (Interlocked.Exchange(ref _state, Free) == Rented)
        {
            RenterStack = null;
            _pool.Return(this);
        }
    }
#pragma warning restore CA1816

    protected override void Dispose(bool disposing) => ((IDisposable)this).Dispose();
}
