using System.Net;
using RdmaOffload.Verbs;
using RdmaOffload.Verbs.ManagedRoce;

namespace RdmaOffload.HostAgent.Tests;

/// <summary>managed-roce over loopback for the link tests.</summary>
internal static class LoopbackFabric
{
    /// <summary>A connection manager on its own device bound to <paramref name="address"/>; provider and manager go to <paramref name="owned"/> (in disposal order reversed).</summary>
    public static IConnectionManager CreateManager(IPAddress address, List<IDisposable> owned)
    {
        var provider = new ManagedRoceProvider(new ManagedRoceOptions
        {
            Devices = [new ManagedRoceDeviceOptions { Name = $"mroce-{address}", BindAddress = address, Port = 0 }],
        });
        var manager = provider.CreateConnectionManager();
        owned.Add(provider);
        owned.Add(manager);
        return manager;
    }
}
