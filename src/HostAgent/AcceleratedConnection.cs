using System.IO.Pipelines;
using System.Net;
using System.Threading.Channels;
using RdmaOffload.Protocol.Connections;
using RdmaOffload.Protocol.Messages;
using RdmaOffload.Protocol.Wire;

namespace RdmaOffload.HostAgent;

/// <summary>
/// One client TCP connection the adapter terminates, seen by the application as a duplex pipe: <see cref="Input"/>
/// yields the client's bytes (written by the adapter into this host's posted buffers), <see cref="Output"/> sends
/// bytes the adapter RDMA-READs straight out of the pipe's registered segments. Completing <see cref="Output"/> sends FIN; <see cref="Abort"/>
/// resets the client. A reset by the client fails <see cref="Input"/> with an <see cref="IOException"/>.
/// </summary>
public sealed partial class AcceleratedConnection : IDuplexPipe, IAsyncDisposable
{
    private readonly AcceleratedListener _link;
    private readonly ConnectionSession _session; // under _link.Gate
    private readonly Pipe _input = new(new PipeOptions(pauseWriterThreshold: 256 * 1024, resumeWriterThreshold: 128 * 1024, useSynchronizationContext: false));
    private readonly Pipe _output;
    private readonly AcknowledgedOutputWriter _outputWriter;
    private readonly Channel<InboundEvent> _inbound = Channel.CreateUnbounded<InboundEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource _sendAbort = new();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _receivePump = Task.CompletedTask;
    private Task _sendPump = Task.CompletedTask;

    internal AcceleratedConnection(AcceleratedListener link, ConnectionSession session, IPEndPoint remote, IPEndPoint local)
    {
        _link = link;
        _session = session;
        RemoteEndPoint = remote;
        LocalEndPoint = local;
        // Output segments come from the link's registered pool, so what the application writes is already where the
        // adapter can RDMA-READ it. Unacknowledged bytes stay in the pipe; the writer bounds them (not the pipe,
        // whose threshold counts examined bytes).
        var pool = link.MemoryPool;
        _output = new Pipe(new PipeOptions(pool, pauseWriterThreshold: 0, minimumSegmentSize: pool.MaxBufferSize, useSynchronizationContext: false));
        _outputWriter = new AcknowledgedOutputWriter(_output.Writer, this, link.Options.OutputPauseThreshold);
    }

    /// <summary>The client's real address and port.</summary>
    public IPEndPoint RemoteEndPoint { get; }

    /// <summary>The address and port the client connected to.</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <inheritdoc />
    public PipeReader Input => _input.Reader;

    /// <inheritdoc />
    public PipeWriter Output => _outputWriter;

    /// <summary>The registered pool this connection's output writes into (its link's).</summary>
    public Memory.RegisteredMemoryPool MemoryPool => _link.MemoryPool;

    /// <summary>Completes when the connection is finished both ways or reset.</summary>
    public Task Closed => _closed.Task;

    internal uint WorkQueue => _session.WorkQueue;

    /// <summary>Resets the connection: the client gets RST, pending I/O fails, every buffer returns to the pool.</summary>
    public void Abort()
    {
        lock (_link.Gate)
        {
            if (!_session.OnSent(MessageType.Reset).IsAccepted)
            {
                return;
            }

            _link.Transport.Send(WorkQueue, new Reset(ResetReason.HostAbort));
            OnResetLocked(_link.CreateError(ConnectionError.AbortedByHost, "The connection was aborted by this host."));
        }
    }

