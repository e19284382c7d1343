using System.Net;

namespace RdmaOffload.Verbs.RxeInteropTests;

/// <summary>
/// The test's own network inside the SoftRoCE VM: a veth pair whose root-namespace end carries a kernel
/// rxe device and whose other end sits in a namespace of its own, where the managed-roce peer binds UDP
/// 4791 (the kernel's rxe owns that port in the root namespace). IPv4 and IPv6 addresses on both.
/// </summary>
internal sealed class InteropNetwork : IDisposable
{
    internal const string Namespace = "rdmaoffload-mroce";
    internal const string KernelLink = "mr-a";
    internal const string PeerLink = "mr-b";
    internal const string RxeDevice = "rxe9";

    internal static readonly IPAddress KernelIPv4 = IPAddress.Parse("10.77.1.1");
    internal static readonly IPAddress PeerIPv4 = IPAddress.Parse("10.77.1.2");
    internal static readonly IPAddress KernelIPv6 = IPAddress.Parse("fd77:1::1");
    internal static readonly IPAddress PeerIPv6 = IPAddress.Parse("fd77:1::2");

    private InteropNetwork()
    {
    }

    internal static InteropNetwork Create()
    {
        if (Environment.UserName != "root")
        {
            Assert.Fail("the rxe interop test needs root (it creates a namespace, a veth pair and an rxe device); run it in the SoftRoCE VM: tests/vm/run tests/vm/guest/run-suites.sh");
        }

        if (!Directory.Exists("/sys/module/rdma_rxe"))
        {
            Assert.Fail("kernel SoftRoCE (rdma_rxe) is not loaded: this suite runs in the SoftRoCE VM (tests/vm/run tests/vm/guest/run-suites.sh)");
        }

        RemoveLeftovers();
        var network = new InteropNetwork();
        try
        {
            Shell.Run("ip", "netns", "add", Namespace);
            Shell.Run("ip", "link", "add", KernelLink, "type", "veth", "peer", "name", PeerLink);
            Shell.Run("ip", "link", "set", PeerLink, "netns", Namespace);
            Shell.Run("ip", "addr", "add", $"{KernelIPv4}/24", "dev", KernelLink);
            Shell.Run("ip", "addr", "add", $"{KernelIPv6}/64", "dev", KernelLink, "nodad");
            Shell.Run("ip", "link", "set", KernelLink, "up");
            Shell.Run("ip", "-n", Namespace, "addr", "add", $"{PeerIPv4}/24", "dev", PeerLink);
            Shell.Run("ip", "-n", Namespace, "addr", "add", $"{PeerIPv6}/64", "dev", PeerLink, "nodad");
            Shell.Run("ip", "-n", Namespace, "link", "set", PeerLink, "up");
            Shell.Run("ip", "-n", Namespace, "link", "set", "lo", "up");
            // Segment the peer's UDP GSO batches on the veth itself, so the capture on the kernel's
            // end sees each RoCE packet as it would cross a real wire (with its own IP identification).
            Shell.Run("ip", "netns", "exec", Namespace, "ethtool", "-K", PeerLink, "tx-udp-segmentation", "off");
            Shell.Run("rdma", "link", "add", RxeDevice, "type", "rxe", "netdev", KernelLink);
            WaitForGids();
            return network;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    private static void WaitForGids()
    {
        string gids = $"/sys/class/infiniband/{RxeDevice}/ports/1/gids";
        for (int attempt = 0; attempt < 100; attempt++)
        {
            var entries = Directory.Exists(gids) ? Directory.GetFiles(gids).Select(f => File.ReadAllText(f).Trim()).ToList() : [];
            if (entries.Any(g => g.EndsWith("ffff:0a4d:0101", StringComparison.Ordinal)) && entries.Any(g => g.StartsWith("fd77:0001:", StringComparison.Ordinal)))
            {
                return;
            }

            Thread.Sleep(100);
        }

        Assert.Fail($"{RxeDevice} did not get GIDs for {KernelIPv4} and {KernelIPv6} within 10 s");
    }

    private static void RemoveLeftovers()
    {
        Shell.TryRun("rdma", "link", "delete", RxeDevice);
        Shell.TryRun("ip", "link", "delete", KernelLink);
        Shell.TryRun("ip", "netns", "delete", Namespace);
    }

    public void Dispose() => RemoveLeftovers();
}
