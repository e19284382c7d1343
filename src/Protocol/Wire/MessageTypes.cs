namespace RdmaOffload.Protocol.Wire;

/// <summary>Static facts about each <see cref="MessageType"/>: scope and permitted sender.</summary>
public static class MessageTypes
{
    /// <summary>The work queue numbers <paramref name="type"/> may carry; <see cref="MessageScope.Unknown"/> if undefined.</summary>
    public static MessageScope ScopeOf(MessageType type) => type switch
    {
        MessageType.Hello or MessageType.Challenge or MessageType.AuthResponse or MessageType.AuthResult
            or MessageType.HelloRefused or MessageType.RegisterService or MessageType.ServiceRegistration
            or MessageType.Ping or MessageType.Pong or MessageType.LinkClose => MessageScope.Link,
        MessageType.ProtocolError => MessageScope.Any,
        MessageType.ConnectionOpen or MessageType.ConnectionAccept or MessageType.ConnectionRefuse
            or MessageType.PostReceiveBuffer or MessageType.DataWritten or MessageType.SendDescriptor
            or MessageType.SendCompleted or MessageType.Fin or MessageType.Reset => MessageScope.Connection,
        _ => MessageScope.Unknown,
    };

    /// <summary>Who may send <paramref name="type"/>; <see cref="MessageSender.None"/> if undefined.</summary>
    public static MessageSender SenderOf(MessageType type) => type switch
    {
        MessageType.Hello or MessageType.AuthResponse or MessageType.RegisterService or MessageType.ConnectionAccept
            or MessageType.ConnectionRefuse or MessageType.PostReceiveBuffer or MessageType.SendDescriptor => MessageSender.Host,
        MessageType.Challenge or MessageType.AuthResult or MessageType.HelloRefused or MessageType.ServiceRegistration
            or MessageType.ConnectionOpen or MessageType.DataWritten or MessageType.SendCompleted => MessageSender.Adapter,
        MessageType.Ping or MessageType.Pong or MessageType.LinkClose or MessageType.ProtocolError
            or MessageType.Fin or MessageType.Reset => MessageSender.Either,
        _ => MessageSender.None,
    };

    /// <summary>Whether <paramref name="type"/> is defined.</summary>
    public static bool IsDefined(MessageType type) => ScopeOf(type) != MessageScope.Unknown;

    /// <summary>Whether <paramref name="type"/> belongs to the hello/authentication exchange.</summary>
    public static bool IsHandshake(MessageType type) =>
        type is MessageType.Hello or MessageType.Challenge or MessageType.AuthResponse
            or MessageType.AuthResult or MessageType.HelloRefused;

    /// <summary>Whether <paramref name="type"/> is always encoded with <see cref="ProtocolVersions.Base"/>.</summary>
    public static bool IsVersionFrozen(MessageType type) =>
        type is MessageType.Hello or MessageType.Challenge or MessageType.HelloRefused;
}
