using RdmaOffload.Verbs.ManagedRoce.Transport;
using RdmaOffload.Verbs.ManagedRoce.Wire;

namespace RdmaOffload.Verbs.ManagedRoce.Tests.Transport;

public sealed class RcTransportTests
{
    private const MemoryAccess All = MemoryAccess.LocalWrite | MemoryAccess.RemoteRead | MemoryAccess.RemoteWrite;

    [Test]
    public void Send_with_immediate_lands_in_the_posted_receive()
    {
        var link = new SimulatedLink();
        using var source = new TestMemory(link.A.Memory, 64, All);
        using var target = new TestMemory(link.B.Memory, 64, All);
        source.Fill(1);
        link.B.PostReceive(7, target.Entry(0, 64));
        link.A.PostSend(new SendWorkRequest { WorkRequestId = 3, Opcode = SendOpcode.SendWithImmediate, ImmediateData = 0xDEADBEEF }, source.Entry(0, 50));

        Assert.That(link.RunUntil(() => link.A.SendCompletions.Items.Count == 1), Is.True);
        Assert.That(link.B.ReceiveCompletions.Items, Has.Count.EqualTo(1));
        var receive = link.B.ReceiveCompletions.Items[0];
        Assert.That(receive.Status, Is.EqualTo(WorkCompletionStatus.Success));
        Assert.That(receive.WorkRequestId, Is.EqualTo(7ul));
        Assert.That(receive.ByteLength, Is.EqualTo(50u));
        Assert.That(receive.HasImmediate && receive.ImmediateData == 0xDEADBEEF, Is.True);
        Assert.That(target.Span[..50].SequenceEqual(source.Span[..50]), Is.True);
        var send = link.A.SendCompletions.Items[0];
        Assert.That((send.Status, send.WorkRequestId, send.Opcode), Is.EqualTo((WorkCompletionStatus.Success, 3ul, WorkCompletionOpcode.Send)));
    }

    [TestCase(PathMtu.Mtu1024, 10_000)]
    [TestCase(PathMtu.Mtu4096, 65_536)]
    [TestCase(PathMtu.Mtu1024, 1024)]
    [TestCase(PathMtu.Mtu1024, 0)]
    public void Multi_packet_send_is_segmented_by_the_path_mtu_and_reassembled(PathMtu mtu, int length)
    {
        var link = new SimulatedLink(mtu: mtu);
        link.A.Capture = [];
        using var source = new TestMemory(link.A.Memory, length + 16, All);
        using var target = new TestMemory(link.B.Memory, length + 16, All);
        source.Fill(2);
        // Two entries on each side, split at different points, exercise gather and scatter.
        link.B.PostReceive(1, target.Entry(0, (length / 3) + 1), target.Entry((length / 3) + 1, length - (length / 3) + 15));
        link.A.PostSend(new SendWorkRequest { WorkRequestId = 1, Opcode = SendOpcode.Send }, source.Entry(0, length / 2), source.Entry(length / 2, length - (length / 2)));

        Assert.That(link.RunUntil(() => link.A.SendCompletions.Items.Count == 1), Is.True);
        Assert.That(link.B.ReceiveCompletions.Items.Single().ByteLength, Is.EqualTo((uint)length));
        Assert.That(target.Span[..length].SequenceEqual(source.Span[..length]), Is.True);
        int expectedPackets = Math.Max(1, (length + mtu.ToBytes() - 1) / mtu.ToBytes());
        Assert.That(link.A.Capture, Has.Count.EqualTo(expectedPackets));
        Assert.That(link.A.Capture.All(p => RocePacket.TryParse(p, out var packet) == PacketError.None && packet.Payload.Length <= mtu.ToBytes()), Is.True);
    }

