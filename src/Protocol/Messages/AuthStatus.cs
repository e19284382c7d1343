namespace RdmaOffload.Protocol.Messages;

/// <summary>The adapter's verdict on a host's authentication proof.</summary>
public enum AuthStatus : byte
{
    /// <summary>Proof verified; the host is authenticated.</summary>
    Accepted = 1,

    /// <summary>Proof did not verify; the link closes.</summary>
    Rejected = 2,
}
