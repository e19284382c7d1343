using RdmaOffload.NetStack.Tcp;

namespace RdmaOffload.Accelerated.Tests;

/// <summary>A client that sends nothing and reads only when told to: until then its receive window closes.</summary>
internal sealed class WithholdingClient : ITcpConnectionHandler
{
    private readonly System.Buffers.ArrayBufferWriter<byte> _received = new();
    private readonly TaskCompletionSource<TcpCloseReason> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _withheld;
    private bool _reading;

    public TcpConnection? Connection { get; private set; }

    public Task<TcpCloseReason> Closed => _closed.Task;

    /// <summary>Bytes received so far (call on the link's thread, or after <see cref="Closed"/>).</summary>
    public int ReceivedCount => _received.WrittenCount;

    public byte[] Received => _received.WrittenSpan.ToArray();

    /// <summary>Starts granting credit again (call on the link's thread).</summary>
    public void StartReading()
    {
        _reading = true;
        if (_withheld > 0)
        {
            Connection!.GrantReceiveCredit((int)_withheld);
            _withheld = 0;
        }
    }

    public void OnConnected(TcpConnection connection) => Connection = connection;

    public void OnDataReceived(TcpConnection connection, ReadOnlySpan<byte> data)
    {
        System.Buffers.BuffersExtensions.Write(_received, data);
        if (_reading)
        {
            connection.GrantReceiveCredit(data.Length);
        }
        else
        {
            _withheld += data.Length;
        }
    }

    public void OnReceiveClosed(TcpConnection connection) => connection.CloseSend();

    public void CopySendData(TcpConnection connection, long streamOffset, Span<byte> destination)
    {
    }

    public void OnDataAcknowledged(TcpConnection connection, long acknowledgedOffset)
    {
    }

    public void OnClosed(TcpConnection connection, TcpCloseReason reason) => _closed.TrySetResult(reason);
}
