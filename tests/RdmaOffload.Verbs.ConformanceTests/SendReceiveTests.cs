namespace RdmaOffload.Verbs.ConformanceTests;

/// <summary>Two-sided operations: SEND, SEND with immediate, RDMA WRITE with immediate.</summary>
[TestFixture]
public sealed class SendReceiveTests
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

    [Test]
    public async Task Send_lands_in_the_posted_receive()
    {
        using var source = _link.ProtectionDomain.AllocateAndRegister(3000, MemoryAccess.None);
        using var target = _link.ProtectionDomain.AllocateAndRegister(4096, MemoryAccess.LocalWrite);
        Pattern.Fill(source.Span, seed: 21);
        _link.B.PostReceive(55, [target.Slice(0, 4096)]);

        _link.A.PostSend(new SendWorkRequest { WorkRequestId = 5, Opcode = SendOpcode.Send }, [source.Slice(0, 3000)]);
        var sent = await Completions.WaitOneAsync(_link.CompletionQueueA);
        var received = await Completions.WaitOneAsync(_link.CompletionQueueB);

        Assert.That(sent.Status, Is.EqualTo(WorkCompletionStatus.Success));
        Assert.That(sent.Opcode, Is.EqualTo(WorkCompletionOpcode.Send));
        Assert.That(received.Status, Is.EqualTo(WorkCompletionStatus.Success));
        Assert.That(received.WorkRequestId, Is.EqualTo(55UL));
        Assert.That(received.Opcode, Is.EqualTo(WorkCompletionOpcode.Receive));
        Assert.That(received.ByteLength, Is.EqualTo(3000u));
        Assert.That(received.HasImmediate, Is.False);
        Assert.That(received.QueuePairNumber, Is.EqualTo(_link.B.QueuePairNumber));
        Pattern.AssertEqual(target.Span[..3000], source.Span);
    }

    [Test]
    public async Task Send_with_immediate_delivers_the_value_and_the_length()
    {
        using var source = _link.ProtectionDomain.AllocateAndRegister(100, MemoryAccess.None);
        using var target = _link.ProtectionDomain.AllocateAndRegister(256, MemoryAccess.LocalWrite);
        Pattern.Fill(source.Span, seed: 22);
        _link.B.PostReceive(1, [target.Slice(0, 256)]);

        _link.A.PostSend(new SendWorkRequest { WorkRequestId = 2, Opcode = SendOpcode.SendWithImmediate, ImmediateData = 0xDEADBEEF }, [source.Slice(0, 100)]);
        var received = await Completions.WaitOneAsync(_link.CompletionQueueB);
        var sent = await Completions.WaitOneAsync(_link.CompletionQueueA);

        Assert.That(sent.Status, Is.EqualTo(WorkCompletionStatus.Success));
        Assert.That(received.Status, Is.EqualTo(WorkCompletionStatus.Success));
        Assert.That(received.Opcode, Is.EqualTo(WorkCompletionOpcode.Receive));
        Assert.That(received.HasImmediate, Is.True);
        Assert.That(received.ImmediateData, Is.EqualTo(0xDEADBEEFu));
        Assert.That(received.ByteLength, Is.EqualTo(100u));
        Pattern.AssertEqual(target.Span[..100], source.Span);
    }

    [Test]
    public async Task RdmaWrite_with_immediate_writes_the_data_and_consumes_a_receive()
    {
        using var source = _link.ProtectionDomain.AllocateAndRegister(5000, MemoryAccess.None);
        using var target = _link.ProtectionDomain.AllocateAndRegister(8192, MemoryAccess.LocalWrite | MemoryAccess.RemoteWrite);
        Pattern.Fill(source.Span, seed: 23);
        _link.B.PostReceive(77, []);

        _link.A.PostSend(
            new SendWorkRequest { WorkRequestId = 3, Opcode = SendOpcode.RdmaWriteWithImmediate, ImmediateData = 0x01020304, RemoteAddress = (ulong)target.Address + 100, RemoteKey = target.RemoteKey },
            [source.Slice(0, 5000)]);
        var received = await Completions.WaitOneAsync(_link.CompletionQueueB);
        var sent = await Completions.WaitOneAsync(_link.CompletionQueueA);

        Assert.That(sent.Status, Is.EqualTo(WorkCompletionStatus.Success));
        Assert.That(sent.Opcode, Is.EqualTo(WorkCompletionOpcode.RdmaWrite));
        Assert.That(received.Status, Is.EqualTo(WorkCompletionStatus.Success));
        Assert.That(received.WorkRequestId, Is.EqualTo(77UL));
        Assert.That(received.Opcode, Is.EqualTo(WorkCompletionOpcode.ReceiveRdmaWithImmediate));
        Assert.That(received.HasImmediate, Is.True);
        Assert.That(received.ImmediateData, Is.EqualTo(0x01020304u));
        Assert.That(received.ByteLength, Is.EqualTo(5000u));
        Pattern.AssertEqual(target.Span.Slice(100, 5000), source.Span);
    }
}
