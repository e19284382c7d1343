using RdmaOffload.Protocol.Wire;

namespace RdmaOffload.Protocol.Connections;

/// <summary>
/// Validates the message sequence of one accelerated connection (one work queue number) from one end. Feed it every
/// connection-scoped message this end sends (<see cref="OnSent"/>) and receives (<see cref="OnReceived"/>), after
/// the frame decoded; it answers with a <see cref="Verdict"/> and never throws. It starts in
/// <see cref="ConnectionState.Opening"/>: create it when <c>ConnectionOpen</c> is sent (adapter) or received (host).
/// </summary>
/// <remarks>
/// Messages cross on the link, so a message the sender could not yet know to be pointless is <see cref="VerdictKind.Ignored"/>
/// rather than a violation: anything arriving after this end reset the connection, and receive buffers the host posted
/// before it saw the adapter's <c>Fin</c>. The same message sent by an end that did know is a violation.
/// </remarks>
public sealed class ConnectionStateMachine
{
    private bool _accepted;
    private bool _hostFinished;
    private bool _adapterFinished;
    private ProtocolRole? _terminatedBy;

    /// <summary>A machine for the end <paramref name="role"/>, in <see cref="ConnectionState.Opening"/>.</summary>
    public ConnectionStateMachine(ProtocolRole role)
    {
        if (role is not (ProtocolRole.Host or ProtocolRole.Adapter))
        {
            throw new ArgumentOutOfRangeException(nameof(role));
        }

        Role = role;
    }

    /// <summary>The end this machine runs on.</summary>
    public ProtocolRole Role { get; }

    /// <summary>Current state.</summary>
    public ConnectionState State { get; private set; } = ConnectionState.Opening;

    /// <summary>Send descriptors posted and not yet completed.</summary>
    public int OutstandingSends { get; private set; }

    /// <summary>Whether the connection is over (closed, reset or refused): the work queue number may be forgotten.</summary>
    public bool IsTerminal => State is ConnectionState.Closed or ConnectionState.Reset or ConnectionState.Refused;

    /// <summary>Whether the host may still post send descriptors.</summary>
    public bool HostMaySend => _accepted && !_hostFinished && !IsTerminal;

    /// <summary>Whether the adapter may still report client bytes.</summary>
    public bool AdapterMayWrite => _accepted && !_adapterFinished && !IsTerminal;

    /// <summary>Judges a message this end is about to send; on acceptance the state advances.</summary>
    public Verdict OnSent(MessageType type) => Apply(type, Role, sentHere: true);

    /// <summary>Judges a message received from the peer; on acceptance the state advances.</summary>
    public Verdict OnReceived(MessageType type) => Apply(type, Peer(Role), sentHere: false);

    private static ProtocolRole Peer(ProtocolRole role) => role == ProtocolRole.Host ? ProtocolRole.Adapter : ProtocolRole.Host;

    private Verdict Apply(MessageType type, ProtocolRole sender, bool sentHere)
    {
        var permitted = MessageTypes.SenderOf(type);
        if ((permitted & (sender == ProtocolRole.Host ? MessageSender.Host : MessageSender.Adapter)) == 0)
        {
            return permitted == MessageSender.None
                ? Verdict.Violation(ProtocolErrorCode.UnexpectedMessage)
                : Verdict.Violation(ProtocolErrorCode.WrongSender);
        }

        if (MessageTypes.ScopeOf(type) == MessageScope.Link)
        {
            return Verdict.Violation(ProtocolErrorCode.UnexpectedMessage);
        }

        if (IsTerminal)
        {
            return AfterEnd(type, sender, sentHere);
        }

        if (type is MessageType.Reset or MessageType.ProtocolError)
        {
            Terminate(ConnectionState.Reset, sender);
            return Verdict.Accepted;
        }

        return _accepted ? WhileAccepted(type, sender, sentHere) : WhileOpening(type, sender);
    }

