using FsCheck;
using FsCheck.Fluent;
using RdmaOffload.Verbs.ManagedRoce.Transport;
using RdmaOffload.Verbs.ManagedRoce.Wire;

namespace RdmaOffload.Verbs.ManagedRoce.Tests.Transport;

public sealed class RcTransportErrorTests
{
    private const MemoryAccess All = MemoryAccess.LocalWrite | MemoryAccess.RemoteRead | MemoryAccess.RemoteWrite;

    [Test]
    public void Send_without_a_receive_is_rnr_nakked_and_completes_once_one_is_posted()
    {
        var link = new SimulatedLink();
        using var memoryA = new TestMemory(link.A.Memory, 4096, All);
        using var memoryB = new TestMemory(link.B.Memory, 4096, All);
        memoryA.Fill(6);
        link.A.PostSend(new SendWorkRequest { WorkRequestId = 1, Opcode = SendOpcode.Send }, memoryA.Entry(0, 3000));

        Assert.That(link.RunUntil(() => link.A.Transport.Counters.RnrNaksReceived >= 2, 10_000_000), Is.True);
        Assert.That(link.A.SendCompletions.Items, Is.Empty);
        Assert.That(link.B.Transport.Counters.RnrNaksSent, Is.GreaterThanOrEqualTo(2));

        link.B.PostReceive(5, memoryB.Entry(0, 4096));
        Assert.That(link.RunUntil(() => link.A.SendCompletions.Items.Count == 1), Is.True);
        Assert.That(link.A.SendCompletions.Items[0].Status, Is.EqualTo(WorkCompletionStatus.Success));
        Assert.That(memoryB.Span[..3000].SequenceEqual(memoryA.Span[..3000]), Is.True);
    }

    [Test]
    public void Rnr_retry_exhaustion_fails_the_request_and_flushes_the_rest()
    {
        var link = new SimulatedLink(sendAttributes: ReadyToSendAttributes.Default(0) with { RnrRetry = 2, Timeout = 10 });
        using var memoryA = new TestMemory(link.A.Memory, 4096, All);
        link.A.PostSend(new SendWorkRequest { WorkRequestId = 1, Opcode = SendOpcode.Send }, memoryA.Entry(0, 10));
        link.A.PostSend(new SendWorkRequest { WorkRequestId = 2, Opcode = SendOpcode.Send }, memoryA.Entry(0, 10));

        Assert.That(link.RunUntil(() => link.A.SendCompletions.Items.Count == 2), Is.True);
        Assert.That(link.A.SendCompletions.Items.Select(c => (c.WorkRequestId, c.Status)), Is.EqualTo(new[]
        {
            (1ul, WorkCompletionStatus.RnrRetryExceededError),
            (2ul, WorkCompletionStatus.WorkRequestFlushError),
        }));
        Assert.That(link.A.Transport.State, Is.EqualTo(QueuePairState.Error));
        Assert.That(link.A.Transport.Counters.RnrNaksReceived, Is.EqualTo(3));
    }

    [Test]
    public void Retry_exhaustion_on_a_dead_link_fails_with_retry_exceeded_and_moves_to_error()
    {
        var link = new SimulatedLink(faults: new LinkFaults { Loss = 1.0 }, sendAttributes: ReadyToSendAttributes.Default(0) with { RetryCount = 3, Timeout = 10 });
        using var memoryA = new TestMemory(link.A.Memory, 4096, All);
        link.A.PostSend(new SendWorkRequest { WorkRequestId = 1, Opcode = SendOpcode.RdmaWrite, RemoteAddress = 1, RemoteKey = 1 }, memoryA.Entry(0, 100));
        link.A.PostSend(new SendWorkRequest { WorkRequestId = 2, Opcode = SendOpcode.Send }, memoryA.Entry(0, 100));

        Assert.That(link.RunUntil(() => link.A.SendCompletions.Items.Count == 2), Is.True);
        Assert.That(link.A.SendCompletions.Items.Select(c => c.Status), Is.EqualTo(new[] { WorkCompletionStatus.RetryExceededError, WorkCompletionStatus.WorkRequestFlushError }));
        Assert.That(link.A.Transport.State, Is.EqualTo(QueuePairState.Error));
        Assert.That(link.A.Transport.Counters.Timeouts, Is.EqualTo(4), "first try plus three retries, each timing out");
        long timeout = RcTransport.AckTimeoutMicroseconds(10);
        Assert.That(link.Now, Is.InRange(4 * timeout, 5 * timeout), "failure is detected after (retries + 1) timeouts");
    }

