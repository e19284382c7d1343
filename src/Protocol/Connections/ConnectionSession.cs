using RdmaOffload.Protocol.Credit;
using RdmaOffload.Protocol.Messages;
using RdmaOffload.Protocol.Wire;

namespace RdmaOffload.Protocol.Connections;

/// <summary>
/// Everything one end tracks for one accelerated connection: the <see cref="ConnectionStateMachine"/>, the
/// <see cref="ReceiveCredit"/> and the <see cref="SendDescriptorQueue"/>, kept consistent with each other. Received
/// frames go through <see cref="OnReceived"/>; outgoing messages through the role's methods, which refuse what the
/// state does not allow. Any violation means the caller resets the connection; the session is not usable after it.
/// </summary>
public sealed class ConnectionSession
{
    /// <summary>A session in <see cref="ConnectionState.Opening"/> for work queue number <paramref name="workQueue"/>.</summary>
    /// <param name="role">The end this session runs on.</param>
    /// <param name="workQueue">The connection's work queue number; non-zero.</param>
    /// <param name="maxPostedBuffers">Most receive buffers the host may have posted at once.</param>
    /// <param name="maxOutstandingSends">Most send descriptors the host may have outstanding at once.</param>
    public ConnectionSession(ProtocolRole role, uint workQueue, int maxPostedBuffers, int maxOutstandingSends)
    {
        ArgumentOutOfRangeException.ThrowIfZero(workQueue);
        Machine = new ConnectionStateMachine(role);
        Credit = new ReceiveCredit(maxPostedBuffers);
        Sends = new SendDescriptorQueue(maxOutstandingSends);
        WorkQueue = workQueue;
    }

    /// <summary>The connection's work queue number.</summary>
    public uint WorkQueue { get; }

    /// <summary>The end this session runs on.</summary>
    public ProtocolRole Role => Machine.Role;

    /// <summary>Current state.</summary>
    public ConnectionState State => Machine.State;

    /// <summary>The message-sequence rules.</summary>
    public ConnectionStateMachine Machine { get; }

    /// <summary>Posted receive buffers (client → host bytes).</summary>
    public ReceiveCredit Credit { get; }

    /// <summary>Outstanding send descriptors (host → client bytes).</summary>
    public SendDescriptorQueue Sends { get; }

    /// <summary>
    /// Applies a received, validated frame of this connection: checks the sequence, then feeds buffers, descriptors,
    /// notifications and completions into the credit and send queue. <see cref="VerdictKind.Ignored"/> frames change nothing.
    /// </summary>
    public Verdict OnReceived(in Frame frame)
    {
        if (frame.WorkQueue != WorkQueue)
        {
            return Verdict.Violation(ProtocolErrorCode.UnknownWorkQueue);
        }

        var verdict = Machine.OnReceived(frame.Type);
        if (!verdict.IsAccepted)
        {
            return verdict;
        }

        return frame.Type switch
        {
            MessageType.PostReceiveBuffer when FrameCodec.TryDecode(frame, out PostReceiveBuffer buffer) == DecodeStatus.Ok =>
                Credit.Post(buffer),
            MessageType.SendDescriptor when FrameCodec.TryDecode(frame, out SendDescriptor descriptor) == DecodeStatus.Ok =>
                Sends.Enqueue(descriptor),
            MessageType.DataWritten when FrameCodec.TryDecode(frame, out DataWritten written) == DecodeStatus.Ok =>
                Credit.OnDataWritten(written, out _),
            MessageType.SendCompleted when FrameCodec.TryDecode(frame, out SendCompleted completion) == DecodeStatus.Ok =>
                Sends.OnCompleted(completion, out _),
            MessageType.PostReceiveBuffer or MessageType.SendDescriptor or MessageType.DataWritten or MessageType.SendCompleted =>
                Verdict.Violation(ProtocolErrorCode.MalformedFrame),
            _ => verdict,
        };
    }

    /// <summary>Records a body-less or reason-only message this end sends: accept, refuse, <c>Fin</c>, <c>Reset</c>, <c>ProtocolError</c>.</summary>
    /// <exception cref="ArgumentException"><paramref name="type"/> carries credit or queue state: use the dedicated method.</exception>
    public Verdict OnSent(MessageType type)
    {
        if (type is MessageType.PostReceiveBuffer or MessageType.SendDescriptor or MessageType.DataWritten or MessageType.SendCompleted)
        {
            throw new ArgumentException($"Send {type} through its dedicated method.", nameof(type));
        }

        return Machine.OnSent(type);
    }

    /// <summary>Host: posts a receive buffer, if the state allows it.</summary>
    public Verdict PostReceiveBuffer(in PostReceiveBuffer buffer)
    {
        RequireRole(ProtocolRole.Host);
        var verdict = Machine.OnSent(MessageType.PostReceiveBuffer);
        return verdict.IsAccepted ? Credit.Post(buffer) : verdict;
    }

    /// <summary>Host: queues a send descriptor, if the state allows it.</summary>
    public Verdict PostSend(in SendDescriptor descriptor)
    {
        RequireRole(ProtocolRole.Host);
        var verdict = Machine.OnSent(MessageType.SendDescriptor);
        return verdict.IsAccepted ? Sends.Enqueue(descriptor) : verdict;
    }

    /// <summary>
    /// Adapter: places the next run of in-order client bytes (see <see cref="ReceiveCredit.TryPlaceWrite"/>); false when
    /// the state forbids writing or no credit is left. Send <c>placement.ToDataWritten()</c> after the RDMA WRITE.
    /// </summary>
    public bool TryPlaceWrite(long availableBytes, out ReceivePlacement placement)
    {
        RequireRole(ProtocolRole.Adapter);
        placement = default;
        return Machine.AdapterMayWrite && Credit.TryPlaceWrite(availableBytes, out placement)
            && Machine.OnSent(MessageType.DataWritten).IsAccepted;
    }

    /// <summary>Adapter: the TCP receive window to advertise now (0 once the client's direction is finished).</summary>
    public long AdvertisableWindow(long maxWindow)
    {
        RequireRole(ProtocolRole.Adapter);
        return Machine.AdapterMayWrite ? Credit.AdvertisableWindow(maxWindow) : 0;
    }

    /// <summary>Adapter: the client's cumulative acknowledgment (see <see cref="SendDescriptorQueue.Acknowledge"/>).</summary>
    public Verdict Acknowledge(long cumulativeBytes)
    {
        RequireRole(ProtocolRole.Adapter);
        return Sends.Acknowledge(cumulativeBytes);
    }

    /// <summary>Adapter: the next completion to send, if a descriptor is fully acknowledged; call until false.</summary>
    public bool TryCompleteSend(out SendCompleted completion)
    {
        RequireRole(ProtocolRole.Adapter);
        completion = default;
        if (Machine.IsTerminal || !Sends.TryDequeueCompleted(out var descriptor))
        {
            return false;
        }

        completion = new SendCompleted(descriptor.DescriptorId);
        return Machine.OnSent(MessageType.SendCompleted).IsAccepted;
    }

    private void RequireRole(ProtocolRole role)
    {
        if (Role != role)
        {
            throw new InvalidOperationException($"Only the {role} end does this.");
        }
    }
}
