using System.Net;
using RdmaOffload.HostAgent.Memory;
using RdmaOffload.Verbs;
using RdmaOffload.Verbs.ManagedRoce;

namespace RdmaOffload.HostAgent.Tests;

/// <summary>
/// A registered pool on a managed-roce protection domain that remembers every leak report, so a test can fail
/// with the renter's stack when a block was collected instead of returned.
/// </summary>
internal sealed class LeakCheckedPool : IDisposable
{
    private static int s_lastAddress;
    private readonly ManagedRoceProvider _provider;
    private readonly IRdmaDevice _device;
    private readonly List<string> _leaks = [];

    public LeakCheckedPool(RegisteredMemoryPoolOptions? options = null)
    {
        var n = Interlocked.Increment(ref s_lastAddress);
        var address = new IPAddress([127, 3, (byte)(n / 250), (byte)((n % 250) + 1)]);
        _provider = new ManagedRoceProvider(new ManagedRoceOptions
        {
            Devices = [new ManagedRoceDeviceOptions { Name = $"mroce-{address}", BindAddress = address, Port = 0 }],
        });
        _device = _provider.OpenDevice();
        Domain = _device.AllocateProtectionDomain();
        Pool = new RegisteredMemoryPool(Domain, options ?? new RegisteredMemoryPoolOptions { CaptureRenterStacks = true });
        Pool.BlockLeaked += (_, leak) =>
        {
            lock (_leaks)
            {
                _leaks.Add(leak.RenterStack ?? "(no renter stack captured)");
            }
        };
    }

    public IProtectionDomain Domain { get; }

    public RegisteredMemoryPool Pool { get; }

    /// <summary>Collects garbage and returns the stacks of blocks that were collected without being returned.</summary>
    public IReadOnlyList<string> CollectLeaks()
    {
        for (int i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        lock (_leaks)
        {
            return [.. _leaks];
        }
    }

    /// <summary>Fails the test, naming the renters, if any block leaked.</summary>
    public void AssertNoLeaks()
    {
        var leaks = CollectLeaks();
        if (leaks.Count > 0)
        {
            Assert.Fail($"{leaks.Count} registered block(s) were garbage-collected instead of returned; first rented at:\n{leaks[0]}");
        }
    }

    public void Dispose()
    {
        Pool.Dispose();
        Domain.Dispose();
        _device.Dispose();
        _provider.Dispose();
    }
}