    [Test]
    public void Rdma_write_and_write_with_immediate_place_data_at_the_remote_address()
    {
        var link = new SimulatedLink();
        using var source = new TestMemory(link.A.Memory, 8192, All);
        using var target = new TestMemory(link.B.Memory, 16384, All);
        using var receive = new TestMemory(link.B.Memory, 16, All);
        source.Fill(3);
        link.B.PostReceive(9, receive.Entry(0, 16));
        link.A.PostSend(new SendWorkRequest { WorkRequestId = 1, Opcode = SendOpcode.RdmaWrite, RemoteAddress = (ulong)target.Address + 100, RemoteKey = target.Key }, source.Entry(0, 5000));
        link.A.PostSend(new SendWorkRequest { WorkRequestId = 2, Opcode = SendOpcode.RdmaWriteWithImmediate, ImmediateData = 42, RemoteAddress = (ulong)target.Address + 8000, RemoteKey = target.Key }, source.Entry(5000, 3000));

        Assert.That(link.RunUntil(() => link.A.SendCompletions.Items.Count == 2), Is.True);
        Assert.That(link.A.SendCompletions.Items.Select(c => (c.WorkRequestId, c.Status, c.Opcode)), Is.EqualTo(new[]
        {
            (1ul, WorkCompletionStatus.Success, WorkCompletionOpcode.RdmaWrite),
            (2ul, WorkCompletionStatus.Success, WorkCompletionOpcode.RdmaWrite),
        }));
        Assert.That(target.Span.Slice(100, 5000).SequenceEqual(source.Span[..5000]), Is.True);
        Assert.That(target.Span.Slice(8000, 3000).SequenceEqual(source.Span.Slice(5000, 3000)), Is.True);
        Assert.That(target.Span[..100].ContainsAnyExcept((byte)0), Is.False, "bytes before the target address stay untouched");
        var completion = link.B.ReceiveCompletions.Items.Single();
        Assert.That((completion.WorkRequestId, completion.Opcode, completion.ImmediateData, completion.ByteLength), Is.EqualTo((9ul, WorkCompletionOpcode.ReceiveRdmaWithImmediate, 42u, 3000u)));
    }

    [TestCase(PathMtu.Mtu4096, 1 << 20)]
    [TestCase(PathMtu.Mtu1024, 100_000)]
    [TestCase(PathMtu.Mtu1024, 1)]
    public void Rdma_read_reassembles_multi_packet_responses(PathMtu mtu, int length)
    {
        var link = new SimulatedLink(mtu: mtu);
        using var local = new TestMemory(link.A.Memory, length, All);
        using var remote = new TestMemory(link.B.Memory, length, All);
        remote.Fill(4);
        link.A.PostSend(new SendWorkRequest { WorkRequestId = 5, Opcode = SendOpcode.RdmaRead, RemoteAddress = (ulong)remote.Address, RemoteKey = remote.Key }, local.Entry(0, length));

        Assert.That(link.RunUntil(() => link.A.SendCompletions.Items.Count == 1), Is.True);
        var completion = link.A.SendCompletions.Items[0];
        Assert.That((completion.Status, completion.Opcode, completion.ByteLength), Is.EqualTo((WorkCompletionStatus.Success, WorkCompletionOpcode.RdmaRead, (uint)length)));
        Assert.That(local.Span.SequenceEqual(remote.Span), Is.True);
    }

