using RdmaOffload.NetStack.Tcp;
using RdmaOffload.NetStack.Wire;

namespace RdmaOffload.NetStack.Tests.Simulation;

/// <summary>A parsed TCP segment the stack under test sent.</summary>
public sealed record SentSegment(long Time, ushort SourcePort, ushort DestinationPort, uint Seq, uint Ack, TcpFlags Flags, ushort Window,
    TcpOptions Options, byte[] Payload)
{
    public bool Has(TcpFlags flag) => (Flags & flag) == flag;
}

/// <summary>
/// Drives one stack ("the stack under test", at 10.88.0.2) with hand-built frames from a scripted peer at
/// 10.88.0.1 and records every frame it sends. Simulated time only.
/// </summary>
public sealed class ScriptedPeer
{
    public static readonly Ipv4Address PeerAddress = Ipv4Address.Parse("10.88.0.1");
    public static readonly Ipv4Address StackAddress = Ipv4Address.Parse("10.88.0.2");
    public static readonly MacAddress PeerMac = MacAddress.Parse("02:00:00:00:00:0a");
    public static readonly MacAddress StackMac = MacAddress.Parse("02:00:00:00:00:0b");

    public ScriptedPeer(Action<NetworkStackOptions>? configure = null)
    {
        var options = new NetworkStackOptions
        {
            MacAddress = StackMac,
            Address = StackAddress,
            SequenceSecret = new byte[32],
        };
        configure?.Invoke(options);
        Stack = new NetworkStack(options, new CapturingSink(Frames.Add));
        Stack.AddNeighbor(PeerAddress, PeerMac, Now);
    }

    public NetworkStack Stack { get; }

    public long Now { get; private set; } = 1_000_000;

    /// <summary>Raw frames the stack sent, in order.</summary>
    public List<byte[]> Frames { get; } = [];

    private int _consumed;

    private readonly List<long> _frameTimes = [];

    /// <summary>Segments sent since the last call (parsed), with the time each was observed.</summary>
    public List<SentSegment> TakeSegments()
    {
        var result = new List<SentSegment>();
        for (; _consumed < Frames.Count; _consumed++)
        {
            var frame = Frames[_consumed];
            if (!EthernetFrame.TryParse(frame, out var eth) || eth.EtherType != EtherType.Ipv4
                || !Ipv4Packet.TryParse(eth.Payload, out var ip) || ip.Protocol != IpProtocol.Tcp
                || !TcpSegment.TryParse(ip.Payload, out var tcp))
            {
                continue;
            }

            Assert.That(TcpSegment.VerifyChecksum(ip.Payload, ip.Source, ip.Destination), Is.True, "stack sent a bad TCP checksum");
            _ = TcpOptions.TryParse(tcp.Options, out var options);
            var time = _consumed < _frameTimes.Count ? _frameTimes[_consumed] : Now;
            result.Add(new SentSegment(time, tcp.SourcePort, tcp.DestinationPort, tcp.SequenceNumber, tcp.AcknowledgmentNumber, tcp.Flags,
                tcp.Window, options, tcp.Payload.ToArray()));
        }

        return result;
    }

    /// <summary>Sends a TCP segment from the peer to the stack.</summary>
    public void Send(ushort sourcePort, ushort destinationPort, uint seq, uint ack, TcpFlags flags, ushort window = 65535,
        byte[]? payload = null, TcpOptions? options = null)
    {
        payload ??= [];
        var opts = options ?? TcpOptions.None;
        var frame = new byte[14 + 20 + 60 + payload.Length];
        var tcp = frame.AsSpan(34);
        var header = TcpSegment.WriteHeader(tcp, sourcePort, destinationPort, seq, ack, flags, window, opts);
        payload.CopyTo(tcp[header..]);
        var length = header + payload.Length;
        TcpSegment.WriteChecksum(tcp[..length], PeerAddress, StackAddress);
        EthernetFrame.WriteHeader(frame, StackMac, PeerMac, EtherType.Ipv4);
        Ipv4Packet.WriteHeader(frame.AsSpan(14), PeerAddress, StackAddress, IpProtocol.Tcp, length, 1);
        Deliver(frame.AsSpan(0, 34 + length).ToArray());
    }

    public void Deliver(byte[] frame)
    {
        Stack.Handle(frame, Now);
        Stack.Poll(Now);
        StampFrames();
    }

    /// <summary>Advances time by <paramref name="duration"/>, polling the stack at each deadline.</summary>
    public void Advance(long duration)
    {
        var end = Now + duration;
        while (true)
        {
            var next = Stack.NextPollTime;
            if (next > end)
            {
                break;
            }

            Now = Math.Max(Now, next);
            Stack.Poll(Now);
            StampFrames();
        }

        Now = end;
        Stack.Poll(Now);
        StampFrames();
    }

    private void StampFrames()
    {
        while (_frameTimes.Count < Frames.Count)
        {
            _frameTimes.Add(Now);
        }
    }

    /// <summary>Options a Linux client puts in its SYN.</summary>
    public static TcpOptions LinuxSynOptions(uint tsVal)
    {
        var options = TcpOptions.None;
        options.MaximumSegmentSize = 1460;
        options.SackPermitted = true;
        options.HasTimestamps = true;
        options.TimestampValue = tsVal;
        options.WindowScale = 7;
        return options;
    }

    public static TcpOptions Timestamps(uint tsVal, uint tsEcr)
    {
        var options = TcpOptions.None;
        options.HasTimestamps = true;
        options.TimestampValue = tsVal;
        options.TimestampEcho = tsEcr;
        return options;
    }
}
