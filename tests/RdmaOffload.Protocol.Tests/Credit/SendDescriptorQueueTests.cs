using FsCheck;
using FsCheck.Fluent;
using RdmaOffload.Protocol.Credit;
using RdmaOffload.Protocol.Messages;

namespace RdmaOffload.Protocol.Tests.Credit;

public sealed class SendDescriptorQueueTests
{
    /// <summary>A random step: queue a descriptor of the given size, or let the client acknowledge more bytes.</summary>
    public readonly record struct QueueStep(bool Enqueue, int Amount);

    private static readonly Gen<QueueStep> Steps = Gen.OneOf(
        Gen.Choose(1, 5000).Select(n => new QueueStep(true, n)),
        Gen.Choose(0, 8000).Select(n => new QueueStep(false, n)));

    [Test]
    public void Every_descriptor_completes_exactly_once_in_order_and_only_when_fully_acknowledged() =>
        Prop.ForAll(Gen.ListOf(Steps).ToArbitrary(), steps =>
        {
            var adapter = new SendDescriptorQueue(maxOutstanding: 16);
            var host = new SendDescriptorQueue(maxOutstanding: 16);
            var ends = new Dictionary<uint, long>();
            var posted = new List<uint>();
            var completed = new List<uint>();
            long acked = 0;
            uint nextId = 1;

            void Complete()
            {
                while (adapter.TryDequeueCompleted(out var done))
                {
                    Assert.That(ends[done.DescriptorId], Is.LessThanOrEqualTo(acked), "complete only once every byte is acked");
                    Assert.That(host.OnCompleted(new SendCompleted(done.DescriptorId), out var mirrored), Is.EqualTo(Verdict.Accepted));
                    Assert.That(mirrored, Is.EqualTo(done));
                    completed.Add(done.DescriptorId);
                }

                // Nothing completable is left behind: the oldest outstanding descriptor still has unacked bytes.
                if (adapter.Count > 0)
                {
                    Assert.That(ends[posted[completed.Count]], Is.GreaterThan(acked));
                }
            }

            foreach (var step in steps)
            {
                if (step.Enqueue)
                {
                    var descriptor = new SendDescriptor(nextId, 0x55, 0x7000_0000UL + ((ulong)nextId << 20), (uint)step.Amount);
                    var verdict = adapter.Enqueue(descriptor);
                    Assert.That(host.Enqueue(descriptor), Is.EqualTo(verdict));
                    if (verdict.IsAccepted)
                    {
                        ends[nextId] = adapter.QueuedBytes;
                        posted.Add(nextId);
                    }

                    nextId++;
                }
                else
                {
                    acked = Math.Min(adapter.QueuedBytes, acked + step.Amount);
                    Assert.That(adapter.Acknowledge(acked), Is.EqualTo(Verdict.Accepted));
                    Complete();
                }

                Assert.That(adapter.AcknowledgedBytes, Is.EqualTo(acked));
                Assert.That(adapter.UnacknowledgedBytes, Is.EqualTo(adapter.QueuedBytes - acked));
            }

            acked = adapter.QueuedBytes;
            adapter.Acknowledge(acked);
            Complete();
            Assert.That(completed, Is.EqualTo(posted), "each exactly once, in posting order");
            Assert.That(adapter.Count, Is.Zero);
            Assert.That(host.Count, Is.Zero);
            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));

    [Test]
    public void Located_slices_tile_the_unacknowledged_stream_exactly() =>
        Prop.ForAll(Gen.NonEmptyListOf(Gen.Choose(1, 3000)).ToArbitrary(), Gen.Choose(1, 4096).ToArbitrary(),
            Gen.Choose(0, 5000).ToArbitrary(), (sizes, segment, ackedCandidate) =>
            {
                var queue = new SendDescriptorQueue(sizes.Count);
                var starts = new long[sizes.Count + 1];
                for (var i = 0; i < sizes.Count; i++)
                {
                    queue.Enqueue(new SendDescriptor((uint)i, (uint)(0x100 + i), AddressOf(i), (uint)sizes[i]));
                    starts[i + 1] = starts[i] + sizes[i];
                }

                var total = starts[^1];
                var acked = Math.Min(ackedCandidate, total);
                queue.Acknowledge(acked);
                var offset = acked;
                while (queue.TryLocate(offset, (uint)segment, out var slice))
                {
                    // The slice starts at the right byte of the right descriptor and stays inside it.
                    var index = (int)slice.DescriptorId;
                    Assert.That(offset, Is.InRange(starts[index], starts[index + 1] - 1));
                    Assert.That(slice.RemoteAddress, Is.EqualTo(AddressOf(index) + (ulong)(offset - starts[index])));
                    Assert.That(slice.RemoteKey, Is.EqualTo(0x100 + slice.DescriptorId));
                    Assert.That(slice.Length, Is.EqualTo(Math.Min(segment, starts[index + 1] - offset)));
                    offset += slice.Length;
                }

                Assert.That(offset, Is.EqualTo(total), "every unacked byte is reachable");
                // Acknowledged bytes are released: they are no longer located.
                return acked == 0 || !queue.TryLocate(acked - 1, 1, out _);
            }).Check(Config.QuickThrowOnFailure.WithMaxTest(200));

