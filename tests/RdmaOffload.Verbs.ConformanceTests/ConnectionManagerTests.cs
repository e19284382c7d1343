using System.Net;
using System.Text;

namespace RdmaOffload.Verbs.ConformanceTests;

/// <summary>Connection establishment by IP address: listen, connect, accept/reject, disconnect.</summary>
[TestFixture]
public sealed class ConnectionManagerTests
{
    private static readonly RdmaConnectionOptions Options = new() { Timeout = TimeSpan.FromSeconds(30), MaxSendWorkRequests = 64, MaxReceiveWorkRequests = 64 };
    private IFabricProvider _provider = null!;
    private IConnectionManager _manager = null!;
    private IPAddress _address = null!;

    [SetUp]
    public void SetUp()
    {
        _address = ProviderFactory.LocalAddress;
        _provider = ProviderFactory.Create();
        using (ProviderFactory.OpenDevice(_provider))
        {
            // fails the test clearly when there is no device
        }

        _manager = _provider.CreateConnectionManager();
    }

    [TearDown]
    public void TearDown()
    {
        _manager?.Dispose();
        _provider?.Dispose();
    }

    [Test]
    public async Task Connect_and_accept_exchange_private_data_both_ways_and_carry_traffic()
    {
        using var listener = _manager.Listen(new IPEndPoint(_address, 0), Options);
        Assert.That(listener.LocalEndPoint.Port, Is.Not.Zero, "an ephemeral port was bound");
        var connecting = _manager.ConnectAsync(listener.LocalEndPoint, Options, Encoding.ASCII.GetBytes("hello from the client"));

        using var request = await listener.GetRequestAsync().AsTask().WaitAsync(Completions.DefaultTimeout);
        Assert.That(Encoding.ASCII.GetString(request.PrivateData.Span).TrimEnd('\0'), Is.EqualTo("hello from the client"));
        Assert.That(request.RemoteEndPoint.Address, Is.EqualTo(_address));
        var accepting = request.AcceptAsync(Encoding.ASCII.GetBytes("welcome from the server"));

        using var client = await connecting.WaitAsync(Completions.DefaultTimeout);
        using var server = await accepting.WaitAsync(Completions.DefaultTimeout);
        Assert.That(Encoding.ASCII.GetString(client.RemotePrivateData.Span).TrimEnd('\0'), Is.EqualTo("welcome from the server"));
        Assert.That(Encoding.ASCII.GetString(server.RemotePrivateData.Span).TrimEnd('\0'), Is.EqualTo("hello from the client"));
        Assert.That(client.QueuePair.QueryState(), Is.EqualTo(QueuePairState.ReadyToSend));
        Assert.That(server.QueuePair.QueryState(), Is.EqualTo(QueuePairState.ReadyToSend));

        // The connection carries a SEND and an RDMA READ.
        using var serverBuffer = server.ProtectionDomain.AllocateAndRegister(8192, MemoryAccess.LocalWrite | MemoryAccess.RemoteRead);
        using var clientBuffer = client.ProtectionDomain.AllocateAndRegister(8192, MemoryAccess.LocalWrite);
        Pattern.Fill(clientBuffer.Span[..1000], seed: 31);
        Pattern.Fill(serverBuffer.Span[4096..], seed: 32);
        server.QueuePair.PostReceive(1, [serverBuffer.Slice(0, 4096)]);
        client.QueuePair.PostSend(new SendWorkRequest { WorkRequestId = 2, Opcode = SendOpcode.Send }, [clientBuffer.Slice(0, 1000)]);
        var received = await Completions.WaitOneAsync(server.CompletionQueue);
        Assert.That(received.Status, Is.EqualTo(WorkCompletionStatus.Success));
        Assert.That(received.ByteLength, Is.EqualTo(1000u));
        Pattern.AssertEqual(serverBuffer.Span[..1000], clientBuffer.Span[..1000]);
        Assert.That((await Completions.WaitOneAsync(client.CompletionQueue)).Status, Is.EqualTo(WorkCompletionStatus.Success));

        client.QueuePair.PostSend(
            new SendWorkRequest { WorkRequestId = 3, Opcode = SendOpcode.RdmaRead, RemoteAddress = (ulong)serverBuffer.Address + 4096, RemoteKey = serverBuffer.RemoteKey },
            [clientBuffer.Slice(4096, 4096)]);
        var read = await Completions.WaitOneAsync(client.CompletionQueue);
        Assert.That(read.Status, Is.EqualTo(WorkCompletionStatus.Success));
        Pattern.AssertEqual(clientBuffer.Span[4096..], serverBuffer.Span[4096..]);
    }

    [Test]
    public async Task Reject_returns_its_private_data_to_the_requester()
    {
        using var listener = _manager.Listen(new IPEndPoint(_address, 0), Options);
        var connecting = _manager.ConnectAsync(listener.LocalEndPoint, Options, new byte[] { 1, 2, 3 });
        var request = await listener.GetRequestAsync().AsTask().WaitAsync(Completions.DefaultTimeout);
        request.Reject(Encoding.ASCII.GetBytes("server full"));

        var failure = Assert.ThrowsAsync<RdmaConnectionException>(async () => await connecting.WaitAsync(Completions.DefaultTimeout))!;
        Assert.That(failure.Rejected, Is.True);
        Assert.That(Encoding.ASCII.GetString(failure.RejectPrivateData.Span).TrimEnd('\0'), Is.EqualTo("server full"));
    }

