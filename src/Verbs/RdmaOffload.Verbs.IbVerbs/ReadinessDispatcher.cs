using RdmaOffload.Verbs.IbVerbs.Interop;

namespace RdmaOffload.Verbs.IbVerbs;

/// <summary>Something woken when its file descriptor becomes readable.</summary>
internal interface IReadinessHandler
{
    /// <summary>Called on the dispatcher thread; must not block and must not throw.</summary>
    void OnReadable();
}

/// <summary>
/// One background thread per provider sleeping in <c>epoll_wait</c> on the non-blocking completion
/// and CM event channel fds, plus an eventfd used to stop it. Nothing spins: an idle provider costs
/// one blocked thread. Handlers run under the dispatcher's lock, so once <see cref="Unregister"/>
/// returns the handler is never called again and its native objects may be destroyed.
/// </summary>
internal sealed class ReadinessDispatcher : IDisposable
{
    private const ulong WakeToken = 0;
    private readonly object _lock = new();
    private readonly Dictionary<ulong, IReadinessHandler> _handlers = [];
    private int _epollFd = -1;
    private int _wakeFd = -1;
    private ulong _nextToken = 1;
    private Thread? _thread;
    private volatile bool _stopping;

    /// <summary>Watches <paramref name="fd"/> (already non-blocking); returns the registration token.</summary>
    internal ulong Register(int fd, IReadinessHandler handler)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            EnsureStarted();
            ulong token = _nextToken++;
            int rc = Readiness.EpollAdd(_epollFd, fd, token);
            if (rc < 0)
            {
                throw new RdmaException("epoll_ctl(ADD)", -rc);
            }

            _handlers[token] = handler;
            return token;
        }
    }

    /// <summary>Stops watching; after return the handler is not running and will not run again.</summary>
    internal void Unregister(int fd, ulong token)
    {
        lock (_lock)
        {
            if (_handlers.Remove(token) && _epollFd >= 0)
            {
                _ = Readiness.EpollRemove(_epollFd, fd);
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Thread? thread;
        lock (_lock)
        {
            if (_stopping)
            {
                return;
            }

            _stopping = true;
            thread = _thread;
            if (_wakeFd >= 0)
            {
                _ = Readiness.EventFdSignal(_wakeFd);
            }
        }

        if (thread is not null && thread != Thread.CurrentThread)
        {
            thread.Join();
        }

        lock (_lock)
        {
            _handlers.Clear();
            CloseFds();
        }
    }

    private void EnsureStarted()
    {
        if (_thread is not null)
        {
            return;
        }

        _epollFd = Readiness.EpollCreate();
        if (_epollFd < 0)
        {
            int error = -_epollFd;
            _epollFd = -1;
            throw new RdmaException("epoll_create1", error);
        }

        _wakeFd = Readiness.EventFdCreate();
        int rc = _wakeFd < 0 ? _wakeFd : Readiness.EpollAdd(_epollFd, _wakeFd, WakeToken);
        if (rc < 0)
        {
            CloseFds();
            throw new RdmaException("eventfd", -rc);
        }

        _thread = new Thread(Run) { IsBackground = true, Name = "ibverbs events" };
        _thread.Start();
    }

    // Safe: `tokens` is a 64-slot stackalloc living as long as this thread's loop; the shim writes at
    // most Capacity (64) tokens and the loop reads only the `ready` it returned.
    private unsafe void Run()
    {
        const int Capacity = 64;
        ulong* tokens = stackalloc ulong[Capacity];
        while (!_stopping)
        {
            // Blocks in the kernel until a channel has an event or the eventfd is signalled.
            int ready = Readiness.EpollWait(_epollFd, tokens, Capacity, -1);
            if (ready < 0)
            {
                return; // the epoll fd is unusable; waiters are completed by their owners' disposal
            }

            lock (_lock)
            {
                for (int i = 0; i < ready && !_stopping; i++)
                {
                    if (tokens[i] == WakeToken)
                    {
                        _ = Readiness.EventFdDrain(_wakeFd);
                    }
                    else if (_handlers.TryGetValue(tokens[i], out var handler))
                    {
                        handler.OnReadable();
                    }
                }
            }
        }
    }

    private void CloseFds()
    {
        if (_wakeFd >= 0)
        {
            _ = Readiness.CloseFd(_wakeFd);
            _wakeFd = -1;
        }

        if (_epollFd >= 0)
        {
            _ = Readiness.CloseFd(_epollFd);
            _epollFd = -1;
        }
    }
}
