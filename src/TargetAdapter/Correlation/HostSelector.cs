namespace RdmaOffload.TargetAdapter.Correlation;

/// <summary>What admission needs to know about a host link.</summary>
internal interface IAdmissionCandidate
{
    /// <summary>True when the host registered <paramref name="port"/> and the link is usable.</summary>
    bool Serves(ushort port);

    /// <summary>Client connections the host has now.</summary>
    int ActiveConnections { get; }

    /// <summary>Most client connections the host may have (the lower of the host's and the adapter's limits).</summary>
    int ConnectionLimit { get; }
}

/// <summary>
/// Admission and balancing for new client connections: round robin over the hosts serving the port, skipping
/// hosts at their connection cap. No host → the client is refused (RST).
/// </summary>
internal sealed class HostSelector<T>
    where T : class, IAdmissionCandidate
{
    private int _next;

    public T? Select(IReadOnlyList<T> hosts, ushort port)
    {
        for (int i = 0; i < hosts.Count; i++)
        {
            var index = (_next + i) % hosts.Count;
            var host = hosts[index];
            if (host.Serves(port) && host.ActiveConnections < host.ConnectionLimit)
            {
                _next = (index + 1) % hosts.Count;
                return host;
            }
        }

        return null;
    }
}
