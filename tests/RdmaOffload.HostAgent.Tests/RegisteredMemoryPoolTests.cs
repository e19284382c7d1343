using System.Buffers;
using System.Runtime.CompilerServices;
using RdmaOffload.HostAgent.Memory;

namespace RdmaOffload.HostAgent.Tests;

/// <summary>The registered pool: block sizes, growth and its bound, mapping memory back to (address, rkey), leaks.</summary>
[TestFixture]
[NonParallelizable]
public sealed class RegisteredMemoryPoolTests
{
    private static readonly RegisteredMemoryPoolOptions Small = new() { BlockSize = 4096, BlocksPerSlab = 4, MaxSlabs = 2, CaptureRenterStacks = true };

    [Test]
    public void Blocks_are_block_sized_registered_and_reused_after_return()
    {
        using var checkedPool = new LeakCheckedPool(Small);
        var pool = checkedPool.Pool;
        Assert.That(pool.MaxBufferSize, Is.EqualTo(4096), "the true largest block: pipes take larger segments elsewhere");
        Assert.That(pool.SlabCount, Is.Zero, "nothing registered before the first rent");

        var first = pool.Rent(100);
        Assert.That(first.Memory.Length, Is.EqualTo(4096));
        Assert.That(pool.TryGetRemote(first.Memory, out var firstAddress, out var firstKey), Is.True);
        Assert.That((pool.SlabCount, pool.RentedBlocks), Is.EqualTo((1, 1L)));

        first.Memory.Span.Fill(0xA5);
        first.Dispose();
        first.Dispose(); // a second return is ignored
        Assert.That(pool.RentedBlocks, Is.Zero);

        using var again = pool.Rent();
        Assert.That(pool.TryGetRemote(again.Memory, out var againAddress, out var againKey), Is.True);
        Assert.That((againAddress, againKey), Is.EqualTo((firstAddress, firstKey)), "the returned block is handed out again");
        Assert.That(() => pool.Rent(4097), Throws.InstanceOf<ArgumentOutOfRangeException>());
        checkedPool.AssertNoLeaks();
    }

    [Test]
    public void Any_slice_of_a_block_maps_to_its_address_and_rkey_and_foreign_memory_does_not()
    {
        using var checkedPool = new LeakCheckedPool(Small);
        var pool = checkedPool.Pool;
        using var a = pool.Rent();
        using var b = pool.Rent();
        Assert.That(pool.TryGetRemote(a.Memory, out var aAddress, out var aKey), Is.True);
        Assert.That(pool.TryGetRemote(b.Memory, out var bAddress, out var bKey), Is.True);
        Assert.That(bKey, Is.EqualTo(aKey), "one slab, one registration");
        Assert.That(bAddress, Is.EqualTo(aAddress + 4096), "consecutive rents are consecutive blocks");

        ReadOnlyMemory<byte> slice = a.Memory.Slice(1000, 10);
        Assert.That(pool.TryGetRemote(slice, out var sliceAddress, out var sliceKey), Is.True);
        Assert.That((sliceAddress, sliceKey), Is.EqualTo((aAddress + 1000, aKey)));

        Assert.That(pool.TryGetRemote(new byte[100], out _, out _), Is.False, "an array is not registered");
        Assert.That(pool.TryGetRemote(MemoryPool<byte>.Shared.Rent(10).Memory, out _, out _), Is.False, "another pool's memory is not registered");
        using var other = new LeakCheckedPool(Small);
        using var otherBlock = other.Pool.Rent();
        Assert.That(pool.TryGetRemote(otherBlock.Memory, out _, out _), Is.False, "another domain's registration is not ours");
    }

    [Test]
    public void The_pool_grows_a_slab_at_a_time_up_to_its_bound_then_hands_out_unregistered_memory()
    {
        using var checkedPool = new LeakCheckedPool(Small);
        var pool = checkedPool.Pool;
        var blocks = Enumerable.Range(0, 8).Select(_ => pool.Rent()).ToList();
        Assert.That(pool.SlabCount, Is.EqualTo(2));
        Assert.That(blocks.All(b => pool.TryGetRemote(b.Memory, out _, out _)), Is.True);

        using var beyond = pool.Rent();
        Assert.That(pool.SlabCount, Is.EqualTo(2), "no slab past the bound");
        Assert.That(beyond.Memory.Length, Is.EqualTo(4096));
        Assert.That(pool.TryGetRemote(beyond.Memory, out _, out _), Is.False, "past the bound: ordinary memory");
        Assert.That(pool.UnregisteredRents, Is.EqualTo(1));

        blocks[3].Dispose();
        using var returned = pool.Rent();
        Assert.That(pool.TryGetRemote(returned.Memory, out _, out _), Is.True, "a returned block is registered memory again");
        foreach (var block in blocks)
        {
            block.Dispose();
        }
    }

    [Test]
    public void Application_regions_are_registered_until_disposed()
    {
        using var checkedPool = new LeakCheckedPool(Small);
        var pool = checkedPool.Pool;
        var region = pool.AllocateRegion(100_000);
        Assert.That(region.Memory.Length, Is.EqualTo(100_000));
        Assert.That(pool.TryGetRemote(region.Memory[50_000..], out var address, out _), Is.True);
        Assert.That(pool.TryGetRemote(region.Memory, out var start, out _), Is.True);
        Assert.That(address, Is.EqualTo(start + 50_000));
        region.Dispose();
        Assert.That(pool.TryGetRemote(region.Memory, out _, out _), Is.False, "deregistered");
    }

    [Test]
    public void Disposing_the_pool_deregisters_memory_still_rented()
    {
        var checkedPool = new LeakCheckedPool(Small);
        var block = checkedPool.Pool.Rent();
        checkedPool.Dispose();
        Assert.That(checkedPool.Pool.TryGetRemote(block.Memory, out _, out _), Is.False);
        block.Memory.Span.Fill(1); // still valid memory
        block.Dispose();
    }

    [Test]
    public void A_block_collected_without_being_returned_is_reported_with_its_renters_stack()
    {
        using var checkedPool = new LeakCheckedPool(Small);
        RentAndDrop(checkedPool.Pool);

        var leaks = checkedPool.CollectLeaks();

        Assert.That(leaks, Has.Count.EqualTo(1));
        Assert.That(leaks[0], Does.Contain(nameof(RentAndDrop)));
        Assert.That(checkedPool.Pool.LeakedBlocks, Is.EqualTo(1));
        Assert.That(() => checkedPool.AssertNoLeaks(), Throws.InstanceOf<AssertionException>(), "the leak check fails the test");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RentAndDrop(RegisteredMemoryPool pool) => pool.Rent().Memory.Span[0] = 1;
}
