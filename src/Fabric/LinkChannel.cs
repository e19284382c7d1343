using RdmaOffload.Protocol.Wire;
using RdmaOffload.Verbs;

namespace RdmaOffload.Fabric;

/// <summary>
/// The message transport of one adapter↔host link over an RC queue pair: protocol frames in RDMA SENDs from
/// registered control slots, received into posted RECV slots, plus one-sided READ/WRITE posting. Everything posted
/// goes through one ordered queue, so a <c>DataWritten</c> SEND posted after its WRITE is never overtaken, and the
/// send queue is never over-filled: work beyond its depth waits in order until completions free room.
/// <para>
/// Frames are coalesced: several frames share one SEND (a frame batch, which every receiver reads) when they are
/// sent while the channel dispatches a batch of completions, or — with a flush scheduler, as the adapter gives its
/// stack thread — until the scheduled flush runs. Frames keep their order among themselves and never precede an RDMA
/// operation posted before them (a <c>DataWritten</c> still follows its WRITE); an RDMA operation posted later may
/// leave before frames still waiting for their flush, which no message depends on.
/// </para>
/// <para>
/// Completions are polled by a loop on the thread pool, or — with a poll scheduler, as the adapter gives its stack
/// thread — by that scheduler's thread: the completion queue is armed (<see cref="ICompletionQueue.TryArm"/>) and its
/// callback schedules the next poll, so a completion reaches the handler after one thread hand-off, not two.
/// </para>
/// </summary>
internal sealed class LinkChannel : IDisposable
{
    /// <summary>Size of a control slot: the protocol's recommended RECV size.</summary>
    public const int SlotSize = 4096;

    private const ulong ReceiveTag = 1UL << 63;
    private const ulong ControlSendTag = 1UL << 62;
    private const ulong TokenMask = ControlSendTag - 1;

    /// <summary>How long <see cref="Dispose"/> waits for sends in flight (a dead peer never acknowledges them).</summary>
    private const int DrainTimeoutMilliseconds = 200;

    private readonly IRdmaConnection _connection;
    private readonly IMemoryRegion _slots;
    private readonly int _receiveSlots;
    private readonly int _sendQueueDepth;
    private readonly Stack<int> _freeSendSlots;
    private readonly Queue<PendingWork> _pending = new();
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Action<Action>? _scheduleFlush;
    private readonly Action _flush;
    private readonly Action<Action>? _schedulePoll;
    private readonly Action _pollOnce;
    private readonly Action _armedWake;
    private readonly Lock _pollGate = new();
    private readonly WorkCompletion[] _completions = new WorkCompletion[64];
    private ILinkChannelHandler? _handler;
    private Task? _pollLoop;
    private int _outstanding;
    private int _openSlot = -1;
    private int _openLength;
    private bool _flushScheduled;
    private int _corks;
    private bool _failed;
    private bool _pollStopped;
    private int _disposed;

    /// <param name="connection">The connected queue pair.</param>
    /// <param name="receiveSlots">RECV slots kept posted.</param>
    /// <param name="sendQueueDepth">Work requests in flight at most (the send queue's depth).</param>
    /// <param name="scheduleFlush">
    /// Runs its argument soon on some thread (the adapter: after the stack thread's current work); frames sent
    /// meanwhile share SENDs. Null: a frame sent outside completion dispatch is posted at once.
    /// </param>
    /// <param name="schedulePoll">
    /// Runs its argument soon on the one thread that should poll completions and call the handler (the adapter: its
    /// stack thread); it must never run two at once. Null: a thread-pool loop polls.
    /// </param>
    public LinkChannel(IRdmaConnection connection, int receiveSlots, int sendQueueDepth, Action<Action>? scheduleFlush = null, Action<Action>? schedulePoll = null)
    {
        _scheduleFlush = scheduleFlush;
        _flush = Flush;
        _schedulePoll = schedulePoll;
        _pollOnce = PollOnce;
        _armedWake = () => _schedulePoll!(_pollOnce);
        _connection = connection;
        _receiveSlots = receiveSlots;
        _sendQueueDepth = sendQueueDepth;
        _slots = connection.ProtectionDomain.AllocateAndRegister((nint)(receiveSlots + sendQueueDepth) * SlotSize, MemoryAccess.LocalWrite);
        _freeSendSlots = new Stack<int>(Enumerable.Range(receiveSlots, sendQueueDepth));
    }

