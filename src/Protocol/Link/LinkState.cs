namespace RdmaOffload.Protocol.Link;

/// <summary>Lifecycle of an adapter↔host link, seen from either end.</summary>
public enum LinkState
{
    /// <summary>The RDMA connection is up; the hello exchange has not completed.</summary>
    Connected,

    /// <summary>A version was chosen and nonces exchanged; the host's proof is pending (adapter) or sent (host).</summary>
    Challenged,

    /// <summary>Both proofs verified. Services may be registered; no connection traffic yet.</summary>
    Authenticated,

    /// <summary>At least one service is registered; connection traffic flows.</summary>
    Registered,

    /// <summary>The link is being torn down: after a refusal, failed authentication, violation or <c>LinkClose</c>.</summary>
    Closing,
}
