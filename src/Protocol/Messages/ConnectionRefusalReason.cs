namespace RdmaOffload.Protocol.Messages;

/// <summary>Why a host refused a connection.</summary>
public enum ConnectionRefusalReason : ushort
{
    /// <summary>The host is at capacity.</summary>
    Overloaded = 1,

    /// <summary>Nothing on the host listens on the service port any more.</summary>
    NotListening = 2,

    /// <summary>The host's policy rejects the client address.</summary>
    Policy = 3,
}
