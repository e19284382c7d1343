using FsCheck;
using FsCheck.Fluent;
using RdmaOffload.Protocol.Credit;
using RdmaOffload.Protocol.Messages;

namespace RdmaOffload.Protocol.Tests.Credit;

public sealed class ReceiveCreditTests
{
    private const long MaxWindow = 1 << 20;

    /// <summary>A random step: post a buffer of the given length, or have the client deliver some bytes.</summary>
    public readonly record struct CreditStep(bool Post, int Amount);

    private static readonly Gen<CreditStep> Steps = Gen.OneOf(
        Gen.Choose(1, 70_000).Select(n => new CreditStep(true, n)),
        Gen.Choose(1, 200_000).Select(n => new CreditStep(false, n)));

    [Test]
    public void Credit_never_goes_negative_never_overcommits_and_both_ends_agree() =>
        Prop.ForAll(Gen.ListOf(Steps).ToArbitrary(), steps =>
        {
            var adapter = new ReceiveCredit(maxPostedBuffers: 8);
            var host = new ReceiveCredit(maxPostedBuffers: 8);
            var buffers = new Dictionary<uint, PostReceiveBuffer>();
            var postingOrder = new Queue<uint>();
            long posted = 0, written = 0, lastRightEdge = 0;
            uint nextId = 100;

            foreach (var step in steps)
            {
                if (step.Post)
                {
                    var buffer = new PostReceiveBuffer(nextId++, 0xABC, 0x10_0000_0000UL * nextId, (uint)step.Amount);
                    var verdict = adapter.Post(buffer);
                    Assert.That(host.Post(buffer), Is.EqualTo(verdict));
                    if (verdict.IsAccepted)
                    {
                        buffers[buffer.BufferId] = buffer;
                        postingOrder.Enqueue(buffer.BufferId);
                        posted += buffer.Length;
                    }
                    else
                    {
                        Assert.That(adapter.PostedBuffers, Is.EqualTo(8), "only a full queue refuses a fresh id");
                    }
                }
                else
                {
                    // The client delivers step.Amount bytes; the adapter accepts only what credit covers.
                    var freeBefore = adapter.FreeBytes;
                    long delivered = 0;
                    while (adapter.TryPlaceWrite(step.Amount - delivered, out var placement))
                    {
                        var buffer = buffers[placement.BufferId];
                        Assert.That(placement.BufferId, Is.EqualTo(postingOrder.Peek()), "buffers fill in posting order");
                        Assert.That(placement.ByteCount, Is.Positive);
                        Assert.That((ulong)placement.Offset + placement.ByteCount, Is.LessThanOrEqualTo(buffer.Length));
                        Assert.That(placement.RemoteAddress, Is.EqualTo(buffer.Address + placement.Offset));
                        Assert.That(placement.RemoteKey, Is.EqualTo(buffer.RemoteKey));
                        Assert.That(placement.FillsBuffer, Is.EqualTo(placement.Offset + placement.ByteCount == buffer.Length));
                        Assert.That(host.OnDataWritten(placement.ToDataWritten(), out var filled), Is.EqualTo(Verdict.Accepted));
                        Assert.That(filled.HasValue, Is.EqualTo(placement.FillsBuffer));
                        if (placement.FillsBuffer)
                        {
                            postingOrder.Dequeue();
                        }

                        delivered += placement.ByteCount;
                    }

                    Assert.That(delivered, Is.EqualTo(Math.Min(step.Amount, freeBefore)), "all credit used, none beyond it");
                    written += delivered;
                }

                var window = adapter.AdvertisableWindow(MaxWindow);
                var rightEdge = written + window;
                Assert.That(adapter.FreeBytes, Is.EqualTo(posted - written));
                Assert.That(adapter.FreeBytes, Is.GreaterThanOrEqualTo(0));
                Assert.That(host.FreeBytes, Is.EqualTo(adapter.FreeBytes));
                Assert.That(adapter.BytesWritten, Is.EqualTo(written));
                Assert.That(window, Is.InRange(0, Math.Min(MaxWindow, adapter.FreeBytes)));
                Assert.That(rightEdge, Is.GreaterThanOrEqualTo(lastRightEdge), "the window's right edge never retreats");
                lastRightEdge = rightEdge;
            }

            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));

