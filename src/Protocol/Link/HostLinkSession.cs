using RdmaOffload.Protocol.Auth;
using RdmaOffload.Protocol.Messages;
using RdmaOffload.Protocol.Wire;

namespace RdmaOffload.Protocol.Link;

/// <summary>
/// The host's side of one adapter link: sends the hello, answers the challenge, verifies the adapter's proof (mutual
/// authentication), and tracks registrations. Sans-IO like <see cref="AdapterLinkSession"/>; the host nonce comes in
/// from the caller's random source.
/// </summary>
public sealed class HostLinkSession
{
    private readonly SharedSecret _secret;
    private readonly Bytes32 _hostNonce;
    private readonly HashSet<ushort> _pendingPorts = [];
    private readonly HashSet<ushort> _registeredPorts = [];
    private Challenge _challenge;
    private bool _helloSent;

    /// <summary>A session for a freshly connected adapter link.</summary>
    /// <param name="secret">The secret provisioned for this host.</param>
    /// <param name="hostIdentity">This host's name, bound into both proofs.</param>
    /// <param name="supported">Versions this host speaks; normally <see cref="ProtocolVersions.Supported"/>.</param>
    /// <param name="hostNonce">Fresh random bytes from the caller.</param>
    public HostLinkSession(SharedSecret secret, string hostIdentity, VersionRange supported, Bytes32 hostNonce)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (!PeerIdentity.IsValid(hostIdentity))
        {
            throw new ArgumentException("Not a valid peer identity.", nameof(hostIdentity));
        }

        if (!supported.IsValid)
        {
            throw new ArgumentOutOfRangeException(nameof(supported));
        }

