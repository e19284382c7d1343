using FsCheck;
using FsCheck.Fluent;
using RdmaOffload.Protocol.Link;
using RdmaOffload.Protocol.Messages;

namespace RdmaOffload.Protocol.Tests.Link;

public sealed class KeepaliveMonitorTests
{
    private const long Interval = 1_000_000;
    private const long Timeout = 300_000;

    [Test]
    public void Silence_brings_a_ping_and_an_answer_measures_the_round_trip()
    {
        var monitor = new KeepaliveMonitor(Interval, Timeout, nowMicros: 0);
        Assert.That(monitor.NextDeadline, Is.EqualTo(Interval));
        Assert.That(monitor.Poll(Interval - 1, out _), Is.EqualTo(KeepaliveAction.None));
        Assert.That(monitor.Poll(Interval, out var ping), Is.EqualTo(KeepaliveAction.SendPing));
        Assert.That(monitor.NextDeadline, Is.EqualTo(Interval + Timeout));
        Assert.That(monitor.Poll(Interval + 10, out _), Is.EqualTo(KeepaliveAction.None), "one ping at a time");

        Assert.That(monitor.OnPong(new Pong(ping.Token), Interval + 250), Is.EqualTo(Verdict.Accepted));
        Assert.That(monitor.LastRoundTripMicros, Is.EqualTo(250));
        Assert.That(monitor.NextDeadline, Is.EqualTo(Interval + 250 + Interval));
    }

    [Test]
    public void An_unanswered_ping_declares_the_peer_dead_once()
    {
        var monitor = new KeepaliveMonitor(Interval, Timeout, nowMicros: 0);
        monitor.Poll(Interval, out _);
        Assert.That(monitor.Poll(Interval + Timeout - 1, out _), Is.EqualTo(KeepaliveAction.None));
        Assert.That(monitor.Poll(Interval + Timeout, out _), Is.EqualTo(KeepaliveAction.PeerTimedOut));
        Assert.That(monitor.IsPeerDead, Is.True);
        Assert.That(monitor.Poll(10 * Interval, out _), Is.EqualTo(KeepaliveAction.None));
        Assert.That(monitor.NextDeadline, Is.EqualTo(long.MaxValue));
    }

    [Test]
    public void Traffic_keeps_the_link_alive_and_late_pongs_are_ignored()
    {
        var monitor = new KeepaliveMonitor(Interval, Timeout, nowMicros: 0);
        monitor.Poll(Interval, out var first);
        monitor.OnFrameReceived(Interval + 5);
        Assert.That(monitor.Poll(Interval + Timeout + 5, out _), Is.EqualTo(KeepaliveAction.None), "traffic answered for the ping");
        Assert.That(monitor.OnPong(new Pong(first.Token), Interval + 6), Is.EqualTo(Verdict.Ignored));
        Assert.That(monitor.Poll((2 * Interval) + 6, out var second), Is.EqualTo(KeepaliveAction.SendPing));
        Assert.That(second.Token, Is.Not.EqualTo(first.Token));
        Assert.That(monitor.OnPong(new Pong(first.Token), (2 * Interval) + 7), Is.EqualTo(Verdict.Ignored), "stale token");
    }

    [Test]
    public void The_peer_is_dead_only_after_a_full_timeout_of_silence_following_a_ping() =>
        Prop.ForAll(Gen.ListOf(Gen.Choose(0, 600_000)).ToArbitrary(), Gen.ListOf(ArbMap.Default.GeneratorFor<bool>()).ToArbitrary(),
            (gaps, heard) =>
            {
                var monitor = new KeepaliveMonitor(Interval, Timeout, nowMicros: 0);
                long now = 0, lastHeard = 0;
                for (var i = 0; i < gaps.Count; i++)
                {
                    now += gaps[i];
                    if (i < heard.Count && heard[i])
                    {
                        monitor.OnFrameReceived(now);
                        lastHeard = now;
                    }

                    if (monitor.Poll(now, out _) == KeepaliveAction.PeerTimedOut && now - lastHeard < Interval + Timeout)
                    {
                        return false;
                    }

                    if (!monitor.IsPeerDead && monitor.NextDeadline < now && monitor.Poll(now, out _) == KeepaliveAction.None)
                    {
                        return false;
                    }
                }

                return true;
            }).Check(Config.QuickThrowOnFailure.WithMaxTest(500));
}