    [Test]
    public void Psn_wraps_through_zero_during_a_transfer()
    {
        var link = new SimulatedLink(psnA: 0xFF_FFF0, psnB: 0xFF_FFFE);
        using var source = new TestMemory(link.A.Memory, 64 * 1024, All);
        using var target = new TestMemory(link.B.Memory, 64 * 1024, All);
        source.Fill(5);
        link.A.PostSend(new SendWorkRequest { WorkRequestId = 1, Opcode = SendOpcode.RdmaWrite, RemoteAddress = (ulong)target.Address, RemoteKey = target.Key }, source.Entry(0, 64 * 1024));
        link.A.PostSend(new SendWorkRequest { WorkRequestId = 2, Opcode = SendOpcode.RdmaRead, RemoteAddress = (ulong)target.Address, RemoteKey = target.Key }, source.Entry(0, 32 * 1024));
        link.B.PostReceive(1, target.Entry(0, 16));
        link.B.PostReceive(2, target.Entry(16, 16));
        link.B.PostSend(new SendWorkRequest { WorkRequestId = 3, Opcode = SendOpcode.Send }, target.Entry(0, 0));

        Assert.That(link.RunUntil(() => link.A.SendCompletions.Items.Count == 2), Is.True);
        Assert.That(link.A.SendCompletions.Items.All(c => c.IsSuccess), Is.True);
        Assert.That(target.Span.SequenceEqual(source.Span), Is.True);
    }

    [TestCase(0.01, 11, 100u)]
    [TestCase(0.05, 12, 100u)]
    [TestCase(0.05, 13, 100u)]
    [TestCase(0.05, 14, 0xFF_FFC0u)] // PSNs wrap through zero early in the run
    public void Mixed_traffic_completes_in_order_with_verified_data_over_a_lossy_reordering_duplicating_link(double loss, int seed, uint firstPsn)
    {
        var faults = new LinkFaults { Loss = loss, Duplication = 0.02, Reordering = 0.05, Delay = 20, ReorderDelay = 300 };
        var link = new SimulatedLink(seed, faults, PathMtu.Mtu1024, psnA: firstPsn, psnB: firstPsn + 7);
        const int Messages = 60;
        const int Size = 6000;
        using var localA = new TestMemory(link.A.Memory, Messages * Size, All);
        using var readBack = new TestMemory(link.A.Memory, Messages * Size, All);
        using var regionB = new TestMemory(link.B.Memory, Messages * Size, All);
        using var receiveB = new TestMemory(link.B.Memory, Messages * Size, All);
        localA.Fill(seed);
        var random = new Random(seed);
        var expectedWrites = new List<int>();
        var expectedSends = new List<int>();
        int posted = 0;
        int completedTarget = 0;
        for (int i = 0; i < Messages; i++)
        {
            int length = random.Next(1, Size);
            switch (i % 3)
            {
                case 0:
                    link.A.PostSend(new SendWorkRequest { WorkRequestId = (ulong)i, Opcode = SendOpcode.RdmaWrite, RemoteAddress = (ulong)regionB.Address + (ulong)(i * Size), RemoteKey = regionB.Key }, localA.Entry(i * Size, length));
                    expectedWrites.Add(i);
                    break;
                case 1:
                    link.B.PostReceive((ulong)i, receiveB.Entry(i * Size, Size));
                    link.A.PostSend(new SendWorkRequest { WorkRequestId = (ulong)i, Opcode = SendOpcode.SendWithImmediate, ImmediateData = (uint)i }, localA.Entry(i * Size, length));
                    expectedSends.Add(i);
                    break;
                default:
                    // Read back what an earlier WRITE placed, after it is known to have landed.
                    link.A.PostSend(new SendWorkRequest { WorkRequestId = (ulong)i, Opcode = SendOpcode.RdmaRead, RemoteAddress = (ulong)regionB.Address + (ulong)((i - 2) * Size), RemoteKey = regionB.Key, Options = SendOptions.Fence }, readBack.Entry((i - 2) * Size, length));
                    break;
            }

            posted++;
            if (posted % 20 == 0)
            {
                completedTarget = posted;
                Assert.That(link.RunUntil(() => link.A.SendCompletions.Items.Count >= completedTarget, 600_000_000), Is.True, $"stalled at {link.A.SendCompletions.Items.Count}/{completedTarget}");
            }
        }

        Assert.That(link.A.SendCompletions.Items.Select(c => c.WorkRequestId), Is.EqualTo(Enumerable.Range(0, Messages).Select(i => (ulong)i)), "completions in posting order");
        Assert.That(link.A.SendCompletions.Items.Where(c => !c.IsSuccess).Select(c => $"{c.WorkRequestId}:{c.Status}"), Is.Empty);
        Assert.That(link.B.ReceiveCompletions.Items.Select(c => c.ImmediateData), Is.EqualTo(expectedSends.Select(i => (uint)i)));
        foreach (int i in expectedSends)
        {
            var completion = link.B.ReceiveCompletions.Items.Single(c => c.WorkRequestId == (ulong)i);
            Assert.That(receiveB.Span.Slice(i * Size, (int)completion.ByteLength).SequenceEqual(localA.Span.Slice(i * Size, (int)completion.ByteLength)), Is.True, $"SEND {i}");
        }

        foreach (int i in expectedWrites)
        {
            int writeLength = link.A.SendCompletions.Items[i].ByteLength is var l ? (int)l : 0;
            Assert.That(regionB.Span.Slice(i * Size, writeLength).SequenceEqual(localA.Span.Slice(i * Size, writeLength)), Is.True, $"WRITE {i}");
            int readLength = (int)link.A.SendCompletions.Items[i + 2].ByteLength;
            int checkedLength = Math.Min(readLength, writeLength);
            Assert.That(readBack.Span.Slice(i * Size, checkedLength).SequenceEqual(localA.Span.Slice(i * Size, checkedLength)), Is.True, $"READ {i + 2}");
        }

        if (loss > 0)
        {
            Assert.That(link.Dropped, Is.GreaterThan(0));
            Assert.That(link.A.Transport.Counters.Retransmissions, Is.GreaterThan(0));
        }
    }