    /// <summary>Protocol version frames are encoded with: the base version until the link negotiated one.</summary>
    public byte Version { get; set; } = ProtocolVersions.Base;

    /// <summary>The queue pair this channel drives (for registering data memory in its protection domain).</summary>
    public IRdmaConnection Connection => _connection;

    /// <summary>Posts every receive slot and starts the completion loop.</summary>
    public void Start(ILinkChannelHandler handler)
    {
        _handler = handler;
        for (int slot = 0; slot < _receiveSlots; slot++)
        {
            PostReceive(slot);
        }

        if (_schedulePoll is null)
        {
            _pollLoop = Task.Run(PollLoopAsync);
        }
        else
        {
            _schedulePoll(_pollOnce);
        }

        _connection.Disconnected.ContinueWith(_ => Fail("the peer disconnected"), TaskScheduler.Default);
    }

    /// <summary>
    /// Sends one frame: at once in its own SEND, or in a shared SEND at the next flush (see the type's remarks).
    /// Never blocks; frames beyond the send queue's depth wait in order.
    /// </summary>
    public void Send<T>(uint workQueue, in T message)
        where T : struct, IProtocolMessage<T>
    {
        lock (_gate)
        {
            if (_failed)
            {
                return;
            }

            if (ShouldCoalesceLocked() && TryAppendToOpenSlotLocked(workQueue, message))
            {
                return;
            }

            if (_outstanding < _sendQueueDepth && _pending.Count == 0)
            {
                var slot = _freeSendSlots.Pop();
                _ = FrameCodec.TryEncode(SlotSpan(slot), workQueue, message, out int written, Version);
                PostControlSend(slot, written);
                return;
            }

            // Back-pressure from the fabric: rare, so the copy may allocate.
            var frame = new byte[FrameCodec.FrameLength(message)];
            _ = FrameCodec.TryEncode(frame, workQueue, message, out _, Version);
            _pending.Enqueue(new PendingWork(frame, default, 0, 0, 0, default));
        }
    }

    /// <summary>Posts an RDMA READ (remote → <paramref name="local"/>) or WRITE (local → remote), reported with <paramref name="token"/>.</summary>
    public void PostRdma(SendOpcode opcode, ScatterGatherEntry local, ulong remoteAddress, uint remoteKey, ulong token)
    {
        if ((token & ~TokenMask) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(token), "the top two bits are reserved");
        }

