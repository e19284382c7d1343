using System.Threading.Channels;
using RdmaOffload.Verbs;

namespace RdmaOffload.HostAgent.Memory;

/// <summary>
/// Equal send buffers in one registered region the adapter RDMA-READs from. Renting waits while every buffer is
/// in flight, which is the host's send back-pressure: memory stays bounded however fast the application writes.
/// A buffer's index is the descriptor id on the wire. Thread-safe.
/// </summary>
internal sealed class SendBufferPool : IDisposable
{
    private readonly IMemoryRegion _region;
    private readonly Channel<uint> _free;

    public SendBufferPool(IProtectionDomain domain, int count, int bufferSize)
    {
        BufferSize = bufferSize;
        _region = domain.AllocateAndRegister((nint)count * bufferSize, MemoryAccess.LocalWrite | MemoryAccess.RemoteRead);
        _free = Channel.CreateBounded<uint>(count);
        for (uint i = 0; i < count; i++)
        {
            _ = _free.Writer.TryWrite(i);
        }
    }

    public int BufferSize { get; }

    public uint RemoteKey => _region.RemoteKey;

    public ValueTask<uint> RentAsync(CancellationToken cancellationToken) => _free.Reader.ReadAsync(cancellationToken);

    public void Return(uint bufferId) => _ = _free.Writer.TryWrite(bufferId);

    public ulong AddressOf(uint bufferId) => (ulong)_region.Address + ((ulong)bufferId * (ulong)BufferSize);

    public Span<byte> Buffer(uint bufferId) => _region.Span.Slice((int)(bufferId * (long)BufferSize), BufferSize);

    public void Dispose() => _region.Dispose();
}
