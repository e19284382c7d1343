namespace RdmaOffload.Verbs.ConformanceTests;

/// <summary>Invalid arguments are refused before they reach the device.</summary>
[TestFixture]
public sealed class ArgumentValidationTests
{
    private VerbsTestContext _context = null!;

    [SetUp]
    public void SetUp() => _context = VerbsTestContext.Open();

    [TearDown]
    public void TearDown() => _context?.Dispose();

    [Test]
    public void Sizes_must_be_positive()
    {
        using var pd = _context.Device.AllocateProtectionDomain();
        using var cq = _context.Device.CreateCompletionQueue(16);
        Assert.That(() => _context.Device.CreateCompletionQueue(0), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => pd.AllocateAndRegister(0, MemoryAccess.LocalWrite), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(
            () => pd.CreateQueuePair(new QueuePairOptions { SendCompletionQueue = cq, ReceiveCompletionQueue = cq, MaxSendWorkRequests = 0 }),
            Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void A_slice_must_lie_inside_its_region()
    {
        using var pd = _context.Device.AllocateProtectionDomain();
        using var region = pd.AllocateAndRegister(4096, MemoryAccess.LocalWrite);
        var slice = region.Slice(4000, 96);
        Assert.That(slice.Address, Is.EqualTo((ulong)region.Address + 4000));
        Assert.That(slice.Length, Is.EqualTo(96u));
        Assert.That(slice.LocalKey, Is.EqualTo(region.LocalKey));
        Assert.That(() => region.Slice(4000, 97), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => region.Slice(-1, 1), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void A_batched_post_naming_entries_that_do_not_exist_is_refused_whole()
    {
        using var link = QueuePairLink.Create(_context);
        using var region = link.ProtectionDomain.AllocateAndRegister(4096, MemoryAccess.LocalWrite | MemoryAccess.RemoteRead);
        SendWorkRequest[] requests =
        [
            new() { WorkRequestId = 1, Opcode = SendOpcode.RdmaRead, RemoteAddress = (ulong)region.Address, RemoteKey = region.RemoteKey, FirstEntry = 0, EntryCount = 1 },
            new() { WorkRequestId = 2, Opcode = SendOpcode.RdmaRead, RemoteAddress = (ulong)region.Address, RemoteKey = region.RemoteKey, FirstEntry = 1, EntryCount = 1 },
        ];
        Assert.That(() => link.A.PostSend(requests, [region.Slice(2048, 64)]), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(link.CompletionQueueA.Poll(new WorkCompletion[2]), Is.Zero, "nothing of the refused batch was posted");
    }

    [Test]
    public void Disposed_objects_refuse_work()
    {
        var pd = _context.Device.AllocateProtectionDomain();
        var region = pd.AllocateAndRegister(4096, MemoryAccess.LocalWrite);
        region.Dispose();
        pd.Dispose();
        Assert.That(() => region.Span.Length, Throws.InstanceOf<ObjectDisposedException>());
        Assert.That(() => pd.AllocateAndRegister(4096, MemoryAccess.LocalWrite), Throws.InstanceOf<ObjectDisposedException>());
    }
}