    [TestCase(SendOpcode.RdmaWrite, 0.01, 21)]
    [TestCase(SendOpcode.RdmaRead, 0.01, 22)]
    [TestCase(SendOpcode.RdmaRead, 0.05, 23)]
    public void Multi_megabyte_transfers_recover_from_loss_with_bounded_overhead(SendOpcode opcode, double loss, int seed)
    {
        const int Length = 2 << 20;
        var link = new SimulatedLink(seed, new LinkFaults { Loss = loss, Reordering = 0.01 }, PathMtu.Mtu4096);
        using var local = new TestMemory(link.A.Memory, Length, All);
        using var remote = new TestMemory(link.B.Memory, Length, All);
        (opcode == SendOpcode.RdmaRead ? remote : local).Fill(seed);
        link.A.PostSend(new SendWorkRequest { WorkRequestId = 1, Opcode = opcode, RemoteAddress = (ulong)remote.Address, RemoteKey = remote.Key }, local.Entry(0, Length));

        Assert.That(link.RunUntil(() => link.A.SendCompletions.Items.Count == 1), Is.True);
        var requester = link.A.Transport.Counters;
        Assert.That(link.A.SendCompletions.Items[0].Status, Is.EqualTo(WorkCompletionStatus.Success),
            $"at {link.Now} µs: {requester.Timeouts} timeouts, {requester.Retransmissions} retransmissions, {requester.ResponsesOutOfOrder} placed out of order, {requester.ResponsesDropped} dropped");
        Assert.That(local.Span.SequenceEqual(remote.Span), Is.True);
        long dataPackets = opcode == SendOpcode.RdmaRead ? link.B.Transport.Counters.PacketsSent : link.A.Transport.Counters.PacketsSent;
        // Go-back-N costs about one window (MaxPacketsInFlight) per loss; resending whole transfers would be far more.
        int packets = Length / 4096;
        double bound = 2 * packets * (1 + (loss * new RcTransportOptions().MaxPacketsInFlight));
        Assert.That(dataPackets, Is.LessThan(bound), "go-back-N resends about a window per loss, not the whole transfer");
    }

