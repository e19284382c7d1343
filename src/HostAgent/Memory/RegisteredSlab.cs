using System.Runtime.InteropServices;
using RdmaOffload.Verbs;

namespace RdmaOffload.HostAgent.Memory;

/// <summary>
/// A pinned-heap array registered as one memory region with remote READ access. The array is kept alive by the
/// blocks carved from it, so memory still held by a renter stays valid (just no longer registered) after the
/// pool is disposed.
/// </summary>
internal sealed class RegisteredSlab : IDisposable
{
    private readonly IMemoryRegion _region;
    private int _disposed;

    public RegisteredSlab(IProtectionDomain domain, int length)
    {
        Array = GC.AllocateArray<byte>(length, pinned: true);
        _region = domain.Register(Marshal.UnsafeAddrOfPinnedArrayElement(Array, 0), length, MemoryAccess.RemoteRead);
    }

    public byte[] Array { get; }

    public uint RemoteKey => _region.RemoteKey;

    public bool TryGetRemote(int offset, out ulong address, out uint remoteKey)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            address = 0;
            remoteKey = 0;
            return false;
        }

        address = (ulong)_region.Address + (ulong)offset;
        remoteKey = _region.RemoteKey;
        return true;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _region.Dispose();
        }
    }
}
