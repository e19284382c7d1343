using RdmaOffload.NetStack.Tcp;
using RdmaOffload.NetStack.Tests.Simulation;
using RdmaOffload.NetStack.Wire;

namespace RdmaOffload.NetStack.Tests.Tcp;

/// <summary>Two stacks on the simulated link: loss recovery paths, simultaneous open and close.</summary>
public sealed class RecoveryAndCloseTests
{
    /// <summary>Drops the n-th data segment travelling from B to A with the given sequence offset, once.</summary>
    private static Func<byte[], bool> DropDataSegmentsOnce(params int[] ordinals)
    {
        var seen = 0;
        var toDrop = new HashSet<int>(ordinals);
        return frame =>
        {
            if (!EthernetFrame.TryParse(frame, out var eth) || !Ipv4Packet.TryParse(eth.Payload, out var ip)
                || !TcpSegment.TryParse(ip.Payload, out var tcp) || tcp.Payload.Length == 0)
            {
                return true;
            }

            seen++;
            return !toDrop.Remove(seen);
        };
    }

    [TestCase(true)]
    [TestCase(false)]
    public void Single_losses_are_repaired_by_fast_retransmit_without_timeout(bool sack)
    {
        var net = new SimulatedNetwork(21, o => o.Tcp.SelectiveAcknowledgments = sack);
        net.BtoA = new LinkConditions { Delay = 10_000, BytesPerSecond = 10_000_000, Filter = DropDataSegmentsOnce(30, 90) };
        net.AtoB = new LinkConditions { Delay = 10_000 };
        var down = TestConnection.RandomPayload(1_000_000, 8);
        var acceptor = new TestAcceptor(() => new TestConnection(down));
        net.B.Listen(80, acceptor);
        var client = new TestConnection();
        net.A.Connect(SimulatedNetwork.AddressB, 80, client, net.Now);
        Assert.That(net.RunUntil(() => client.ReceiveClosed, 60_000_000), Is.True);
        Assert.That(TestConnection.Sha256(client.Received), Is.EqualTo(TestConnection.Sha256(down)));
        var sender = acceptor.Accepted[0].Connection!;
        Assert.That(sender.FastRecoveries, Is.EqualTo(2));
        Assert.That(sender.RetransmissionTimeouts, Is.Zero, "recovered by duplicate ACKs/SACK, not by RTO");
        Assert.That(sender.RetransmittedSegments, Is.EqualTo(2));
    }

    [Test]
    public void Sack_repairs_several_losses_in_one_window_in_one_recovery()
    {
        var net = new SimulatedNetwork(22);
        net.BtoA = new LinkConditions { Delay = 20_000, BytesPerSecond = 10_000_000, Filter = DropDataSegmentsOnce(40, 42, 44, 46) };
        net.AtoB = new LinkConditions { Delay = 20_000 };
        var down = TestConnection.RandomPayload(600_000, 9);
        var acceptor = new TestAcceptor(() => new TestConnection(down));
        net.B.Listen(80, acceptor);
        var client = new TestConnection();
        net.A.Connect(SimulatedNetwork.AddressB, 80, client, net.Now);
        Assert.That(net.RunUntil(() => client.ReceiveClosed, 60_000_000), Is.True);
        Assert.That(client.Received, Is.EqualTo(down));
        var sender = acceptor.Accepted[0].Connection!;
        Assert.That(sender.FastRecoveries, Is.EqualTo(1));
        Assert.That(sender.RetransmissionTimeouts, Is.Zero);
        Assert.That(sender.RetransmittedSegments, Is.EqualTo(4), "exactly the lost segments are resent");
    }

