using System.Diagnostics.CodeAnalysis;

namespace RdmaOffload.Verbs.ManagedRoce.Memory;

/// <summary>
/// The memory keys of one protection domain. A key is (slot index &lt;&lt; 8 | generation), the same value
/// serving as lkey and rkey (as in rxe). Lookups are lock-free reads of an immutable-per-slot array,
/// so the packet path takes no lock.
/// </summary>
internal sealed class MemoryKeyTable
{
    private const int MaxSlots = 1 << 24;
    private readonly Lock _gate = new();
    private RegisteredMemory?[] _slots = new RegisteredMemory?[64];
    private byte[] _slotGenerations = new byte[64];

    public RegisteredMemory Register(nint address, nint length, MemoryAccess access)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if ((access & (MemoryAccess.RemoteWrite | MemoryAccess.RemoteAtomic)) != 0 && (access & MemoryAccess.LocalWrite) == 0)
        {
            // Same rule as ibv_reg_mr: remote write or atomic access requires local write.
            throw new RdmaException("ibv_reg_mr", 22);
        }

        lock (_gate)
        {
            int slot = Array.IndexOf(_slots, null, 1); // slot 0 stays unused so key 0 is never valid
            if (slot < 0)
            {
                slot = _slots.Length;
                if (slot >= MaxSlots)
                {
                    throw new RdmaException("ibv_reg_mr", 12);
                }

                Array.Resize(ref _slotGenerations, slot * 2);
                var grown = new RegisteredMemory?[slot * 2];
                _slots.CopyTo(grown, 0);
                Volatile.Write(ref _slots, grown);
            }

            byte generation = ++_slotGenerations[slot];
            var region = new RegisteredMemory(address, length, access, ((uint)slot << 8) | generation, this);
            Volatile.Write(ref _slots[slot], region);
            return region;
        }
    }

    public void Deregister(RegisteredMemory region)
    {
        lock (_gate)
        {
            int slot = (int)(region.Key >> 8);
            if (slot < _slots.Length && ReferenceEquals(_slots[slot], region))
            {
                region.Invalidate();
                Volatile.Write(ref _slots[slot], null);
            }
        }
    }

    public bool TryGet(uint key, [NotNullWhen(true)] out RegisteredMemory? region)
    {
        var slots = Volatile.Read(ref _slots);
        int slot = (int)(key >> 8);
        region = slot < slots.Length ? Volatile.Read(ref slots[slot]) : null;
        if (region is null || region.Key != key || !region.IsValid)
        {
            region = null;
            return false;
        }

        return true;
    }

    /// <summary>Resolves local memory for the QP's own work requests.</summary>
    public bool TryGetLocal(uint lkey, ulong address, int length, MemoryAccess required, out Span<byte> memory)
    {
        memory = default;
        if (!TryGet(lkey, out var region) || (region.Access & required) != required || !region.Contains(address, (ulong)length))
        {
            return false;
        }

        memory = region.GetSpan(address, length);
        return true;
    }

    /// <summary>Resolves memory a peer names with an rkey, checking rights and bounds.</summary>
    public bool TryGetRemote(uint rkey, ulong address, ulong length, MemoryAccess required, [NotNullWhen(true)] out RegisteredMemory? region)
    {
        if (!TryGet(rkey, out region) || (region.Access & required) != required || !region.Contains(address, length))
        {
            region = null;
            return false;
        }

        return true;
    }
}
