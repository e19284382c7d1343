namespace RdmaOffload.Protocol.Messages;

/// <summary>IP address family of a connection's endpoints, as carried on the wire.</summary>
public enum IpFamily : byte
{
    /// <summary>IPv4: the address occupies the low 32 bits.</summary>
    V4 = 4,

    /// <summary>IPv6.</summary>
    V6 = 6,
}
