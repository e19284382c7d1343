namespace RdmaOffload.TargetAdapter.Correlation;

/// <summary>Who decides how many accelerated connections a host gets.</summary>
public enum AdmissionMode
{
    /// <summary>
    /// The adapter caps each host at <see cref="TargetAdapterOptions.TargetConnectionCap"/> (and at what the host
    /// registered); the host may still refuse single connections.
    /// </summary>
    TargetControlled,

    /// <summary>
    /// The host grants: it gets as many as it registered (<c>RegisterService.MaxConnections</c>, 0 = as many as the
    /// adapter has staging slots for), bounded only by the adapter's per-host staging slots, not by its cap.
    /// </summary>
    ServerPriority,
}
