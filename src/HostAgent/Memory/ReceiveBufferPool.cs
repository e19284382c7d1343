using RdmaOffload.Verbs;

namespace RdmaOffload.HostAgent.Memory;

/// <summary>
/// Equal receive buffers the adapter may RDMA-WRITE into, carved from registered regions of about
/// <see cref="RegionTargetBytes"/> each, so every offset fits an <see cref="int"/> and a region's
/// <see cref="IMemoryRegion.Span"/> (at most 2 GiB) covers it however many connections the link takes. A buffer's
/// id on the wire is its index, so ids are unique across every connection of the link. Used under the link's lock.
/// </summary>
internal sealed class ReceiveBufferPool : IDisposable
{
    /// <summary>Registered bytes a region aims at (a buffer larger than this gets a region of its own).</summary>
    internal const int RegionTargetBytes = 64 * 1024 * 1024;

    private readonly IMemoryRegion[] _regions;
    private readonly Stack<uint> _free;

    public ReceiveBufferPool(IProtectionDomain domain, int count, int bufferSize)
    {
        BufferSize = bufferSize;
        BuffersPerRegion = Math.Clamp(RegionTargetBytes / bufferSize, 1, count);
        _regions = new IMemoryRegion[(count + BuffersPerRegion - 1) / BuffersPerRegion];
        try
        {
            for (int i = 0; i < _regions.Length; i++)
            {
                var buffers = Math.Min(BuffersPerRegion, count - (i * BuffersPerRegion));
                _regions[i] = domain.AllocateAndRegister((nint)buffers * bufferSize, MemoryAccess.LocalWrite | MemoryAccess.RemoteWrite);
            }
        }
        catch
        {
            Dispose();
            throw;
        }

        _free = new Stack<uint>(Enumerable.Range(0, count).Select(i => (uint)(count - 1 - i)));
    }

    public int BufferSize { get; }

    public int BuffersPerRegion { get; }

    public int FreeCount => _free.Count;

    public bool TryRent(out uint bufferId) => _free.TryPop(out bufferId);

    public void Return(uint bufferId) => _free.Push(bufferId);

    public uint RemoteKeyOf(uint bufferId) => RegionOf(bufferId).RemoteKey;

    public ulong AddressOf(uint bufferId) => (ulong)RegionOf(bufferId).Address + (ulong)OffsetOf(bufferId);

    /// <summary>The bytes of one buffer; safe to read from any thread once the adapter reported them written.</summary>
    public ReadOnlySpan<byte> Read(uint bufferId, uint offset, uint count) =>
        RegionOf(bufferId).Span.Slice(OffsetOf(bufferId) + (int)offset, (int)count);

    public void Dispose()
    {
        foreach (var region in _regions)
        {
            region?.Dispose();
        }
    }

    private IMemoryRegion RegionOf(uint bufferId) => _regions[bufferId / (uint)BuffersPerRegion];

    private int OffsetOf(uint bufferId) => (int)(bufferId % (uint)BuffersPerRegion) * BufferSize;
}