    /// <summary>
    /// Ends the application's use of the connection: completes both pipes (FIN if the output was still open),
    /// waits for the client to acknowledge every byte and finish, and resets the connection if that does not
    /// happen within 30 seconds.
    /// </summary>
    public async ValueTask DisposeAsync() => await DisposeAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);

    /// <summary>As <see cref="DisposeAsync()"/>, resetting the connection if it has not closed within <paramref name="timeout"/>.</summary>
    /// <param name="timeout">How long to wait for the graceful close.</param>
    /// <returns>A task that completes once the connection's resources are released.</returns>
    public async ValueTask DisposeAsync(TimeSpan timeout)
    {
        await _outputWriter.CompleteAsync().ConfigureAwait(false);
        await _input.Reader.CompleteAsync().ConfigureAwait(false);
        try
        {
            // The send loop ends once the client acknowledged every byte: a client that stops reading is reset too.
            await Task.WhenAll(_sendPump, _closed.Task).WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Abort();
        }

        await _sendPump.ConfigureAwait(false);
        await _receivePump.ConfigureAwait(false);
        _sendAbort.Dispose();
    }

    internal void Start()
    {
        _receivePump = Task.Run(ReceivePumpAsync);
        _sendPump = Task.Run(SendPumpAsync);
    }

    /// <summary>Posts one pooled buffer to the adapter (under the gate); returns it to the pool if the state forbids.</summary>
    internal void PostReceiveBuffer(uint bufferId)
    {
        var pool = _link.ReceiveBuffers;
        var buffer = new PostReceiveBuffer(bufferId, pool.RemoteKeyOf(bufferId), pool.AddressOf(bufferId), (uint)pool.BufferSize);
        if (_session.PostReceiveBuffer(buffer).IsAccepted)
        {
            _link.Transport.Send(WorkQueue, buffer);
        }
        else
        {
            pool.Return(bufferId);
        }
    }

    /// <summary>A connection message from the adapter, under the gate.</summary>
    internal void OnFrame(in Frame frame)
    {
        var verdict = _session.OnReceived(frame);
        if (verdict.IsViolation)
        {
            HostAgentLog.ConnectionViolation(_link.Logger, WorkQueue, frame.Type, verdict.Error);
            if (_session.OnSent(MessageType.Reset).IsAccepted)
            {
                _link.Transport.Send(WorkQueue, new Reset(ResetReason.ProtocolViolation));
            }

            OnResetLocked(_link.CreateError(ConnectionError.ProtocolViolation, $"Protocol violation on the connection: {verdict.Error}"));
            return;
        }

        if (!verdict.IsAccepted)
        {
            return;
        }

        switch (frame.Type)
        {
            case MessageType.DataWritten when FrameCodec.TryDecode(frame, out DataWritten written) == DecodeStatus.Ok:
                _ = _inbound.Writer.TryWrite(new InboundEvent(InboundKind.Data, written.BufferId, written.Offset, written.ByteCount));
                break;
            case MessageType.SendCompleted:
                OnSendCompletedLocked();
                break;
            case MessageType.Fin:
                _ = _inbound.Writer.TryWrite(new InboundEvent(InboundKind.Fin, 0, 0, 0));
                break;
            case MessageType.Reset:
            case MessageType.ProtocolError:
                OnResetLocked(_link.CreateError(ConnectionError.ResetByClient, "The client connection was reset."));
                return;
        }

        CheckClosedLocked();
    }

    /// <summary>The link failed: the adapter resets the client; fail everything here.</summary>
    internal void OnLinkLost(string cause)
    {
        lock (_link.Gate)
        {
            OnResetLocked(_link.CreateError(ConnectionError.LinkLost, $"The link to the adapter was lost: {cause}"));
        }
    }

    private void OnResetLocked(Exception error)
    {
        if (_closed.Task.IsCompleted)
        {
            return;
        }

        FailSendsLocked(error);
        _input.Writer.CancelPendingFlush();
        _ = _inbound.Writer.TryWrite(new InboundEvent(InboundKind.Reset, 0, 0, 0, error));
        _link.Forget(this);
        _closed.TrySetResult();
    }

    private void CheckClosedLocked()
    {
        if (_session.Machine.IsTerminal)
        {
            _link.Forget(this);
            _closed.TrySetResult();
        }
    }

    private enum InboundKind
    {
        Data,
        Fin,
        Reset,
    }

    private readonly record struct InboundEvent(InboundKind Kind, uint BufferId, uint Offset, uint Count, Exception? Error = null);
}
