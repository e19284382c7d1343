using FsCheck;
using FsCheck.Fluent;
using RdmaOffload.NetStack.Tcp;
using RdmaOffload.NetStack.Tests.Simulation;
using RdmaOffload.NetStack.Wire;

namespace RdmaOffload.NetStack.Tests.Tcp;

/// <summary>
/// Arbitrary input to the whole stack — raw bytes, and well-formed frames carrying random TCP headers, options and
/// payload aimed at a live connection — must never throw, and the stack must keep serving afterwards.
/// </summary>
public sealed class StackFuzzTests
{
    private const ushort ServerPort = 80;
    private const ushort ClientPort = 40000;

    [Test]
    public void Raw_bytes_never_throw()
    {
        var peer = new ScriptedPeer();
        peer.Stack.Listen(ServerPort, new TestAcceptor(() => new TestConnection()));
        Prop.ForAll<byte[]>(bytes =>
        {
            peer.Deliver(bytes);
            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(2000));
    }

    [Test]
    public void Random_segments_against_a_live_connection_never_throw()
    {
        var peer = new ScriptedPeer(o => o.Tcp.SynBacklog = 4);
        var acceptor = new TestAcceptor(() => new TestConnection(new byte[5000]) { CloseAfterSend = false });
        peer.Stack.Listen(ServerPort, acceptor);
        peer.Send(ClientPort, ServerPort, 1000, 0, TcpFlags.Syn, options: ScriptedPeer.LinuxSynOptions(1));
        var synAck = peer.TakeSegments().Single();
        peer.Send(ClientPort, ServerPort, 1001, synAck.Seq + 1, TcpFlags.Ack, options: ScriptedPeer.Timestamps(2, synAck.Options.TimestampValue));
        Assert.That(acceptor.Accepted, Has.Count.EqualTo(1));

        Prop.ForAll<(uint SeqDelta, uint AckDelta, byte Flags), (ushort Window, bool OtherPort, byte[] Options), (byte[] Payload, int AdvanceMicros)>(
            (header, shape, body) =>
            {
                var raw = shape.Options.Length > 40 ? shape.Options[..40] : shape.Options;
                var payload = body.Payload.Length > 3000 ? body.Payload[..3000] : body.Payload;
                SendRaw(peer, shape.OtherPort ? (ushort)(ClientPort + 1) : ClientPort, 1001 + (header.SeqDelta % 200_000) - 100_000,
                    synAck.Seq + 1 + (header.AckDelta % 200_000) - 100_000, (TcpFlags)header.Flags, shape.Window, raw, payload);
                peer.Advance(Math.Abs(body.AdvanceMicros % 2_000_000));
                return true;
            }).Check(Config.QuickThrowOnFailure.WithMaxTest(3000));

        // Still alive: a fresh client can connect and is answered.
        peer.TakeSegments();
        peer.Send(45000, ServerPort, 7, 0, TcpFlags.Syn);
        Assert.That(peer.TakeSegments().Any(s => s.Flags == (TcpFlags.Syn | TcpFlags.Ack) && s.Ack == 8), Is.True);
    }

    /// <summary>A TCP segment with raw option bytes (padded to 4) and correct checksums.</summary>
    private static void SendRaw(ScriptedPeer peer, ushort sourcePort, uint seq, uint ack, TcpFlags flags, ushort window, byte[] options, byte[] payload)
    {
        var optionLength = (options.Length + 3) / 4 * 4;
        var tcpLength = 20 + optionLength + payload.Length;
        var frame = new byte[34 + tcpLength];
        var tcp = frame.AsSpan(34);
        TcpSegment.WriteHeader(tcp, sourcePort, ServerPort, seq, ack, flags, window, TcpOptions.None);
        tcp[12] = (byte)(((20 + optionLength) / 4) << 4);
        options.CopyTo(tcp[20..]);
        payload.CopyTo(tcp[(20 + optionLength)..]);
        TcpSegment.WriteChecksum(tcp, ScriptedPeer.PeerAddress, ScriptedPeer.StackAddress);
        EthernetFrame.WriteHeader(frame, ScriptedPeer.StackMac, ScriptedPeer.PeerMac, EtherType.Ipv4);
        Ipv4Packet.WriteHeader(frame.AsSpan(14), ScriptedPeer.PeerAddress, ScriptedPeer.StackAddress, IpProtocol.Tcp, tcpLength, 1);
        peer.Deliver(frame);
    }
}
