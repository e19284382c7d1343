using RdmaOffload.NetStack.Tcp;
using RdmaOffload.NetStack.Tests.Simulation;

namespace RdmaOffload.NetStack.Tests.Tcp;

/// <summary>Bulk transfers across the simulated link, clean and under faults; data verified by SHA-256 each time.</summary>
public sealed class TransferTests
{
    private const ushort Port = 8080;

    private static (TestConnection Client, TestAcceptor Acceptor) Start(SimulatedNetwork net, byte[] clientData, byte[] serverData)
    {
        var acceptor = new TestAcceptor(() => new TestConnection(serverData));
        net.B.Listen(Port, acceptor);
        var client = new TestConnection(clientData);
        net.A.Connect(SimulatedNetwork.AddressB, Port, client, net.Now);
        return (client, acceptor);
    }

    private static void AssertComplete(SimulatedNetwork net, TestConnection client, TestAcceptor acceptor, byte[] clientData, byte[] serverData)
    {
        var done = net.RunUntil(() => acceptor.Accepted.Count == 1 && client.ClosedReason is not null && acceptor.Accepted[0].ClosedReason is not null,
            timeLimit: 600_000_000);
        Assert.That(done, Is.True, $"transfer did not finish: client {client.Connection?.State} got {client.ReceivedCount}/{serverData.Length}");
        var server = acceptor.Accepted[0];
        Assert.That(TestConnection.Sha256(server.Received), Is.EqualTo(TestConnection.Sha256(clientData)));
        Assert.That(TestConnection.Sha256(client.Received), Is.EqualTo(TestConnection.Sha256(serverData)));
        Assert.That(client.ClosedReason, Is.EqualTo(TcpCloseReason.Graceful));
        Assert.That(server.ClosedReason, Is.EqualTo(TcpCloseReason.Graceful));
        Assert.That(client.AcknowledgedOffset, Is.EqualTo(clientData.Length));
        Assert.That(server.AcknowledgedOffset, Is.EqualTo(serverData.Length));
    }

    [Test]
    public void Clean_link_transfers_both_ways_and_negotiates_options()
    {
        var net = new SimulatedNetwork(seed: 7);
        var up = TestConnection.RandomPayload(300_000, 1);
        var down = TestConnection.RandomPayload(2_000_000, 2);
        var (client, acceptor) = Start(net, up, down);
        Assert.That(net.RunUntil(() => client.Connected), Is.True);
        var connection = client.Connection!;
        Assert.That(connection.TimestampsEnabled, Is.True);
        Assert.That(connection.SackEnabled, Is.True);
        Assert.That(connection.WindowScale.Receive, Is.GreaterThan(0));
        Assert.That(connection.SendMaximumSegmentSize, Is.EqualTo(1460 - 12));
        AssertComplete(net, client, acceptor, up, down);
        Assert.That(connection.RetransmittedSegments, Is.Zero, "no loss, no retransmission");
    }

    [TestCase(0.01, 1)]
    [TestCase(0.05, 2)]
    [TestCase(0.10, 3)]
    public void Lossy_link_with_sack_delivers_everything(double loss, int seed)
    {
        var net = new SimulatedNetwork(seed);
        net.AtoB = new LinkConditions { LossRate = loss, Delay = 5_000, BytesPerSecond = 50_000_000 };
        net.BtoA = new LinkConditions { LossRate = loss, Delay = 5_000, BytesPerSecond = 50_000_000 };
        var up = TestConnection.RandomPayload(200_000, seed);
        var down = TestConnection.RandomPayload(1_000_000, seed + 1);
        var (client, acceptor) = Start(net, up, down);
        AssertComplete(net, client, acceptor, up, down);
        Assert.That(acceptor.Accepted[0].Connection!.RetransmittedSegments, Is.GreaterThan(0));
    }

    [TestCase(false, 4)]
    [TestCase(true, 5)]
    public void Loss_reordering_duplication_and_delay(bool sack, int seed)
    {
        var net = new SimulatedNetwork(seed, o => o.Tcp.SelectiveAcknowledgments = sack);
        var faults = new LinkConditions
        {
            LossRate = 0.03,
            DuplicateRate = 0.03,
            ReorderRate = 0.05,
            ReorderExtraDelay = 4_000,
            Delay = 10_000,
            BytesPerSecond = 20_000_000,
        };
        net.AtoB = faults;
        net.BtoA = faults;
        var up = TestConnection.RandomPayload(150_000, seed);
        var down = TestConnection.RandomPayload(600_000, seed + 1);
        var (client, acceptor) = Start(net, up, down);
        AssertComplete(net, client, acceptor, up, down);
        Assert.That(client.Connection!.SackEnabled, Is.EqualTo(sack));
    }

    [Test]
    public void Timestamps_and_scaling_off_still_work()
    {
        var net = new SimulatedNetwork(11, o =>
        {
            o.Tcp.Timestamps = false;
            o.Tcp.WindowScaling = false;
        });
        net.AtoB = new LinkConditions { LossRate = 0.02, Delay = 2_000 };
        var up = TestConnection.RandomPayload(100_000, 3);
        var down = TestConnection.RandomPayload(300_000, 4);
        var (client, acceptor) = Start(net, up, down);
        AssertComplete(net, client, acceptor, up, down);
        Assert.That(client.Connection!.WindowScale, Is.EqualTo((0, 0)));
        Assert.That(client.Connection!.TimestampsEnabled, Is.False);
    }

    [Test]
    public void Window_scaling_keeps_more_than_64k_in_flight()
    {
        // 50 ms one way at 100 MB/s: a 64 KiB window would cap throughput near 650 KB/s.
        var net = new SimulatedNetwork(12, o => o.Tcp.InitialReceiveCredit = 4 * 1024 * 1024);
        net.AtoB = new LinkConditions { Delay = 50_000, BytesPerSecond = 100_000_000 };
        net.BtoA = new LinkConditions { Delay = 50_000, BytesPerSecond = 100_000_000 };
        var down = TestConnection.RandomPayload(8_000_000, 5);
        var (client, acceptor) = Start(net, [], down);
        long maxInFlight = 0;
        net.RunUntil(() =>
        {
            if (acceptor.Accepted.Count == 1 && acceptor.Accepted[0].Connection is { } c)
            {
                maxInFlight = Math.Max(maxInFlight, c.BytesInFlight);
            }

            return client.ReceivedCount == down.Length;
        }, 30_000_000);
        Assert.That(client.ReceivedCount, Is.EqualTo(down.Length));
        Assert.That(maxInFlight, Is.GreaterThan(1024 * 1024));
        Assert.That(TestConnection.Sha256(client.Received), Is.EqualTo(TestConnection.Sha256(down)));
    }
}
