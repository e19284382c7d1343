using System.Net;

namespace RdmaOffload.Verbs;

/// <summary>
/// Connection establishment by IP address, like RDMA CM: listen, connect, accept or reject with
/// private data, and notice when the peer disconnects. The connection's QP is created and moved
/// to RTS by the manager.
/// </summary>
public interface IConnectionManager : IDisposable
{
    /// <summary>Starts listening on a local address bound to an RDMA device.</summary>
    IRdmaListener Listen(IPEndPoint localEndPoint, RdmaConnectionOptions options, int backlog = 64);

    /// <summary>Connects to a listener, sending <paramref name="privateData"/> with the request.</summary>
    /// <exception cref="RdmaConnectionException">Rejected (with the peer's private data), unreachable or timed out.</exception>
    Task<IRdmaConnection> ConnectAsync(IPEndPoint remoteEndPoint, RdmaConnectionOptions options, ReadOnlyMemory<byte> privateData, CancellationToken cancellationToken = default);
}

/// <summary>Sizes of the QP and CQs the connection manager creates for a connection.</summary>
public sealed record RdmaConnectionOptions
{
    /// <summary>Completion queue entries (shared by send and receive).</summary>
    public int CompletionQueueEntries { get; init; } = 1024;

    /// <summary>Outstanding send work requests.</summary>
    public int MaxSendWorkRequests { get; init; } = 256;

    /// <summary>Outstanding receive work requests.</summary>
    public int MaxReceiveWorkRequests { get; init; } = 256;

    /// <summary>Scatter/gather entries per work request.</summary>
    public int MaxScatterGatherEntries { get; init; } = 4;

    /// <summary>RDMA READs outstanding in each direction.</summary>
    public byte ReadDepth { get; init; } = 16;

    /// <summary>How long address/route resolution and the handshake may take.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Local ACK timeout of the connection's QP in the IB encoding (4.096 µs × 2^value, 0–31; 14 ≈ 67 ms,
    /// 18 ≈ 1.07 s), or null for the connection manager's default: rdma_cm derives it from the path's
    /// packet lifetime (RDMA_OPTION_ID_ACK_TIMEOUT sets it), managed-roce uses 14. A link is declared
    /// dead after about (<see cref="RetryCount"/> + 1) timeouts of silence, so hosts that can stall for
    /// longer (emulated CPUs, heavily loaded machines) need a larger value.
    /// </summary>
    public byte? AckTimeout
    {
        get => _ackTimeout;
        init => _ackTimeout = value is > MaxAckTimeout
            ? throw new ArgumentOutOfRangeException(nameof(AckTimeout), value, $"the IB ACK timeout exponent is 0–{MaxAckTimeout}")
            : value;
    }

    /// <summary>
    /// Transport retries after an ACK timeout before work completes with
    /// <see cref="WorkCompletionStatus.RetryExceededError"/> (0–7). With rdma_cm the connecting side's
    /// value is carried in the request and used by both QPs.
    /// </summary>
    public byte RetryCount
    {
        get => _retryCount;
        init => _retryCount = CheckRetryCount(value, nameof(RetryCount));
    }

    /// <summary>Retries after a receiver-not-ready NAK (0–7; 7 = retry forever).</summary>
    public byte RnrRetryCount
    {
        get => _rnrRetryCount;
        init => _rnrRetryCount = CheckRetryCount(value, nameof(RnrRetryCount));
    }

    /// <summary>The IB ACK timeout field is 5 bits.</summary>
    public const byte MaxAckTimeout = 31;

    /// <summary>The IB retry count fields are 3 bits.</summary>
    public const byte MaxRetryCount = 7;

    private readonly byte? _ackTimeout;
    private readonly byte _retryCount = MaxRetryCount;
    private readonly byte _rnrRetryCount = MaxRetryCount;

    private static byte CheckRetryCount(byte value, string name) => value > MaxRetryCount
        ? throw new ArgumentOutOfRangeException(name, value, $"IB retry counts are 0–{MaxRetryCount}")
        : value;
}

/// <summary>A listening endpoint.</summary>
public interface IRdmaListener : IDisposable
{
    /// <summary>The bound address (port filled in when 0 was asked for).</summary>
    IPEndPoint LocalEndPoint { get; }

    /// <summary>Waits for the next connection request.</summary>
    ValueTask<IRdmaConnectionRequest> GetRequestAsync(CancellationToken cancellationToken = default);
}

/// <summary>An incoming connection request: accept or reject it.</summary>
public interface IRdmaConnectionRequest : IDisposable
{
    /// <summary>The requester's address.</summary>
    IPEndPoint RemoteEndPoint { get; }

    /// <summary>Private data sent by the requester (may be padded with zeros by the transport).</summary>
    ReadOnlyMemory<byte> PrivateData { get; }

    /// <summary>
    /// Accepts: creates the QP on the request's device, moves it to RTS and answers with
    /// <paramref name="privateData"/>. Completes when the connection is established.
    /// </summary>
    Task<IRdmaConnection> AcceptAsync(ReadOnlyMemory<byte> privateData, CancellationToken cancellationToken = default);

    /// <summary>Rejects, returning <paramref name="privateData"/> to the requester.</summary>
    void Reject(ReadOnlyMemory<byte> privateData);
}

/// <summary>An established RC connection and the verbs objects it owns.</summary>
public interface IRdmaConnection : IDisposable
{
    /// <summary>The device the connection runs on.</summary>
    IRdmaDevice Device { get; }

    /// <summary>Protection domain of the connection's QP; register memory for it here.</summary>
    IProtectionDomain ProtectionDomain { get; }

    /// <summary>The connected queue pair (in RTS).</summary>
    IQueuePair QueuePair { get; }

    /// <summary>Completion queue for both send and receive work.</summary>
    ICompletionQueue CompletionQueue { get; }

    /// <summary>Private data the peer sent (request or accept).</summary>
    ReadOnlyMemory<byte> RemotePrivateData { get; }

    /// <summary>Peer address.</summary>
    IPEndPoint RemoteEndPoint { get; }

    /// <summary>Completes when the connection is disconnected by either side or fails.</summary>
    Task Disconnected { get; }

    /// <summary>Disconnects (idempotent); outstanding work is flushed.</summary>
    void Disconnect();
}

/// <summary>Establishing a connection failed.</summary>
public class RdmaConnectionException : RdmaException
{
    /// <summary>Creates the exception.</summary>
    public RdmaConnectionException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public RdmaConnectionException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public RdmaConnectionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a rejected request.</summary>
    public RdmaConnectionException(string message, bool rejected, ReadOnlyMemory<byte> rejectPrivateData)
        : base(message)
    {
        Rejected = rejected;
        RejectPrivateData = rejectPrivateData;
    }

    /// <summary>True when the peer rejected the request.</summary>
    public bool Rejected { get; }

    /// <summary>Private data the peer returned with the rejection.</summary>
    public ReadOnlyMemory<byte> RejectPrivateData { get; }
}
