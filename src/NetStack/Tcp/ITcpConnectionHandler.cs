namespace RdmaOffload.NetStack.Tcp;

/// <summary>
/// The owner of a connection: supplies outgoing payload lazily and consumes incoming payload. All calls come
/// from inside <see cref="NetworkStack.Handle"/> or <see cref="NetworkStack.Poll"/> on the thread driving the
/// stack; implementations must not block.
/// </summary>
public interface ITcpConnectionHandler
{
    /// <summary>The handshake completed.</summary>
    void OnConnected(TcpConnection connection);

    /// <summary>
    /// In-order payload arrived. The stack never delivers more than the receive credit the owner granted
    /// (<see cref="TcpSettings.InitialReceiveCredit"/> plus <see cref="TcpConnection.GrantReceiveCredit"/>), so the owner
    /// must take all of it; the span is valid only during the call.
    /// </summary>
    void OnDataReceived(TcpConnection connection, ReadOnlySpan<byte> data);

    /// <summary>The peer sent FIN: no more data will arrive.</summary>
    void OnReceiveClosed(TcpConnection connection);

    /// <summary>
    /// Copies outgoing stream bytes [<paramref name="streamOffset"/>, +<paramref name="destination"/>.Length) into a
    /// segment being built. Only bytes the owner declared with <see cref="TcpConnection.AppendSendData"/> are requested;
    /// the same range can be requested again for retransmission until it is acknowledged.
    /// </summary>
    void CopySendData(TcpConnection connection, long streamOffset, Span<byte> destination);

    /// <summary>The peer acknowledged every outgoing byte before <paramref name="acknowledgedOffset"/>; the owner may release them.</summary>
    void OnDataAcknowledged(TcpConnection connection, long acknowledgedOffset);

    /// <summary>The connection ended; it must not be used afterwards.</summary>
    void OnClosed(TcpConnection connection, TcpCloseReason reason);
}

/// <summary>Decides what to do with connections a listener completes.</summary>
public interface ITcpAcceptHandler
{
    /// <summary>
    /// A connection to the listener completed its handshake. Return its owner, or null to refuse it (it is reset).
    /// </summary>
    ITcpConnectionHandler? OnConnectionEstablished(TcpConnection connection);
}