    [TestCase(SendOpcode.RdmaWrite, 4000, 200, MemoryAccess.LocalWrite | MemoryAccess.RemoteWrite, TestName = "WRITE past the end of the region")]
    [TestCase(SendOpcode.RdmaRead, 0, 100, MemoryAccess.LocalWrite | MemoryAccess.RemoteWrite, TestName = "READ from a region without remote read")]
    [TestCase(SendOpcode.RdmaWrite, 0, 100, MemoryAccess.LocalWrite | MemoryAccess.RemoteRead, TestName = "WRITE into a region without remote write")]
    public void Access_outside_the_granted_region_is_refused_with_a_remote_access_nak(SendOpcode opcode, int offset, int length, MemoryAccess granted)
    {
        var link = new SimulatedLink();
        using var local = new TestMemory(link.A.Memory, 4096, All);
        using var remote = new TestMemory(link.B.Memory, 4096, granted);
        remote.Fill(7);
        var before = remote.Span.ToArray();
        link.A.PostSend(new SendWorkRequest { WorkRequestId = 1, Opcode = opcode, RemoteAddress = (ulong)remote.Address + (ulong)offset, RemoteKey = remote.Key }, local.Entry(0, length));
        link.A.PostSend(new SendWorkRequest { WorkRequestId = 2, Opcode = SendOpcode.Send }, local.Entry(0, 1));

        Assert.That(link.RunUntil(() => link.A.SendCompletions.Items.Count == 2), Is.True);
        Assert.That(link.A.SendCompletions.Items.Select(c => c.Status), Is.EqualTo(new[] { WorkCompletionStatus.RemoteAccessError, WorkCompletionStatus.WorkRequestFlushError }));
        Assert.That(link.B.Transport.Counters.ErrorNaksSent, Is.EqualTo(1));
        Assert.That(link.B.Transport.State, Is.EqualTo(QueuePairState.Error));
        Assert.That(link.A.Transport.State, Is.EqualTo(QueuePairState.Error));
        Assert.That(remote.Span.SequenceEqual(before), Is.True, "the remote region is unchanged");
        if (opcode == SendOpcode.RdmaRead)
        {
            Assert.That(local.Span[..length].ContainsAnyExcept((byte)0), Is.False, "nothing was read");
        }
    }

    [Test]
    public void Wrong_rkey_is_refused()
    {
        var link = new SimulatedLink();
        using var local = new TestMemory(link.A.Memory, 4096, All);
        using var remote = new TestMemory(link.B.Memory, 4096, All);
        link.A.PostSend(new SendWorkRequest { WorkRequestId = 1, Opcode = SendOpcode.RdmaRead, RemoteAddress = (ulong)remote.Address, RemoteKey = remote.Key + 1 }, local.Entry(0, 64));
        Assert.That(link.RunUntil(() => link.A.SendCompletions.Items.Count == 1), Is.True);
        Assert.That(link.A.SendCompletions.Items[0].Status, Is.EqualTo(WorkCompletionStatus.RemoteAccessError));
    }

    [Test]
    public void Bad_local_key_completes_with_a_local_protection_error_without_touching_the_wire()
    {
        var link = new SimulatedLink();
        link.A.Capture = [];
        using var local = new TestMemory(link.A.Memory, 4096, All);
        link.A.PostSend(new SendWorkRequest { WorkRequestId = 1, Opcode = SendOpcode.Send }, new ScatterGatherEntry((ulong)local.Address, 10, local.Key ^ 0x100));
        Assert.That(link.RunUntil(() => link.A.SendCompletions.Items.Count == 1), Is.True);
        Assert.That(link.A.SendCompletions.Items[0].Status, Is.EqualTo(WorkCompletionStatus.LocalProtectionError));
        Assert.That(link.A.Capture, Is.Empty);
        Assert.That(link.A.Transport.State, Is.EqualTo(QueuePairState.Error));
    }