        _secret = secret;
        _hostNonce = hostNonce;
        Supported = supported;
        HostIdentity = hostIdentity;
    }

    /// <summary>This host's identity.</summary>
    public string HostIdentity { get; }

    /// <summary>Versions this host offers.</summary>
    public VersionRange Supported { get; }

    /// <summary>Current state.</summary>
    public LinkState State { get; private set; } = LinkState.Connected;

    /// <summary>The version the adapter chose; 0 before the challenge.</summary>
    public byte Version { get; private set; }

    /// <summary>The adapter's identity from its challenge; empty before. Trust it only once <see cref="IsAuthenticated"/>.</summary>
    public string AdapterIdentity => _challenge.AdapterIdentity ?? string.Empty;

    /// <summary>Whether both proofs verified.</summary>
    public bool IsAuthenticated => State is LinkState.Authenticated or LinkState.Registered;

    /// <summary>Why the adapter refused the hello, if it did.</summary>
    public HelloRefused? Refusal { get; private set; }

    /// <summary>The hello to send first. Call once.</summary>
    /// <exception cref="InvalidOperationException">Called twice or after the link began closing.</exception>
    public Hello CreateHello()
    {
        if (_helloSent || State != LinkState.Connected)
        {
            throw new InvalidOperationException("The hello is sent once, first.");
        }

        _helloSent = true;
        return new Hello(Supported, _hostNonce, HostIdentity);
    }

    /// <inheritdoc cref="AdapterLinkSession.Admit(in Frame)"/>
    public Verdict Admit(in Frame frame) => Admit(frame.Type, frame.Version, frame.WorkQueue);

    /// <inheritdoc cref="AdapterLinkSession.Admit(in Frame)"/>
    public Verdict Admit(MessageType type, byte frameVersion, uint workQueue)
    {
        var verdict = LinkGate.Admit(State, Version, ProtocolRole.Adapter, type, frameVersion, workQueue);
        if (verdict.IsViolation || (verdict.IsAccepted && LinkGate.ClosesLink(type, workQueue)))
        {
            State = LinkState.Closing;
        }

        return verdict;
    }

    /// <summary>
    /// Answers the adapter's challenge with this host's proof. The chosen version must be one this host offered,
    /// otherwise the adapter is downgrading or confused and the link closes.
    /// </summary>
    public Verdict OnChallenge(in Challenge challenge, out AuthResponse response)
    {
        response = default;
        if (State != LinkState.Connected || !_helloSent)
        {
            return Fail(ProtocolErrorCode.UnexpectedMessage);
        }

        if (!Supported.Contains(challenge.Version))
        {
            return Fail(ProtocolErrorCode.VersionMismatch);
        }

        _challenge = challenge;
        Version = challenge.Version;
        State = LinkState.Challenged;
        response = new AuthResponse(Transcript().ComputeProof(_secret, AuthRole.Host));
        return Verdict.Accepted;
    }

    /// <summary>Records the adapter's refusal; the link closes.</summary>
    public Verdict OnHelloRefused(in HelloRefused refusal)
    {
        if (State != LinkState.Connected || !_helloSent)
        {
            return Fail(ProtocolErrorCode.UnexpectedMessage);
        }

        Refusal = refusal;
        State = LinkState.Closing;
        return Verdict.Accepted;
    }

    /// <summary>
    /// Checks the adapter's verdict and verifies its proof in constant time, so the host never serves an adapter
    /// that does not hold the secret. Anything but an accepted, valid proof closes the link.
    /// </summary>
    public Verdict OnAuthResult(in AuthResult result)
    {
        if (State != LinkState.Challenged)
        {
            return Fail(ProtocolErrorCode.UnexpectedMessage);
        }

        if (result.Status != AuthStatus.Accepted || !Transcript().Verify(_secret, AuthRole.Adapter, result.AdapterProof))
        {
            return Fail(ProtocolErrorCode.AuthenticationFailed);
        }

        State = LinkState.Authenticated;
        return Verdict.Accepted;
    }

    /// <summary>Whether the adapter confirmed <paramref name="port"/>; connections may arrive for it.</summary>
    public bool IsRegistered(ushort port) => _registeredPorts.Contains(port);

    /// <summary>A registration request to send; the answer comes back through <see cref="OnServiceRegistration"/>.</summary>
    /// <exception cref="InvalidOperationException">Not authenticated yet, or the port is already pending or registered.</exception>
    public RegisterService CreateRegistration(ushort port, ushort weight, uint maxConnections)
    {
        if (!IsAuthenticated)
        {
            throw new InvalidOperationException("Services are registered after authentication.");
        }

        var request = new RegisterService(port, weight, maxConnections);
        if (request.Validate() != DecodeStatus.Ok)
        {
            throw new ArgumentException("Port and weight must be non-zero.");
        }

        if (_registeredPorts.Contains(port) || !_pendingPorts.Add(port))
        {
            throw new InvalidOperationException($"Port {port} is already pending or registered.");
        }

        return request;
    }

    /// <summary>
    /// Records the adapter's answer to a pending request; the first success opens the link to connection traffic.
    /// An answer for a port not pending is a violation.
    /// </summary>
    public Verdict OnServiceRegistration(in ServiceRegistration answer)
    {
        if (!IsAuthenticated)
        {
            return Fail(ProtocolErrorCode.NotAuthenticated);
        }

        if (!_pendingPorts.Remove(answer.Port))
        {
            return Fail(ProtocolErrorCode.UnexpectedMessage);
        }

        if (answer.Status == RegistrationStatus.Registered)
        {
            _registeredPorts.Add(answer.Port);
            State = LinkState.Registered;
        }

        return Verdict.Accepted;
    }

    /// <summary>Begins closing from this end.</summary>
    public void Close() => State = LinkState.Closing;

    private AuthTranscript Transcript() =>
        new(Supported, Version, _hostNonce, _challenge.AdapterNonce, HostIdentity, _challenge.AdapterIdentity);

    private Verdict Fail(ProtocolErrorCode error)
    {
        State = LinkState.Closing;
        return Verdict.Violation(error);
    }
}
