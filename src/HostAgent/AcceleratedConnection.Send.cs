using System.Buffers;
using RdmaOffload.Protocol.Messages;
using RdmaOffload.Protocol.Wire;

namespace RdmaOffload.HostAgent;

/// <summary>
/// The send loop: <see cref="Output"/>'s segments, which live in the link's registered pool, are described to the
/// adapter in place (no copy) and the pipe is advanced past bytes only once the adapter reports the client
/// acknowledged them; the output writer waits while the unacknowledged bytes reach the pause threshold. Segments outside registered memory
/// are copied into registered send buffers. <see cref="SendAsync"/> sends registered memory the application owns.
/// </summary>
public sealed partial class AcceleratedConnection
{
    private const int MaxDescriptorLength = (int)RemoteBufferLimits.MaxLength;

    private readonly Queue<InFlightSend> _inFlight = new(); // under the gate, in posting order
    private readonly Queue<DirectSend> _directSends = new(); // under the gate: SendAsync buffers not yet fully posted
    private readonly SemaphoreSlim _sendProgress = new(0, 1);
    private long _pipeAcknowledged; // under the gate: pipe bytes completed since the pump last advanced
    private long _pipeAcknowledgedTotal; // under the gate
    private OutputWait? _outputWait; // under the gate: a flush waiting for acknowledgments
    private uint _nextDescriptorId; // under the gate
    private Exception? _sendFailure; // under the gate
    private bool _finSent; // under the gate

    /// <summary>
    /// Sends <paramref name="registeredBuffer"/> without copying it, after every byte already flushed to
    /// <see cref="Output"/>. The buffer must be memory of this link's <see cref="AcceleratedListener.MemoryPool"/>
    /// (a rented block or a region from <see cref="Memory.RegisteredMemoryPool.AllocateRegion"/>) and must stay
    /// untouched until the returned task completes, which is when the client has acknowledged every byte.
    /// Cancellation withdraws the buffer only if none of it was handed to the adapter yet.
    /// </summary>
    /// <exception cref="ArgumentException">The buffer is not registered memory of this link.</exception>
    /// <exception cref="InvalidOperationException">The output is already finished.</exception>
    public ValueTask SendAsync(ReadOnlyMemory<byte> registeredBuffer, CancellationToken cancellationToken = default)
    {
        if (registeredBuffer.IsEmpty)
        {
            return ValueTask.CompletedTask;
        }

        if (!_link.MemoryPool.TryGetRemote(registeredBuffer, out var address, out var remoteKey))
        {
            throw new ArgumentException("The buffer is not registered memory of this connection's link; write it to Output instead.", nameof(registeredBuffer));
        }

        cancellationToken.ThrowIfCancellationRequested();
        var send = new DirectSend(address, remoteKey, registeredBuffer.Length);
        lock (_link.Gate)
        {
            if (_sendFailure is { } failure)
            {
                return ValueTask.FromException(failure);
            }

            if (_finSent)
            {
                throw new InvalidOperationException("The connection's output is finished.");
            }

            _directSends.Enqueue(send);
            WakeSendPumpLocked();
        }

        if (cancellationToken.CanBeCanceled)
        {
            send.Cancellation = cancellationToken.UnsafeRegister(static (state, token) =>
            {
                var (connection, send) = ((AcceleratedConnection, DirectSend))state!;
                lock (connection._link.Gate)
                {
                    if (send.Posted == 0 && !send.Withdrawn)
                    {
                        send.Withdrawn = true;
                        send.Completion.TrySetCanceled(token);
                    }
                }
            }, (this, send));
        }

        return new ValueTask(send.Completion.Task);
    }

    private async Task SendPumpAsync()
    {
        var reader = _output.Reader;
        long posted = 0; // bytes past the pipe's consumed position already described to the adapter
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                long acknowledged;
                lock (_link.Gate)
                {
                    ThrowIfSendFailedLocked();
                    acknowledged = _pipeAcknowledged;
                    _pipeAcknowledged = 0;
                }

                posted += await PostPipeBytesAsync(buffer.Slice(posted)).ConfigureAwait(false);
                var pipePosted = posted == buffer.Length;
                var directPending = false;
                if (pipePosted)
                {
                    lock (_link.Gate)
                    {
                        PostDirectSendsLocked();
                        directPending = _directSends.Count > 0;
                    }
                }

                posted -= acknowledged;
                reader.AdvanceTo(buffer.GetPosition(acknowledged), buffer.End);
                if (result.IsCompleted)
                {
                    if (pipePosted && !directPending && TrySendFin())
                    {
                        break;
                    }

                    // The writer is done, so reads no longer wait: wait for a completion to free a descriptor slot.
                    await _sendProgress.WaitAsync().ConfigureAwait(false);
                }
            }

