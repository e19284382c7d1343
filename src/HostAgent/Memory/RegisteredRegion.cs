using System.Buffers;

namespace RdmaOffload.HostAgent.Memory;

/// <summary>Registered memory an application owns (see <see cref="RegisteredMemoryPool.AllocateRegion"/>).</summary>
internal sealed class RegisteredRegion(RegisteredMemoryPool pool, RegisteredSlab slab, int length) : RegisteredMemoryManager
{
    public override RegisteredMemoryPool Pool => pool;

    public override Span<byte> GetSpan() => slab.Array.AsSpan(0, length);

    public override Memory<byte> Memory => CreateMemory(length);

    // A pinned-heap array never moves.
    public override MemoryHandle Pin(int elementIndex = 0) => slab.Array.AsMemory(elementIndex, length - elementIndex).Pin();

    public override void Unpin()
    {
    }

    public override bool TryGetRemote(int start, out ulong address, out uint remoteKey) => slab.TryGetRemote(start, out address, out remoteKey);

    public void Deregister() => slab.Dispose();

    protected override void Dispose(bool disposing)
    {
        slab.Dispose();
        pool.Forget(this);
    }
}
