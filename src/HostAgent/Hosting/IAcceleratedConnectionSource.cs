namespace RdmaOffload.HostAgent.Hosting;

/// <summary>Client connections the adapter terminated for this host, across re-links (registered by <c>AddRdmaOffloadHost</c>).</summary>
public interface IAcceleratedConnectionSource
{
    /// <summary>The next client connection.</summary>
    ValueTask<AcceleratedConnection> AcceptAsync(CancellationToken cancellationToken = default);

    /// <summary>Completes once the host is linked to the adapter and its service port is registered.</summary>
    Task WhenLinkedAsync(CancellationToken cancellationToken = default);
}
