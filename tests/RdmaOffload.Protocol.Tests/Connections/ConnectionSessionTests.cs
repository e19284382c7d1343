using FsCheck;
using FsCheck.Fluent;
using RdmaOffload.Protocol.Connections;
using RdmaOffload.Protocol.Credit;
using RdmaOffload.Protocol.Messages;
using RdmaOffload.Protocol.Wire;

namespace RdmaOffload.Protocol.Tests.Connections;

/// <summary>A host and an adapter session talking through encoded frames, as over the link.</summary>
public sealed class ConnectionSessionTests
{
    private const uint Wq = 77;

    private static ConnectionSession NewHost() => new(ProtocolRole.Host, Wq, maxPostedBuffers: 8, maxOutstandingSends: 8);

    private static ConnectionSession NewAdapter() => new(ProtocolRole.Adapter, Wq, maxPostedBuffers: 8, maxOutstandingSends: 8);

    private static Verdict Deliver<T>(ConnectionSession receiver, in T message)
        where T : struct, IProtocolMessage<T>
    {
        var bytes = Wire.MessageGenerators.Encode(message, Wq);
        Assert.That(Frame.TryRead(bytes, out var frame), Is.EqualTo(DecodeStatus.Ok));
        return receiver.OnReceived(frame);
    }

    [Test]
    public void A_request_and_response_flow_to_a_graceful_close()
    {
        var host = NewHost();
        var adapter = NewAdapter();

        Assert.That(host.OnSent(MessageType.ConnectionAccept), Is.EqualTo(Verdict.Accepted));
        Assert.That(Deliver(adapter, new ConnectionAccept()), Is.EqualTo(Verdict.Accepted));
        var buffer = new PostReceiveBuffer(1, 0x11, 0x10000, 4096);
        Assert.That(host.PostReceiveBuffer(buffer), Is.EqualTo(Verdict.Accepted));
        Assert.That(Deliver(adapter, buffer), Is.EqualTo(Verdict.Accepted));
        Assert.That(adapter.AdvertisableWindow(65535), Is.EqualTo(4096));

        // The client sends a 300-byte request.
        Assert.That(adapter.TryPlaceWrite(300, out var placement), Is.True);
        Assert.That(placement, Is.EqualTo(new ReceivePlacement(1, 0x10000, 0x11, 0, 300, false)));
        Assert.That(Deliver(host, placement.ToDataWritten()), Is.EqualTo(Verdict.Accepted));
        Assert.That(host.Credit.FreeBytes, Is.EqualTo(adapter.Credit.FreeBytes));

        // The host answers with two descriptors, then finishes its direction.
        var header = new SendDescriptor(10, 0x22, 0x20000, 200);
        var body = new SendDescriptor(11, 0x22, 0x30000, 1000);
        foreach (var descriptor in new[] { header, body })
        {
            Assert.That(host.PostSend(descriptor), Is.EqualTo(Verdict.Accepted));
            Assert.That(Deliver(adapter, descriptor), Is.EqualTo(Verdict.Accepted));
        }

        Assert.That(host.OnSent(MessageType.Fin), Is.EqualTo(Verdict.Accepted));
        Assert.That(Deliver(adapter, new Fin()), Is.EqualTo(Verdict.Accepted));
        Assert.That(host.PostSend(new SendDescriptor(12, 0, 0, 1)).IsViolation, Is.True, "nothing to send after Fin");

        // The client acknowledges in pieces; completions follow in order.
        var completions = new List<uint>();
        foreach (var ack in new long[] { 100, 700, 1200 })
        {
            Assert.That(adapter.Acknowledge(ack), Is.EqualTo(Verdict.Accepted));
            while (adapter.TryCompleteSend(out var completion))
            {
                Assert.That(Deliver(host, completion), Is.EqualTo(Verdict.Accepted));
                completions.Add(completion.DescriptorId);
            }

            if (ack == 700)
            {
                Assert.That(completions, Is.EqualTo((uint[])[10]));
            }
        }

        Assert.That(completions, Is.EqualTo((uint[])[10, 11]));
        Assert.That(host.State, Is.EqualTo(ConnectionState.HalfClosedLocal));

        // The client closes; both ends are done.
        Assert.That(adapter.OnSent(MessageType.Fin), Is.EqualTo(Verdict.Accepted));
        Assert.That(Deliver(host, new Fin()), Is.EqualTo(Verdict.Accepted));
        Assert.That(adapter.State, Is.EqualTo(ConnectionState.Closed));
        Assert.That(host.State, Is.EqualTo(ConnectionState.Closed));
        Assert.That(adapter.TryPlaceWrite(1, out _), Is.False);
        Assert.That(adapter.AdvertisableWindow(65535), Is.Zero);
    }

