using System.Net;
using Microsoft.Extensions.Logging;
using RdmaOffload.HostAgent;
using RdmaOffload.Samples.StaticFileServer.Http;
using RdmaOffload.Verbs;

namespace RdmaOffload.Samples.StaticFileServer.Serving;

/// <summary>
/// Serves the HTTP core through a target adapter with <see cref="AcceleratedListener"/>: links, accepts client
/// connections (each on its own task) and re-links with exponential backoff whenever the link fails. Kept small
/// and separate so the hosting extension of the host agent can replace it.
/// </summary>
internal sealed class AcceleratedFileServer(
    IFabricProvider provider, HostAgentOptions agentOptions, TimeSpan maxRelinkDelay, FileResolver files, HttpLimits limits, ILogger logger)
{
    private static readonly TimeSpan s_firstRelinkDelay = TimeSpan.FromMilliseconds(100);
    private readonly ConnectionTracker _connections = new(logger);
    private readonly TaskCompletionSource _linked = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _links;

    /// <summary>Completes when the first link is registered.</summary>
    public Task FirstLinked => _linked.Task;

    /// <summary>How many times a link was registered (the first link and every re-link).</summary>
    public int Links => Volatile.Read(ref _links);

    public IPEndPoint Adapter => agentOptions.AdapterEndPoint;

    public async Task RunAsync(CancellationToken stopping)
    {
        var delay = s_firstRelinkDelay;
        while (!stopping.IsCancellationRequested)
        {
            string cause;
            var linked = false;
            using var manager = provider.CreateConnectionManager();
            try
            {
                await using var listener = await AcceleratedListener.ConnectAsync(manager, agentOptions, logger, stopping).ConfigureAwait(false);
                linked = true;
                delay = s_firstRelinkDelay;
                Interlocked.Increment(ref _links);
                StaticFileServerLog.ServingAccelerated(logger, files.Root, agentOptions.ServicePort, agentOptions.AdapterEndPoint, agentOptions.HostIdentity);
                _linked.TrySetResult();
                cause = await AcceptUntilLinkFailsAsync(listener, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is IOException or RdmaException or TimeoutException or System.Security.Authentication.AuthenticationException)
            {
                cause = e.Message;
            }

            if (stopping.IsCancellationRequested)
            {
                break;
            }

            if (linked)
            {
                StaticFileServerLog.LinkLost(logger, agentOptions.AdapterEndPoint, cause, (long)delay.TotalMilliseconds);
            }
            else
            {
                StaticFileServerLog.LinkAttemptFailed(logger, agentOptions.AdapterEndPoint, cause, (long)delay.TotalMilliseconds);
            }

            try
            {
                await Task.Delay(delay, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, maxRelinkDelay.Ticks));
        }

        await _connections.DrainAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
    }

    /// <summary>Accepts connections until the link fails; returns the cause.</summary>
    private async Task<string> AcceptUntilLinkFailsAsync(AcceleratedListener listener, CancellationToken stopping)
    {
        while (true)
        {
            AcceleratedConnection connection;
            try
            {
                connection = await listener.AcceptAsync(stopping).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or System.Threading.Channels.ChannelClosedException)
            {
                return listener.Failed.IsCompleted ? await listener.Failed.ConfigureAwait(false) : e.Message;
            }

            _connections.Start(() => ServeAsync(connection, stopping));
        }
    }

    private async Task ServeAsync(AcceleratedConnection connection, CancellationToken stopping)
    {
        // An aborted exchange resets the client (through the adapter) before the pipes complete.
        await new HttpConnection(connection, files, limits, logger, connection.Abort).RunAsync(stopping).ConfigureAwait(false);
        try
        {
            await connection.DisposeAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            // A connection the client reset reports the cause here; it is finished either way.
            StaticFileServerLog.ConnectionFailed(logger, e.Message);
        }
    }
}
