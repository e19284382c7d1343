using RdmaOffload.TargetAdapter.Correlation;
using RdmaOffload.Verbs;

namespace RdmaOffload.TargetAdapter;

/// <summary>The adapter's identity, secret and per-host limits.</summary>
public sealed class TargetAdapterOptions
{
    /// <summary>This adapter's identity on links (1–64 bytes of UTF-8, no control characters).</summary>
    public required string AdapterIdentity { get; init; }

    /// <summary>Secret every host must prove (at least 16 bytes).</summary>
    public required byte[] SharedSecret { get; init; }

    /// <summary>TCP ports the adapter serves; a host may register only these.</summary>
    public required IReadOnlyList<ushort> ServicePorts { get; init; }

    /// <summary>
    /// Staging slots per host link, so the most client connections one host can have at once, whatever the
    /// admission mode; within it, the host's registered grant always applies too.
    /// </summary>
    public int MaxConnectionsPerHost { get; init; } = 256;

    /// <summary>Who decides how many connections a host gets.</summary>
    public AdmissionMode Admission { get; init; } = AdmissionMode.TargetControlled;

    /// <summary>
    /// The adapter's cap on accelerated connections per host under <see cref="AdmissionMode.TargetControlled"/>
    /// (default: <see cref="MaxConnectionsPerHost"/>). Ignored under <see cref="AdmissionMode.ServerPriority"/>.
    /// </summary>
    public int? TargetConnectionCap { get; init; }

    /// <summary>Receive buffers a host may keep posted per connection.</summary>
    public int MaxPostedBuffersPerConnection { get; init; } = 16;

    /// <summary>Send descriptors a host may keep outstanding per connection.</summary>
    public int MaxSendsPerConnection { get; init; } = 64;

    /// <summary>
    /// Registered bytes per connection holding client data until it is RDMA-written to the host. The adapter's
    /// NetStack must not grant more initial receive credit than this.
    /// </summary>
    public int WriteStagingSize { get; init; } = 64 * 1024;

    /// <summary>Registered bytes per connection holding host data read by RDMA READ until the client acknowledges it.</summary>
    public int ReadStagingSize { get; init; } = 256 * 1024;

    /// <summary>Largest single RDMA READ.</summary>
    public int MaxReadSize { get; init; } = 64 * 1024;

    /// <summary>
    /// Send a host's bytes as soon as they are read (no Nagle), as Kestrel and most HTTP servers do with
    /// TCP_NODELAY: the host already coalesces its writes into descriptors, and holding a short last segment until
    /// the client acknowledges the previous one would stall every response on the client's delayed ACK.
    /// </summary>
    public bool NoDelay { get; init; } = true;

    /// <summary>Silence from a host after which the adapter pings it.</summary>
    public TimeSpan KeepaliveInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a ping may go unanswered before the host is declared dead and its connections reset.</summary>
    public TimeSpan KeepaliveTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Local ACK timeout of host links' QPs (IB encoding, 4.096 µs × 2^value). The default, 16 (≈ 268 ms,
    /// a link given up after ≈ 2.1 s without acknowledgements), outlasts the keepalive, which should decide
    /// that a host is gone; the verbs default (14, ≈ 0.5 s in all) dropped links of briefly stalled hosts.
    /// </summary>
    public byte LinkAckTimeout { get; init; } = DefaultLinkAckTimeout;

    /// <summary>The default <see cref="LinkAckTimeout"/>.</summary>
    public const byte DefaultLinkAckTimeout = 16;

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrEmpty(AdapterIdentity);
        ArgumentNullException.ThrowIfNull(SharedSecret);
        ArgumentNullException.ThrowIfNull(ServicePorts);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConnectionsPerHost, 1);
        if (TargetConnectionCap is { } cap)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(cap, 1, nameof(TargetConnectionCap));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(WriteStagingSize, 4096);
        ArgumentOutOfRangeException.ThrowIfLessThan(ReadStagingSize, 4096);
        if ((long)WriteStagingSize + ReadStagingSize > int.MaxValue)
        {
            throw new ArgumentException($"WriteStagingSize + ReadStagingSize is {(long)WriteStagingSize + ReadStagingSize} bytes; one connection's staging must stay below 2 GiB.");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxReadSize, 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(KeepaliveInterval, TimeSpan.FromMilliseconds(10));
        ArgumentOutOfRangeException.ThrowIfLessThan(KeepaliveTimeout, TimeSpan.FromMilliseconds(10));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(LinkAckTimeout, RdmaConnectionOptions.MaxAckTimeout);
    }
}
