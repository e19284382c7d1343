using RdmaOffload.Protocol.Messages;
using RdmaOffload.Protocol.Wire;

namespace RdmaOffload.Protocol.Tests.Wire;

/// <summary>Decodes a validated frame as its own type and checks the result is in range.</summary>
internal static class DecodedCheck
{
    public static bool DecodesInRange(in Frame frame) => frame.Type switch
    {
        MessageType.Hello => InRange<Hello>(frame),
        MessageType.Challenge => InRange<Challenge>(frame),
        MessageType.AuthResponse => InRange<AuthResponse>(frame),
        MessageType.AuthResult => InRange<AuthResult>(frame),
        MessageType.HelloRefused => InRange<HelloRefused>(frame),
        MessageType.RegisterService => InRange<RegisterService>(frame),
        MessageType.ServiceRegistration => InRange<ServiceRegistration>(frame),
        MessageType.Ping => InRange<Ping>(frame),
        MessageType.Pong => InRange<Pong>(frame),
        MessageType.LinkClose => InRange<LinkClose>(frame),
        MessageType.ProtocolError => InRange<ProtocolError>(frame),
        MessageType.ConnectionOpen => InRange<ConnectionOpen>(frame),
        MessageType.ConnectionAccept => InRange<ConnectionAccept>(frame),
        MessageType.ConnectionRefuse => InRange<ConnectionRefuse>(frame),
        MessageType.PostReceiveBuffer => InRange<PostReceiveBuffer>(frame),
        MessageType.DataWritten => InRange<DataWritten>(frame),
        MessageType.SendDescriptor => InRange<SendDescriptor>(frame),
        MessageType.SendCompleted => InRange<SendCompleted>(frame),
        MessageType.Fin => InRange<Fin>(frame),
        MessageType.Reset => InRange<Reset>(frame),
        _ => false,
    };

    private static bool InRange<T>(in Frame frame)
        where T : struct, IProtocolMessage<T>
    {
        if (FrameCodec.TryDecode(frame, out T message) != DecodeStatus.Ok || message.Validate() != DecodeStatus.Ok)
        {
            return false;
        }

        // Re-encoding a decoded message must reproduce the frame bit for bit: nothing is lost or defaulted.
        var again = MessageGenerators.Encode(message, frame.WorkQueue);
        return again.AsSpan(FrameHeader.Length).SequenceEqual(frame.Body);
    }
}
