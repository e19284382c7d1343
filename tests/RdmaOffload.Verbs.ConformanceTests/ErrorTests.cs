namespace RdmaOffload.Verbs.ConformanceTests;

/// <summary>Remote access errors are completion values; the QP enters ERROR, the process carries on.</summary>
[TestFixture]
public sealed class ErrorTests
{
    private VerbsTestContext _context = null!;

    [SetUp]
    public void SetUp() => _context = VerbsTestContext.Open();

    [TearDown]
    public void TearDown() => _context?.Dispose();

    [Test]
    public async Task Read_with_a_wrong_rkey_completes_with_RemoteAccessError()
    {
        using (var link = QueuePairLink.Create(_context))
        {
            using var remote = link.ProtectionDomain.AllocateAndRegister(4096, MemoryAccess.RemoteRead);
            using var local = link.ProtectionDomain.AllocateAndRegister(4096, MemoryAccess.LocalWrite);
            link.A.PostSend(
                new SendWorkRequest { WorkRequestId = 1, Opcode = SendOpcode.RdmaRead, RemoteAddress = (ulong)remote.Address, RemoteKey = remote.RemoteKey ^ 0x5A5A00 },
                [local.Slice(0, 4096)]);
            await AssertRemoteAccessErrorAsync(link);
        }

        await AssertFreshLinkWorksAsync();
    }

    [Test]
    public async Task Read_outside_the_region_completes_with_RemoteAccessError()
    {
        using (var link = QueuePairLink.Create(_context))
        {
            using var remote = link.ProtectionDomain.AllocateAndRegister(4096, MemoryAccess.RemoteRead);
            using var local = link.ProtectionDomain.AllocateAndRegister(8192, MemoryAccess.LocalWrite);
            link.A.PostSend(
                new SendWorkRequest { WorkRequestId = 1, Opcode = SendOpcode.RdmaRead, RemoteAddress = (ulong)remote.Address + 2048, RemoteKey = remote.RemoteKey },
                [local.Slice(0, 4096)]);
            await AssertRemoteAccessErrorAsync(link);
        }

        await AssertFreshLinkWorksAsync();
    }

    [Test]
    public async Task Read_from_a_region_without_remote_read_access_completes_with_RemoteAccessError()
    {
        using (var link = QueuePairLink.Create(_context))
        {
            using var remote = link.ProtectionDomain.AllocateAndRegister(4096, MemoryAccess.LocalWrite | MemoryAccess.RemoteWrite);
            using var local = link.ProtectionDomain.AllocateAndRegister(4096, MemoryAccess.LocalWrite);
            link.A.PostSend(
                new SendWorkRequest { WorkRequestId = 1, Opcode = SendOpcode.RdmaRead, RemoteAddress = (ulong)remote.Address, RemoteKey = remote.RemoteKey },
                [local.Slice(0, 4096)]);
            await AssertRemoteAccessErrorAsync(link);
        }

        await AssertFreshLinkWorksAsync();
    }

    private static async Task AssertRemoteAccessErrorAsync(QueuePairLink link)
    {
        var completion = await Completions.WaitOneAsync(link.CompletionQueueA);
        Assert.That(completion.Status, Is.EqualTo(WorkCompletionStatus.RemoteAccessError));
        Assert.That(completion.WorkRequestId, Is.EqualTo(1UL));
        Assert.That(link.A.QueryState(), Is.EqualTo(QueuePairState.Error), "the requester QP enters ERROR after a remote access error");
    }

    private async Task AssertFreshLinkWorksAsync()
    {
        using var link = QueuePairLink.Create(_context);
        using var remote = link.ProtectionDomain.AllocateAndRegister(4096, MemoryAccess.RemoteRead);
        using var local = link.ProtectionDomain.AllocateAndRegister(4096, MemoryAccess.LocalWrite);
        Pattern.Fill(remote.Span, seed: 99);
        link.A.PostSend(
            new SendWorkRequest { WorkRequestId = 2, Opcode = SendOpcode.RdmaRead, RemoteAddress = (ulong)remote.Address, RemoteKey = remote.RemoteKey },
            [local.Slice(0, 4096)]);
        var completion = await Completions.WaitOneAsync(link.CompletionQueueA);
        Assert.That(completion.Status, Is.EqualTo(WorkCompletionStatus.Success), "a fresh QP pair works after the error");
        Pattern.AssertEqual(local.Span, remote.Span);
    }
}
