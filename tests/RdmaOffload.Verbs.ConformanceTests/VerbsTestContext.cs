using System.Net;

namespace RdmaOffload.Verbs.ConformanceTests;

/// <summary>Provider, opened device, local address and its GID index for one test.</summary>
internal sealed class VerbsTestContext : IDisposable
{
    internal const byte Port = 1;

    private VerbsTestContext(IFabricProvider provider, IRdmaDevice device, IPAddress address, int gidIndex)
    {
        Provider = provider;
        Device = device;
        Address = address;
        GidIndex = gidIndex;
        Gid = device.QueryGid(Port, gidIndex);
        Mtu = device.QueryPort(Port).ActiveMtu;
    }

    internal IFabricProvider Provider { get; }

    internal IRdmaDevice Device { get; }

    internal IPAddress Address { get; }

    internal int GidIndex { get; }

    internal Gid Gid { get; }

    internal PathMtu Mtu { get; }

    internal static VerbsTestContext Open()
    {
        var provider = ProviderFactory.Create();
        try
        {
            var address = ProviderFactory.LocalAddress;
            var device = ProviderFactory.OpenDevice(provider);
            int? gidIndex = device.FindGidIndex(Port, address);
            if (gidIndex is null)
            {
                device.Dispose();
                Assert.Fail($"device {device.Name} has no GID for {address} (RDMAOFFLOAD_IP must be an address of the device's netdev)");
            }

            return new VerbsTestContext(provider, device, address, gidIndex!.Value);
        }
        catch
        {
            provider.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Device.Dispose();
        Provider.Dispose();
    }
}
