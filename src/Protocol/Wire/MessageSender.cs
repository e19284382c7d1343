namespace RdmaOffload.Protocol.Wire;

/// <summary>Which side of a link may send a message type.</summary>
[Flags]
public enum MessageSender
{
    /// <summary>Nobody: the type is not defined.</summary>
    None = 0,

    /// <summary>The server host (host agent).</summary>
    Host = 1,

    /// <summary>The target adapter.</summary>
    Adapter = 2,

    /// <summary>Either side.</summary>
    Either = Host | Adapter,
}
