namespace RdmaOffload.Protocol.Wire;

/// <summary>Which work queue numbers a message type may carry.</summary>
public enum MessageScope
{
    /// <summary>The type is not defined.</summary>
    Unknown,

    /// <summary>Link-level: work queue number must be 0.</summary>
    Link,

    /// <summary>Per connection: work queue number must be non-zero.</summary>
    Connection,

    /// <summary>Either: 0 for the link, non-zero for one connection.</summary>
    Any,
}
