using RdmaOffload.TargetAdapter.Service;
using RdmaOffload.Verbs.Providers;

namespace RdmaOffload.TargetAdapter.Tests;

public sealed class ServiceOptionsTests
{
    private readonly AdapterOptionsValidation _validation = new();

    [Test]
    public void A_complete_configuration_is_valid()
    {
        var secret = Path.GetTempFileName();
        File.WriteAllText(secret, "a secret of at least sixteen bytes\n");
        File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var adapter = new AdapterServiceOptions { SharedSecretFile = secret, ServicePorts = "80, 8080" };
        var tap = new TapPortOptions { Address = "10.77.0.1/24" };
        var fabric = new FabricProviderOptions { Address = "192.0.2.1" };
        Assert.Multiple(() =>
        {
            Assert.That(_validation.Validate(null, adapter).Succeeded, Is.True);
            Assert.That(_validation.Validate(null, tap).Succeeded, Is.True);
            Assert.That(_validation.Validate(null, fabric).Succeeded, Is.True);
            Assert.That(AdapterOptionsValidation.TryParsePorts(adapter.ServicePorts, out var ports, out _), Is.True);
            Assert.That(ports, Is.EqualTo(new ushort[] { 80, 8080 }));
        });
        File.Delete(secret);
    }

    [Test]
    public void A_short_or_missing_secret_file_is_a_configuration_error()
    {
        var secret = Path.GetTempFileName();
        File.WriteAllText(secret, "too short\n");
        File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var shortResult = _validation.Validate(null, new AdapterServiceOptions { SharedSecretFile = secret, ServicePorts = "80" });
        File.Delete(secret);
        var missing = _validation.Validate(null, new AdapterServiceOptions { SharedSecretFile = secret, ServicePorts = "80" });
        Assert.That(string.Join("\n", shortResult.Failures!), Does.Contain("at least 16 are needed"));
        Assert.That(string.Join("\n", missing.Failures!), Does.Contain("does not exist"));
    }

    [Test]
    public void Every_problem_is_reported_with_its_setting_name()
    {
        var adapter = new AdapterServiceOptions { Identity = "", ServicePorts = "80,http", LinkPort = 0, Admission = "greedy", MaxConnectionsPerHost = 0, LinkAckTimeout = 32 };
        var result = _validation.Validate(null, adapter);
        Assert.That(result.Failed, Is.True);
        var text = string.Join("\n", result.Failures!);
        foreach (var setting in new[] { "Adapter:Identity", "Adapter:SharedSecretFile", "Adapter:ServicePorts", "Adapter:LinkPort", "Adapter:Admission", "Adapter:MaxConnectionsPerHost", "Adapter:LinkAckTimeout" })
        {
            Assert.That(text, Does.Contain(setting));
        }
    }

    [TestCase("")]
    [TestCase("10.77.0.1")]
    [TestCase("10.77.0.1/33")]
    [TestCase("10.77.0.1/0")]
    [TestCase("::1/64")]
    [TestCase("ten/24")]
    public void Bad_tap_addresses_are_refused(string address)
    {
        var result = _validation.Validate(null, new TapPortOptions { Address = address });
        Assert.That(result.Failed, Is.True);
        Assert.That(string.Join("\n", result.Failures!), Does.Contain("Tap:Address"));
    }

    [Test]
    public void Missing_namespace_bad_mac_long_name_and_mtu_are_refused()
    {
        var result = _validation.Validate(null, new TapPortOptions
        {
            Name = "a-name-longer-than-15",
            Address = "10.77.0.1/24",
            Namespace = "no-such-namespace-here",
            Mac = "02:00:00:00:00",
            Mtu = 100,
        });
        var text = string.Join("\n", result.Failures!);
        Assert.That(text, Does.Contain("Tap:Name").And.Contain("Tap:Namespace").And.Contain("Tap:Mac").And.Contain("Tap:Mtu"));
    }

    [Test]
    public void Fabric_needs_a_known_provider_and_a_specific_address()
    {
        var result = _validation.Validate(null, new FabricProviderOptions { Provider = "tcp", Address = "0.0.0.0" });
        var text = string.Join("\n", result.Failures!);
        Assert.That(text, Does.Contain("Fabric:Provider").And.Contain("Fabric:Address"));
    }

    [Test]
    public void Admin_tables_list_every_connection_and_host()
    {
        var connections = new[]
        {
            new Admin.ConnectionSnapshot(new System.Net.IPEndPoint(System.Net.IPAddress.Parse("10.77.0.2"), 40000),
                new System.Net.IPEndPoint(System.Net.IPAddress.Parse("10.77.0.1"), 80), 3, "web-1", 7, "Established", 100, 2000, TimeSpan.FromSeconds(1.5)),
        };
        var hosts = new[]
        {
            new Admin.HostLinkSnapshot(3, "web-1", new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 18515), [80], 1, 256, 120),
        };
        var table = AdminCommands.FormatConnections(connections);
        Assert.That(table, Does.Contain("10.77.0.2:40000").And.Contain("10.77.0.1:80").And.Contain("web-1").And.Contain("Established").And.Contain("1 connection(s)"));
        Assert.That(AdminCommands.FormatHosts(hosts), Does.Contain("web-1").And.Contain("127.0.0.1:18515").And.Contain("1 host link(s)"));
    }
}