    [Test]
    public void Simultaneous_close_passes_through_closing_to_time_wait()
    {
        var net = new SimulatedNetwork(23, o => o.Tcp.TimeWaitDuration = 2_000_000);
        net.AtoB = new LinkConditions { Delay = 5_000 };
        net.BtoA = new LinkConditions { Delay = 5_000 };
        var acceptor = new TestAcceptor(() => new TestConnection { CloseAfterSend = false });
        net.B.Listen(80, acceptor);
        var client = new TestConnection { CloseAfterSend = false };
        var clientConnection = net.A.Connect(SimulatedNetwork.AddressB, 80, client, net.Now);
        Assert.That(net.RunUntil(() => acceptor.Accepted.Count == 1 && client.Connected), Is.True);
        var serverConnection = acceptor.Accepted[0].Connection!;
        net.RunFor(100_000);

        var states = new HashSet<TcpState>();
        clientConnection.CloseSend();
        serverConnection.CloseSend();
        net.RunUntil(() =>
        {
            states.Add(clientConnection.State);
            states.Add(serverConnection.State);
            return clientConnection.State == TcpState.TimeWait && serverConnection.State == TcpState.TimeWait;
        }, 1_000_000);
        Assert.That(states, Does.Contain(TcpState.Closing));
        Assert.That(clientConnection.State, Is.EqualTo(TcpState.TimeWait));
        Assert.That(serverConnection.State, Is.EqualTo(TcpState.TimeWait));
        Assert.That(client.ClosedReason, Is.EqualTo(TcpCloseReason.Graceful));
        net.RunFor(3_000_000);
        Assert.That(net.A.ConnectionCount + net.B.ConnectionCount, Is.Zero);
    }

    [Test]
    public void Simultaneous_open_establishes_both_sides()
    {
        var net = new SimulatedNetwork(24);
        net.AtoB = new LinkConditions { Delay = 5_000 };
        net.BtoA = new LinkConditions { Delay = 5_000 };
        var a = new TestConnection(TestConnection.RandomPayload(5000, 1));
        var b = new TestConnection(TestConnection.RandomPayload(7000, 2));
        net.A.AddNeighbor(SimulatedNetwork.AddressB, SimulatedNetwork.MacB, net.Now);
        net.B.AddNeighbor(SimulatedNetwork.AddressA, SimulatedNetwork.MacA, net.Now);
        net.A.Connect(SimulatedNetwork.AddressB, 6000, a, net.Now, localPort: 5000);
        net.B.Connect(SimulatedNetwork.AddressA, 5000, b, net.Now, localPort: 6000);
        Assert.That(net.RunUntil(() => a.ClosedReason is not null && b.ClosedReason is not null, 30_000_000), Is.True);
        Assert.That(a.Received, Is.EqualTo(b.ToSend));
        Assert.That(b.Received, Is.EqualTo(a.ToSend));
    }

    [Test]
    public void Connect_to_port_without_listener_is_refused()
    {
        var net = new SimulatedNetwork(25);
        var client = new TestConnection();
        net.A.Connect(SimulatedNetwork.AddressB, 9, client, net.Now);
        Assert.That(net.RunUntil(() => client.ClosedReason is not null), Is.True);
        Assert.That(client.ClosedReason, Is.EqualTo(TcpCloseReason.Refused));
    }

    [Test]
    public void Abort_resets_the_peer()
    {
        var net = new SimulatedNetwork(26);
        var acceptor = new TestAcceptor(() => new TestConnection { CloseAfterSend = false });
        net.B.Listen(80, acceptor);
        var client = new TestConnection { CloseAfterSend = false };
        var connection = net.A.Connect(SimulatedNetwork.AddressB, 80, client, net.Now);
        Assert.That(net.RunUntil(() => acceptor.Accepted.Count == 1), Is.True);
        connection.Abort();
        Assert.That(net.RunUntil(() => acceptor.Accepted[0].ClosedReason is not null), Is.True);
        Assert.That(acceptor.Accepted[0].ClosedReason, Is.EqualTo(TcpCloseReason.ResetByPeer));
        Assert.That(client.ClosedReason, Is.EqualTo(TcpCloseReason.Aborted));
    }

    [Test]
    public void Many_connections_are_served_concurrently()
    {
        var net = new SimulatedNetwork(27);
        net.AtoB = new LinkConditions { Delay = 2_000, LossRate = 0.01 };
        net.BtoA = new LinkConditions { Delay = 2_000, LossRate = 0.01 };
        var response = TestConnection.RandomPayload(20_000, 10);
        var acceptor = new TestAcceptor(() => new TestConnection(response));
        net.B.Listen(80, acceptor);
        var clients = Enumerable.Range(0, 300).Select(_ => new TestConnection()).ToList();
        foreach (var c in clients)
        {
            net.A.Connect(SimulatedNetwork.AddressB, 80, c, net.Now);
        }

        Assert.That(net.RunUntil(() => clients.All(c => c.ReceiveClosed), 120_000_000), Is.True,
            $"{clients.Count(c => c.ReceiveClosed)} of {clients.Count} finished");
        Assert.That(clients.All(c => c.Received.AsSpan().SequenceEqual(response)), Is.True);
    }
}
