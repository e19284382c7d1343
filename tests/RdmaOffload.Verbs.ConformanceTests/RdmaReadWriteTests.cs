namespace RdmaOffload.Verbs.ConformanceTests;

/// <summary>One-sided RDMA READ and WRITE between two connected QPs, data verified byte for byte.</summary>
[TestFixture]
public sealed class RdmaReadWriteTests
{
    private VerbsTestContext _context = null!;
    private QueuePairLink _link = null!;

    [SetUp]
    public void SetUp()
    {
        _context = VerbsTestContext.Open();
        _link = QueuePairLink.Create(_context);
    }

    [TearDown]
    public void TearDown()
    {
        _link?.Dispose();
        _context?.Dispose();
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(4096)]
    [TestCase((64 * 1024) + 3)]
    [TestCase(1024 * 1024)]
    [TestCase(16 * 1024 * 1024)]
    public async Task RdmaRead_copies_the_remote_region(int size)
    {
        using var remote = _link.ProtectionDomain.AllocateAndRegister(Math.Max(size, 1), MemoryAccess.RemoteRead);
        using var local = _link.ProtectionDomain.AllocateAndRegister(Math.Max(size, 1) + 64, MemoryAccess.LocalWrite);
        Pattern.Fill(remote.Span[..size], seed: size);
        local.Span.Fill(0xEE);

        ScatterGatherEntry[] sges = size == 0 ? [] : [local.Slice(0, size)];
        _link.A.PostSend(new SendWorkRequest { WorkRequestId = 7, Opcode = SendOpcode.RdmaRead, RemoteAddress = (ulong)remote.Address, RemoteKey = remote.RemoteKey }, sges);
        var completion = await Completions.WaitOneAsync(_link.CompletionQueueA);

        Assert.That(completion.Status, Is.EqualTo(WorkCompletionStatus.Success));
        Assert.That(completion.WorkRequestId, Is.EqualTo(7UL));
        Assert.That(completion.Opcode, Is.EqualTo(WorkCompletionOpcode.RdmaRead));
        Assert.That(completion.QueuePairNumber, Is.EqualTo(_link.A.QueuePairNumber));
        Pattern.AssertEqual(local.Span[..size], remote.Span[..size]);
        Assert.That(local.Span[size..].ToArray(), Is.All.EqualTo(0xEE), "bytes past the READ are untouched");
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(4096)]
    [TestCase((64 * 1024) + 3)]
    [TestCase(1024 * 1024)]
    [TestCase(16 * 1024 * 1024)]
    public async Task RdmaWrite_fills_the_remote_region(int size)
    {
        using var local = _link.ProtectionDomain.AllocateAndRegister(Math.Max(size, 1), MemoryAccess.None);
        using var remote = _link.ProtectionDomain.AllocateAndRegister(Math.Max(size, 1) + 64, MemoryAccess.LocalWrite | MemoryAccess.RemoteWrite);
        Pattern.Fill(local.Span[..size], seed: size + 1);
        remote.Span.Fill(0xEE);

        ScatterGatherEntry[] sges = size == 0 ? [] : [local.Slice(0, size)];
        _link.A.PostSend(new SendWorkRequest { WorkRequestId = 9, Opcode = SendOpcode.RdmaWrite, RemoteAddress = (ulong)remote.Address, RemoteKey = remote.RemoteKey }, sges);
        var completion = await Completions.WaitOneAsync(_link.CompletionQueueA);

        Assert.That(completion.Status, Is.EqualTo(WorkCompletionStatus.Success));
        Assert.That(completion.Opcode, Is.EqualTo(WorkCompletionOpcode.RdmaWrite));
        Pattern.AssertEqual(remote.Span[..size], local.Span[..size]);
        Assert.That(remote.Span[size..].ToArray(), Is.All.EqualTo(0xEE), "bytes past the WRITE are untouched");
    }

    [Test]
    public async Task RdmaRead_with_a_scatter_list_fills_each_piece_in_order()
    {
        using var remote = _link.ProtectionDomain.AllocateAndRegister(10_000, MemoryAccess.RemoteRead);
        using var local = _link.ProtectionDomain.AllocateAndRegister(20_000, MemoryAccess.LocalWrite);
        Pattern.Fill(remote.Span, seed: 3);
        ScatterGatherEntry[] pieces = [local.Slice(0, 1000), local.Slice(5000, 4000), local.Slice(15_000, 5000)];

        _link.A.PostSend(new SendWorkRequest { WorkRequestId = 1, Opcode = SendOpcode.RdmaRead, RemoteAddress = (ulong)remote.Address, RemoteKey = remote.RemoteKey }, pieces);
        var completion = await Completions.WaitOneAsync(_link.CompletionQueueA);

        Assert.That(completion.Status, Is.EqualTo(WorkCompletionStatus.Success));
        Pattern.AssertEqual(local.Span[..1000], remote.Span[..1000]);
        Pattern.AssertEqual(local.Span.Slice(5000, 4000), remote.Span.Slice(1000, 4000));
        Pattern.AssertEqual(local.Span.Slice(15_000, 5000), remote.Span.Slice(5000, 5000));
    }

    [Test]
    public async Task Batched_post_of_reads_and_writes_completes_each_request()
    {
        using var remote = _link.ProtectionDomain.AllocateAndRegister(8192, MemoryAccess.LocalWrite | MemoryAccess.RemoteRead | MemoryAccess.RemoteWrite);
        using var local = _link.ProtectionDomain.AllocateAndRegister(8192, MemoryAccess.LocalWrite);
        Pattern.Fill(remote.Span[..4096], seed: 11);
        Pattern.Fill(local.Span[4096..], seed: 12);
        SendWorkRequest[] requests =
        [
            new() { WorkRequestId = 100, Opcode = SendOpcode.RdmaRead, RemoteAddress = (ulong)remote.Address, RemoteKey = remote.RemoteKey, FirstEntry = 0, EntryCount = 1 },
            new() { WorkRequestId = 101, Opcode = SendOpcode.RdmaWrite, RemoteAddress = (ulong)remote.Address + 4096, RemoteKey = remote.RemoteKey, FirstEntry = 1, EntryCount = 1 },
        ];
        ScatterGatherEntry[] entries = [local.Slice(0, 4096), local.Slice(4096, 4096)];

        Assert.That(_link.A.PostSend(requests, entries), Is.EqualTo(2));
        var completions = await Completions.WaitAsync(_link.CompletionQueueA, 2);

        Assert.That(completions.Select(c => c.WorkRequestId), Is.EquivalentTo(new ulong[] { 100, 101 }));
        Assert.That(completions.Select(c => c.Status), Is.All.EqualTo(WorkCompletionStatus.Success));
        Pattern.AssertEqual(local.Span[..4096], remote.Span[..4096]);
        Pattern.AssertEqual(remote.Span[4096..], local.Span[4096..]);
    }
}
