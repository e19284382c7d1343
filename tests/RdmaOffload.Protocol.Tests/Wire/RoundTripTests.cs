using FsCheck;
using FsCheck.Fluent;
using RdmaOffload.Protocol.Messages;
using RdmaOffload.Protocol.Wire;
using G = RdmaOffload.Protocol.Tests.Wire.MessageGenerators;

namespace RdmaOffload.Protocol.Tests.Wire;

/// <summary>Every message type survives encode → frame validation → decode unchanged.</summary>
public sealed class RoundTripTests
{
    private static readonly Config Config = Config.QuickThrowOnFailure.WithMaxTest(500);

    [Test] public void Hello_round_trips() => Check(G.Hello);
    [Test] public void Challenge_round_trips() => Check(G.Challenge);
    [Test] public void AuthResponse_round_trips() => Check(G.AuthResponse);
    [Test] public void AuthResult_round_trips() => Check(G.AuthResult);
    [Test] public void HelloRefused_round_trips() => Check(G.HelloRefused);
    [Test] public void RegisterService_round_trips() => Check(G.RegisterService);
    [Test] public void ServiceRegistration_round_trips() => Check(G.ServiceRegistration);
    [Test] public void Ping_round_trips() => Check(G.Ping);
    [Test] public void Pong_round_trips() => Check(G.Pong);
    [Test] public void LinkClose_round_trips() => Check(G.LinkClose);
    [Test] public void ProtocolError_round_trips() => Check(G.ProtocolError);
    [Test] public void ConnectionOpen_round_trips() => Check(G.ConnectionOpen);
    [Test] public void ConnectionAccept_round_trips() => Check(G.ConnectionAccept);
    [Test] public void ConnectionRefuse_round_trips() => Check(G.ConnectionRefuse);
    [Test] public void PostReceiveBuffer_round_trips() => Check(G.PostReceiveBuffer);
    [Test] public void DataWritten_round_trips() => Check(G.DataWritten);
    [Test] public void SendDescriptor_round_trips() => Check(G.SendDescriptor);
    [Test] public void SendCompleted_round_trips() => Check(G.SendCompleted);
    [Test] public void Fin_round_trips() => Check(G.Fin);
    [Test] public void Reset_round_trips() => Check(G.Reset);

    [Test]
    public void Every_defined_type_has_a_round_trip_test()
    {
        var tested = typeof(RoundTripTests).GetMethods().Select(m => m.Name).ToHashSet();
        Assert.That(Enum.GetValues<MessageType>().Where(t => !tested.Contains($"{t}_round_trips")), Is.Empty);
    }

    [Test]
    public void ProtocolError_round_trips_on_a_connection() =>
        Prop.ForAll(G.ProtocolError.ToArbitrary(), G.NonZeroWorkQueue.ToArbitrary(), (m, wq) => RoundTrips(m, wq)).Check(Config);

    [Test]
    public void PostReceiveBuffer_layout_is_big_endian_and_pinned()
    {
        var bytes = G.Encode(new PostReceiveBuffer(0x01020304, 0xA0B0C0D0, 0x1122334455667788, 0x10000), 0x0000BEEF);
        Assert.That(Convert.ToHexString(bytes), Is.EqualTo(
            "524F" + "01" + "50" + "0000" + "0024" + "0000BEEF" +
            "01020304" + "A0B0C0D0" + "1122334455667788" + "00010000" + "00000000"));
    }

    [Test]
    public void Hello_layout_is_pinned()
    {
        var nonce = Bytes32.Read(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());
        var bytes = G.Encode(new Hello(new VersionRange(1, 3), nonce, "h1"), 0);
        Assert.That(Convert.ToHexString(bytes), Is.EqualTo(
            "524F" + "01" + "01" + "0000" + "0033" + "00000000" +
            "01" + "03" + "0000" + Convert.ToHexString(nonce.ToArray()) + "02" + "6831"));
    }