    [Test]
    public void Receive_too_small_completes_with_a_length_error()
    {
        var link = new SimulatedLink();
        using var local = new TestMemory(link.A.Memory, 4096, All);
        using var remote = new TestMemory(link.B.Memory, 4096, All);
        link.B.PostReceive(1, remote.Entry(0, 100));
        link.A.PostSend(new SendWorkRequest { WorkRequestId = 1, Opcode = SendOpcode.Send }, local.Entry(0, 2000));
        Assert.That(link.RunUntil(() => link.A.SendCompletions.Items.Count == 1), Is.True);
        Assert.That(link.B.ReceiveCompletions.Items.Single().Status, Is.EqualTo(WorkCompletionStatus.LocalLengthError));
        Assert.That(link.A.SendCompletions.Items[0].Status, Is.EqualTo(WorkCompletionStatus.RemoteInvalidRequestError));
    }

    [Test]
    public void Out_of_sequence_requests_get_one_sequence_nak_and_duplicates_a_re_ack()
    {
        var link = new SimulatedLink(psnA: 100);
        link.A.Capture = [];
        using var local = new TestMemory(link.A.Memory, 8192, All);
        using var remote = new TestMemory(link.B.Memory, 8192, All);
        link.A.PostSend(new SendWorkRequest { WorkRequestId = 1, Opcode = SendOpcode.RdmaWrite, RemoteAddress = (ulong)remote.Address, RemoteKey = remote.Key }, local.Entry(0, 4096));
        link.A.Transport.Poll(0, new CapturingTransmitter(link.A.Capture));
        Assert.That(link.A.Capture, Has.Count.EqualTo(4));

        // Deliver packets 1..3 without packet 0: one NAK, not three.
        var responses = new List<byte[]>();
        var sink = new CapturingTransmitter(responses);
        foreach (var packet in link.A.Capture.Skip(1))
        {
            SimulatedLink.Deliver(link.B, packet);
        }

        link.B.Transport.Poll(0, sink);
        Assert.That(link.B.Transport.Counters.OutOfSequenceRequests, Is.EqualTo(3));
        Assert.That(link.B.Transport.Counters.SequenceNaksSent, Is.EqualTo(1));
        Assert.That(responses, Has.Count.EqualTo(1));
        Assert.That(RocePacket.TryParse(responses[0], out var nak), Is.EqualTo(PacketError.None));
        Assert.That((nak.Aeth.Kind, nak.Aeth.Value, nak.Header.Psn.Value), Is.EqualTo((AckKind.Nak, (byte)NakCode.PsnSequenceError, 100u)));

        // Now all four in order, then the first again: the duplicate is re-acknowledged, not re-executed.
        responses.Clear();
        foreach (var packet in link.A.Capture)
        {
            SimulatedLink.Deliver(link.B, packet);
        }

        link.B.Transport.Poll(0, sink);
        SimulatedLink.Deliver(link.B, link.A.Capture[0]);
        link.B.Transport.Poll(0, sink);
        Assert.That(link.B.Transport.Counters.DuplicateRequests, Is.EqualTo(1));
        Assert.That(responses.Select(r => RocePacket.TryParse(r, out var p) == PacketError.None ? (p.Aeth.Kind, p.Header.Psn.Value) : default), Is.EqualTo(new[] { (AckKind.Ack, 103u), (AckKind.Ack, 103u) }));
    }

