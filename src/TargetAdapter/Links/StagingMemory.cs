using RdmaOffload.Verbs;

namespace RdmaOffload.TargetAdapter.Links;

/// <summary>
/// The registered staging of one host link: one slot (write ring + read ring) per client connection. Slots live
/// in regions of a bounded size, each registered when a slot in it is first taken, so every offset into a region
/// fits an <see cref="int"/> and its <see cref="IMemoryRegion.Span"/> (at most 2 GiB) covers all of it, however
/// many slots the link has; and memory is registered (pinned, on hardware) as connections need it, not all up front.
/// Used on the dispatcher thread only.
/// </summary>
internal sealed class StagingMemory : IDisposable
{
    /// <summary>Registered bytes a region aims at (a slot larger than this gets a region of its own).</summary>
    internal const int RegionTargetBytes = 64 * 1024 * 1024;

    private readonly IProtectionDomain _domain;
    private readonly IMemoryRegion?[] _regions;
    private readonly Stack<int> _free;
    private bool _disposed;

    public StagingMemory(IProtectionDomain domain, int slotCount, int slotSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slotCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(slotSize, 1);
        _domain = domain;
        SlotSize = slotSize;
        SlotsPerRegion = Math.Clamp(RegionTargetBytes / slotSize, 1, slotCount);
        _regions = new IMemoryRegion?[(slotCount + SlotsPerRegion - 1) / SlotsPerRegion];
        _free = new Stack<int>(Enumerable.Range(0, slotCount).Reverse()); // lowest first: regions fill in order
    }

    public int SlotSize { get; }

    public int SlotsPerRegion { get; }

    public int FreeCount => _free.Count;

    /// <summary>Regions registered so far (diagnostics and tests).</summary>
    public int RegisteredRegions => _regions.Count(r => r is not null);

    /// <summary>
    /// Takes a free slot, registering its region if this is the region's first use. False when every slot is
    /// taken; throws <see cref="RdmaException"/> when the region cannot be registered (the slot stays free).
    /// </summary>
    public bool TryTake(out StagingSlot slot)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_free.TryPeek(out var index))
        {
            slot = default;
            return false;
        }

        var regionIndex = index / SlotsPerRegion;
        var region = _regions[regionIndex] ??= _domain.AllocateAndRegister((nint)SlotsPerRegion * SlotSize, MemoryAccess.LocalWrite);
        _ = _free.Pop();
        slot = new StagingSlot(index, region, (index % SlotsPerRegion) * SlotSize);
        return true;
    }

    public void Release(int slot) => _free.Push(slot);

    public void Dispose()
    {
        _disposed = true;
        foreach (var region in _regions)
        {
            region?.Dispose();
        }
    }
}

/// <summary>One connection's staging: its slot number, the region holding it and where in that region it starts.</summary>
internal readonly record struct StagingSlot(int Index, IMemoryRegion Region, int Offset);
