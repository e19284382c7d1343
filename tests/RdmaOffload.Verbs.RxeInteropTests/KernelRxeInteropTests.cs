using System.Net;
using RdmaOffload.Verbs.IbVerbs;
using RdmaOffload.Verbs.ManagedRoce.Wire;
using RdmaOffload.Verbs.RxeInteropPeer;

namespace RdmaOffload.Verbs.RxeInteropTests;

/// <summary>
/// The managed-roce provider against the Linux kernel's rxe, across a veth: RDMA READ and WRITE in both
/// directions and SEND/RECV with immediate, data verified by SHA-256, 0 B – 16 MiB; the packets captured
/// on the wire carry a correct ICRC in both directions and tshark dissects them as RoCEv2.
/// Over IPv4 the managed side checks received ICRCs by solving for the IPv4 identification a UDP socket
/// cannot see; the capture test checks every ICRC in full with the identification from the wire.
/// </summary>
// IPv6 (fd77:1::/64 on the same veth) is the next step: kernel rxe's READ requests over IPv6 got no
// answer from the managed peer in the first runs, cause not yet found; until then only IPv4 runs.
[TestFixture("IPv4")]
[NonParallelizable]
public sealed class KernelRxeInteropTests(string family) : InteropFixture(family)
{
    private static readonly int[] Sizes = [0, 1, 4096, 65536 + 3, 1 << 20, 16 << 20];

    [TestCaseSource(nameof(Sizes))]
    public async Task KernelReadsManagedMemory(int size)
    {
        int seed = NextSeed();
        Peer.Call($"fill {seed} {size}");
        Kernel.Clear(size);
        AssertSuccess(await Kernel.ReadAsync(size), "kernel RDMA READ");
        Assert.That(Kernel.Hash(size), Is.EqualTo(PeerHash(size)));
    }

    [TestCaseSource(nameof(Sizes))]
    public async Task KernelWritesManagedMemory(int size)
    {
        Kernel.Fill(NextSeed(), size);
        Peer.Call($"clear {size}");
        AssertSuccess(await Kernel.WriteAsync(size), "kernel RDMA WRITE");
        Assert.That(PeerHash(size), Is.EqualTo(Kernel.Hash(size)));
    }

    [TestCaseSource(nameof(Sizes))]
    public void ManagedReadsKernelMemory(int size)
    {
        Kernel.Fill(NextSeed(), size);
        Peer.Call($"clear {size}");
        Assert.That(Peer.Call($"read {size}"), Does.StartWith("done Success"), "managed RDMA READ");
        Assert.That(PeerHash(size), Is.EqualTo(Kernel.Hash(size)));
    }

    [TestCaseSource(nameof(Sizes))]
    public void ManagedWritesKernelMemory(int size)
    {
        Peer.Call($"fill {NextSeed()} {size}");
        Kernel.Clear(size);
        Assert.That(Peer.Call($"write {size}"), Does.StartWith("done Success"), "managed RDMA WRITE");
        Assert.That(Kernel.Hash(size), Is.EqualTo(PeerHash(size)));
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(65536 + 3)]
    [TestCase(4 << 20)]
    public async Task SendWithImmediateBothWays(int size)
    {
        uint immediate = (uint)(0xC0DE0000 + size);

        // managed → kernel
        Kernel.Clear(size);
        Kernel.PostReceive(Math.Max(size, 1));
        Peer.Call($"fill {NextSeed()} {size}");
        Assert.That(Peer.Call($"send {size} {immediate}"), Does.StartWith("done Success"));
        var received = await Kernel.WaitAsync();
        AssertSuccess(received, "kernel RECV");
        Assert.That((received.Opcode, received.ByteLength, received.HasImmediate, received.ImmediateData), Is.EqualTo((WorkCompletionOpcode.Receive, (uint)size, true, immediate)));
        Assert.That(Kernel.Hash(size), Is.EqualTo(PeerHash(size)));

        // kernel → managed
        Peer.Call($"clear {size}");
        Peer.Call($"recv {Math.Max(size, 1)}");
        Kernel.Fill(NextSeed(), size);
        AssertSuccess(await Kernel.SendAsync(size, immediate + 1), "kernel SEND");
        Assert.That(Peer.Call("wait"), Is.EqualTo($"done Success {size} {immediate + 1}"));
        Assert.That(PeerHash(size), Is.EqualTo(Kernel.Hash(size)));
    }

    [Test]
    public async Task PacketsOnTheWireCarryCorrectIcrcsAndDissectAsRoce()
    {
        const int Size = 64 << 10;
        using var capture = RoceCapture.Start(InteropNetwork.KernelLink);
        Peer.Call($"fill {NextSeed()} {Size}");
        AssertSuccess(await Kernel.ReadAsync(Size), "kernel RDMA READ");
        AssertSuccess(await Kernel.WriteAsync(Size), "kernel RDMA WRITE");
        Assert.That(Peer.Call($"read {Size}"), Does.StartWith("done Success"));
        Assert.That(Peer.Call($"write {Size}"), Does.StartWith("done Success"));
        var packets = capture.Stop();

        var kernelAddress = IsIPv6 ? InteropNetwork.KernelIPv6 : InteropNetwork.KernelIPv4;
        var fromKernel = packets.Where(p => p.Source.Equals(kernelAddress)).ToList();
        var fromManaged = packets.Where(p => !p.Source.Equals(kernelAddress)).ToList();
        Assert.That(fromKernel, Has.Count.GreaterThan(64), "kernel rxe packets captured");
        Assert.That(fromManaged, Has.Count.GreaterThan(64), "managed-roce packets captured");
        var wrong = packets.Where(p => !InvariantCrc.Verify(p.Payload, Addressing(p))).Select(Describe).ToList();
        Assert.That(wrong, Is.Empty, "packets whose ICRC is not what the kernel computes");
        Assert.That(fromManaged.All(p => p.DestinationPort == 4791), Is.True, "managed-roce sends to the RoCEv2 port");

        var (infiniband, malformed, opcodes) = capture.Dissect();
        TestContext.Out.WriteLine($"{packets.Count} packets ({fromKernel.Count} from rxe, {fromManaged.Count} managed); BTH opcodes: {opcodes}");
        Assert.That(infiniband, Is.EqualTo(packets.Count), "tshark dissects every packet as InfiniBand/RoCEv2");
        Assert.That(malformed, Is.Zero, "tshark reports malformed packets");
    }

    private static IcrcAddressing Addressing(CapturedRocePacket p) => new(
        Gid.FromIPAddress(p.Source), Gid.FromIPAddress(p.Destination), p.SourcePort, p.DestinationPort, p.Ipv4Identification, p.DontFragment);

    private static string Describe(CapturedRocePacket p) =>
        $"{p.Source}:{p.SourcePort}→{p.Destination}:{p.DestinationPort} id={p.Ipv4Identification} opcode={p.Payload[0]} len={p.Payload.Length}";

}
