using System.Net;
using System.Net.Sockets;
using RdmaOffload.Verbs.ManagedRoce.Wire;

namespace RdmaOffload.Verbs.ManagedRoce.Tests.Provider;

[NonParallelizable]
public sealed class LoopbackTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static ManagedRoceDevice Open(string address, int port, string name = "mroce0", bool batchedIo = true, bool segmentation = true, int socketBufferBytes = 8 << 20) =>
        new ManagedRoceProvider(new ManagedRoceOptions
        {
            Devices = [new ManagedRoceDeviceOptions { Name = name, BindAddress = IPAddress.Parse(address), Port = port, BatchedIo = batchedIo, UdpSegmentationOffload = segmentation, SocketBufferBytes = socketBufferBytes }],
        }).OpenManagedDevice();

    [Test]
    public async Task Small_socket_buffers_shrink_the_window_so_bulk_transfers_lose_nothing()
    {
        // A receive buffer of 256 KiB holds far fewer than the default window of 4 KiB packets (as
        // unprivileged processes get under net.core.rmem_max): the window must shrink to fit it, or
        // each burst overflows the buffer and goes back N.
        using var deviceA = Open("127.0.0.1", 0, socketBufferBytes: 256 << 10);
        using var deviceB = Open("127.0.0.1", 0, socketBufferBytes: 256 << 10);
        Assert.That(deviceA.PacketsInFlightLimit, Is.InRange(16, 128), $"window for a {deviceA.Socket.ReceiveBufferSize}-byte receive buffer");
        using var a = new QueuePairSide(deviceA, 8 << 20);
        using var b = new QueuePairSide(deviceB, 8 << 20);
        QueuePairSide.ConnectPair(a, b, (ushort)deviceA.LocalEndPoint.Port, (ushort)deviceB.LocalEndPoint.Port);
        await ExerciseAsync(a, b, readLength: 4 << 20);
        await ExerciseAsync(b, a, readLength: 4 << 20);
        var countersA = ((ManagedQueuePair)a.QueuePair).Counters;
        var countersB = ((ManagedQueuePair)b.QueuePair).Counters;
        Assert.That((countersA.Retransmissions, countersA.Timeouts, countersB.Retransmissions, countersB.Timeouts), Is.EqualTo((0L, 0L, 0L, 0L)), "nothing was lost to a full receive buffer");
    }

    [Test]
    public async Task Sendmmsg_without_segmentation_offload_interoperates_with_it()
    {
        using var withGso = Open("127.0.0.1", 0);
        using var withoutGso = Open("127.0.0.1", 0, segmentation: false);
        using var a = new QueuePairSide(withoutGso, 4 << 20);
        using var b = new QueuePairSide(withGso, 4 << 20);
        QueuePairSide.ConnectPair(a, b, (ushort)withoutGso.LocalEndPoint.Port, (ushort)withGso.LocalEndPoint.Port);
        await ExerciseAsync(a, b);
        await ExerciseAsync(b, a);
        Assert.That(((ManagedQueuePair)b.QueuePair).Counters.Retransmissions + ((ManagedQueuePair)a.QueuePair).Counters.Retransmissions, Is.LessThan(64), "loopback should not need many retransmissions");
        Assert.That(((ManagedQueuePair)a.QueuePair).UsesSegmentationOffload, Is.False);
        Assert.That(((ManagedQueuePair)b.QueuePair).UsesSegmentationOffload, Is.EqualTo(OperatingSystem.IsLinux()), "the kernel accepted UDP_SEGMENT sends");
    }

    [Test]
    public async Task Per_packet_socket_calls_interoperate_with_batched_ones()
    {
        using var batched = Open("127.0.0.1", 0);
        using var oneByOne = Open("127.0.0.1", 0, batchedIo: false);
        Assert.That((batched.UsesBatchedIo, oneByOne.UsesBatchedIo), Is.EqualTo((OperatingSystem.IsLinux(), false)));
        using var a = new QueuePairSide(oneByOne, 4 << 20);
        using var b = new QueuePairSide(batched, 4 << 20);
        QueuePairSide.ConnectPair(a, b, (ushort)oneByOne.LocalEndPoint.Port, (ushort)batched.LocalEndPoint.Port);
        await ExerciseAsync(a, b);
        await ExerciseAsync(b, a);
    }

    [Test]
    public async Task Two_devices_on_one_address_with_different_ports_exchange_send_write_and_read()
    {
        using var deviceA = Open("127.0.0.1", 0);
        using var deviceB = Open("127.0.0.1", 0);
        using var a = new QueuePairSide(deviceA, 4 << 20);
        using var b = new QueuePairSide(deviceB, 4 << 20);

        // Same GID on both: the UDP port travels in the LID field (this provider's convention).
        QueuePairSide.ConnectPair(a, b, (ushort)deviceA.LocalEndPoint.Port, (ushort)deviceB.LocalEndPoint.Port);
        await ExerciseAsync(a, b);
    }

    [Test]
    public async Task Two_devices_on_different_loopback_addresses_share_one_port()
    {
        using var deviceA = Open("127.0.0.1", 0);
        int port = deviceA.LocalEndPoint.Port;
        ManagedRoceDevice deviceB;
        try
        {
            deviceB = Open("127.0.0.2", port);
        }
        catch (RdmaException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.AddressNotAvailable })
        {
            Assert.Fail("127.0.0.2 is not configured on loopback; this test needs the whole 127/8 on lo (Linux default)");
            return;
        }

        using (deviceB)
        {
            using var a = new QueuePairSide(deviceA, 4 << 20);
            using var b = new QueuePairSide(deviceB, 4 << 20);
            QueuePairSide.ConnectPair(a, b);
            await ExerciseAsync(a, b);
        }
    }

    [Test]
    public async Task Two_queue_pairs_on_the_same_device_talk_to_each_other()
    {
        using var device = Open("127.0.0.1", 0);
        using var a = new QueuePairSide(device, 4 << 20);
        using var b = new QueuePairSide(device, 4 << 20);
        QueuePairSide.ConnectPair(a, b);
        await ExerciseAsync(a, b);
        if (OperatingSystem.IsLinux())
        {
            Assert.That(device.Counters.Coalesced, Is.GreaterThan(0), "GSO sends arrived as GRO-coalesced receives and were split");
            Assert.That(device.Counters.IcrcSolved, Is.Zero, "every ICRC matched in full: GSO segments carry the IPv4 identifications the kernel gives them");
        }
    }

    [Test]
    public async Task The_packet_path_does_not_allocate_per_packet()
    {
        using var device = Open("127.0.0.1", 0);
        using var a = new QueuePairSide(device, 16 << 20);
        using var b = new QueuePairSide(device, 16 << 20);
        QueuePairSide.ConnectPair(a, b);
        await ExerciseAsync(a, b, readLength: 1 << 16); // warm up: JIT, caches, first-use buffers

        long before = GC.GetTotalAllocatedBytes(precise: true);
        a.QueuePair.PostSend(new SendWorkRequest { WorkRequestId = 10, Opcode = SendOpcode.RdmaWrite, RemoteAddress = (ulong)b.Buffer.Address, RemoteKey = b.Buffer.RemoteKey }, [a.Buffer.Slice(0, 8 << 20)]);
        Assert.That((await a.NextCompletionAsync(Timeout)).Status, Is.EqualTo(WorkCompletionStatus.Success));
        a.QueuePair.PostSend(new SendWorkRequest { WorkRequestId = 11, Opcode = SendOpcode.RdmaRead, RemoteAddress = (ulong)b.Buffer.Address, RemoteKey = b.Buffer.RemoteKey }, [a.Buffer.Slice(8 << 20, 8 << 20)]);
        Assert.That((await a.NextCompletionAsync(Timeout)).Status, Is.EqualTo(WorkCompletionStatus.Success));
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        // 4096 packets of 4 KiB moved (plus ACKs); a few waits and timer wake-ups may allocate, packets must not.
        Assert.That(allocated, Is.LessThan(64 * 1024), $"{allocated} bytes allocated for 4096 packets");
    }

    [Test]
    public async Task A_vanished_peer_is_detected_by_retry_exhaustion()
    {
        using var deviceA = Open("127.0.0.1", 0);
        var deviceB = Open("127.0.0.1", 0);
        using var a = new QueuePairSide(deviceA, 4096);
        var b = new QueuePairSide(deviceB, 4096);
        QueuePairSide.ConnectPair(a, b, (ushort)deviceA.LocalEndPoint.Port, (ushort)deviceB.LocalEndPoint.Port, ReadyToSendAttributes.Default(0) with { Timeout = 12, RetryCount = 2 });
        b.Dispose();
        deviceB.Dispose();

        a.QueuePair.PostSend(new SendWorkRequest { WorkRequestId = 1, Opcode = SendOpcode.RdmaWrite, RemoteAddress = 1, RemoteKey = 1 }, [a.Buffer.Slice(0, 8)]);
        var completion = await a.NextCompletionAsync(Timeout);
        Assert.That(completion.Status, Is.EqualTo(WorkCompletionStatus.RetryExceededError));
        Assert.That(a.QueuePair.QueryState(), Is.EqualTo(QueuePairState.Error));
    }

    [Test]
    public async Task Garbage_datagrams_are_counted_and_dropped_and_the_device_keeps_working()
    {
        using var device = Open("127.0.0.1", 0);
        using var a = new QueuePairSide(device, 1 << 16);
        using var b = new QueuePairSide(device, 1 << 16);
        QueuePairSide.ConnectPair(a, b);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var random = new Random(9);
        for (int i = 0; i < 200; i++)
        {
            var junk = new byte[random.Next(0, 300)];
            random.NextBytes(junk);
            socket.SendTo(junk, device.LocalEndPoint);
        }

        // A well-formed packet for a real QP with a wrong ICRC, and one for a QPN that does not exist.
        var wellFormed = new byte[RocePacketWriter.PacketLength(RoceOpcode.SendOnly, 4)];
        RocePacketWriter.Write(wellFormed, new BaseTransportHeader { Opcode = (byte)RoceOpcode.SendOnly, DestinationQueuePair = b.QueuePair.QueuePairNumber, Psn = new Psn(0x123) }, 4);
        socket.SendTo(wellFormed, device.LocalEndPoint);
        RocePacketWriter.Write(wellFormed, new BaseTransportHeader { Opcode = (byte)RoceOpcode.SendOnly, DestinationQueuePair = 0xFFFFF0, Psn = new Psn(0x123) }, 4);
        socket.SendTo(wellFormed, device.LocalEndPoint);

        await ExerciseAsync(a, b, readLength: 1 << 15);
        Assert.That(device.Counters.BadIcrc, Is.EqualTo(1));
        Assert.That(device.Counters.UnknownQueuePair, Is.GreaterThanOrEqualTo(1));
        Assert.That(device.Counters.Malformed, Is.GreaterThan(0));
        Assert.That(b.QueuePair.QueryState(), Is.EqualTo(QueuePairState.ReadyToSend));
    }

    [Test]
    public void Device_reports_its_gid_port_and_refuses_a_wildcard_bind()
    {
        using var device = Open("127.0.0.1", 0);
        Assert.That(device.QueryGid(1, 0), Is.EqualTo(Gid.FromIPAddress(IPAddress.Loopback)));
        Assert.That(device.FindGidIndex(1, IPAddress.Loopback), Is.EqualTo(0));
        Assert.That(device.FindGidIndex(1, IPAddress.Parse("10.1.2.3")), Is.Null);
        var port = device.QueryPort(1);
        Assert.That((port.State, port.ActiveMtu, port.LinkLayer), Is.EqualTo((PortState.Active, PathMtu.Mtu4096, RdmaTransport.Ethernet)));
        Assert.Throws<RdmaException>(() => device.QueryPort(2));
        if (OperatingSystem.IsLinux())
        {
            var value = new byte[4];
            device.Socket.GetRawSocketOption(0, 10, value); // IPPROTO_IP, IP_MTU_DISCOVER
            Assert.That(BitConverter.ToInt32(value), Is.EqualTo(2), "IP_PMTUDISC_DO: DF set, so Linux sends IPv4 identification 0");
        }

        Assert.Throws<RdmaException>(() => Open("0.0.0.0", 0));
    }

    /// <summary>SEND with immediate both ways, a WRITE, then a multi-packet READ of what was written; data verified.</summary>
    private static async Task ExerciseAsync(QueuePairSide a, QueuePairSide b, int readLength = 1 << 20)
    {
        var random = new Random(42);
        random.NextBytes(a.Buffer.Span[..readLength]);
        b.QueuePair.PostReceive(100, [b.Buffer.Slice(readLength, 4096)]);
        a.QueuePair.PostSend(new SendWorkRequest { WorkRequestId = 1, Opcode = SendOpcode.SendWithImmediate, ImmediateData = 77 }, [a.Buffer.Slice(0, 3000)]);
        var sent = await a.NextCompletionAsync(Timeout);
        var received = await b.NextCompletionAsync(Timeout);
        Assert.That((sent.Status, sent.WorkRequestId), Is.EqualTo((WorkCompletionStatus.Success, 1ul)));
        Assert.That((received.Status, received.WorkRequestId, received.ByteLength, received.ImmediateData), Is.EqualTo((WorkCompletionStatus.Success, 100ul, 3000u, 77u)));
        Assert.That(b.Buffer.Span.Slice(readLength, 3000).SequenceEqual(a.Buffer.Span[..3000]), Is.True);

        a.QueuePair.PostSend(new SendWorkRequest { WorkRequestId = 2, Opcode = SendOpcode.RdmaWrite, RemoteAddress = (ulong)b.Buffer.Address, RemoteKey = b.Buffer.RemoteKey }, [a.Buffer.Slice(0, readLength)]);
        Assert.That((await a.NextCompletionAsync(Timeout)).Status, Is.EqualTo(WorkCompletionStatus.Success));
        Assert.That(b.Buffer.Span[..readLength].SequenceEqual(a.Buffer.Span[..readLength]), Is.True);

        a.Buffer.Span.Slice(readLength, readLength).Clear();
        a.QueuePair.PostSend(new SendWorkRequest { WorkRequestId = 3, Opcode = SendOpcode.RdmaRead, RemoteAddress = (ulong)b.Buffer.Address, RemoteKey = b.Buffer.RemoteKey }, [a.Buffer.Slice(readLength, readLength)]);
        var read = await a.NextCompletionAsync(Timeout);
        Assert.That((read.Status, read.Opcode, read.ByteLength), Is.EqualTo((WorkCompletionStatus.Success, WorkCompletionOpcode.RdmaRead, (uint)readLength)));
        Assert.That(a.Buffer.Span.Slice(readLength, readLength).SequenceEqual(a.Buffer.Span[..readLength]), Is.True);
    }
}
