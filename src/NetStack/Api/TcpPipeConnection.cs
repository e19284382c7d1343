using System.Buffers;
using System.IO.Pipelines;
using RdmaOffload.NetStack.Tcp;

namespace RdmaOffload.NetStack.Api;

/// <summary>
/// A <see cref="IDuplexPipe"/> over one stack connection, for ordinary (non-RDMA) use. Incoming bytes land in
/// <see cref="Input"/>; credit goes back to the peer as the reader advances, so an application that stops reading
/// closes the TCP window. Bytes written to <see cref="Output"/> are copied once into pooled chunks that the stack
/// sends from; a chunk returns to the pool when the peer acknowledges it, and at most
/// <see cref="MaxBufferedChunks"/> chunks are held, which is the backpressure on the writer.
/// </summary>
public sealed partial class TcpPipeConnection : IDuplexPipe, ITcpConnectionHandler
{
    /// <summary>Size of one send chunk.</summary>
    public const int ChunkSize = 64 * 1024;

    /// <summary>Most unacknowledged chunks held per connection (send buffer = this × <see cref="ChunkSize"/>).</summary>
    public const int MaxBufferedChunks = 32;

    private readonly IStackDispatcher _host;
    private readonly Pipe _inputPipe = new(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));
    private readonly Pipe _outputPipe = new(new PipeOptions(useSynchronizationContext: false));
    private readonly CreditReturningReader _input;
    // One token per chunk in the send buffer: the writer blocks when it is full, acknowledgments take tokens out.
    private readonly System.Threading.Channels.Channel<byte> _chunkBudget =
        System.Threading.Channels.Channel.CreateBounded<byte>(new System.Threading.Channels.BoundedChannelOptions(MaxBufferedChunks) { SingleReader = true, SingleWriter = true });
    private readonly Queue<SendChunk> _sendChunks = new(); // loop thread only
    private readonly TaskCompletionSource<TcpCloseReason> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TcpConnection? _connection;
    private long _pendingCredit;

    internal TcpPipeConnection(IStackDispatcher host, TcpConnection? accepted = null)
    {
        _host = host;
        _connection = accepted;
        _input = new CreditReturningReader(_inputPipe.Reader, this);
    }

    /// <summary>Addresses and ports (valid once accepted or connected).</summary>
    public TcpFourTuple FourTuple => _connection?.FourTuple ?? default;

    /// <summary>Incoming bytes.</summary>
    public PipeReader Input => _input;

    /// <summary>Outgoing bytes; completing it sends FIN after the data.</summary>
    public PipeWriter Output => _outputPipe.Writer;

    /// <summary>Completes with the reason once the connection is gone.</summary>
    public Task<TcpCloseReason> Closed => _closed.Task;

    /// <summary>Why the output pump stopped early, if it did (diagnostics).</summary>
    public Exception? OutputFailure { get; private set; }

    /// <summary>Resets the connection.</summary>
    public void Abort() => _host.Post(() => _connection?.Abort());

    void ITcpConnectionHandler.OnConnected(TcpConnection connection)
    {
        _connection = connection;
        _ = Task.Run(PumpOutputAsync);
    }

    void ITcpConnectionHandler.OnDataReceived(TcpConnection connection, ReadOnlySpan<byte> data)
    {
        _inputPipe.Writer.Write(data);
        // Never pauses (threshold 0), so the flush completes at once: the TCP window is the bound, not the pipe.
        var flush = _inputPipe.Writer.FlushAsync();
        if (flush.IsCompleted)
        {
            _ = flush.Result;
        }
        else
        {
            _ = flush.AsTask();
        }
    }

    void ITcpConnectionHandler.OnReceiveClosed(TcpConnection connection) => _inputPipe.Writer.Complete();

    void ITcpConnectionHandler.CopySendData(TcpConnection connection, long streamOffset, Span<byte> destination)
    {
        foreach (var chunk in _sendChunks)
        {
            if (destination.IsEmpty)
            {
                return;
            }

            var chunkEnd = chunk.StreamOffset + chunk.Length;
            if (chunkEnd <= streamOffset)
            {
                continue;
            }

            var start = (int)(streamOffset - chunk.StreamOffset);
            var count = Math.Min(chunk.Length - start, destination.Length);
            chunk.Buffer.AsSpan(start, count).CopyTo(destination);
            destination = destination[count..];
            streamOffset += count;
        }
    }

    void ITcpConnectionHandler.OnDataAcknowledged(TcpConnection connection, long acknowledgedOffset)
    {
        while (_sendChunks.TryPeek(out var chunk) && chunk.StreamOffset + chunk.Length <= acknowledgedOffset)
        {
            _sendChunks.Dequeue();
            ArrayPool<byte>.Shared.Return(chunk.Buffer);
            _ = _chunkBudget.Reader.TryRead(out _);
        }
    }

    void ITcpConnectionHandler.OnClosed(TcpConnection connection, TcpCloseReason reason)
    {
        var error = reason is TcpCloseReason.Graceful ? null : new IOException($"Connection {connection.FourTuple} ended: {reason}.");
        _inputPipe.Writer.Complete(error);
        _outputPipe.Reader.Complete(error);
        while (_sendChunks.TryDequeue(out var chunk))
        {
            ArrayPool<byte>.Shared.Return(chunk.Buffer);
        }

        _chunkBudget.Writer.TryComplete(); // wakes a writer blocked on a full send buffer
        _closed.TrySetResult(reason);
    }

    /// <summary>Called by the reader wrapper (any thread): hands consumed bytes back as receive credit.</summary>
    private void ReturnCredit(long consumed)
    {
        if (consumed <= 0)
        {
            return;
        }

        // Only the first return after a drain posts work; later ones ride along with it.
        if (Interlocked.Add(ref _pendingCredit, consumed) == consumed)
        {
            _host.Post(() =>
            {
                var credit = Interlocked.Exchange(ref _pendingCredit, 0);
                if (_connection is { State: not TcpState.Closed } connection)
                {
                    connection.GrantReceiveCredit(credit);
                }
            });
        }
    }

    private async Task PumpOutputAsync()
    {
        var reader = _outputPipe.Reader;
        long offset = 0;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                while (!buffer.IsEmpty)
                {
                    await _chunkBudget.Writer.WriteAsync(0).ConfigureAwait(false);
                    var length = (int)Math.Min(buffer.Length, ChunkSize);
                    var array = ArrayPool<byte>.Shared.Rent(length);
                    buffer.Slice(0, length).CopyTo(array);
                    buffer = buffer.Slice(length);
                    var chunk = new SendChunk(array, offset, length);
                    offset += length;
                    _host.Post(() =>
                    {
                        if (_connection is { State: TcpState.Established or TcpState.CloseWait } connection)
                        {
                            _sendChunks.Enqueue(chunk);
                            connection.AppendSendData(chunk.Length);
                        }
                        else
                        {
                            ArrayPool<byte>.Shared.Return(chunk.Buffer);
                        }
                    });
                }

                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }

            await reader.CompleteAsync().ConfigureAwait(false);
            _host.Post(() => _connection?.CloseSend());
        }
        catch (Exception e) when (e is InvalidOperationException or IOException)
        {
            // The connection closed underneath the writer; OnClosed already completed the pipes.
            OutputFailure = e;
        }
    }

    private readonly record struct SendChunk(byte[] Buffer, long StreamOffset, int Length);
}