    private static ulong AddressOf(int index) => 0x1_0000_0000UL * (ulong)(index + 1);

    [Test]
    public void A_descriptor_completes_across_several_acks_and_partial_acks_complete_nothing()
    {
        var queue = new SendDescriptorQueue(4);
        queue.Enqueue(new SendDescriptor(10, 1, 0x1000, 1000));
        queue.Enqueue(new SendDescriptor(11, 1, 0x9000, 10));

        queue.Acknowledge(400);
        Assert.That(queue.TryDequeueCompleted(out _), Is.False);
        queue.Acknowledge(999);
        Assert.That(queue.TryDequeueCompleted(out _), Is.False);
        queue.Acknowledge(1005);
        Assert.That(queue.TryDequeueCompleted(out var done), Is.True);
        Assert.That(done.DescriptorId, Is.EqualTo(10u));
        Assert.That(queue.TryDequeueCompleted(out _), Is.False, "the second is only half acknowledged");
        Assert.That(queue.TryLocate(1005, 100, out var rest), Is.True);
        Assert.That(rest, Is.EqualTo(new SendSlice(11, 0x9005, 1, 5)));
    }

    [Test]
    public void Acknowledgments_are_checked()
    {
        var queue = new SendDescriptorQueue(4);
        queue.Enqueue(new SendDescriptor(1, 1, 0, 100));
        Assert.That(queue.Acknowledge(101).Error, Is.EqualTo(ProtocolErrorCode.SendQueueViolation), "beyond what was queued");
        Assert.That(queue.Acknowledge(50), Is.EqualTo(Verdict.Accepted));
        Assert.That(queue.Acknowledge(50), Is.EqualTo(Verdict.Accepted), "duplicate ack");
        Assert.That(queue.Acknowledge(20), Is.EqualTo(Verdict.Ignored), "stale ack");
        Assert.That(queue.AcknowledgedBytes, Is.EqualTo(50));
    }

    [Test]
    public void Enqueue_rejects_duplicates_and_overflow_and_host_rejects_out_of_order_completions()
    {
        var queue = new SendDescriptorQueue(2);
        Assert.That(queue.Enqueue(new SendDescriptor(1, 1, 0, 10)), Is.EqualTo(Verdict.Accepted));
        Assert.That(queue.Enqueue(new SendDescriptor(1, 1, 0, 10)).Error, Is.EqualTo(ProtocolErrorCode.SendQueueViolation));
        Assert.That(queue.Enqueue(new SendDescriptor(2, 1, 0, 10)), Is.EqualTo(Verdict.Accepted));
        Assert.That(queue.Enqueue(new SendDescriptor(3, 1, 0, 10)).Error, Is.EqualTo(ProtocolErrorCode.SendQueueViolation));

        Assert.That(queue.OnCompleted(new SendCompleted(2), out _).Error, Is.EqualTo(ProtocolErrorCode.SendQueueViolation));
        Assert.That(queue.OnCompleted(new SendCompleted(1), out var first), Is.EqualTo(Verdict.Accepted));
        Assert.That(first.DescriptorId, Is.EqualTo(1u));
        Assert.That(queue.OnCompleted(new SendCompleted(1), out _).IsViolation, Is.True, "completed twice");
        Assert.That(queue.AcknowledgedBytes, Is.EqualTo(10));
    }

    [Test]
    public void Reclaim_after_reset_returns_outstanding_descriptors_in_order()
    {
        var queue = new SendDescriptorQueue(4);
        queue.Enqueue(new SendDescriptor(7, 1, 0, 10));
        queue.Enqueue(new SendDescriptor(8, 1, 0, 10));
        Assert.That(queue.TryReclaim(out var first), Is.True);
        Assert.That(queue.TryReclaim(out var second), Is.True);
        Assert.That((first.DescriptorId, second.DescriptorId), Is.EqualTo((7u, 8u)));
        Assert.That(queue.TryReclaim(out _), Is.False);
    }
}
