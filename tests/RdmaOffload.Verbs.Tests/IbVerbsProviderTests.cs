using RdmaOffload.Verbs.IbVerbs;

namespace RdmaOffload.Verbs.Tests;

/// <summary>The provider on a machine without RDMA devices (the build host): clear errors, no crashes.</summary>
public sealed class IbVerbsProviderTests
{
    [Test]
    public void Is_named_ibverbs_and_starts_with_nothing_open()
    {
        using var provider = new IbVerbsProvider();
        Assert.That(provider.Name, Is.EqualTo("ibverbs"));
        Assert.That(provider.GetLiveResourceCounts(), Is.EqualTo(default(FabricResourceCounts)));
    }

    [Test]
    public void Without_devices_opening_the_first_device_fails_with_a_clear_RdmaException()
    {
        using var provider = new IbVerbsProvider();
        if (provider.GetDevices().Count > 0)
        {
            Assert.Ignore("this machine has RDMA devices; the no-device behaviour is checked on hosts without them");
        }

        var error = Assert.Throws<RdmaException>(() => provider.OpenDevice())!;
        Assert.That(error.Message, Does.Contain("no RDMA devices found"));
        Assert.That(provider.GetLiveResourceCounts().Total, Is.Zero, "nothing leaked by the failed open");
    }

    [Test]
    public void Opening_an_unknown_device_name_fails_with_an_RdmaException()
    {
        using var provider = new IbVerbsProvider();
        Assert.That(() => provider.OpenDevice("no-such-device-0"), Throws.InstanceOf<RdmaException>().With.Message.Contain("no-such-device-0").Or.Message.Contain("no RDMA devices"));
    }

    [Test]
    public void A_disposed_provider_refuses_work()
    {
        var provider = new IbVerbsProvider();
        provider.Dispose();
        provider.Dispose(); // idempotent
        Assert.That(() => provider.GetDevices(), Throws.InstanceOf<ObjectDisposedException>());
        Assert.That(() => provider.OpenDevice(), Throws.InstanceOf<ObjectDisposedException>());
        Assert.That(() => provider.CreateConnectionManager(), Throws.InstanceOf<ObjectDisposedException>());
    }

    [Test]
    public void Without_the_rdma_cm_device_creating_a_connection_manager_fails_with_an_RdmaException()
    {
        if (File.Exists("/dev/infiniband/rdma_cm"))
        {
            Assert.Ignore("this machine has RDMA CM; checked on hosts without it");
        }

        using var provider = new IbVerbsProvider();
        Assert.That(() => provider.CreateConnectionManager(), Throws.InstanceOf<RdmaException>());
        Assert.That(provider.GetLiveResourceCounts().Total, Is.Zero);
    }
}
