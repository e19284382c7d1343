using RdmaOffload.Protocol.Messages;

namespace RdmaOffload.Protocol.Wire;

/// <summary>Encodes messages into frames and decodes validated frames into messages.</summary>
public static class FrameCodec
{
    /// <summary>Encoded length of <paramref name="message"/> as a frame.</summary>
    public static int FrameLength<T>(in T message)
        where T : struct, IProtocolMessage<T> => FrameHeader.Length + message.BodyLength;

    /// <summary>
    /// Writes <paramref name="message"/> as one frame at the start of <paramref name="destination"/>. Returns false,
    /// writing nothing, if it does not fit. Hello-exchange messages are always encoded with <see cref="ProtocolVersions.Base"/>.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// The message has an out-of-range field, the work queue number does not suit its scope, or the version is not
    /// supported: a bug in the caller, never a consequence of peer input.
    /// </exception>
    public static bool TryEncode<T>(Span<byte> destination, uint workQueue, in T message, out int written,
        byte version = ProtocolVersions.MaxSupported)
        where T : struct, IProtocolMessage<T>
    {
        written = 0;
        var status = message.Validate();
        if (status != DecodeStatus.Ok)
        {
            throw new ArgumentException($"{T.Type} is not encodable: {status}.", nameof(message));
        }

        var scopeOk = MessageTypes.ScopeOf(T.Type) switch
        {
            MessageScope.Link => workQueue == 0,
            MessageScope.Connection => workQueue != 0,
            _ => true,
        };
        if (!scopeOk)
        {
            throw new ArgumentException($"{T.Type} cannot carry work queue number {workQueue}.", nameof(workQueue));
        }

        if (!ProtocolVersions.IsSupported(version))
        {
            throw new ArgumentOutOfRangeException(nameof(version), version, "Unsupported protocol version.");
        }

        var length = FrameHeader.Length + message.BodyLength;
        if (length > destination.Length)
        {
            return false;
        }

        var frameVersion = MessageTypes.IsVersionFrozen(T.Type) ? ProtocolVersions.Base : version;
        FrameHeader.Write(destination, frameVersion, T.Type, length, workQueue);
        message.WriteBody(destination[FrameHeader.Length..length]);
        written = length;
        return true;
    }

    /// <summary>Decodes the body of a validated frame as <typeparamref name="T"/>; never throws.</summary>
    public static DecodeStatus TryDecode<T>(in Frame frame, out T message)
        where T : struct, IProtocolMessage<T>
    {
        if (frame.Type != T.Type)
        {
            message = default;
            return DecodeStatus.UnexpectedMessageType;
        }

        return T.TryReadBody(frame.Body, out message);
    }

    /// <summary>Validates a body against the layout of <paramref name="type"/>; never throws.</summary>
    internal static DecodeStatus ValidateBody(MessageType type, ReadOnlySpan<byte> body) => type switch
    {
        MessageType.Hello => Hello.TryReadBody(body, out _),
        MessageType.Challenge => Challenge.TryReadBody(body, out _),
        MessageType.AuthResponse => AuthResponse.TryReadBody(body, out _),
        MessageType.AuthResult => AuthResult.TryReadBody(body, out _),
        MessageType.HelloRefused => HelloRefused.TryReadBody(body, out _),
        MessageType.RegisterService => RegisterService.TryReadBody(body, out _),
        MessageType.ServiceRegistration => ServiceRegistration.TryReadBody(body, out _),
        MessageType.Ping => Ping.TryReadBody(body, out _),
        MessageType.Pong => Pong.TryReadBody(body, out _),
        MessageType.LinkClose => LinkClose.TryReadBody(body, out _),
        MessageType.ProtocolError => ProtocolError.TryReadBody(body, out _),
        MessageType.ConnectionOpen => ConnectionOpen.TryReadBody(body, out _),
        MessageType.ConnectionAccept => ConnectionAccept.TryReadBody(body, out _),
        MessageType.ConnectionRefuse => ConnectionRefuse.TryReadBody(body, out _),
        MessageType.PostReceiveBuffer => PostReceiveBuffer.TryReadBody(body, out _),
        MessageType.DataWritten => DataWritten.TryReadBody(body, out _),
        MessageType.SendDescriptor => SendDescriptor.TryReadBody(body, out _),
        MessageType.SendCompleted => SendCompleted.TryReadBody(body, out _),
        MessageType.Fin => Fin.TryReadBody(body, out _),
        MessageType.Reset => Reset.TryReadBody(body, out _),
        _ => DecodeStatus.UnknownMessageType,
    };
}