        lock (_gate)
        {
            if (_failed)
            {
                return;
            }

            var work = new PendingWork(null, local, remoteAddress, remoteKey, token, opcode);
            if (_outstanding < _sendQueueDepth && _pending.Count == 0)
            {
                PostRdmaLocked(work);
            }
            else
            {
                _pending.Enqueue(work);
            }
        }
    }

    /// <summary>Disconnects the queue pair; the completion loop ends and reports nothing more.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        DrainSends();
        lock (_gate)
        {
            _failed = true;
        }

        _stop.Cancel();
        try
        {
            _connection.Disconnect();
        }
        catch (RdmaException)
        {
            // Already gone: disconnecting is best effort.
        }

        try
        {
            _pollLoop?.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The loop's own failure was reported through the handler.
        }

        WaitForScheduledPoll();
        _connection.Dispose();
        _slots.Dispose();
        _stop.Dispose();
    }

    /// <summary>
    /// Before disconnecting: posts frames still waiting in the open slot (a closing link's last words, such as a
    /// rejected host's <c>AuthResult</c>, may have been sent a moment ago while a completion batch was dispatched)
    /// and gives what is in flight a short while to complete, so the peer receives them before the disconnect.
    /// </summary>
    private void DrainSends()
    {
        lock (_gate)
        {
            if (_failed)
            {
                return;
            }

            CloseOpenSlotLocked();
        }

        var deadline = Environment.TickCount64 + DrainTimeoutMilliseconds;
        while (Volatile.Read(ref _outstanding) > 0 && !Volatile.Read(ref _failed) && Environment.TickCount64 < deadline)
        {
            Thread.Sleep(1);
        }
    }

    /// <summary>Whether a frame joins the open slot rather than going alone (an open slot always takes it: order).</summary>
    private bool ShouldCoalesceLocked() => _openSlot >= 0 || _corks > 0 || _scheduleFlush is not null;

    /// <summary>Posts the frames waiting in the open slot (the flush scheduler's work item).</summary>
    private void Flush()
    {
        lock (_gate)
        {
            _flushScheduled = false;
            if (_corks == 0)
            {
                CloseOpenSlotLocked();
            }
        }
    }

    /// <summary>
    /// Appends the frame to the open slot, opening one if needed; false when the frame must go the ordinary way
    /// (frames already wait for send-queue room, or no slot is free), after posting the open slot so order holds.
    /// </summary>
    private bool TryAppendToOpenSlotLocked<T>(uint workQueue, in T message)
        where T : struct, IProtocolMessage<T>
    {
        if (_pending.Count > 0)
        {
            CloseOpenSlotLocked();
            return false;
        }

        if (_openSlot >= 0 && FrameCodec.TryEncode(SlotSpan(_openSlot)[_openLength..], workQueue, message, out int appended, Version))
        {
            _openLength += appended;
            return true;
        }

        CloseOpenSlotLocked();
        if (_pending.Count > 0 || !_freeSendSlots.TryPop(out int slot))
        {
            return false;
        }

        _ = FrameCodec.TryEncode(SlotSpan(slot), workQueue, message, out int written, Version);
        _openSlot = slot;
        _openLength = written;
        if (_corks == 0 && !_flushScheduled && _scheduleFlush is not null)
        {
            _flushScheduled = true;
            _scheduleFlush(_flush);
        }

        return true;
    }

    /// <summary>Posts the open slot's frames as one SEND, or queues them in order behind waiting work.</summary>
    private void CloseOpenSlotLocked()
    {
        if (_openSlot < 0)
        {
            return;
        }

        int slot = _openSlot;
        _openSlot = -1;
        if (_failed)
        {
            _freeSendSlots.Push(slot);
            return;
        }

        if (_outstanding < _sendQueueDepth && _pending.Count == 0)
        {
            PostControlSend(slot, _openLength);
            return;
        }

        _pending.Enqueue(new PendingWork(SlotSpan(slot)[.._openLength].ToArray(), default, 0, 0, 0, default));
        _freeSendSlots.Push(slot);
        DrainPendingLocked();
    }

    private Span<byte> SlotSpan(int slot) => _slots.Span.Slice(slot * SlotSize, SlotSize);

    private void PostReceive(int slot) =>
        _connection.QueuePair.PostReceive(ReceiveTag | (uint)slot, [_slots.Slice((long)slot * SlotSize, SlotSize)]);

    private void PostControlSend(int slot, int length)
    {
        _outstanding++;
        _connection.QueuePair.PostSend(
            new SendWorkRequest { WorkRequestId = ControlSendTag | (uint)slot, Opcode = SendOpcode.Send, Options = SendOptions.Signaled, EntryCount = 1 },
            [_slots.Slice((long)slot * SlotSize, length)]);
    }

    private void PostRdmaLocked(in PendingWork work)
    {
        _outstanding++;
        _connection.QueuePair.PostSend(
            new SendWorkRequest
            {
                WorkRequestId = work.Token,
                Opcode = work.Opcode,
                Options = SendOptions.Signaled,
                RemoteAddress = work.RemoteAddress,
                RemoteKey = work.RemoteKey,
                EntryCount = 1,
            },
            [work.Local]);
    }

    private void OnSendQueueEntryDone(int freedSlot)
    {
        lock (_gate)
        {
            _outstanding--;
            if (freedSlot >= 0)
            {
                _freeSendSlots.Push(freedSlot);
            }

            DrainPendingLocked();
        }
    }

    /// <summary>Posts waiting work in order while the send queue has room.</summary>
    private void DrainPendingLocked()
    {
        while (!_failed && _outstanding < _sendQueueDepth && _pending.TryPeek(out var work))
        {
            if (work.Frame is { } frame)
            {
                if (!_freeSendSlots.TryPop(out var slot))
                {
                    break; // the open slot holds the last one: closing it drains again
                }

                _pending.Dequeue();
                frame.CopyTo(SlotSpan(slot));
                PostControlSend(slot, frame.Length);
            }
            else
            {
                _pending.Dequeue();
                PostRdmaLocked(work);
            }
        }
    }

    private async Task PollLoopAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                int count = _connection.CompletionQueue.Poll(_completions);
                if (count == 0)
                {
                    await _connection.CompletionQueue.WaitAsync(0, _stop.Token).ConfigureAwait(false);
                    continue;
                }

                DispatchBatch(count);
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed.
        }
        catch (ObjectDisposedException)
        {
            // Disposed while waiting.
        }
        catch (RdmaException e)
        {
            Fail($"posting failed: {e.Message}");
        }
    }

    /// <summary>
    /// One turn on the poll scheduler's thread: dispatch what the queue holds, then come back at once if a full batch
    /// suggests more (after the thread's other work), else arm the queue so its next completion schedules the turn.
    /// </summary>
    private void PollOnce()
    {
        lock (_pollGate)
        {
            if (_pollStopped)
            {
                return;
            }

            try
            {
                int count = _connection.CompletionQueue.Poll(_completions);
                if (count > 0)
                {
                    DispatchBatch(count);
                }

                if (_stop.IsCancellationRequested)
                {
                    return;
                }

                if (count == _completions.Length || !_connection.CompletionQueue.TryArm(_armedWake))
                {
                    _schedulePoll!(_pollOnce);
                }
            }
            catch (ObjectDisposedException)
            {
                // Disposed between the check and the poll.
            }
            catch (RdmaException e)
            {
                Fail($"posting failed: {e.Message}");
            }
            catch (Exception e)
            {
                // A handler bug: nothing would poll this link again, so it is closed, with the cause, and the
                // scheduler's thread goes on serving the other links.
                Fail($"the handler failed: {e.GetType().Name}: {e.Message}");
            }
        }
    }

    /// <summary>
    /// A barrier after the stop: a scheduled poll in progress finishes before the queue pair goes, and every later one
    /// sees the stop (checked under the same lock) and returns without touching it.
    /// </summary>
    private void WaitForScheduledPoll()
    {
        lock (_pollGate)
        {
            _pollStopped = true;
        }
    }

    private void DispatchBatch(int count)
    {
        // Frames the handlers send while this batch is dispatched share SENDs, posted when it ends.
        lock (_gate)
        {
            _corks++;
        }

        try
        {
            for (int i = 0; i < count && !_stop.IsCancellationRequested; i++)
            {
                Dispatch(_completions[i]);
            }
        }
        finally
        {
            lock (_gate)
            {
                _corks--;
                CloseOpenSlotLocked();
            }
        }
    }

    private void Dispatch(in WorkCompletion completion)
    {
        var id = completion.WorkRequestId;
        if (!completion.IsSuccess)
        {
            Fail($"work request {id:x} completed with {completion.Status}");
            return;
        }

        if ((id & ReceiveTag) != 0)
        {
            var slot = (int)(id & TokenMask);
            _handler!.OnBatch(SlotSpan(slot)[..(int)completion.ByteLength]);
            lock (_gate)
            {
                if (!_failed)
                {
                    PostReceive(slot);
                }
            }
        }
        else if ((id & ControlSendTag) != 0)
        {
            OnSendQueueEntryDone((int)(id & TokenMask));
        }
        else
        {
            OnSendQueueEntryDone(-1);
            _handler!.OnOperationCompleted(id, success: true);
        }
    }

    private void Fail(string cause)
    {
        lock (_gate)
        {
            if (_failed)
            {
                return;
            }

            _failed = true;
        }

        _handler?.OnChannelFailed(cause);
    }

    private readonly record struct PendingWork(byte[]? Frame, ScatterGatherEntry Local, ulong RemoteAddress, uint RemoteKey, ulong Token, SendOpcode Opcode);
}
