using System.Runtime.InteropServices;
using RdmaOffload.Verbs.ManagedRoce.Memory;

namespace RdmaOffload.Verbs.ManagedRoce;

/// <summary>A registered region: caller memory, or native memory this region allocated and frees.</summary>
internal sealed class ManagedMemoryRegion : IMemoryRegion
{
    private readonly RegisteredMemory _region;
    private readonly bool _ownsMemory;
    private readonly ManagedProtectionDomain _domain;
    private int _disposed;

    public ManagedMemoryRegion(RegisteredMemory region, bool ownsMemory, ManagedProtectionDomain domain)
    {
        _region = region;
        _ownsMemory = ownsMemory;
        _domain = domain;
    }

    public nint Address => _region.Address;

    public nint Length => _region.Length;

    public uint LocalKey => _region.Key;

    public uint RemoteKey => _region.Key;

    public MemoryAccess Access => _region.Access;

    public Span<byte> Span
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            return _region.GetSpan((ulong)_region.Address, (int)Math.Min(_region.Length, int.MaxValue));
        }
    }

    public ScatterGatherEntry Slice(long offset, int length)
    {
        if (offset < 0 || length < 0 || offset > _region.Length - length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"[{offset}, {offset}+{length}) is outside the region of {_region.Length} bytes");
        }

        return new ScatterGatherEntry((ulong)(_region.Address + (nint)offset), (uint)length, _region.Key);
    }

    // Safe: frees only memory this region allocated (_ownsMemory), once (guarded by _disposed), and
    // after Deregister has invalidated its key.
    public unsafe void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _region.Owner.Deregister(_region);
        if (_ownsMemory)
        {
            // Safe: the memory came from ZeroedPages.Allocate in AllocateAndRegister with this length, and its
            // key was invalidated just above, so the transports can no longer resolve it.
            ZeroedPages.Free((void*)_region.Address, (nuint)_region.Length);
        }

        _domain.Forget(this);
    }
}
