namespace RdmaOffload.Protocol;

/// <summary>How a state machine judged a message.</summary>
public enum VerdictKind : byte
{
    /// <summary>Allowed; the state advanced.</summary>
    Accepted = 1,

    /// <summary>Legitimately late (it crossed a reset or FIN the sender had not yet seen): drop it, no error.</summary>
    Ignored = 2,

    /// <summary>Not allowed: report <see cref="Verdict.Error"/> to the peer and close the connection or link.</summary>
    Violation = 3,
}

/// <summary>A state machine's judgement of one message; a value, never an exception.</summary>
/// <param name="Kind">Accepted, ignored or a violation.</param>
/// <param name="Error">For a violation, what was wrong; otherwise <see cref="ProtocolErrorCode.None"/>.</param>
public readonly record struct Verdict(VerdictKind Kind, ProtocolErrorCode Error)
{
    /// <summary>The message is allowed.</summary>
    public static Verdict Accepted => new(VerdictKind.Accepted, ProtocolErrorCode.None);

    /// <summary>The message is late and harmless.</summary>
    public static Verdict Ignored => new(VerdictKind.Ignored, ProtocolErrorCode.None);

    /// <summary>Whether the message is allowed.</summary>
    public bool IsAccepted => Kind == VerdictKind.Accepted;

    /// <summary>Whether the message breaks the protocol.</summary>
    public bool IsViolation => Kind == VerdictKind.Violation;

    /// <summary>A violation of kind <paramref name="error"/>.</summary>
    public static Verdict Violation(ProtocolErrorCode error) => new(VerdictKind.Violation, error);
}
