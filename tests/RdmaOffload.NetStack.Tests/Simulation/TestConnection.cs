using System.Security.Cryptography;
using RdmaOffload.NetStack.Tcp;

namespace RdmaOffload.NetStack.Tests.Simulation;

/// <summary>
/// A test owner for one connection: sends a fixed byte array (declared in chunks), records what it receives and
/// grants receive credit back as it "consumes" (automatically unless <see cref="AutoGrant"/> is off).
/// </summary>
public sealed class TestConnection : ITcpConnectionHandler
{
    private readonly List<byte> _received = [];

    public TestConnection(byte[]? toSend = null) => ToSend = toSend ?? [];

    public byte[] ToSend { get; set; }

    public TcpConnection? Connection { get; private set; }

    public bool Connected { get; private set; }

    public bool ReceiveClosed { get; private set; }

    public TcpCloseReason? ClosedReason { get; private set; }

    public long AcknowledgedOffset { get; private set; }

    public bool AutoGrant { get; set; } = true;

    public bool CloseAfterSend { get; set; } = true;

    public long UngrantedBytes { get; private set; }

    public byte[] Received => [.. _received];

    public long ReceivedCount => _received.Count;

    public void OnConnected(TcpConnection connection)
    {
        Connection = connection;
        Connected = true;
        if (ToSend.Length > 0)
        {
            connection.AppendSendData(ToSend.Length);
        }

        if (CloseAfterSend && ToSend.Length > 0)
        {
            connection.CloseSend();
        }
    }

    public void OnDataReceived(TcpConnection connection, ReadOnlySpan<byte> data)
    {
        _received.AddRange(data);
        if (AutoGrant)
        {
            connection.GrantReceiveCredit(data.Length);
        }
        else
        {
            UngrantedBytes += data.Length;
        }
    }

    public void GrantPending()
    {
        Connection!.GrantReceiveCredit(UngrantedBytes);
        UngrantedBytes = 0;
    }

    public void OnReceiveClosed(TcpConnection connection) => ReceiveClosed = true;

    public void CopySendData(TcpConnection connection, long streamOffset, Span<byte> destination)
    {
        Assert.That(streamOffset + destination.Length, Is.LessThanOrEqualTo(ToSend.Length), "stack asked for undeclared bytes");
        Assert.That(streamOffset, Is.GreaterThanOrEqualTo(AcknowledgedOffset), "stack asked for already acknowledged bytes");
        ToSend.AsSpan((int)streamOffset, destination.Length).CopyTo(destination);
    }

    public void OnDataAcknowledged(TcpConnection connection, long acknowledgedOffset)
    {
        Assert.That(acknowledgedOffset, Is.GreaterThan(AcknowledgedOffset), "acknowledgment went backwards");
        AcknowledgedOffset = acknowledgedOffset;
    }

    public void OnClosed(TcpConnection connection, TcpCloseReason reason)
    {
        Assert.That(ClosedReason, Is.Null, "OnClosed called twice");
        ClosedReason = reason;
    }

    public static byte[] RandomPayload(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    public static string Sha256(byte[] data) => Convert.ToHexString(SHA256.HashData(data));
}

/// <summary>Accepts every connection with a fresh <see cref="TestConnection"/> built by a factory.</summary>
public sealed class TestAcceptor(Func<TestConnection> factory) : ITcpAcceptHandler
{
    public List<TestConnection> Accepted { get; } = [];

    public bool Refuse { get; set; }

    public ITcpConnectionHandler? OnConnectionEstablished(TcpConnection connection)
    {
        if (Refuse)
        {
            return null;
        }

        var handler = factory();
        Accepted.Add(handler);
        return handler;
    }
}