    [Test]
    public void Host_rejects_notifications_that_do_not_follow_the_credit()
    {
        var host = new ReceiveCredit(4);
        Assert.That(host.OnDataWritten(new DataWritten(1, 0, 1), out _).Error, Is.EqualTo(ProtocolErrorCode.CreditViolation),
            "nothing posted");
        host.Post(new PostReceiveBuffer(1, 7, 0x1000, 100));
        host.Post(new PostReceiveBuffer(2, 7, 0x2000, 100));

        Assert.That(host.OnDataWritten(new DataWritten(2, 0, 10), out _).IsViolation, Is.True, "skipping the oldest buffer");
        Assert.That(host.OnDataWritten(new DataWritten(1, 5, 10), out _).IsViolation, Is.True, "leaving a gap");
        Assert.That(host.OnDataWritten(new DataWritten(1, 0, 101), out _).IsViolation, Is.True, "overrunning the buffer");
        Assert.That(host.OnDataWritten(new DataWritten(1, 0, 60), out var filled), Is.EqualTo(Verdict.Accepted));
        Assert.That(filled, Is.Null);
        Assert.That(host.OnDataWritten(new DataWritten(1, 0, 10), out _).IsViolation, Is.True, "rewriting written bytes");
        Assert.That(host.OnDataWritten(new DataWritten(1, 60, 40), out filled), Is.EqualTo(Verdict.Accepted));
        Assert.That(filled?.BufferId, Is.EqualTo(1u));
        Assert.That(host.FreeBytes, Is.EqualTo(100));
        Assert.That(host.PostedBuffers, Is.EqualTo(1));
    }

    [Test]
    public void Posting_rejects_duplicate_ids_and_too_many_buffers()
    {
        var credit = new ReceiveCredit(2);
        Assert.That(credit.Post(new PostReceiveBuffer(1, 0, 0, 10)), Is.EqualTo(Verdict.Accepted));
        Assert.That(credit.Post(new PostReceiveBuffer(1, 0, 100, 10)).Error, Is.EqualTo(ProtocolErrorCode.CreditViolation));
        Assert.That(credit.Post(new PostReceiveBuffer(2, 0, 100, 10)), Is.EqualTo(Verdict.Accepted));
        Assert.That(credit.Post(new PostReceiveBuffer(3, 0, 200, 10)).Error, Is.EqualTo(ProtocolErrorCode.CreditViolation));
        Assert.That(credit.FreeBytes, Is.EqualTo(20));

        Assert.That(credit.TryPlaceWrite(10, out _), Is.True);
        Assert.That(credit.Post(new PostReceiveBuffer(1, 0, 0, 10)), Is.EqualTo(Verdict.Accepted), "a returned id may be reused");
    }

    [Test]
    public void Window_is_bounded_and_zero_without_credit()
    {
        var credit = new ReceiveCredit(4);
        Assert.That(credit.AdvertisableWindow(65535), Is.Zero);
        Assert.That(credit.TryPlaceWrite(1, out _), Is.False);
        credit.Post(new PostReceiveBuffer(1, 0, 0, RemoteBufferLimits.MaxLength));
        credit.Post(new PostReceiveBuffer(2, 0, 0, RemoteBufferLimits.MaxLength));
        Assert.That(credit.AdvertisableWindow(65535), Is.EqualTo(65535));
        Assert.That(credit.FreeBytes, Is.EqualTo(2L * RemoteBufferLimits.MaxLength));
        Assert.Throws<ArgumentOutOfRangeException>(() => credit.AdvertisableWindow(-1));
    }

    [Test]
    public void Reclaiming_after_close_returns_every_buffer_with_its_fill()
    {
        var credit = new ReceiveCredit(4);
        credit.Post(new PostReceiveBuffer(1, 0, 0, 100));
        credit.Post(new PostReceiveBuffer(2, 0, 0, 100));
        credit.TryPlaceWrite(30, out _);

        Assert.That(credit.TryReclaim(out var first, out var filled), Is.True);
        Assert.That((first.BufferId, filled), Is.EqualTo((1u, 30u)));
        Assert.That(credit.TryReclaim(out var second, out filled), Is.True);
        Assert.That((second.BufferId, filled), Is.EqualTo((2u, 0u)));
        Assert.That(credit.TryReclaim(out _, out _), Is.False);
        Assert.That(credit.FreeBytes, Is.Zero);
    }
}
