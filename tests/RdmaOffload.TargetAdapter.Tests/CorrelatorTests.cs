using RdmaOffload.NetStack.Tcp;
using RdmaOffload.NetStack.Wire;
using RdmaOffload.TargetAdapter.Correlation;

namespace RdmaOffload.TargetAdapter.Tests;

public sealed class CorrelatorTests
{
    private static TcpFourTuple Client(ushort port) =>
        new(Ipv4Address.Parse("10.0.0.2"), 80, Ipv4Address.Parse("192.0.2.7"), port);

    [Test]
    public void Maps_both_ways_and_forgets_both_ways()
    {
        var correlator = new Correlator();
        Assert.That(correlator.TryAdd(Client(1000), linkId: 1, workQueue: 7), Is.True);

        Assert.That(correlator.TryGetWorkQueue(Client(1000), out var link, out var wq), Is.True);
        Assert.That((link, wq), Is.EqualTo((1, 7u)));
        Assert.That(correlator.TryGetClient(1, 7, out var client), Is.True);
        Assert.That(client, Is.EqualTo(Client(1000)));
        Assert.That(correlator.IsInUse(1, 7), Is.True);

        Assert.That(correlator.Remove(Client(1000)), Is.True);
        Assert.That(correlator.TryGetWorkQueue(Client(1000), out _, out _), Is.False);
        Assert.That(correlator.TryGetClient(1, 7, out _), Is.False);
        Assert.That(correlator.IsInUse(1, 7), Is.False);
        Assert.That(correlator.Count, Is.Zero);
    }

    [Test]
    public void The_same_wq_number_on_different_links_names_different_connections()
    {
        var correlator = new Correlator();
        Assert.That(correlator.TryAdd(Client(1000), 1, 5), Is.True);
        Assert.That(correlator.TryAdd(Client(1001), 2, 5), Is.True);
        Assert.That(correlator.TryGetClient(2, 5, out var client), Is.True);
        Assert.That(client, Is.EqualTo(Client(1001)));
    }

    [Test]
    public void Refuses_duplicates_and_wq_zero_without_changing_anything()
    {
        var correlator = new Correlator();
        Assert.That(correlator.TryAdd(Client(1000), 1, 5), Is.True);
        Assert.That(correlator.TryAdd(Client(1000), 1, 6), Is.False, "same 4-tuple twice");
        Assert.That(correlator.TryAdd(Client(1001), 1, 5), Is.False, "same (link, wq#) twice");
        Assert.That(correlator.TryAdd(Client(1002), 1, 0), Is.False, "wq# 0 is the link's");
        Assert.That(correlator.Count, Is.EqualTo(1));
        Assert.That(correlator.TryGetWorkQueue(Client(1000), out _, out var wq) && wq == 5, Is.True);
        Assert.That(correlator.Remove(Client(1001)), Is.False);
    }

    [Test]
    public void Random_adds_and_removes_keep_both_maps_consistent()
    {
        var random = new Random(7);
        var correlator = new Correlator();
        var model = new Dictionary<TcpFourTuple, (int, uint)>();
        for (int step = 0; step < 5000; step++)
        {
            var tuple = Client((ushort)random.Next(1, 200));
            if (random.Next(3) == 0)
            {
                Assert.That(correlator.Remove(tuple), Is.EqualTo(model.Remove(tuple)));
                continue;
            }

            var key = (random.Next(1, 4), (uint)random.Next(0, 50));
            var expected = key.Item2 != 0 && !model.ContainsKey(tuple) && !model.ContainsValue(key);
            Assert.That(correlator.TryAdd(tuple, key.Item1, key.Item2), Is.EqualTo(expected));
            if (expected)
            {
                model.Add(tuple, key);
            }
        }

        Assert.That(correlator.Count, Is.EqualTo(model.Count));
        foreach (var (tuple, (link, wq)) in model)
        {
            Assert.That(correlator.TryGetClient(link, wq, out var back) && back == tuple, Is.True);
        }
    }
}
