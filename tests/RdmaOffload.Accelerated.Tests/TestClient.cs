using RdmaOffload.NetStack.Tcp;

namespace RdmaOffload.Accelerated.Tests;

/// <summary>
/// A client on the client stack: sends <see cref="Request"/> (then FIN, unless told not to) and collects the response;
/// with <c>grantCredit: false</c> it stops reading (grants no receive credit), as a stalled client would.
/// </summary>
internal sealed class TestClient(byte[] request, bool finishAfterRequest = true, bool grantCredit = true) : ITcpConnectionHandler
{
    private readonly System.Buffers.ArrayBufferWriter<byte> _received = new();
    private readonly TaskCompletionSource _receiveClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<TcpCloseReason> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public byte[] Request { get; } = request;

    private long _acknowledged;

    public TcpConnection? Connection { get; private set; }

    /// <summary>Request bytes the adapter has acknowledged so far.</summary>
    public long Acknowledged => Interlocked.Read(ref _acknowledged);

    /// <summary>Completes when the server's FIN arrived (every response byte before it).</summary>
    public Task ReceiveClosed => _receiveClosed.Task;

    public Task<TcpCloseReason> Closed => _closed.Task;

    /// <summary>The bytes received so far (read only after <see cref="ReceiveClosed"/> or <see cref="Closed"/>).</summary>
    public byte[] Received => _received.WrittenSpan.ToArray();

    public void OnConnected(TcpConnection connection)
    {
        Connection = connection;
        if (Request.Length > 0)
        {
            connection.AppendSendData(Request.Length);
        }

        if (finishAfterRequest)
        {
            connection.CloseSend();
        }
    }

    public void OnDataReceived(TcpConnection connection, ReadOnlySpan<byte> data)
    {
        System.Buffers.BuffersExtensions.Write(_received, data);
        if (grantCredit)
        {
            connection.GrantReceiveCredit(data.Length);
        }
    }

    public void OnReceiveClosed(TcpConnection connection) => _receiveClosed.TrySetResult();

    public void CopySendData(TcpConnection connection, long streamOffset, Span<byte> destination) =>
        Request.AsSpan((int)streamOffset, destination.Length).CopyTo(destination);

    public void OnDataAcknowledged(TcpConnection connection, long acknowledgedOffset) =>
        Interlocked.Exchange(ref _acknowledged, acknowledgedOffset);

    public void OnClosed(TcpConnection connection, TcpCloseReason reason)
    {
        _receiveClosed.TrySetResult();
        _closed.TrySetResult(reason);
    }
}