    [Test]
    public void ConnectionOpen_carries_real_client_endpoints_for_both_families()
    {
        foreach (var (client, service) in new[]
        {
            ("192.0.2.10:51000", "198.51.100.1:443"),
            ("[2001:db8::7]:40000", "[2001:db8::1]:8080"),
        })
        {
            var open = ConnectionOpen.FromEndPoints(System.Net.IPEndPoint.Parse(client), System.Net.IPEndPoint.Parse(service));
            var frame = G.Encode(open, 42);
            Assert.That(Frame.TryRead(frame, out var read), Is.EqualTo(DecodeStatus.Ok));
            Assert.That(FrameCodec.TryDecode(read, out ConnectionOpen decoded), Is.EqualTo(DecodeStatus.Ok));
            Assert.That(decoded.ClientEndPoint.ToString(), Is.EqualTo(client));
            Assert.That(decoded.ServiceEndPoint.ToString(), Is.EqualTo(service));
        }
    }

    [Test]
    public void Batch_of_mixed_frames_reads_back_in_order()
    {
        var buffer = new byte[4096];
        var writer = new FrameBatchWriter(buffer);
        Assert.That(writer.TryAppend(7, new DataWritten(1, 0, 100)), Is.True);
        Assert.That(writer.TryAppend(7, new DataWritten(1, 100, 50)), Is.True);
        Assert.That(writer.TryAppend(9, new SendCompleted(3)), Is.True);
        Assert.That(writer.TryAppend(0, new Ping(77)), Is.True);

        var reader = new FrameBatchReader(writer.Written);
        var seen = new List<(MessageType, uint)>();
        while (reader.TryReadNext(out var frame))
        {
            seen.Add((frame.Type, frame.WorkQueue));
        }

        Assert.That(reader.IsComplete, Is.True);
        Assert.That(reader.ErrorOffset, Is.EqualTo(-1));
        Assert.That(seen, Is.EqualTo(new[]
        {
            (MessageType.DataWritten, 7u), (MessageType.DataWritten, 7u), (MessageType.SendCompleted, 9u), (MessageType.Ping, 0u),
        }));
    }

    [Test]
    public void Batch_writer_refuses_a_frame_that_does_not_fit_and_writes_nothing()
    {
        var buffer = new byte[FrameHeader.Length + 8 + 3];
        var writer = new FrameBatchWriter(buffer);
        Assert.That(writer.TryAppend(1, new SendCompleted(1)), Is.True);
        Assert.That(writer.TryAppend(1, new SendCompleted(2)), Is.False);
        Assert.That(writer.Count, Is.EqualTo(1));
        Assert.That(buffer.AsSpan(writer.Length).ContainsAnyExcept((byte)0), Is.False);
    }

    [Test]
    public void Encoder_rejects_invalid_messages_and_wrong_scopes()
    {
        var buffer = new byte[FrameHeader.MaxFrameLength];
        Assert.Throws<ArgumentException>(() => FrameCodec.TryEncode(buffer, 1, new PostReceiveBuffer(1, 1, 0, 0), out _));
        Assert.Throws<ArgumentException>(() => FrameCodec.TryEncode(buffer, 0, new Fin(), out _));
        Assert.Throws<ArgumentException>(() => FrameCodec.TryEncode(buffer, 5, new Ping(1), out _));
        Assert.Throws<ArgumentException>(() => FrameCodec.TryEncode(buffer, 0, new Hello(new VersionRange(2, 1), default, "h"), out _));
    }

    private static void Check<T>(Gen<T> messages)
        where T : struct, IProtocolMessage<T> =>
        Prop.ForAll(messages.ToArbitrary(), G.NonZeroWorkQueue.ToArbitrary(),
            (m, wq) => RoundTrips(m, MessageTypes.ScopeOf(T.Type) == MessageScope.Link ? 0 : wq)).Check(Config);

    private static bool RoundTrips<T>(T message, uint workQueue)
        where T : struct, IProtocolMessage<T>
    {
        var buffer = new byte[FrameHeader.MaxFrameLength];
        if (!FrameCodec.TryEncode(buffer, workQueue, message, out var written))
        {
            return false;
        }

        var status = Frame.TryRead(buffer.AsSpan(0, written), out var frame);
        return status == DecodeStatus.Ok
            && frame.Type == T.Type
            && frame.WorkQueue == workQueue
            && frame.Length == written
            && FrameCodec.TryDecode(frame, out T decoded) == DecodeStatus.Ok
            && decoded.Equals(message);
    }
}
