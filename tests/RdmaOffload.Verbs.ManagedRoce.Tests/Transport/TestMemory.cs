using System.Runtime.InteropServices;
using RdmaOffload.Verbs.ManagedRoce.Memory;

namespace RdmaOffload.Verbs.ManagedRoce.Tests.Transport;

/// <summary>Native memory registered in a key table, freed on dispose.</summary>
internal sealed class TestMemory : IDisposable
{
    private readonly MemoryKeyTable _table;

    public TestMemory(MemoryKeyTable table, int length, MemoryAccess access)
    {
        _table = table;
        Length = length;
        Address = Marshal.AllocHGlobal(Math.Max(length, 1));
        Region = table.Register(Address, length, access);
        Span.Clear();
    }

    public nint Address { get; }

    public int Length { get; }

    public RegisteredMemory Region { get; }

    public uint Key => Region.Key;

    public Span<byte> Span => Region.GetSpan((ulong)Address, Length);

    public ScatterGatherEntry Entry(int offset, int length) => new((ulong)(Address + offset), (uint)length, Key);

    public void Fill(int seed)
    {
        new Random(seed).NextBytes(Span);
    }

    public void Dispose()
    {
        _table.Deregister(Region);
        Marshal.FreeHGlobal(Address);
    }
}
