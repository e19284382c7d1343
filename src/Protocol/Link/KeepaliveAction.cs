namespace RdmaOffload.Protocol.Link;

/// <summary>What <see cref="KeepaliveMonitor.Poll"/> asks the caller to do.</summary>
public enum KeepaliveAction
{
    /// <summary>Nothing until <see cref="KeepaliveMonitor.NextDeadline"/>.</summary>
    None,

    /// <summary>Send the returned <c>Ping</c>.</summary>
    SendPing,

    /// <summary>The peer stayed silent past the timeout: close the link (<c>LinkClose(KeepaliveTimeout)</c>).</summary>
    PeerTimedOut,
}
