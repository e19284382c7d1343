using RdmaOffload.Protocol.Wire;

namespace RdmaOffload.Protocol.Link;

/// <summary>
/// The checks both ends apply to every received frame before handling it: sender, version and state. Anything
/// but the hello exchange before authentication is refused, so an unauthenticated peer gets nothing.
/// </summary>
internal static class LinkGate
{
    internal static Verdict Admit(LinkState state, byte negotiatedVersion, ProtocolRole peer, MessageType type, byte frameVersion, uint workQueue)
    {
        if (state == LinkState.Closing)
        {
            return Verdict.Ignored;
        }

        var permitted = MessageTypes.SenderOf(type);
        if (permitted == MessageSender.None)
        {
            return Verdict.Violation(ProtocolErrorCode.UnexpectedMessage);
        }

        if ((permitted & (peer == ProtocolRole.Host ? MessageSender.Host : MessageSender.Adapter)) == 0)
        {
            return Verdict.Violation(ProtocolErrorCode.WrongSender);
        }

        // Closing the link, or complaining before closing it, is allowed in every state and grants nothing.
        if (ClosesLink(type, workQueue))
        {
            return Verdict.Accepted;
        }

        var authenticated = state is LinkState.Authenticated or LinkState.Registered;
        if (!authenticated)
        {
            if (!MessageTypes.IsHandshake(type))
            {
                return Verdict.Violation(ProtocolErrorCode.NotAuthenticated);
            }

            // The proof exchange already speaks the chosen version; only the frozen hello messages use the base one.
            return MessageTypes.IsVersionFrozen(type) || frameVersion == negotiatedVersion
                ? Verdict.Accepted
                : Verdict.Violation(ProtocolErrorCode.VersionMismatch);
        }

        if (MessageTypes.IsHandshake(type))
        {
            return Verdict.Violation(ProtocolErrorCode.UnexpectedMessage);
        }

        if (frameVersion != negotiatedVersion)
        {
            return Verdict.Violation(ProtocolErrorCode.VersionMismatch);
        }

        return MessageTypes.ScopeOf(type) == MessageScope.Connection && state != LinkState.Registered
            ? Verdict.Violation(ProtocolErrorCode.NotRegistered)
            : Verdict.Accepted;
    }

    /// <summary>Whether an admitted message ends the link: a <c>LinkClose</c>, or a link-level <c>ProtocolError</c>.</summary>
    internal static bool ClosesLink(MessageType type, uint workQueue) =>
        type == MessageType.LinkClose || (type == MessageType.ProtocolError && workQueue == 0);
}
