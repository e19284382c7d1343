using System.Net;
using RdmaOffload.Verbs;

namespace RdmaOffload.HostAgent;

/// <summary>How a host links to one target adapter and what it offers there.</summary>
public sealed class HostAgentOptions
{
    /// <summary>The adapter's connection-manager address.</summary>
    public required IPEndPoint AdapterEndPoint { get; init; }

    /// <summary>Secret shared with the adapter (at least 16 bytes, 32 recommended).</summary>
    public required byte[] SharedSecret { get; init; }

    /// <summary>This host's identity on the link (1–64 bytes of UTF-8, no control characters).</summary>
    public required string HostIdentity { get; init; }

    /// <summary>The TCP port this host serves through the adapter.</summary>
    public required ushort ServicePort { get; init; }

    /// <summary>Relative share of new connections the adapter should send here.</summary>
    public ushort Weight { get; init; } = 1;

    /// <summary>Most client connections open at once; also sizes the registered receive memory.</summary>
    public int MaxConnections { get; init; } = 128;

    /// <summary>Receive buffers kept posted to the adapter per connection.</summary>
    public int ReceiveBuffersPerConnection { get; init; } = 2;

    /// <summary>Size of each posted receive buffer.</summary>
    public int ReceiveBufferSize { get; init; } = 32 * 1024;

    /// <summary>Size of each registered send buffer (one <c>SendDescriptor</c> covers at most one).</summary>
    public int SendBufferSize { get; init; } = 64 * 1024;

    /// <summary>Registered send buffers shared by all connections: writers wait when all are in flight.</summary>
    public int SendBufferCount { get; init; } = 128;

    /// <summary>Send descriptors one connection may have outstanding (at most the adapter's limit, 64 by default).</summary>
    public int MaxSendsPerConnection { get; init; } = 16;

    /// <summary>
    /// Unacknowledged bytes a connection's output may hold before the application's writes wait (the bytes in
    /// flight to the client); writes resume at half of it.
    /// </summary>
    public int OutputPauseThreshold { get; init; } = 256 * 1024;

    /// <summary>Sizes of the registered pool the output pipes write into.</summary>
    public Memory.RegisteredMemoryPoolOptions MemoryPool { get; init; } = new();

    /// <summary>Time allowed for connecting, authenticating and registering.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Local ACK timeout of the link's QP (IB encoding, 4.096 µs × 2^value). The default, 16 (≈ 268 ms,
    /// the link given up after ≈ 2.1 s without acknowledgements), lets the adapter's keepalive decide that
    /// a side is gone; the verbs default (14, ≈ 0.5 s in all) dropped links of briefly stalled hosts.
    /// </summary>
    public byte LinkAckTimeout { get; init; } = 16;

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(AdapterEndPoint);
        ArgumentNullException.ThrowIfNull(SharedSecret);
        ArgumentException.ThrowIfNullOrEmpty(HostIdentity);
        ArgumentOutOfRangeException.ThrowIfZero(ServicePort);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConnections, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(ReceiveBuffersPerConnection, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(ReceiveBufferSize, 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(SendBufferSize, 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(SendBufferCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxSendsPerConnection, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(OutputPauseThreshold, 4096);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(LinkAckTimeout, RdmaConnectionOptions.MaxAckTimeout);
        if ((long)MaxConnections * ReceiveBuffersPerConnection > int.MaxValue)
        {
            throw new ArgumentException($"MaxConnections × ReceiveBuffersPerConnection is {(long)MaxConnections * ReceiveBuffersPerConnection}; at most {int.MaxValue} receive buffers.");
        }

        if ((long)SendBufferCount * SendBufferSize > int.MaxValue)
        {
            // The send buffers are one registered region, addressed through one span.
            throw new ArgumentException($"SendBufferCount × SendBufferSize is {(long)SendBufferCount * SendBufferSize} bytes; the send buffers must stay below 2 GiB.");
        }
        ArgumentNullException.ThrowIfNull(MemoryPool);
        MemoryPool.Validate();
    }
}
