using System.Threading.Tasks.Sources;
using RdmaOffload.Verbs.IbVerbs.Interop;

namespace RdmaOffload.Verbs.IbVerbs;

/// <summary>
/// Waiting without spinning: arm the CQ (<c>ibv_req_notify_cq</c>), poll once more to close the
/// race with completions that arrived before arming, then sleep until the provider's dispatcher
/// thread sees the channel fd readable, reads and acknowledges the event and wakes the waiter.
/// Completions polled while checking are kept in a small stash that <see cref="Poll"/> returns first.
/// <see cref="TryArm"/> arms the same way but has the dispatcher thread call the consumer's callback.
/// </summary>
internal sealed partial class IbVerbsCompletionQueue : IReadinessHandler, IValueTaskSource
{
    private const int EAGAIN = 11;
    private readonly WorkCompletion[] _stash = new WorkCompletion[PollBatch];
    private readonly object _waitLock = new();
    private ManualResetValueTaskSourceCore<bool> _waiter = new() { RunContinuationsAsynchronously = true };
    private int _stashStart;
    private int _stashCount;
    private bool _waiting;
    private bool _eventPending;
    private Action? _armed;
    private ulong _watchToken;
    private CancellationTokenRegistration _cancellation;

    public ValueTask WaitAsync(int spinBudget = 0, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        if (_stashCount > 0)
        {
            return ValueTask.CompletedTask;
        }

        for (int i = 0; i < spinBudget; i++)
        {
            if (FillStash())
            {
                return ValueTask.CompletedTask;
            }
        }

        if (RequestNotificationUnlessReady())
        {
            return ValueTask.CompletedTask;
        }

        lock (_waitLock)
        {
            if (TakePendingEventLocked())
            {
                return ValueTask.CompletedTask;
            }

            if (_waiting)
            {
                throw new InvalidOperationException("only one WaitAsync may be outstanding on a completion queue");
            }

            _waiter.Reset();
            _waiting = true;
            if (cancellationToken.CanBeCanceled)
            {
                _cancellation = cancellationToken.UnsafeRegister(
                    static (state, token) => ((IbVerbsCompletionQueue)state!).CancelWait(new OperationCanceledException(token)),
                    this);
            }

            return new ValueTask(this, _waiter.Version);
        }
    }

    public bool TryArm(Action onReady)
    {
        ArgumentNullException.ThrowIfNull(onReady);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (RequestNotificationUnlessReady())
        {
            return false;
        }

        lock (_waitLock)
        {
            if (TakePendingEventLocked())
            {
                return false;
            }

            if (_armed is not null)
            {
                throw new InvalidOperationException("the completion queue is already armed");
            }

            _armed = onReady;
            return true;
        }
    }

    /// <summary>Dispatcher thread: drain and acknowledge channel events, wake the waiter.</summary>
    void IReadinessHandler.OnReadable()
    {
        bool any = false;
        while (true)
        {
            int rc = CompletionQueues.GetCqEvent(_channel.Pointer, out nint cq);
            if (rc == -EAGAIN || rc < 0)
            {
                break;
            }

            // Acknowledge at once: ibv_destroy_cq waits for every event read to be acknowledged.
            CompletionQueues.AckCqEvents(cq, 1);
            any = true;
        }

        if (any)
        {
            CompleteWaiter(null);
        }
    }

    void IValueTaskSource.GetResult(short token) => _waiter.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _waiter.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _waiter.OnCompleted(continuation, state, token, flags);

    private void StartWatching() => _watchToken = _device.Provider.Dispatcher.Register(_channelFd, this);

    private void StopWatching()
    {
        _device.Provider.Dispatcher.Unregister(_channelFd, _watchToken);
        CompleteWaiter(new ObjectDisposedException(nameof(IbVerbsCompletionQueue)));
    }

    /// <summary>
    /// The first half of going to sleep, shared by <see cref="WaitAsync"/> and <see cref="TryArm"/>: true when
    /// completions (or an event) are already there; else arms the CQ and polls once more to close the race with
    /// completions that arrived before arming (an event they cause later only brings one early wake). The caller then
    /// checks for an event under the lock before it registers.
    /// </summary>
    private bool RequestNotificationUnlessReady()
    {
        if (_stashCount > 0)
        {
            return true;
        }

        lock (_waitLock)
        {
            if (TakePendingEventLocked())
            {
                return true;
            }
        }

        NativeErrors.ThrowIfNegative(CompletionQueues.RequestNotify(Handle.Pointer, 0), "ibv_req_notify_cq");
        return FillStash();
    }

    private bool TakePendingEventLocked()
    {
        bool pending = _eventPending;
        _eventPending = false;
        return pending;
    }

    /// <summary>
    /// Completes the pending wait and calls an armed callback (error null: success; an error drops the callback), or
    /// remembers the event for the next wait or arm.
    /// </summary>
    private void CompleteWaiter(Exception? error)
    {
        Action? armed;
        lock (_waitLock)
        {
            armed = _armed;
            _armed = null;
            if (!_waiting)
            {
                if (error is null && armed is null)
                {
                    _eventPending = true;
                }
            }
            else
            {
                CompleteWaitLocked(error);
            }
        }

        if (error is null)
        {
            armed?.Invoke();
        }
    }

    /// <summary>Fails the pending wait only (a cancelled wait leaves an armed callback armed).</summary>
    private void CancelWait(Exception error)
    {
        lock (_waitLock)
        {
            if (_waiting)
            {
                CompleteWaitLocked(error);
            }
        }
    }

    private void CompleteWaitLocked(Exception? error)
    {
        _waiting = false;
        _cancellation.Unregister();
        _cancellation = default;
        if (error is null)
        {
            _waiter.SetResult(true);
        }
        else
        {
            _waiter.SetException(error);
        }
    }

    private bool FillStash()
    {
        _stashStart = 0;
        _stashCount = PollNative(_stash);
        return _stashCount > 0;
    }

    private int TakeStashed(Span<WorkCompletion> destination)
    {
        int count = Math.Min(_stashCount, destination.Length);
        _stash.AsSpan(_stashStart, count).CopyTo(destination);
        _stashStart += count;
        _stashCount -= count;
        return count;
    }
}