    [TestCase(0.0, 31)]
    [TestCase(0.05, 32)]
    [TestCase(0.0, 33)]
    public void Rdma_read_over_a_slow_heavily_reordering_link_needs_no_timeout_and_no_storm_of_replays(double loss, int seed)
    {
        // Like `tc netem delay 2ms 1ms reorder 25%` on a slow emulated link: most responses are held back by a
        // random delay and later ones overtake them; the wire carries one packet per 25 µs, so every replay the
        // requester asks for queues behind the previous ones. Dropping every overtaking response made each replay
        // bring the whole rest again (about 480 responses per packet of data here), until the queue outgrew the
        // ACK timeout and the retries ran out; kept responses make a replay cheap.
        const int Length = 1 << 20;
        const int Packets = Length / 1024;
        var faults = new LinkFaults { Loss = loss, Reordering = 0.75, Delay = 1000, ReorderDelay = 2000, PacketSpacing = 25 };
        var link = new SimulatedLink(seed, faults, PathMtu.Mtu1024, psnA: 0xFF_FF00, sendAttributes: ReadyToSendAttributes.Default(0) with { Timeout = 14 });
        using var local = new TestMemory(link.A.Memory, Length, All);
        using var remote = new TestMemory(link.B.Memory, Length, All);
        remote.Fill(seed);
        link.A.PostSend(new SendWorkRequest { WorkRequestId = 1, Opcode = SendOpcode.RdmaRead, RemoteAddress = (ulong)remote.Address, RemoteKey = remote.Key }, local.Entry(0, Length));

        bool finished = link.RunUntil(() => link.A.SendCompletions.Items.Count == 1);
        var requester = link.A.Transport.Counters;
        Assert.That(finished, Is.True, $"at {link.Now} µs: {requester.Timeouts} timeouts");
        Assert.That(link.A.SendCompletions.Items[0].Status, Is.EqualTo(WorkCompletionStatus.Success),
            $"at {link.Now} µs: {requester.Timeouts} timeouts, {requester.Retransmissions} re-requests, {requester.ResponsesOutOfOrder} kept out of order, {requester.ResponsesDropped} dropped");
        Assert.That(local.Span.SequenceEqual(remote.Span), Is.True);
        long responses = link.B.Transport.Counters.PacketsSent;
        Assert.That(requester.Timeouts, Is.Zero, $"replays recover every gap before the ACK timeout ({requester.ReadGapReRequests} re-requests, {requester.NakRetransmits} NAK go-backs)");
        // Selective re-requests: 4–6.5k responses here; go-back-N re-requests of every later chunk made 14.7k.
        Assert.That(responses, Is.LessThan(10 * Packets), $"{responses} responses for {Packets} packets of data");
    }

    [Test]
    public void Inline_send_copies_its_data_at_post_time_and_needs_no_key()
    {
        var link = new SimulatedLink(options: new RcTransportOptions { MaxInlineData = 64 });
        using var source = new TestMemory(link.A.Memory, 64, All);
        using var target = new TestMemory(link.B.Memory, 64, All);
        source.Fill(8);
        var expected = source.Span[..40].ToArray();
        link.B.PostReceive(1, target.Entry(0, 64));
        link.A.PostSend(new SendWorkRequest { WorkRequestId = 1, Opcode = SendOpcode.Send, Options = SendOptions.Inline }, new ScatterGatherEntry((ulong)source.Address, 40, 0));
        source.Span.Clear(); // the caller may reuse inline memory as soon as the post returns

        Assert.That(link.RunUntil(() => link.A.SendCompletions.Items.Count == 1), Is.True);
        Assert.That(link.A.SendCompletions.Items[0].Status, Is.EqualTo(WorkCompletionStatus.Success));
        Assert.That(target.Span[..40].SequenceEqual(expected), Is.True);
        Assert.That(link.A.Transport.PostSend(new SendWorkRequest { Opcode = SendOpcode.Send, Options = SendOptions.Inline }, [new ScatterGatherEntry((ulong)source.Address, 65, 0)]), Is.EqualTo(PostError.Invalid), "more than MaxInlineData");
    }
}