            // Bytes stay in the pipe until acknowledged: the adapter may read them again for retransmissions.
            while (true)
            {
                lock (_link.Gate)
                {
                    if (_inFlight.Count == 0 || _sendFailure is not null)
                    {
                        break;
                    }
                }

                await _sendProgress.WaitAsync().ConfigureAwait(false);
            }

            await reader.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            Exception failure;
            lock (_link.Gate)
            {
                failure = _sendFailure ?? e;
            }

            await reader.CompleteAsync(failure).ConfigureAwait(false);
        }
    }

    /// <summary>Describes as many of <paramref name="unposted"/>'s bytes as descriptor slots allow; returns how many.</summary>
    private async ValueTask<long> PostPipeBytesAsync(ReadOnlySequence<byte> unposted)
    {
        var pool = _link.MemoryPool;
        long done = 0;
        var run = default(RegisteredRun);
        foreach (var segment in unposted)
        {
            var memory = segment;
            while (!memory.IsEmpty)
            {
                if (pool.TryGetRemote(memory, out var address, out var remoteKey))
                {
                    var take = (int)Math.Min(memory.Length, MaxDescriptorLength);
                    if (run.Length > 0 && run.RemoteKey == remoteKey && run.Address + (ulong)run.Length == address && run.Length + take <= MaxDescriptorLength)
                    {
                        run = run with { Length = run.Length + take }; // contiguous blocks: one descriptor
                    }
                    else
                    {
                        if (run.Length > 0 && !TryPost(run.Address, run.RemoteKey, run.Length, SendKind.Pipe))
                        {
                            return done;
                        }

                        done += run.Length;
                        run = new RegisteredRun(address, remoteKey, take);
                    }

                    memory = memory[take..];
                    continue;
                }

                if (run.Length > 0)
                {
                    if (!TryPost(run.Address, run.RemoteKey, run.Length, SendKind.Pipe))
                    {
                        return done;
                    }

                    done += run.Length;
                    run = default;
                }

                var copied = await TryPostCopyAsync(memory).ConfigureAwait(false);
                if (copied == 0)
                {
                    return done;
                }

                done += copied;
                memory = memory[copied..];
            }
        }

        if (run.Length > 0 && TryPost(run.Address, run.RemoteKey, run.Length, SendKind.Pipe))
        {
            done += run.Length;
        }

        return done;
    }

    /// <summary>Foreign memory: copies up to one send buffer of it and posts that; 0 when no descriptor slot is free.</summary>
    private async ValueTask<int> TryPostCopyAsync(ReadOnlyMemory<byte> memory)
    {
        lock (_link.Gate)
        {
            if (!HasFreeDescriptorLocked())
            {
                return 0;
            }
        }

        var buffers = _link.SendBuffers;
        var id = await buffers.RentAsync(_sendAbort.Token).ConfigureAwait(false);
        var length = Math.Min(memory.Length, buffers.BufferSize);
        memory.Span[..length].CopyTo(buffers.Buffer(id));
        if (!TryPost(buffers.AddressOf(id), buffers.RemoteKey, length, SendKind.Copy, id))
        {
            buffers.Return(id);
            return 0;
        }

        return length;
    }

    private bool TryPost(ulong address, uint remoteKey, int length, SendKind kind, uint copyBuffer = 0)
    {
        lock (_link.Gate)
        {
            return TryPostLocked(address, remoteKey, length, new InFlightSend(kind, length, copyBuffer, null));
        }
    }

    private bool TryPostLocked(ulong address, uint remoteKey, int length, InFlightSend entry)
    {
        if (!HasFreeDescriptorLocked())
        {
            return false;
        }

        var descriptor = new SendDescriptor(_nextDescriptorId, remoteKey, address, (uint)length);
        if (!_session.PostSend(descriptor).IsAccepted)
        {
            return false;
        }

        _nextDescriptorId++;
        _inFlight.Enqueue(entry);
        _link.CountSent(length, copied: entry.Kind == SendKind.Copy);
        _link.Transport.Send(WorkQueue, descriptor);
        return true;
    }

    private bool HasFreeDescriptorLocked() => _sendFailure is null && _session.Sends.Count < _link.Options.MaxSendsPerConnection;

    private void PostDirectSendsLocked()
    {
        while (_directSends.TryPeek(out var send))
        {
            if (send.Withdrawn)
            {
                _directSends.Dequeue();
                continue;
            }

            while (send.Posted < send.Length)
            {
                var length = (int)Math.Min(send.Length - send.Posted, MaxDescriptorLength);
                if (!TryPostLocked(send.Address + (ulong)send.Posted, send.RemoteKey, length, new InFlightSend(SendKind.Direct, length, 0, send)))
                {
                    return;
                }

                send.Posted += length;
                send.Outstanding++;
            }

            _directSends.Dequeue();
        }
    }

    private bool TrySendFin()
    {
        lock (_link.Gate)
        {
            ThrowIfSendFailedLocked();
            if (_directSends.Count > 0)
            {
                return false;
            }

            _finSent = true;
            if (_session.OnSent(MessageType.Fin).IsAccepted)
            {
                _link.Transport.Send(WorkQueue, default(Fin));
            }

            CheckClosedLocked();
            return true;
        }
    }

    /// <summary>A <c>SendCompleted</c> the session accepted (under the gate): the oldest descriptor's memory is free.</summary>
    private void OnSendCompletedLocked()
    {
        if (!_inFlight.TryDequeue(out var done))
        {
            return;
        }

        switch (done.Kind)
        {
            case SendKind.Copy:
                _link.SendBuffers.Return(done.CopyBuffer);
                OnPipeBytesAcknowledgedLocked(done.Length);
                break;
            case SendKind.Pipe:
                OnPipeBytesAcknowledgedLocked(done.Length);
                break;
            case SendKind.Direct:
                var send = done.Direct!;
                if (--send.Outstanding == 0 && send.Posted == send.Length)
                {
                    send.Cancellation.Dispose();
                    send.Completion.TrySetResult();
                }

                break;
        }

        WakeSendPumpLocked();
    }

    private void OnPipeBytesAcknowledgedLocked(int length)
    {
        _pipeAcknowledged += length;
        _pipeAcknowledgedTotal += length;
        if (_outputWait is { } wait && wait.FlushedBytes - _pipeAcknowledgedTotal <= wait.ResumeBelow)
        {
            _outputWait = null;
            wait.Signal.TrySetResult(true);
        }
    }

    /// <summary>
    /// The writer's question after a flush: are <paramref name="flushedBytes"/> too far ahead of the client's
    /// acknowledgments? If so, <paramref name="resumed"/> completes (true) once they are back under half the
    /// threshold, (false) when the wait is cancelled, or fails when the connection resets.
    /// </summary>
    internal bool MustWaitForAcknowledgments(long flushedBytes, long pauseThreshold, out Task<bool> resumed)
    {
        lock (_link.Gate)
        {
            resumed = Task.FromResult(true);
            if (_sendFailure is not null || flushedBytes - _pipeAcknowledgedTotal < pauseThreshold)
            {
                return false;
            }

            _outputWait ??= new OutputWait(flushedBytes, pauseThreshold / 2);
            resumed = _outputWait.Signal.Task;
            return true;
        }
    }

    internal void CancelOutputWait()
    {
        lock (_link.Gate)
        {
            _outputWait?.Signal.TrySetResult(false);
            _outputWait = null;
        }
    }

    /// <summary>On reset (under the gate): fails the send side and takes back every copy buffer and application buffer.</summary>
    private void FailSendsLocked(Exception error)
    {
        _sendFailure ??= error;
        while (_session.Sends.TryReclaim(out _))
        {
        }

        while (_inFlight.TryDequeue(out var entry))
        {
            if (entry.Kind == SendKind.Copy)
            {
                _link.SendBuffers.Return(entry.CopyBuffer);
            }

            entry.Direct?.Completion.TrySetException(error);
        }

        while (_directSends.TryDequeue(out var send))
        {
            send.Completion.TrySetException(error);
        }

        _outputWait?.Signal.TrySetException(error);
        _outputWait = null;
        _sendAbort.Cancel();
        WakeSendPumpLocked();
    }

    private void WakeSendPumpLocked()
    {
        _output.Reader.CancelPendingRead();
        if (_sendProgress.CurrentCount == 0)
        {
            _sendProgress.Release();
        }
    }

    private void ThrowIfSendFailedLocked()
    {
        if (_sendFailure is not null)
        {
            throw new OperationCanceledException("the connection no longer sends");
        }
    }

    private enum SendKind
    {
        Pipe,
        Copy,
        Direct,
    }

    private readonly record struct InFlightSend(SendKind Kind, int Length, uint CopyBuffer, DirectSend? Direct);

    private readonly record struct RegisteredRun(ulong Address, uint RemoteKey, int Length);

    private sealed class OutputWait(long flushedBytes, long resumeBelow)
    {
        public long FlushedBytes { get; } = flushedBytes;

        public long ResumeBelow { get; } = resumeBelow;

        public TaskCompletionSource<bool> Signal { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class DirectSend(ulong address, uint remoteKey, int length)
    {
        public ulong Address { get; } = address;

        public uint RemoteKey { get; } = remoteKey;

        public int Length { get; } = length;

        public int Posted { get; set; }

        public int Outstanding { get; set; }

        public bool Withdrawn { get; set; }

        public CancellationTokenRegistration Cancellation { get; set; }

        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