    [Test]
    public async Task Disconnect_is_seen_by_the_other_side_and_flushes_its_receives()
    {
        using var listener = _manager.Listen(new IPEndPoint(_address, 0), Options);
        var connecting = _manager.ConnectAsync(listener.LocalEndPoint, Options, ReadOnlyMemory<byte>.Empty);
        using var request = await listener.GetRequestAsync().AsTask().WaitAsync(Completions.DefaultTimeout);
        var accepting = request.AcceptAsync(ReadOnlyMemory<byte>.Empty);
        using var client = await connecting.WaitAsync(Completions.DefaultTimeout);
        using var server = await accepting.WaitAsync(Completions.DefaultTimeout);
        using var buffer = server.ProtectionDomain.AllocateAndRegister(4096, MemoryAccess.LocalWrite);
        server.QueuePair.PostReceive(42, [buffer.Slice(0, 4096)]);
        Assert.That(server.Disconnected.IsCompleted, Is.False);

        client.Disconnect();

        await server.Disconnected.WaitAsync(Completions.DefaultTimeout);
        await client.Disconnected.WaitAsync(Completions.DefaultTimeout);
        var flushed = await Completions.WaitOneAsync(server.CompletionQueue);
        Assert.That(flushed.WorkRequestId, Is.EqualTo(42UL));
        Assert.That(flushed.Status, Is.EqualTo(WorkCompletionStatus.WorkRequestFlushError));
    }

    [Test]
    public async Task A_short_ack_timeout_with_one_retry_fails_work_to_a_silent_peer()
    {
        var options = Options with { AckTimeout = 10, RetryCount = 1 }; // 4 ms × (1 + 1 retry)
        using var peer = await SilentPeer.ConnectAsync(_manager, _address, options);
        peer.PostWrite();
        var completion = await Completions.WaitOneAsync(peer.Client.CompletionQueue);
        Assert.That(completion.Status, Is.EqualTo(WorkCompletionStatus.RetryExceededError));
        Assert.That(peer.Client.QueuePair.QueryState(), Is.EqualTo(QueuePairState.Error));
    }

    [Test]
    public async Task A_long_ack_timeout_keeps_work_to_a_silent_peer_pending()
    {
        // 4.096 µs × 2^22 ≈ 17 s per timeout. managed-roce's default (14, ≈ 67 ms × 8 tries) would have
        // failed the WRITE well within the wait below, so a completion here means the option was ignored.
        var options = Options with { AckTimeout = 22 };
        using var peer = await SilentPeer.ConnectAsync(_manager, _address, options);
        peer.PostWrite();
        await Task.Delay(TimeSpan.FromSeconds(2));
        var completions = new WorkCompletion[1];
        Assert.That(peer.Client.CompletionQueue.Poll(completions), Is.Zero, () => $"completed early: {completions[0].Status}");
        Assert.That(peer.Client.QueuePair.QueryState(), Is.EqualTo(QueuePairState.ReadyToSend));
    }

    [Test]
    public void Connecting_to_a_port_nobody_listens_on_fails_with_RdmaConnectionException()
    {
        var options = Options with { Timeout = TimeSpan.FromSeconds(20) };
        Assert.That(
            async () => await _manager.ConnectAsync(new IPEndPoint(_address, 1), options, ReadOnlyMemory<byte>.Empty).WaitAsync(Completions.DefaultTimeout),
            Throws.InstanceOf<RdmaConnectionException>());
    }

    /// <summary>A connection whose server QP is in ERROR: it drops what arrives and never acknowledges.</summary>
    private sealed class SilentPeer : IDisposable
    {
        private readonly IRdmaConnection _server;
        private readonly IMemoryRegion _target;
        private readonly IMemoryRegion _source;

        private SilentPeer(IRdmaConnection client, IRdmaConnection server)
        {
            Client = client;
            _server = server;
            _target = server.ProtectionDomain.AllocateAndRegister(64, MemoryAccess.LocalWrite | MemoryAccess.RemoteWrite);
            _source = client.ProtectionDomain.AllocateAndRegister(64, MemoryAccess.LocalWrite);
            server.QueuePair.ModifyToError();
        }

        public IRdmaConnection Client { get; }

        public static async Task<SilentPeer> ConnectAsync(IConnectionManager manager, IPAddress address, RdmaConnectionOptions options)
        {
            using var listener = manager.Listen(new IPEndPoint(address, 0), options);
            var connecting = manager.ConnectAsync(listener.LocalEndPoint, options, ReadOnlyMemory<byte>.Empty);
            using var request = await listener.GetRequestAsync().AsTask().WaitAsync(Completions.DefaultTimeout);
            var accepting = request.AcceptAsync(ReadOnlyMemory<byte>.Empty);
            return new SilentPeer(await connecting.WaitAsync(Completions.DefaultTimeout), await accepting.WaitAsync(Completions.DefaultTimeout));
        }

        /// <summary>A signaled 64 B WRITE into the silent server's region.</summary>
        public void PostWrite() => Client.QueuePair.PostSend(
            new SendWorkRequest { WorkRequestId = 7, Opcode = SendOpcode.RdmaWrite, Options = SendOptions.Signaled, RemoteAddress = (ulong)_target.Address, RemoteKey = _target.RemoteKey },
            [_source.Slice(0, 64)]);

        public void Dispose()
        {
            _source.Dispose();
            _target.Dispose();
            Client.Dispose();
            _server.Dispose();
        }
    }
}