    [Test]
    public void State_machine_refuses_invalid_transitions_and_posts()
    {
        var memory = new Memory.MemoryKeyTable();
        var completions = new CompletionList();
        var transport = new RcTransport(1, new RcTransportOptions { MaxSendWorkRequests = 2 }, memory, completions, completions);
        Assert.That(transport.PostReceive(1, []), Is.EqualTo(PostError.Invalid), "no receives in RESET");
        Assert.Throws<RdmaException>(() => transport.ModifyToReadyToSend(ReadyToSendAttributes.Default(0)));
        transport.ModifyToInit(All);
        Assert.Throws<RdmaException>(() => transport.ModifyToInit(All));
        Assert.That(transport.PostSend(new SendWorkRequest { Opcode = SendOpcode.Send }, []), Is.EqualTo(PostError.Invalid), "no sends before RTS");
        Assert.That(transport.PostReceive(1, []), Is.EqualTo(PostError.None));
        transport.ModifyToReadyToReceive(new ReadyToReceiveAttributes { RemoteQueuePairNumber = 2, ReceivePacketSequenceNumber = 0, RemoteGid = Gid.Zero, LocalGidIndex = 0 });
        Assert.Throws<RdmaException>(() => transport.ModifyToReadyToReceive(new ReadyToReceiveAttributes { RemoteQueuePairNumber = 2, ReceivePacketSequenceNumber = 0, RemoteGid = Gid.Zero, LocalGidIndex = 0 }));
        transport.ModifyToReadyToSend(ReadyToSendAttributes.Default(0));
        Assert.That(transport.PostSend(new SendWorkRequest { WorkRequestId = 10, Opcode = SendOpcode.Send }, []), Is.EqualTo(PostError.None));
        Assert.That(transport.PostSend(new SendWorkRequest { WorkRequestId = 11, Opcode = SendOpcode.Send }, []), Is.EqualTo(PostError.None));
        Assert.That(transport.PostSend(new SendWorkRequest { WorkRequestId = 12, Opcode = SendOpcode.Send }, []), Is.EqualTo(PostError.QueueFull));
        Assert.That((transport.SendQueueDepth, transport.ReceiveQueueDepth), Is.EqualTo((2, 1)));
        Assert.That(transport.PostSend(new SendWorkRequest { Opcode = (SendOpcode)99 }, []), Is.EqualTo(PostError.Invalid));

        transport.ModifyToError();
        Assert.That((transport.SendQueueDepth, transport.ReceiveQueueDepth), Is.EqualTo((0, 0)));
        Assert.That(completions.Items.Select(c => (c.WorkRequestId, c.Status)), Is.EquivalentTo(new[]
        {
            (10ul, WorkCompletionStatus.WorkRequestFlushError),
            (11ul, WorkCompletionStatus.WorkRequestFlushError),
            (1ul, WorkCompletionStatus.WorkRequestFlushError),
        }));

        // Work posted in ERROR completes at once, flushed.
        Assert.That(transport.PostReceive(2, []), Is.EqualTo(PostError.None));
        Assert.That(completions.Items[^1], Is.EqualTo(new WorkCompletion { WorkRequestId = 2, Status = WorkCompletionStatus.WorkRequestFlushError, Opcode = WorkCompletionOpcode.Receive, QueuePairNumber = 1 }));
        transport.ModifyToReset();
        Assert.That(transport.State, Is.EqualTo(QueuePairState.Reset));
        transport.ModifyToInit(All);
    }

