using System.Runtime.InteropServices;
using RdmaOffload.Verbs.ManagedRoce.Memory;

namespace RdmaOffload.Verbs.ManagedRoce;

/// <summary>A protection domain: its own key table, so keys of one domain mean nothing in another.</summary>
internal sealed class ManagedProtectionDomain : IProtectionDomain
{
    private readonly ManagedRoceDevice _device;

    public ManagedProtectionDomain(ManagedRoceDevice device) => _device = device;

    public IRdmaDevice Device => _device;

    internal MemoryKeyTable Keys { get; } = new();

    public unsafe IMemoryRegion AllocateAndRegister(nint length, MemoryAccess access)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);

        // Safe: a fresh page-aligned block of exactly `length` bytes, zeroed before anyone sees it;
        // ManagedMemoryRegion.Dispose frees it after invalidating its key.
        void* memory = NativeMemory.AlignedAlloc((nuint)length, 4096);
        NativeMemory.Clear(memory, (nuint)length);
        try
        {
            return new ManagedMemoryRegion(Keys.Register((nint)memory, length, access), ownsMemory: true);
        }
        catch
        {
            NativeMemory.AlignedFree(memory);
            throw;
        }
    }

    public IMemoryRegion Register(nint address, nint length, MemoryAccess access)
    {
        if (address == 0 && length != 0)
        {
            throw new RdmaException("ibv_reg_mr", 14);
        }

        return new ManagedMemoryRegion(Keys.Register(address, length, access), ownsMemory: false);
    }

    public IQueuePair CreateQueuePair(QueuePairOptions options) => _device.CreateQueuePair(this, options);

    public void Dispose()
    {
        // Regions and QPs are owned and disposed by the caller; nothing native to free here.
    }
}
