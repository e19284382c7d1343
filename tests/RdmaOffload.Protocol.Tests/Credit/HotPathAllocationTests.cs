using RdmaOffload.Protocol.Credit;
using RdmaOffload.Protocol.Messages;
using RdmaOffload.Protocol.Wire;

namespace RdmaOffload.Protocol.Tests.Credit;

/// <summary>The per-message path (descriptors, completions, credit) allocates nothing once a connection exists.</summary>
public sealed class HotPathAllocationTests
{
    [Test]
    public void Encoding_decoding_credit_and_completion_allocate_nothing()
    {
        var credit = new ReceiveCredit(64);
        var hostCredit = new ReceiveCredit(64);
        var sends = new SendDescriptorQueue(64);
        var hostSends = new SendDescriptorQueue(64);
        var buffer = new byte[4096];

        RunMessages(credit, hostCredit, sends, hostSends, buffer, rounds: 50);
        var before = GC.GetAllocatedBytesForCurrentThread();
        RunMessages(credit, hostCredit, sends, hostSends, buffer, rounds: 1000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.That(allocated, Is.Zero);
    }

    private static void RunMessages(ReceiveCredit credit, ReceiveCredit hostCredit, SendDescriptorQueue sends,
        SendDescriptorQueue hostSends, byte[] buffer, int rounds)
    {
        for (var round = 0; round < rounds; round++)
        {
            var id = (uint)round;
            var writer = new FrameBatchWriter(buffer);
            var post = new PostReceiveBuffer(id, 9, 0x1000, 1500);
            var descriptor = new SendDescriptor(id, 9, 0x8000, 700);
            Require(writer.TryAppend(3, post) && writer.TryAppend(3, descriptor));
            Require(hostCredit.Post(post).IsAccepted && hostSends.Enqueue(descriptor).IsAccepted);

            var reader = new FrameBatchReader(writer.Written);
            while (reader.TryReadNext(out var frame))
            {
                if (FrameCodec.TryDecode(frame, out PostReceiveBuffer p) == DecodeStatus.Ok)
                {
                    Require(credit.Post(p).IsAccepted);
                }
                else if (FrameCodec.TryDecode(frame, out SendDescriptor d) == DecodeStatus.Ok)
                {
                    Require(sends.Enqueue(d).IsAccepted);
                }
            }

            var replies = new FrameBatchWriter(buffer);
            while (credit.TryPlaceWrite(1000, out var placement))
            {
                Require(replies.TryAppend(3, placement.ToDataWritten()));
                Require(hostCredit.OnDataWritten(placement.ToDataWritten(), out _).IsAccepted);
                if (placement.ByteCount < 1000)
                {
                    break;
                }
            }

            Require(sends.TryLocate(sends.AcknowledgedBytes, 1460, out _));
            Require(sends.Acknowledge(sends.QueuedBytes).IsAccepted);
            while (sends.TryDequeueCompleted(out var done))
            {
                var completion = new SendCompleted(done.DescriptorId);
                Require(replies.TryAppend(3, completion));
                Require(hostSends.OnCompleted(completion, out _).IsAccepted);
            }

            var back = new FrameBatchReader(replies.Written);
            while (back.TryReadNext(out var frame))
            {
                _ = FrameCodec.TryDecode(frame, out DataWritten _);
            }

            Require(back.IsComplete);
        }
    }

    // Assert.That would allocate in the measured loop; a plain check keeps the measurement honest.
    private static void Require(bool condition)
    {
        if (!condition)
        {
            throw new InvalidOperationException("Hot-path step failed.");
        }
    }
}