    [Test]
    public void Arbitrary_packets_never_throw_and_never_complete_work_falsely()
    {
        var link = new SimulatedLink();
        using var remote = new TestMemory(link.B.Memory, 4096, All);
        link.B.PostReceive(1, remote.Entry(0, 4096));
        var sink = new CapturingTransmitter([]);
        Prop.ForAll<byte[], byte, uint>((body, opcode, psn) =>
        {
            var packet = new byte[Math.Max(body.Length, 16) + 16];
            body.CopyTo(packet, 0);
            packet[0] = (byte)(opcode % 0x13);
            packet[1] &= 0xCF; // no pad, so more packets parse
            packet[5] = 0;
            packet[6] = 0;
            packet[7] = 0x22; // B's QPN
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(8), psn);
            SimulatedLink.Deliver(link.B, packet);
            link.B.Transport.Poll(0, sink);
            return link.A.SendCompletions.Items.Count == 0;
        }).QuickCheckThrowOnFailure();
    }

    [Test]
    public void Responses_outside_the_window_wrong_qpn_or_partition_are_dropped_and_counted()
    {
        var link = new SimulatedLink(psnA: 100);
        using var local = new TestMemory(link.A.Memory, 4096, All);
        using var remote = new TestMemory(link.B.Memory, 4096, All);
        link.A.PostSend(new SendWorkRequest { WorkRequestId = 1, Opcode = SendOpcode.RdmaWrite, RemoteAddress = (ulong)remote.Address, RemoteKey = remote.Key }, local.Entry(0, 100));
        link.A.Transport.Poll(0, new CapturingTransmitter([]));

        byte[] Ack(uint psn, uint qpn = 0x11, ushort pkey = 0xFFFF)
        {
            var packet = new byte[RocePacketWriter.PacketLength(RoceOpcode.Acknowledge, 0)];
            RocePacketWriter.Write(packet, new BaseTransportHeader { Opcode = (byte)RoceOpcode.Acknowledge, PartitionKey = pkey, DestinationQueuePair = qpn, Psn = new Psn(psn) }, 0, default, AckExtendedTransportHeader.Ack(0));
            return packet;
        }

        SimulatedLink.Deliver(link.A, Ack(101)); // for a PSN never sent
        SimulatedLink.Deliver(link.A, Ack(99));  // before the window
        SimulatedLink.Deliver(link.A, Ack(100, pkey: 0x1234));
        Assert.That(link.A.Transport.Counters.ResponsesDropped, Is.EqualTo(2));
        Assert.That(link.A.Transport.Counters.BadPartitionKey, Is.EqualTo(1));
        SimulatedLink.Deliver(link.A, Ack(100, qpn: 0x99));
        Assert.That(link.Dropped, Is.EqualTo(1), "wrong QPN never reaches the QP");
        Assert.That(link.A.SendCompletions.Items, Is.Empty);

        SimulatedLink.Deliver(link.A, Ack(100));
        Assert.That(link.A.SendCompletions.Items.Single().Status, Is.EqualTo(WorkCompletionStatus.Success));
    }

    [Test]
    public void A_full_completion_queue_moves_the_queue_pair_to_error()
    {
        var memory = new Memory.MemoryKeyTable();
        var sendSide = new CompletionList();
        var tiny = new BoundedCompletions(1);
        var a = new RcTransport(1, new RcTransportOptions(), memory, sendSide, sendSide);
        var b = new RcTransport(2, new RcTransportOptions(), memory, tiny, tiny);
        using var buffer = new TestMemory(memory, 4096, All);
        foreach (var (transport, remote) in new[] { (a, 2u), (b, 1u) })
        {
            transport.ModifyToInit(All);
            transport.ModifyToReadyToReceive(new ReadyToReceiveAttributes { RemoteQueuePairNumber = remote, ReceivePacketSequenceNumber = 0, RemoteGid = Gid.Zero, LocalGidIndex = 0 });
            transport.ModifyToReadyToSend(ReadyToSendAttributes.Default(0));
        }

        b.PostReceive(1, [buffer.Entry(0, 64)]);
        b.PostReceive(2, [buffer.Entry(64, 64)]);
        a.PostSend(new SendWorkRequest { WorkRequestId = 1, Opcode = SendOpcode.Send }, [buffer.Entry(1024, 8)]);
        a.PostSend(new SendWorkRequest { WorkRequestId = 2, Opcode = SendOpcode.Send }, [buffer.Entry(1024, 8)]);
        var wire = new List<byte[]>();
        a.Poll(0, new CapturingTransmitter(wire));
        foreach (var bytes in wire)
        {
            Assert.That(RocePacket.TryParse(bytes, out var packet), Is.EqualTo(PacketError.None));
            b.HandlePacket(packet, 0);
        }

        Assert.That(tiny.Items, Has.Count.EqualTo(1), "the queue holds one completion");
        Assert.That(b.Counters.CompletionQueueOverruns, Is.EqualTo(1));
        Assert.That(b.State, Is.EqualTo(QueuePairState.Error));
    }

    private sealed class BoundedCompletions(int capacity) : ICompletionSink
    {
        public List<WorkCompletion> Items { get; } = [];

        public bool TryAdd(in WorkCompletion completion)
        {
            if (Items.Count >= capacity)
            {
                return false;
            }

            Items.Add(completion);
            return true;
        }
    }
}
