namespace RdmaOffload.Protocol;

/// <summary>Which end of a link a state machine runs on.</summary>
public enum ProtocolRole : byte
{
    /// <summary>The server host (host agent).</summary>
    Host = 1,

    /// <summary>The target adapter.</summary>
    Adapter = 2,
}
