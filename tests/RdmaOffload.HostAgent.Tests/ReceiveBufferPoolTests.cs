using RdmaOffload.HostAgent.Memory;

namespace RdmaOffload.HostAgent.Tests;

/// <summary>The posted receive buffers: every buffer of a link usable, however many add up to more than 2 GiB.</summary>
[TestFixture]
[NonParallelizable]
public sealed class ReceiveBufferPoolTests
{
    [Test]
    public void Buffers_past_2_GiB_are_addressable_and_readable()
    {
        // 35,000 connections × 2 buffers × 32 KiB: 2.1 GiB. With one region, the buffers past 2 GiB were read
        // through a truncated span at a negative offset (the untouched pages cost no resident memory here).
        const int count = 70_000;
        const int size = 32 * 1024;
        using var registered = new LeakCheckedPool();
        using var pool = new ReceiveBufferPool(registered.Domain, count, size);
        var last = (uint)(count - 1);

        Assert.That(pool.Read(last, 0, size).Length, Is.EqualTo(size));
        Assert.That(pool.Read(last, size - 1, 1).Length, Is.EqualTo(1));
        Assert.That(pool.BuffersPerRegion * (long)size, Is.LessThanOrEqualTo(int.MaxValue));

        // Neighbouring buffers are contiguous inside a region; a region boundary changes the address base and key.
        var perRegion = (uint)pool.BuffersPerRegion;
        Assert.That(pool.AddressOf(1) - pool.AddressOf(0), Is.EqualTo((ulong)size));
        Assert.That(pool.RemoteKeyOf(perRegion - 1), Is.EqualTo(pool.RemoteKeyOf(0)));
        Assert.That(pool.RemoteKeyOf(perRegion), Is.Not.EqualTo(pool.RemoteKeyOf(0)));
        Assert.That(pool.RemoteKeyOf(last), Is.Not.EqualTo(pool.RemoteKeyOf(0)));

        var ids = new HashSet<uint>();
        while (pool.TryRent(out var id))
        {
            Assert.That(ids.Add(id), Is.True);
        }

        Assert.That(ids, Has.Count.EqualTo(count));
    }
}
