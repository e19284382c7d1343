using RdmaOffload.NetStack.Tcp;
using RdmaOffload.NetStack.Tests.Simulation;

namespace RdmaOffload.NetStack.Tests.Tcp;

public sealed class CongestionControlTests
{
    private const int Mss = 1000;

    /// <summary>Drives a controller to a window, then a loss, then ACKs a full window per RTT; returns cwnd per RTT.</summary>
    private static List<long> GrowthAfterLoss(ICongestionControl cc, int peakSegments, int rtts, long rtt = 100_000)
    {
        cc.Initialize(Mss);
        long now = 0;
        while (cc.CongestionWindow < peakSegments * Mss)
        {
            cc.OnAcknowledged(Mss, cc.CongestionWindow, now, rtt);
        }

        cc.OnEnterRecovery(cc.CongestionWindow, now);
        cc.OnExitRecovery(cc.CongestionWindow, now);
        var windows = new List<long>();
        for (var r = 0; r < rtts; r++)
        {
            now += rtt;
            var window = cc.CongestionWindow;
            for (long acked = 0; acked < window; acked += Mss)
            {
                cc.OnAcknowledged(Mss, window, now, rtt);
            }

            windows.Add(cc.CongestionWindow);
        }

        return windows;
    }

    [Test]
    public void NewReno_halves_on_loss_and_grows_one_segment_per_rtt()
    {
        var windows = GrowthAfterLoss(new NewRenoCongestionControl(), 100, 10);
        Assert.That(windows[0], Is.EqualTo(51 * Mss).Within(Mss));
        for (var i = 1; i < windows.Count; i++)
        {
            Assert.That(windows[i] - windows[i - 1], Is.EqualTo(Mss).Within(1));
        }
    }

    [Test]
    public void Cubic_backs_off_to_beta_and_returns_to_the_previous_maximum_concavely()
    {
        var cc = new CubicCongestionControl();
        var windows = GrowthAfterLoss(cc, 1000, 120);
        Assert.That(cc.SlowStartThreshold, Is.EqualTo(700 * Mss).Within(2 * Mss), "β = 0.7");

        // K = cbrt(1000 · 0.3 / 0.4) ≈ 9.1 s ≈ 91 RTTs of 100 ms: near the old maximum around then, and the approach
        // is concave (fast first, slow near W_max).
        var early = windows[10] - windows[0];
        var late = windows[85] - windows[75];
        Assert.That(early, Is.GreaterThan(late), "concave region: growth slows towards W_max");
        Assert.That(windows[88], Is.EqualTo(1000 * Mss).Within(50 * Mss));
        Assert.That(windows[^1], Is.GreaterThan(1000 * Mss), "convex region: probes beyond W_max");
    }

    [TestCase(0.02, 41)]
    [TestCase(0.05, 42)]
    public void Cubic_transfers_complete_under_loss(double loss, int seed)
    {
        var net = new SimulatedNetwork(seed, o => o.Tcp.CongestionControl = static () => new CubicCongestionControl());
        net.AtoB = new LinkConditions { LossRate = loss, Delay = 10_000, BytesPerSecond = 20_000_000 };
        net.BtoA = new LinkConditions { LossRate = loss, Delay = 10_000, BytesPerSecond = 20_000_000 };
        var down = TestConnection.RandomPayload(1_000_000, seed);
        var acceptor = new TestAcceptor(() => new TestConnection(down));
        net.B.Listen(80, acceptor);
        var client = new TestConnection();
        net.A.Connect(SimulatedNetwork.AddressB, 80, client, net.Now);
        Assert.That(net.RunUntil(() => client.ReceiveClosed, 300_000_000), Is.True);
        Assert.That(TestConnection.Sha256(client.Received), Is.EqualTo(TestConnection.Sha256(down)));
    }
}
