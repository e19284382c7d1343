namespace RdmaOffload.NetStack.Tcp;

/// <summary>A passive open on a local port (RFC 9293 LISTEN).</summary>
public sealed class TcpListener
{
    internal TcpListener(ushort port, ITcpAcceptHandler acceptHandler, int synBacklog)
    {
        Port = port;
        AcceptHandler = acceptHandler;
        SynBacklog = synBacklog;
    }

    /// <summary>Local port.</summary>
    public ushort Port { get; }

    /// <summary>Half-open connections currently counted against the backlog.</summary>
    public int HalfOpenCount { get; internal set; }

    /// <summary>Limit of half-open connections before SYN cookies are used.</summary>
    public int SynBacklog { get; }

    /// <summary>SYN-ACKs sent as stateless cookies (diagnostics).</summary>
    public long SynCookiesSent { get; internal set; }

    /// <summary>Connections established from a valid cookie (diagnostics).</summary>
    public long SynCookiesAccepted { get; internal set; }

    /// <summary>Connections this listener completed.</summary>
    public long AcceptedCount { get; internal set; }

    internal ITcpAcceptHandler AcceptHandler { get; }

    internal bool IsClosed { get; set; }
}
