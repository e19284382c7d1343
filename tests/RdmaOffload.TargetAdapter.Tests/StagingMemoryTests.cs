using RdmaOffload.TargetAdapter.Links;
using RdmaOffload.Verbs;

namespace RdmaOffload.TargetAdapter.Tests;

public sealed class StagingMemoryTests
{
    private const int DefaultSlotSize = (64 + 256) * 1024; // the default write + read staging

    [Test]
    public void Ten_thousand_default_slots_never_overlap_and_every_offset_lies_inside_a_region_a_span_can_cover()
    {
        var domain = new RecordingDomain();
        using var staging = new StagingMemory(domain, slotCount: 10_064, DefaultSlotSize);
        var seen = new HashSet<(IMemoryRegion, int)>();
        for (int i = 0; i < 10_064; i++)
        {
            Assert.That(staging.TryTake(out var slot), Is.True);
            Assert.That(slot.Index, Is.EqualTo(i));
            Assert.That(slot.Offset, Is.GreaterThanOrEqualTo(0));
            Assert.That((long)slot.Offset + DefaultSlotSize, Is.LessThanOrEqualTo((long)slot.Region.Length), $"slot {i}");
            Assert.That(seen.Add((slot.Region, slot.Offset)), Is.True, $"slot {i} overlaps another");
        }

        Assert.That(staging.TryTake(out _), Is.False, "every slot taken");
        Assert.That(domain.Allocated, Has.All.LessThanOrEqualTo((nint)int.MaxValue));
        Assert.That(domain.Allocated.Sum(length => (long)length), Is.LessThan(10_064L * DefaultSlotSize + StagingMemory.RegionTargetBytes));
    }

    [Test]
    public void Regions_are_registered_as_slots_are_first_needed_and_freed_slots_are_reused_first()
    {
        var domain = new RecordingDomain();
        using var staging = new StagingMemory(domain, slotCount: 10_000, DefaultSlotSize);
        Assert.That(domain.Allocated, Is.Empty, "nothing registered before a connection needs it");

        Assert.That(staging.TryTake(out var first), Is.True);
        Assert.That(domain.Allocated, Has.Count.EqualTo(1));
        for (int i = 1; i < staging.SlotsPerRegion; i++)
        {
            Assert.That(staging.TryTake(out _), Is.True);
        }

        Assert.That(domain.Allocated, Has.Count.EqualTo(1), "one region holds the first SlotsPerRegion slots");
        staging.Release(first.Index);
        Assert.That(staging.TryTake(out var again), Is.True);
        Assert.That(again, Is.EqualTo(first));
        Assert.That(staging.TryTake(out var next), Is.True);
        Assert.That(domain.Allocated, Has.Count.EqualTo(2));
        Assert.That(next.Offset, Is.Zero);
    }

    [Test]
    public void A_slot_larger_than_the_region_target_gets_a_region_of_its_own()
    {
        var domain = new RecordingDomain();
        using var staging = new StagingMemory(domain, slotCount: 20, slotSize: (128 * 1024 * 1024) + (64 * 1024));
        for (int i = 0; i < 20; i++)
        {
            Assert.That(staging.TryTake(out var slot), Is.True);
            Assert.That(slot.Offset, Is.Zero);
        }

        Assert.That(domain.Allocated, Has.Count.EqualTo(20));
    }

    [Test]
    public void A_region_that_cannot_be_registered_fails_the_take_and_leaves_the_slot_free()
    {
        var domain = new RecordingDomain { FailNext = true };
        using var staging = new StagingMemory(domain, slotCount: 4, DefaultSlotSize);
        Assert.That(() => staging.TryTake(out _), Throws.TypeOf<RdmaException>());
        Assert.That(staging.FreeCount, Is.EqualTo(4));

        Assert.That(staging.TryTake(out var slot), Is.True);
        Assert.That(slot.Index, Is.Zero);
    }

    /// <summary>Hands out regions that are never touched, remembering their lengths.</summary>
    private sealed class RecordingDomain : IProtectionDomain
    {
        public List<nint> Allocated { get; } = [];

        public bool FailNext { get; set; }

        public IRdmaDevice Device => throw new NotSupportedException();

        public IMemoryRegion AllocateAndRegister(nint length, MemoryAccess access)
        {
            if (FailNext)
            {
                FailNext = false;
                throw new RdmaException("ibv_reg_mr", 12);
            }

            Allocated.Add(length);
            return new UntouchedRegion(length, access);
        }

        public IMemoryRegion Register(nint address, nint length, MemoryAccess access) => throw new NotSupportedException();

        public IQueuePair CreateQueuePair(QueuePairOptions options) => throw new NotSupportedException();

        public void Dispose()
        {
        }
    }

    private sealed class UntouchedRegion(nint length, MemoryAccess access) : IMemoryRegion
    {
        public nint Address => 0x1000;

        public nint Length => length;

        public uint LocalKey => 1;

        public uint RemoteKey => 1;

        public MemoryAccess Access => access;

        public Span<byte> Span => throw new NotSupportedException();

        public ScatterGatherEntry Slice(long offset, int length) => throw new NotSupportedException();

        public void Dispose()
        {
        }
    }
}
