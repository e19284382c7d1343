using RdmaOffload.TargetAdapter.Correlation;

namespace RdmaOffload.TargetAdapter.Tests;

public sealed class HostSelectorTests
{
    private sealed class FakeHost(string name, int limit, params ushort[] ports) : IAdmissionCandidate
    {
        public string Name { get; } = name;

        public int ActiveConnections { get; set; }

        public int ConnectionLimit { get; } = limit;

        public bool Serves(ushort port) => ports.Contains(port);

        public override string ToString() => Name;
    }

    [Test]
    public void Round_robin_over_the_hosts_serving_the_port()
    {
        var hosts = new List<FakeHost> { new("a", 10, 80), new("b", 10, 443), new("c", 10, 80) };
        var selector = new HostSelector<FakeHost>();
        var picked = Enumerable.Range(0, 6).Select(_ => selector.Select(hosts, 80)!.Name).ToArray();
        Assert.That(string.Join(",", picked), Is.EqualTo("a,c,a,c,a,c"));
        Assert.That(selector.Select(hosts, 443)!.Name, Is.EqualTo("b"));
    }

    [Test]
    public void A_host_at_its_cap_is_skipped_and_none_left_means_refusal()
    {
        var a = new FakeHost("a", 2, 80);
        var b = new FakeHost("b", 1, 80);
        var hosts = new List<FakeHost> { a, b };
        var selector = new HostSelector<FakeHost>();
        for (int i = 0; i < 3; i++)
        {
            var host = selector.Select(hosts, 80);
            Assert.That(host, Is.Not.Null, $"connection {i}");
            host!.ActiveConnections++;
        }

        Assert.That((a.ActiveConnections, b.ActiveConnections), Is.EqualTo((2, 1)));
        Assert.That(selector.Select(hosts, 80), Is.Null, "every host is at its cap");

        a.ActiveConnections--;
        Assert.That(selector.Select(hosts, 80), Is.SameAs(a), "room again after a connection finished");
    }

    [Test]
    public void No_hosts_or_no_host_for_the_port_is_refusal()
    {
        var selector = new HostSelector<FakeHost>();
        Assert.That(selector.Select([], 80), Is.Null);
        Assert.That(selector.Select([new FakeHost("a", 5, 443)], 80), Is.Null);
    }
}
