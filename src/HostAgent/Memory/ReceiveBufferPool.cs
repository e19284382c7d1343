using RdmaOffload.Verbs;

namespace RdmaOffload.HostAgent.Memory;

/// <summary>
/// Equal receive buffers carved from one registered region the adapter may RDMA-WRITE into. A buffer's id on the
/// wire is its index, so ids are unique across every connection of the link. Used under the link's lock.
/// </summary>
internal sealed class ReceiveBufferPool : IDisposable
{
    private readonly IMemoryRegion _region;
    private readonly Stack<uint> _free;

    public ReceiveBufferPool(IProtectionDomain domain, int count, int bufferSize)
    {
        BufferSize = bufferSize;
        _region = domain.AllocateAndRegister((nint)count * bufferSize, MemoryAccess.LocalWrite | MemoryAccess.RemoteWrite);
        _free = new Stack<uint>(Enumerable.Range(0, count).Select(i => (uint)(count - 1 - i)));
    }

    public int BufferSize { get; }

    public int FreeCount => _free.Count;

    public uint RemoteKey => _region.RemoteKey;

    public bool TryRent(out uint bufferId) => _free.TryPop(out bufferId);

    public void Return(uint bufferId) => _free.Push(bufferId);

    public ulong AddressOf(uint bufferId) => (ulong)_region.Address + ((ulong)bufferId * (ulong)BufferSize);

    /// <summary>The bytes of one buffer; safe to read from any thread once the adapter reported them written.</summary>
    public ReadOnlySpan<byte> Read(uint bufferId, uint offset, uint count) =>
        _region.Span.Slice((int)((bufferId * (long)BufferSize) + offset), (int)count);

    public void Dispose() => _region.Dispose();
}
