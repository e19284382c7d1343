using RdmaOffload.Verbs.RxeInteropPeer;

namespace RdmaOffload.Verbs.RxeInteropTests;

/// <summary>
/// managed-roce against kernel rxe with `tc netem` impairing the veth in both directions: loss, reordering and
/// duplication. Both transports must recover (retransmission, PSN checks, duplicate handling) and every transfer
/// arrives intact. Needs sch_netem, which the SoftRoCE VM's Debian kernel has.
/// </summary>
[TestFixture("loss 1%")]
[TestFixture("loss 5%")]
[TestFixture("delay 2ms 1ms reorder 25% 50%")]
[TestFixture("duplicate 5%")]
[NonParallelizable]
public sealed class ImpairedLinkInteropTests(string netem) : InteropFixture("IPv4")
{
    private static readonly int[] Sizes = [65536 + 3, 1 << 20];

    protected override void BeforeConnect()
    {
        var arguments = netem.Split(' ');
        try
        {
            Shell.Run("tc", ["qdisc", "add", "dev", InteropNetwork.KernelLink, "root", "netem", .. arguments]);
            Shell.Run("ip", ["netns", "exec", InteropNetwork.Namespace, "tc", "qdisc", "add", "dev", InteropNetwork.PeerLink, "root", "netem", .. arguments]);
        }
        catch (InvalidOperationException e)
        {
            Assert.Fail($"cannot apply netem '{netem}' on the interop veth (the kernel needs sch_netem; the SoftRoCE VM has it): {e.Message}");
        }
    }

    protected override void AfterDisconnect()
    {
        Shell.TryRun("tc", "qdisc", "del", "dev", InteropNetwork.KernelLink, "root");
        Shell.TryRun("ip", "netns", "exec", InteropNetwork.Namespace, "tc", "qdisc", "del", "dev", InteropNetwork.PeerLink, "root");
    }

    /// <summary>netem's own drops (its queue limit) are loss no test asked for: printed beside each result (cumulative per fixture).</summary>
    [TearDown]
    public void ReportNetemStatistics()
    {
        TestContext.Out.WriteLine($"netem on {InteropNetwork.KernelLink}: {QdiscStatistics([])}");
        TestContext.Out.WriteLine($"netem on {InteropNetwork.PeerLink}: {QdiscStatistics(["ip", "netns", "exec", InteropNetwork.Namespace])}");
        TestContext.Out.WriteLine($"UDP in the peer's namespace (RcvbufErrors: datagrams its socket had no room for): {PeerUdpStatistics()}");
    }

    private static string PeerUdpStatistics()
    {
        try
        {
            var udp = Shell.Run("ip", "netns", "exec", InteropNetwork.Namespace, "cat", "/proc/net/snmp")
                .Split('\n').Where(line => line.StartsWith("Udp:", StringComparison.Ordinal)).ToArray();
            return udp.Length == 2
                ? string.Join(' ', udp[0].Split(' ').Skip(1).Zip(udp[1].Split(' ').Skip(1), (name, value) => $"{name}={value}"))
                : "unavailable";
        }
        catch (InvalidOperationException e)
        {
            return $"unavailable ({e.Message})";
        }
    }

    private static string QdiscStatistics(string[] prefix)
    {
        string link = prefix.Length == 0 ? InteropNetwork.KernelLink : InteropNetwork.PeerLink;
        string[] command = [.. prefix, "tc", "-s", "qdisc", "show", "dev", link];
        try
        {
            return string.Join(' ', Shell.Run(command[0], command[1..]).Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        }
        catch (InvalidOperationException e)
        {
            return $"unavailable ({e.Message})";
        }
    }

    [TestCaseSource(nameof(Sizes))]
    public async Task KernelReadsAndWritesManagedMemory(int size)
    {
        Peer.Call($"fill {NextSeed()} {size}");
        Kernel.Clear(size);
        AssertSuccess(await Kernel.ReadAsync(size), "kernel RDMA READ");
        Assert.That(Kernel.Hash(size), Is.EqualTo(PeerHash(size)));

        Kernel.Fill(NextSeed(), size);
        Peer.Call($"clear {size}");
        AssertSuccess(await Kernel.WriteAsync(size), "kernel RDMA WRITE");
        Assert.That(PeerHash(size), Is.EqualTo(Kernel.Hash(size)));
    }

    [TestCaseSource(nameof(Sizes))]
    public void ManagedReadsAndWritesKernelMemory(int size)
    {
        Kernel.Fill(NextSeed(), size);
        Peer.Call($"clear {size}");
        Assert.That(Peer.Call($"read {size}"), Does.StartWith("done Success"), "managed RDMA READ");
        Assert.That(PeerHash(size), Is.EqualTo(Kernel.Hash(size)));

        Peer.Call($"fill {NextSeed()} {size}");
        Kernel.Clear(size);
        Assert.That(Peer.Call($"write {size}"), Does.StartWith("done Success"), "managed RDMA WRITE");
        Assert.That(Kernel.Hash(size), Is.EqualTo(PeerHash(size)));
    }

    [Test]
    public async Task SendsArriveIntactBothWays()
    {
        const int Size = 65536 + 3;
        Kernel.Clear(Size);
        Kernel.PostReceive(Size);
        Peer.Call($"fill {NextSeed()} {Size}");
        Assert.That(Peer.Call($"send {Size} 7"), Does.StartWith("done Success"));
        AssertSuccess(await Kernel.WaitAsync(), "kernel RECV");
        Assert.That(Kernel.Hash(Size), Is.EqualTo(PeerHash(Size)));

        Peer.Call($"clear {Size}");
        Peer.Call($"recv {Size}");
        Kernel.Fill(NextSeed(), Size);
        AssertSuccess(await Kernel.SendAsync(Size, 8), "kernel SEND");
        Assert.That(Peer.Call("wait"), Is.EqualTo($"done Success {Size} 8"));
        Assert.That(PeerHash(Size), Is.EqualTo(Kernel.Hash(Size)));
    }
}
