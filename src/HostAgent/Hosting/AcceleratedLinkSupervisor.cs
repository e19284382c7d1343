using System.Security.Authentication;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using RdmaOffload.Protocol.Auth;
using RdmaOffload.Verbs;

namespace RdmaOffload.HostAgent.Hosting;

/// <summary>
/// Keeps one service port linked to the adapter: links, forwards accepted connections, and when the link fails
/// (an adapter restart, a lost fabric path) links again with exponential backoff, logging every attempt. The
/// connections of every link the supervisor made come out of one <see cref="AcceptAsync"/>.
/// </summary>
internal sealed class AcceleratedLinkSupervisor : IAsyncDisposable
{
    private readonly RdmaOffloadFabric _fabric;
    private readonly RdmaOffloadHostOptions _options;
    private readonly ushort _servicePort;
    private readonly ILogger _logger;
    private readonly Action<AcceleratedListener>? _onLinked;
    private readonly Channel<AcceleratedConnection> _accepted = Channel.CreateUnbounded<AcceleratedConnection>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private TaskCompletionSource<AcceleratedListener> _linked = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _run = Task.CompletedTask;
    private int _disposed;

    public AcceleratedLinkSupervisor(RdmaOffloadFabric fabric, RdmaOffloadHostOptions options, ushort servicePort, ILogger logger, Action<AcceleratedListener>? onLinked = null)
    {
        _fabric = fabric;
        _options = options;
        _servicePort = servicePort;
        _logger = logger;
        _onLinked = onLinked;
    }

    public ushort ServicePort => _servicePort;

    /// <summary>Link attempts made so far (successful or not).</summary>
    public int Attempts { get; private set; }

    /// <summary>Completes with the current link once there is one.</summary>
    public Task<AcceleratedListener> Linked
    {
        get
        {
            lock (_gate)
            {
                return _linked.Task;
            }
        }
    }

    public void Start() => _run = Task.Run(() => RunAsync(_stop.Token));

    /// <summary>The next client connection, from whichever link is current.</summary>
    public ValueTask<AcceleratedConnection> AcceptAsync(CancellationToken cancellationToken) => _accepted.Reader.ReadAsync(cancellationToken);

    /// <summary>Stops linking, closes the current link (the adapter resets its clients) and aborts connections never accepted.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _run.ConfigureAwait(false);
        _accepted.Writer.TryComplete();
        while (_accepted.Reader.TryRead(out var orphan))
        {
            orphan.Abort();
        }

        _stop.Dispose();
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        var adapter = _options.AdapterEndPoint;
        var delay = _options.ReconnectInitialDelay;
        var failures = 0;
        while (!stopping.IsCancellationRequested)
        {
            Attempts++;
            HostAgentLog.Linking(_logger, adapter, _servicePort, Attempts);
            AcceleratedListener? listener = null;
            try
            {
                var secret = SharedSecretFile.Load(_options.SharedSecretFile);
                listener = await AcceleratedListener.ConnectAsync(_fabric.ConnectionManager, _options.ToAgentOptions(_servicePort, secret), _logger, stopping)
                    .ConfigureAwait(false);
                _onLinked?.Invoke(listener);
                failures = 0;
                delay = _options.ReconnectInitialDelay;
                lock (_gate)
                {
                    if (!_linked.TrySetResult(listener))
                    {
                        _linked = new TaskCompletionSource<AcceleratedListener>(TaskCreationOptions.RunContinuationsAsynchronously);
                        _linked.SetResult(listener);
                    }
                }

                await ForwardAsync(listener, stopping).ConfigureAwait(false);
                if (stopping.IsCancellationRequested)
                {
                    break;
                }

                HostAgentLog.LinkLostRelinking(_logger, adapter, _servicePort, listener.Failed.IsCompleted ? listener.Failed.Result : "unknown");
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is IOException or RdmaException or AuthenticationException or TimeoutException or InvalidDataException or OperationCanceledException)
            {
                failures++;
                HostAgentLog.LinkAttemptFailed(_logger, adapter, Attempts, e.Message, delay);
            }
            finally
            {
                lock (_gate)
                {
                    if (_linked.Task.IsCompleted)
                    {
                        _linked = new TaskCompletionSource<AcceleratedListener>(TaskCreationOptions.RunContinuationsAsynchronously);
                    }
                }

                if (listener is not null)
                {
                    await listener.DisposeAsync().ConfigureAwait(false);
                }
            }

            if (failures > 0)
            {
                try
                {
                    await Task.Delay(delay, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.ReconnectMaxDelay.Ticks));
            }
        }
    }

    private async Task ForwardAsync(AcceleratedListener listener, CancellationToken stopping)
    {
        try
        {
            while (true)
            {
                var connection = await listener.AcceptAsync(stopping).ConfigureAwait(false);
                if (!_accepted.Writer.TryWrite(connection))
                {
                    connection.Abort();
                }
            }
        }
        catch (Exception e) when (e is IOException or ChannelClosedException or OperationCanceledException)
        {
            // The link failed, or the application is stopping.
        }
    }
}
