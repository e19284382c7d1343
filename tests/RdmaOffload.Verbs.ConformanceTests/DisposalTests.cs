using System.Diagnostics;

namespace RdmaOffload.Verbs.ConformanceTests;

/// <summary>Disposal releases every object, in any order, and leaves no kernel resources behind.</summary>
[TestFixture]
public sealed class DisposalTests
{
    [Test]
    public async Task Disposing_everything_leaves_no_live_objects()
    {
        var baseline = KernelResources.Count();
        using var context = VerbsTestContext.Open();
        var counter = RequireCounter(context.Provider);
        var links = new List<QueuePairLink>();
        var regions = new List<IMemoryRegion>();
        for (int i = 0; i < 4; i++)
        {
            var link = QueuePairLink.Create(context);
            links.Add(link);
            regions.Add(link.ProtectionDomain.AllocateAndRegister(65536, MemoryAccess.LocalWrite | MemoryAccess.RemoteRead));
            regions.Add(link.ProtectionDomain.AllocateAndRegister(4096, MemoryAccess.LocalWrite));
        }

        // Use the objects once, leaving posted receives outstanding at disposal.
        var first = links[0];
        first.B.PostReceive(1, [regions[1].Slice(0, 64)]);
        first.A.PostSend(new SendWorkRequest { WorkRequestId = 2, Opcode = SendOpcode.RdmaRead, RemoteAddress = (ulong)regions[0].Address, RemoteKey = regions[0].RemoteKey }, [regions[1].Slice(0, 4096)]);
        Assert.That((await Completions.WaitOneAsync(first.CompletionQueueA)).Status, Is.EqualTo(WorkCompletionStatus.Success));

        var live = counter.GetLiveResourceCounts();
        Assert.That(live.QueuePairs, Is.EqualTo(8));
        Assert.That(live.MemoryRegions, Is.EqualTo(8));
        Assert.That(live.CompletionQueues, Is.EqualTo(8));
        Assert.That(live.ProtectionDomains, Is.EqualTo(4));
        Assert.That(KernelResources.Count() - baseline, Is.EqualTo(new KernelResources(8, 8)).Or.EqualTo(KernelResources.Unavailable), () => KernelResources.LastOutput);

        foreach (var region in regions)
        {
            region.Dispose();
        }

        foreach (var link in links)
        {
            link.Dispose();
        }

        context.Device.Dispose();
        Assert.That(counter.GetLiveResourceCounts(), Is.EqualTo(default(FabricResourceCounts)), "every object released");
        Assert.That(KernelResources.Count() - baseline, Is.EqualTo(new KernelResources(0, 0)).Or.EqualTo(KernelResources.Unavailable));
    }

    [Test]
    public void Disposing_parents_first_still_releases_children_and_everything()
    {
        var baseline = KernelResources.Count();
        using var context = VerbsTestContext.Open();
        var counter = RequireCounter(context.Provider);
        var pd = context.Device.AllocateProtectionDomain();
        var cq = context.Device.CreateCompletionQueue(64);
        var qp = pd.CreateQueuePair(new QueuePairOptions { SendCompletionQueue = cq, ReceiveCompletionQueue = cq });
        var mr = pd.AllocateAndRegister(8192, MemoryAccess.LocalWrite);
        qp.ModifyToInit(VerbsTestContext.Port, MemoryAccess.RemoteRead);

        context.Device.Dispose(); // before its PD, CQ, QP and MR
        pd.Dispose();
        Assert.Multiple(() =>
        {
            Assert.That(counter.GetLiveResourceCounts(), Is.EqualTo(default(FabricResourceCounts)), "the device disposed everything made from it");
            Assert.That(KernelResources.Count() - baseline, Is.EqualTo(new KernelResources(0, 0)).Or.EqualTo(KernelResources.Unavailable));
        });

        // Disposing the children afterwards is harmless.
        qp.Dispose();
        mr.Dispose();
        cq.Dispose();
        Assert.That(counter.GetLiveResourceCounts(), Is.EqualTo(default(FabricResourceCounts)));
    }

    private static IFabricResourceCounter RequireCounter(IFabricProvider provider) =>
        provider as IFabricResourceCounter ?? throw new AssertionException($"provider '{provider.Name}' does not implement IFabricResourceCounter, so leaks cannot be checked");
}

/// <summary>
/// QPs and MRs the kernel holds for this process, from <c>rdma resource show</c> (iproute2). For
/// providers without kernel objects, or where the tool is missing, <see cref="Unavailable"/>.
/// </summary>
internal readonly record struct KernelResources(int QueuePairs, int MemoryRegions)
{
    internal static readonly KernelResources Unavailable = new(-1, -1);

    /// <summary>What the last count saw, for failure messages.</summary>
    internal static string LastOutput { get; private set; } = "";

    public static KernelResources operator -(KernelResources left, KernelResources right) =>
        left == Unavailable || right == Unavailable ? Unavailable : new(left.QueuePairs - right.QueuePairs, left.MemoryRegions - right.MemoryRegions);

    internal static KernelResources Count()
    {
        if (ProviderFactory.ProviderName != "ibverbs")
        {
            return Unavailable;
        }

        // The kernel records the id of the thread that created the object, not the process id.
        var threads = Directory.GetDirectories("/proc/self/task").Select(Path.GetFileName).ToHashSet(StringComparer.Ordinal);
        int? qps = CountLines("qp", threads);
        int? mrs = CountLines("mr", threads);
        return qps is null || mrs is null ? Unavailable : new(qps.Value, mrs.Value);
    }

    private static int? CountLines(string kind, HashSet<string?> threads)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("rdma", $"resource show {kind}") { RedirectStandardOutput = true, RedirectStandardError = true })!;
            string output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            LastOutput = $"threads {string.Join(',', threads)}, rdma resource show {kind} (exit {process.ExitCode}):\n{output}";
            return process.ExitCode != 0 ? null : output.Split('\n').Count(line => threads.Contains(PidOf(line)));
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    private static string? PidOf(string line)
    {
        string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int index = Array.IndexOf(words, "pid");
        return index >= 0 && index + 1 < words.Length ? words[index + 1] : null;
    }
}
