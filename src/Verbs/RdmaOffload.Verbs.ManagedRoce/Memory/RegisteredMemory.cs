namespace RdmaOffload.Verbs.ManagedRoce.Memory;

/// <summary>
/// One registered range of native memory: what its key grants, and to which protection domain.
/// Invalidated (never reused) when the region is deregistered, so a stale key finds nothing.
/// </summary>
internal sealed class RegisteredMemory
{
    public RegisteredMemory(nint address, nint length, MemoryAccess access, uint key, MemoryKeyTable owner)
    {
        Address = address;
        Length = length;
        Access = access;
        Key = key;
        Owner = owner;
    }

    public nint Address { get; }

    public nint Length { get; }

    public MemoryAccess Access { get; }

    public uint Key { get; }

    public MemoryKeyTable Owner { get; }

    public bool IsValid { get; private set; } = true;

    public void Invalidate() => IsValid = false;

    /// <summary>True when [address, address+length) lies inside the region (overflow-safe).</summary>
    public bool Contains(ulong address, ulong length)
    {
        ulong start = (ulong)Address;
        ulong size = (ulong)Length;
        return address >= start && length <= size && address - start <= size - length;
    }

    /// <summary>The bytes at <paramref name="address"/>, which must lie inside the region.</summary>
    public unsafe Span<byte> GetSpan(ulong address, int length)
    {
        if (length < 0 || !Contains(address, (ulong)length))
        {
            throw new ArgumentOutOfRangeException(nameof(address), "outside the registered region");
        }

        // Safe: Contains() proved [address, address+length) is inside this region, and the region's
        // memory stays allocated (or, for caller memory, pinned by contract) while IsValid is true.
        return new Span<byte>((void*)(nint)address, length);
    }
}
