namespace RdmaOffload.Protocol.Wire;

/// <summary>
/// The message type byte of a frame. Values 0x01–0x3F are link-level (work queue number 0; <see cref="ProtocolError"/>
/// may also name a connection); 0x40–0x7F belong to one accelerated connection (work queue number non-zero).
/// Values are wire constants: never renumber.
/// </summary>
public enum MessageType : byte
{
    /// <summary>Host → adapter: offered versions, host nonce and identity.</summary>
    Hello = 0x01,

    /// <summary>Adapter → host: chosen version, adapter nonce and identity.</summary>
    Challenge = 0x02,

    /// <summary>Host → adapter: HMAC proof of the shared secret.</summary>
    AuthResponse = 0x03,

    /// <summary>Adapter → host: verdict on the host's proof, and the adapter's own proof.</summary>
    AuthResult = 0x04,

    /// <summary>Adapter → host: no common version (or another reason); the link closes.</summary>
    HelloRefused = 0x05,

    /// <summary>Host → adapter: offer a TCP port through the adapter.</summary>
    RegisterService = 0x10,

    /// <summary>Adapter → host: the outcome of a <see cref="RegisterService"/>.</summary>
    ServiceRegistration = 0x11,

    /// <summary>Either way: keepalive request carrying a token.</summary>
    Ping = 0x20,

    /// <summary>Either way: keepalive answer echoing the token.</summary>
    Pong = 0x21,

    /// <summary>Either way: the sender is closing the link.</summary>
    LinkClose = 0x22,

    /// <summary>Either way: the sender rejected something the receiver sent. Link-level or per connection.</summary>
    ProtocolError = 0x2F,

    /// <summary>Adapter → host: a client connected to a registered service.</summary>
    ConnectionOpen = 0x40,

    /// <summary>Host → adapter: the host takes the connection.</summary>
    ConnectionAccept = 0x41,

    /// <summary>Host → adapter: the host declines the connection; the adapter resets the client.</summary>
    ConnectionRefuse = 0x42,

    /// <summary>Host → adapter: a registered buffer the adapter may RDMA-WRITE client bytes into.</summary>
    PostReceiveBuffer = 0x50,

    /// <summary>Adapter → host: client bytes were written into a posted buffer.</summary>
    DataWritten = 0x51,

    /// <summary>Host → adapter: registered bytes to send to the client.</summary>
    SendDescriptor = 0x60,

    /// <summary>Adapter → host: the client acknowledged every byte of a descriptor.</summary>
    SendCompleted = 0x61,

    /// <summary>Either way: the sender's direction of the stream is finished (TCP FIN).</summary>
    Fin = 0x70,

    /// <summary>Either way: the connection is aborted (TCP RST).</summary>
    Reset = 0x71,
}
