using RdmaOffload.Verbs.ManagedRoce.Transport;
using RdmaOffload.Verbs.ManagedRoce.Wire;

namespace RdmaOffload.Verbs.ManagedRoce.Tests.Transport;

/// <summary>
/// How the requester recovers without making things worse: a retransmit timer waits for responses the receive path has
/// not handed in yet, and after a loss it resends a limited window that grows back with progress.
/// </summary>
public sealed class RcTransportRecoveryTests
{
    private const MemoryAccess All = MemoryAccess.LocalWrite | MemoryAccess.RemoteRead | MemoryAccess.RemoteWrite;
    private const byte Timeout = 10;

    [Test]
    public void A_retransmit_timer_waits_while_the_receive_path_lags_and_fires_once_it_has_caught_up()
    {
        var link = new SimulatedLink(sendAttributes: ReadyToSendAttributes.Default(0) with { Timeout = Timeout });
        using var local = new TestMemory(link.A.Memory, 4096, All);
        link.A.PostSend(new SendWorkRequest { WorkRequestId = 1, Opcode = SendOpcode.RdmaWrite, RemoteAddress = 1, RemoteKey = 1 }, local.Entry(0, 4096));
        var wire = new List<byte[]>();
        var transmitter = new CapturingTransmitter(wire);
        link.A.Transport.Poll(0, transmitter);
        Assert.That(wire, Has.Count.EqualTo(4), "a 4 KiB WRITE at MTU 1024");

        long timeout = RcTransport.AckTimeoutMicroseconds(Timeout);
        long late = 10 * timeout;
        long next = link.A.Transport.Poll(late, transmitter, receivedThrough: timeout - 1);
        Assert.That(link.A.Transport.Counters.Timeouts, Is.Zero, "an ACK that arrived before the deadline may still be queued");
        Assert.That(wire, Has.Count.EqualTo(4), "nothing resent while the receive path lags");
        Assert.That(next, Is.GreaterThan(late), "a held-back timer is looked at again later, not spun on");

        link.A.Transport.Poll(late, transmitter, receivedThrough: late);
        Assert.That(link.A.Transport.Counters.Timeouts, Is.EqualTo(1));
        Assert.That(wire, Has.Count.EqualTo(8), "once caught up, the timer fires and the WRITE goes again");
    }

    [Test]
    public void After_a_timeout_the_requester_resends_a_small_window_and_doubles_it_as_acks_arrive()
    {
        const int Packets = 1024;
        var link = new SimulatedLink(sendAttributes: ReadyToSendAttributes.Default(0) with { Timeout = Timeout });
        var options = new RcTransportOptions();
        using var local = new TestMemory(link.A.Memory, Packets * 1024, All);
        using var remote = new TestMemory(link.B.Memory, Packets * 1024, All);
        local.Fill(3);
        link.A.PostSend(new SendWorkRequest { WorkRequestId = 1, Opcode = SendOpcode.RdmaWrite, RemoteAddress = (ulong)remote.Address, RemoteKey = remote.Key }, local.Entry(0, Packets * 1024));
        var wire = new List<byte[]>();
        var transmitter = new CapturingTransmitter(wire);
        Assert.That(Drain(link.A.Transport, 0, transmitter, wire), Is.EqualTo(Math.Min(Packets, options.MaxPacketsInFlight)), "the whole window first");

        // Every packet was lost: the timeout resends only the floor of the loss window.
        long now = 2 * RcTransport.AckTimeoutMicroseconds(Timeout);
        wire.Clear();
        int resent = Drain(link.A.Transport, now, transmitter, wire);
        int floor = Math.Max(2 * options.ReadRequestPackets, 4 * options.AckRequestInterval);
        Assert.That(resent, Is.EqualTo(floor), "go-back-N resends the loss window's floor, not the whole window");

        // Those arrive and are acknowledged: the window grows by what was acknowledged, so twice as much goes next.
        var acks = new List<byte[]>();
        foreach (var packet in wire)
        {
            DeliverAt(link.B.Transport, packet, now);
        }

        link.B.Transport.Poll(now, new CapturingTransmitter(acks));
        Assert.That(acks, Is.Not.Empty);
        foreach (var ack in acks)
        {
            DeliverAt(link.A.Transport, ack, now);
        }

        wire.Clear();
        Assert.That(Drain(link.A.Transport, now, transmitter, wire), Is.EqualTo(2 * floor), "slow start: the window doubles per round of ACKs");
        Assert.That(remote.Span[..(floor * 1024)].SequenceEqual(local.Span[..(floor * 1024)]), Is.True);
    }

    private static void DeliverAt(RcTransport transport, byte[] bytes, long now)
    {
        Assert.That(RocePacket.TryParse(bytes, out var packet), Is.EqualTo(PacketError.None));
        transport.HandlePacket(packet, now);
    }

    [Test]
    public void A_late_duplicate_read_request_replays_its_own_chunk_and_leaves_answers_to_later_requests_queued()
    {
        // A 2-chunk READ: both requests reach the responder before it answers; then the first arrives again (a
        // re-request overtaken on the wire by the newer one). Replacing every queued answer from that PSN on would
        // leave the second chunk unanswered until the requester's timeout.
        var options = new RcTransportOptions();
        int packets = 2 * options.ReadRequestPackets;
        var link = new SimulatedLink();
        using var local = new TestMemory(link.A.Memory, packets * 1024, All);
        using var remote = new TestMemory(link.B.Memory, packets * 1024, All);
        link.A.PostSend(new SendWorkRequest { WorkRequestId = 1, Opcode = SendOpcode.RdmaRead, RemoteAddress = (ulong)remote.Address, RemoteKey = remote.Key }, local.Entry(0, packets * 1024));
        var requests = new List<byte[]>();
        link.A.Transport.Poll(0, new CapturingTransmitter(requests));
        Assert.That(requests, Has.Count.EqualTo(2), "one READ request per chunk");

        DeliverAt(link.B.Transport, requests[0], 0);
        DeliverAt(link.B.Transport, requests[1], 0);
        DeliverAt(link.B.Transport, requests[0], 0);
        var responses = new List<byte[]>();
        Drain(link.B.Transport, 0, new CapturingTransmitter(responses), responses);

        var psns = new List<uint>();
        foreach (var response in responses)
        {
            Assert.That(RocePacket.TryParse(response, out var packet), Is.EqualTo(PacketError.None));
            if ((packet.Traits & OpcodeTraits.Read) != 0)
            {
                psns.Add(packet.Header.Psn.Value);
            }
        }

        uint first = psns[0];
        Assert.That(link.B.Transport.Counters.DuplicateRequests, Is.EqualTo(1));
        Assert.That(psns, Is.EqualTo(Enumerable.Range(0, packets).Select(i => first + (uint)i)), "every response once, in PSN order");
    }

    /// <summary>Polls until the transport emits nothing more at this time; returns how many packets it emitted.</summary>
    private static int Drain(RcTransport transport, long now, CapturingTransmitter transmitter, List<byte[]> wire)
    {
        int before = wire.Count;
        for (int round = 0; round < 1000; round++)
        {
            int count = wire.Count;
            transport.Poll(now, transmitter);
            if (wire.Count == count)
            {
                break;
            }
        }

        return wire.Count - before;
    }
}
