namespace RdmaOffload.HostAgent.Hosting;

/// <summary>Link settings beyond the configuration keys, for <see cref="RdmaOffloadHostOptions.ConfigureLink"/>.</summary>
public sealed class HostAgentOptionsBuilder
{
    private static readonly HostAgentOptions Defaults = new()
    {
        AdapterEndPoint = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 1),
        SharedSecret = [],
        HostIdentity = "defaults",
        ServicePort = 1,
    };

    /// <summary>See <see cref="HostAgentOptions.ReceiveBuffersPerConnection"/>.</summary>
    public int ReceiveBuffersPerConnection { get; set; } = Defaults.ReceiveBuffersPerConnection;

    /// <summary>See <see cref="HostAgentOptions.ReceiveBufferSize"/>.</summary>
    public int ReceiveBufferSize { get; set; } = Defaults.ReceiveBufferSize;

    /// <summary>See <see cref="HostAgentOptions.SendBufferSize"/>.</summary>
    public int SendBufferSize { get; set; } = Defaults.SendBufferSize;

    /// <summary>See <see cref="HostAgentOptions.SendBufferCount"/>.</summary>
    public int SendBufferCount { get; set; } = Defaults.SendBufferCount;

    /// <summary>See <see cref="HostAgentOptions.MaxSendsPerConnection"/>.</summary>
    public int MaxSendsPerConnection { get; set; } = Defaults.MaxSendsPerConnection;

    /// <summary>See <see cref="HostAgentOptions.OutputPauseThreshold"/>.</summary>
    public int OutputPauseThreshold { get; set; } = Defaults.OutputPauseThreshold;

    /// <summary>See <see cref="HostAgentOptions.MemoryPool"/>.</summary>
    public Memory.RegisteredMemoryPoolOptions MemoryPool { get; set; } = new();

    /// <summary>See <see cref="HostAgentOptions.ConnectTimeout"/>.</summary>
    public TimeSpan ConnectTimeout { get; set; } = Defaults.ConnectTimeout;

    /// <summary>See <see cref="HostAgentOptions.LinkAckTimeout"/>.</summary>
    public byte LinkAckTimeout { get; set; } = Defaults.LinkAckTimeout;

    internal HostAgentOptions Build(System.Net.IPEndPoint adapter, byte[] secret, string identity, ushort port, ushort weight, int maxConnections) => new()
    {
        AdapterEndPoint = adapter,
        SharedSecret = secret,
        HostIdentity = identity,
        ServicePort = port,
        Weight = weight,
        MaxConnections = maxConnections,
        ReceiveBuffersPerConnection = ReceiveBuffersPerConnection,
        ReceiveBufferSize = ReceiveBufferSize,
        SendBufferSize = SendBufferSize,
        SendBufferCount = SendBufferCount,
        MaxSendsPerConnection = MaxSendsPerConnection,
        OutputPauseThreshold = OutputPauseThreshold,
        MemoryPool = MemoryPool,
        ConnectTimeout = ConnectTimeout,
        LinkAckTimeout = LinkAckTimeout,
    };
}
