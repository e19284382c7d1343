using RdmaOffload.Verbs.ManagedRoce.Transport;

namespace RdmaOffload.Verbs.ManagedRoce;

/// <summary>
/// A completion queue: a bounded ring filled by the transports and drained by <see cref="Poll"/>.
/// <see cref="WaitAsync"/> arms it and sleeps on a task that the next completion releases, so an
/// idle consumer burns no CPU; <see cref="TryArm"/> instead calls the consumer's callback on the producing
/// (receive or timer) thread. A full queue drops completions and counts them as overruns.
/// </summary>
internal sealed class ManagedCompletionQueue : ICompletionQueue, ICompletionSink
{
    private readonly Lock _gate = new();
    private readonly WorkCompletion[] _ring;
    private long _head;
    private long _tail;
    private TaskCompletionSource? _waiter;
    private Action? _armed;
    private bool _disposed;

    private readonly ManagedRoceDevice? _device;

    public ManagedCompletionQueue(int capacity, ManagedRoceDevice? device = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _ring = new WorkCompletion[capacity];
        _device = device;
        _device?.Tracker.Opened(ResourceKind.CompletionQueue);
    }

    public int Capacity => _ring.Length;

    /// <summary>Completions dropped because the queue was full.</summary>
    public long Overruns { get; private set; }

    public int Poll(Span<WorkCompletion> completions)
    {
        lock (_gate)
        {
            int count = (int)Math.Min(completions.Length, _tail - _head);
            for (int i = 0; i < count; i++)
            {
                completions[i] = _ring[_head++ % _ring.Length];
            }

            return count;
        }
    }

    public bool TryAdd(in WorkCompletion completion)
    {
        TaskCompletionSource? waiter;
        Action? armed;
        lock (_gate)
        {
            if (_tail - _head >= _ring.Length)
            {
                Overruns++;
                return false;
            }

            _ring[_tail++ % _ring.Length] = completion;
            waiter = _waiter;
            _waiter = null;
            armed = _armed;
            _armed = null;
        }

        waiter?.TrySetResult();
        armed?.Invoke();
        return true;
    }

    public bool TryArm(Action onReady)
    {
        ArgumentNullException.ThrowIfNull(onReady);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_tail != _head)
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

    public ValueTask WaitAsync(int spinBudget = 0, CancellationToken cancellationToken = default)
    {
        for (int i = 0; i < spinBudget; i++)
        {
            if (Volatile.Read(ref _tail) != Volatile.Read(ref _head))
            {
                return ValueTask.CompletedTask;
            }

            Thread.SpinWait(8);
        }

        TaskCompletionSource waiter;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_tail != _head)
            {
                return ValueTask.CompletedTask;
            }

            // Armed: the next TryAdd releases this waiter (continuations run off the producer's thread).
            waiter = _waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        return cancellationToken.CanBeCanceled
            ? new ValueTask(waiter.Task.WaitAsync(cancellationToken))
            : new ValueTask(waiter.Task);
    }

    public void Dispose()
    {
        TaskCompletionSource? waiter;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            waiter = _waiter;
            _waiter = null;
            _armed = null;
        }

        _device?.Forget(this);
        _device?.Tracker.Closed(ResourceKind.CompletionQueue);

        waiter?.TrySetException(new ObjectDisposedException(nameof(ManagedCompletionQueue)));
    }
}
