using System.Runtime.InteropServices;
using RdmaOffload.Verbs.ManagedRoce.Memory;

namespace RdmaOffload.Verbs.ManagedRoce;

/// <summary>A protection domain: its own key table, so keys of one domain mean nothing in another.</summary>
internal sealed class ManagedProtectionDomain : IProtectionDomain
{
    private readonly ManagedRoceDevice _device;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<ManagedMemoryRegion, byte> _regions = new(ReferenceEqualityComparer.Instance);
    private int _disposed;

    public ManagedProtectionDomain(ManagedRoceDevice device)
    {
        _device = device;
        device.Tracker.Opened(ResourceKind.ProtectionDomain);
    }

    public IRdmaDevice Device => _device;

    internal MemoryKeyTable Keys { get; } = new();

    // Safe: the block is exactly `length` zeroed bytes (ZeroedPages); it is freed here if registration throws,
    // otherwise by ManagedMemoryRegion.Dispose.
    public unsafe IMemoryRegion AllocateAndRegister(nint length, MemoryAccess access)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);

        // Safe: a fresh page-aligned block of exactly `length` bytes, zero before anyone sees it;
        // ManagedMemoryRegion.Dispose frees it after invalidating its key.
        void* memory = ZeroedPages.Allocate((nuint)length);
        try
        {
            return Track(new ManagedMemoryRegion(Keys.Register((nint)memory, length, access), ownsMemory: true, this));
        }
        catch
        {
            ZeroedPages.Free(memory, (nuint)length);
            throw;
        }
    }

    public IMemoryRegion Register(nint address, nint length, MemoryAccess access)
    {
        if (address == 0 && length != 0)
        {
            throw new RdmaException("ibv_reg_mr", 14);
        }

        return Track(new ManagedMemoryRegion(Keys.Register(address, length, access), ownsMemory: false, this));
    }

    public IQueuePair CreateQueuePair(QueuePairOptions options) => _device.CreateQueuePair(this, options);

    /// <summary>Disposes the domain and any regions still registered in it.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (var region in _regions.Keys)
        {
            region.Dispose();
        }

        _device.Forget(this);
        _device.Tracker.Closed(ResourceKind.ProtectionDomain);
    }

    internal void Forget(ManagedMemoryRegion region)
    {
        _regions.TryRemove(region, out _);
        _device.Tracker.Closed(ResourceKind.MemoryRegion);
    }

    private ManagedMemoryRegion Track(ManagedMemoryRegion region)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        _regions.TryAdd(region, 0);
        _device.Tracker.Opened(ResourceKind.MemoryRegion);
        return region;
    }
}