    private Verdict WhileOpening(MessageType type, ProtocolRole sender)
    {
        switch (type)
        {
            case MessageType.ConnectionAccept:
                _accepted = true;
                State = ConnectionState.Open;
                return Verdict.Accepted;
            case MessageType.ConnectionRefuse:
                Terminate(ConnectionState.Refused, sender);
                return Verdict.Accepted;
            default:
                // Nothing but accept, refuse or reset before the host decides; the adapter holds a client FIN until then.
                return Verdict.Violation(ProtocolErrorCode.UnexpectedMessage);
        }
    }

    private Verdict WhileAccepted(MessageType type, ProtocolRole sender, bool sentHere)
    {
        switch (type)
        {
            case MessageType.PostReceiveBuffer when _adapterFinished:
                // The host may have posted before it saw the adapter's Fin; it reclaims the buffer itself.
                return sentHere ? Verdict.Violation(ProtocolErrorCode.UnexpectedMessage) : Verdict.Ignored;
            case MessageType.PostReceiveBuffer:
                return Verdict.Accepted;
            case MessageType.SendDescriptor when _hostFinished:
                return Verdict.Violation(ProtocolErrorCode.UnexpectedMessage);
            case MessageType.SendDescriptor:
                OutstandingSends++;
                return Verdict.Accepted;
            case MessageType.SendCompleted when OutstandingSends == 0:
                return Verdict.Violation(ProtocolErrorCode.SendQueueViolation);
            case MessageType.SendCompleted:
                OutstandingSends--;
                UpdateState();
                return Verdict.Accepted;
            case MessageType.DataWritten when _adapterFinished:
                return Verdict.Violation(ProtocolErrorCode.UnexpectedMessage);
            case MessageType.DataWritten:
                return Verdict.Accepted;
            case MessageType.Fin when sender == ProtocolRole.Host ? _hostFinished : _adapterFinished:
                return Verdict.Violation(ProtocolErrorCode.UnexpectedMessage);
            case MessageType.Fin:
                if (sender == ProtocolRole.Host)
                {
                    _hostFinished = true;
                }
                else
                {
                    _adapterFinished = true;
                }

                UpdateState();
                return Verdict.Accepted;
            default:
                // A second ConnectionOpen, Accept or Refuse.
                return Verdict.Violation(ProtocolErrorCode.UnexpectedMessage);
        }
    }

    private Verdict AfterEnd(MessageType type, ProtocolRole sender, bool sentHere)
    {
        if (sentHere)
        {
            return Verdict.Violation(ProtocolErrorCode.UnexpectedMessage);
        }

        if (State == ConnectionState.Closed)
        {
            // Only what can cross the final Fin or completion: an abort from either end, or the host's late buffer post.
            var crossing = type is MessageType.Reset or MessageType.ProtocolError
                || (type == MessageType.PostReceiveBuffer && sender == ProtocolRole.Host);
            return crossing ? Verdict.Ignored : Verdict.Violation(ProtocolErrorCode.UnexpectedMessage);
        }

        // The peer could not have known if this end reset or refused; if the peer did, it knew.
        return _terminatedBy == sender ? Verdict.Violation(ProtocolErrorCode.UnexpectedMessage) : Verdict.Ignored;
    }

    private void Terminate(ConnectionState state, ProtocolRole by)
    {
        State = state;
        _terminatedBy = by;
    }

    private void UpdateState()
    {
        var localFinished = Role == ProtocolRole.Host ? _hostFinished : _adapterFinished;
        var remoteFinished = Role == ProtocolRole.Host ? _adapterFinished : _hostFinished;
        if (localFinished && remoteFinished)
        {
            State = OutstandingSends == 0 ? ConnectionState.Closed : ConnectionState.Draining;
        }
        else
        {
            State = localFinished ? ConnectionState.HalfClosedLocal
                : remoteFinished ? ConnectionState.HalfClosedRemote
                : ConnectionState.Open;
        }
    }
}