    [Test]
    public void Credit_and_queue_violations_surface_through_the_session()
    {
        var adapter = NewAdapter();
        Deliver(adapter, new ConnectionAccept());
        Assert.That(Deliver(adapter, new PostReceiveBuffer(1, 0, 0, 10)), Is.EqualTo(Verdict.Accepted));
        Assert.That(Deliver(adapter, new PostReceiveBuffer(1, 0, 0, 10)).Error, Is.EqualTo(ProtocolErrorCode.CreditViolation));

        var host = NewHost();
        host.OnSent(MessageType.ConnectionAccept);
        host.PostReceiveBuffer(new PostReceiveBuffer(1, 0, 0, 10));
        Assert.That(Deliver(host, new DataWritten(1, 0, 11)).Error, Is.EqualTo(ProtocolErrorCode.CreditViolation));
        Assert.That(Deliver(host, new SendCompleted(4)).Error, Is.EqualTo(ProtocolErrorCode.SendQueueViolation));
    }

    [Test]
    public void Frames_of_another_work_queue_are_refused()
    {
        var adapter = new ConnectionSession(ProtocolRole.Adapter, 5, 4, 4);
        var bytes = Wire.MessageGenerators.Encode(new ConnectionAccept(), 6);
        Frame.TryRead(bytes, out var frame);
        Assert.That(adapter.OnReceived(frame).Error, Is.EqualTo(ProtocolErrorCode.UnknownWorkQueue));
    }

    [Test]
    public void Role_specific_operations_refuse_the_other_role()
    {
        Assert.Throws<InvalidOperationException>(() => NewHost().TryPlaceWrite(1, out _));
        Assert.Throws<InvalidOperationException>(() => NewAdapter().PostSend(new SendDescriptor(1, 1, 0, 1)));
        Assert.Throws<ArgumentException>(() => NewHost().OnSent(MessageType.SendDescriptor));
    }

    /// <summary>One random step of a conversation.</summary>
    public readonly record struct Move(int Kind, int Amount);

    [Test]
    public void Random_conversations_keep_both_ends_in_agreement_and_close_cleanly() =>
        Prop.ForAll(Gen.ListOf(from kind in Gen.Choose(0, 3) from amount in Gen.Choose(1, 20_000) select new Move(kind, amount)).ToArbitrary(),
            moves =>
            {
                var host = NewHost();
                var adapter = NewAdapter();
                host.OnSent(MessageType.ConnectionAccept);
                Deliver(adapter, new ConnectionAccept());
                uint nextBuffer = 1, nextDescriptor = 1;
                long clientBytes = 0, ackable = 0;

                foreach (var move in moves)
                {
                    switch (move.Kind)
                    {
                        case 0 when host.Credit.PostedBuffers < 8:
                            var buffer = new PostReceiveBuffer(nextBuffer++, 1, 0x1000, (uint)move.Amount);
                            Assert.That(host.PostReceiveBuffer(buffer), Is.EqualTo(Verdict.Accepted));
                            Assert.That(Deliver(adapter, buffer), Is.EqualTo(Verdict.Accepted));
                            break;
                        case 1:
                            // The client delivers bytes; the adapter writes what credit allows.
                            long remaining = Math.Min(move.Amount, adapter.AdvertisableWindow(1 << 30));
                            while (remaining > 0 && adapter.TryPlaceWrite(remaining, out var placement))
                            {
                                Assert.That(Deliver(host, placement.ToDataWritten()), Is.EqualTo(Verdict.Accepted));
                                remaining -= placement.ByteCount;
                                clientBytes += placement.ByteCount;
                            }

                            Assert.That(remaining, Is.Zero, "bytes within the advertised window always fit");
                            break;
                        case 2 when host.Sends.Count < 8:
                            var descriptor = new SendDescriptor(nextDescriptor++, 2, 0x2000, (uint)move.Amount);
                            Assert.That(host.PostSend(descriptor), Is.EqualTo(Verdict.Accepted));
                            Assert.That(Deliver(adapter, descriptor), Is.EqualTo(Verdict.Accepted));
                            break;
                        case 3:
                            ackable = Math.Min(adapter.Sends.QueuedBytes, ackable + move.Amount);
                            Assert.That(adapter.Acknowledge(ackable), Is.EqualTo(Verdict.Accepted));
                            while (adapter.TryCompleteSend(out var completion))
                            {
                                Assert.That(Deliver(host, completion), Is.EqualTo(Verdict.Accepted));
                            }

                            break;
                    }

                    Assert.That(host.Credit.FreeBytes, Is.EqualTo(adapter.Credit.FreeBytes));
                    Assert.That(host.Credit.BytesWritten, Is.EqualTo(clientBytes));
                }

                // Both directions finish; every outstanding byte is acknowledged; the connection closes on both ends.
                host.OnSent(MessageType.Fin);
                Deliver(adapter, new Fin());
                adapter.OnSent(MessageType.Fin);
                Deliver(host, new Fin());
                adapter.Acknowledge(adapter.Sends.QueuedBytes);
                while (adapter.TryCompleteSend(out var last))
                {
                    Assert.That(Deliver(host, last), Is.EqualTo(Verdict.Accepted));
                }

                return host.State == ConnectionState.Closed && adapter.State == ConnectionState.Closed
                    && host.Sends.Count == 0 && adapter.Sends.Count == 0;
            }).Check(Config.QuickThrowOnFailure.WithMaxTest(200));
}
