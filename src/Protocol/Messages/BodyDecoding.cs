using RdmaOffload.Protocol.Wire;

namespace RdmaOffload.Protocol.Messages;

/// <summary>Shared last step of every body decoder: range-check the candidate, and hand out nothing unless it passes.</summary>
internal static class BodyDecoding
{
    internal static DecodeStatus Accept<T>(in T candidate, out T message)
        where T : struct, IProtocolMessage<T>
    {
        var status = candidate.Validate();
        message = status == DecodeStatus.Ok ? candidate : default;
        return status;
    }
}
