using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using RdmaOffload.HostAgent.Hosting;

namespace RdmaOffload.HostAgent.Kestrel;

/// <summary>One bound Kestrel endpoint: accepts the clients of its service port's link.</summary>
internal sealed class RdmaOffloadConnectionListener(IPEndPoint endPoint, AcceleratedLinkSupervisor supervisor, TimeSpan closeTimeout, RdmaOffloadTransportFactory factory)
    : IConnectionListener
{
    private readonly CancellationTokenSource _unbound = new();
    private int _disposed;

    public EndPoint EndPoint { get; } = endPoint;

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        using var accepting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _unbound.Token);
        try
        {
            var connection = await supervisor.AcceptAsync(accepting.Token).ConfigureAwait(false);
            return new AcceleratedConnectionContext(connection, closeTimeout);
        }
        catch (OperationCanceledException) when (_unbound.IsCancellationRequested)
        {
            return null; // unbound: Kestrel stops accepting from this listener
        }
        catch (ChannelClosedException)
        {
            return null;
        }
    }

    public async ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        if (!_unbound.IsCancellationRequested)
        {
            await _unbound.CancelAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await UnbindAsync().ConfigureAwait(false);
        await factory.ReleaseAsync(supervisor).ConfigureAwait(false);
        _unbound.Dispose();
    }
}
