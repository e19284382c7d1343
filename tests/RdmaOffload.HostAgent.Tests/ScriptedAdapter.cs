using System.Net;
using RdmaOffload.Fabric;
using RdmaOffload.Protocol.Wire;
using RdmaOffload.Verbs;

namespace RdmaOffload.HostAgent.Tests;

/// <summary>
/// The adapter end of a link, driven by the test frame by frame: received frames are queued as raw bytes and
/// the test sends whatever it likes (including what a real adapter never would).
/// </summary>
internal sealed class ScriptedAdapter : ILinkChannelHandler, IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static int s_lastAddress;

    private readonly List<IDisposable> _owned = [];
    private readonly System.Threading.Channels.Channel<byte[]> _received = System.Threading.Channels.Channel.CreateUnbounded<byte[]>();
    private IRdmaListener _listener = null!;
    private Task<LinkChannel> _accepted = null!;

    public IConnectionManager HostManager { get; private set; } = null!;

    public IPEndPoint EndPoint => _listener.LocalEndPoint;

    public LinkChannel Channel => _accepted.Result;

    public static ScriptedAdapter Start()
    {
        var adapter = new ScriptedAdapter();
        var adapterAddress = FreshAddress();
        var adapterManager = adapter.Manager(adapterAddress);
        adapter.HostManager = adapter.Manager(FreshAddress());
        adapter._listener = adapterManager.Listen(new IPEndPoint(adapterAddress, 0), Options);
        adapter._accepted = adapter.AcceptAsync();
        return adapter;
    }

    public async Task WaitForLinkAsync() => await _accepted.WaitAsync(Timeout);

    /// <summary>The next frame the host sent, decoded as <typeparamref name="T"/> (fails the test on anything else).</summary>
    public async Task<(T Message, uint WorkQueue)> ReceiveAsync<T>()
        where T : struct, IProtocolMessage<T>
    {
        var bytes = await _received.Reader.ReadAsync().AsTask().WaitAsync(Timeout);
        Assert.That(Frame.TryRead(bytes, out var frame), Is.EqualTo(DecodeStatus.Ok));
        Assert.That(frame.Type, Is.EqualTo(T.Type), "the host's next message");
        Assert.That(FrameCodec.TryDecode(frame, out T message), Is.EqualTo(DecodeStatus.Ok));
        return (message, frame.WorkQueue);
    }

    public void OnBatch(ReadOnlySpan<byte> batch)
    {
        var reader = new FrameBatchReader(batch);
        while (reader.TryReadNext(out var frame))
        {
            _received.Writer.TryWrite(batch.Slice(reader.Offset - frame.Length, frame.Length).ToArray());
        }
    }

    public void OnOperationCompleted(ulong token, bool success)
    {
    }

    public void OnChannelFailed(string cause) => _received.Writer.TryComplete(new IOException(cause));

    public ValueTask DisposeAsync()
    {
        if (_accepted.IsCompletedSuccessfully)
        {
            _accepted.Result.Dispose();
        }

        _listener.Dispose();
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            _owned[i].Dispose();
        }

        return ValueTask.CompletedTask;
    }

    private static readonly RdmaConnectionOptions Options = new() { MaxSendWorkRequests = 64, MaxReceiveWorkRequests = 64, CompletionQueueEntries = 256 };

    private static IPAddress FreshAddress()
    {
        var n = Interlocked.Increment(ref s_lastAddress);
        return new IPAddress([127, 2, (byte)(n / 250), (byte)((n % 250) + 1)]);
    }

    private async Task<LinkChannel> AcceptAsync()
    {
        using var request = await _listener.GetRequestAsync();
        var connection = await request.AcceptAsync(ReadOnlyMemory<byte>.Empty);
        var channel = new LinkChannel(connection, receiveSlots: 32, sendQueueDepth: 32);
        channel.Start(this);
        return channel;
    }

    private IConnectionManager Manager(IPAddress address) => LoopbackFabric.CreateManager(address, _owned);
}
