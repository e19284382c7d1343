using RdmaOffload.Protocol.Auth;
using RdmaOffload.Protocol.Messages;
using RdmaOffload.Protocol.Wire;

namespace RdmaOffload.Protocol.Link;

/// <summary>
/// The adapter's side of one host link: version negotiation, challenge–response authentication and the
/// registration gate. Sans-IO: the caller decodes frames, passes each through <see cref="Admit(in Frame)"/>, then
/// hands hello-exchange and registration messages to the typed handlers and sends what they return. Nonces come in
/// from the caller's random source. Nothing here throws on peer input.
/// </summary>
public sealed class AdapterLinkSession
{
    // Verifies proofs for unknown identities so that rejecting them takes as long as rejecting a wrong proof. The
    // outcome is discarded, so the key need not be secret and the library stays free of random sources.
    private static readonly SharedSecret UnknownIdentitySecret = new(new byte[32]);

    private readonly Func<string, SharedSecret?> _secretForHost;
    private readonly VersionRange _supported;
    private readonly HashSet<ushort> _pendingPorts = [];
    private readonly HashSet<ushort> _registeredPorts = [];
    private Hello _hello;
    private Bytes32 _adapterNonce;

    /// <summary>A session for a freshly connected host, with one secret shared by every allowed host.</summary>
    /// <param name="secret">The secret shared with the hosts allowed on this adapter.</param>
    /// <param name="adapterIdentity">This adapter's name, bound into both proofs.</param>
    /// <param name="supported">Versions this adapter speaks; normally <see cref="ProtocolVersions.Supported"/>.</param>
    public AdapterLinkSession(SharedSecret secret, string adapterIdentity, VersionRange supported)
        : this(SameSecretForEveryHost(secret), adapterIdentity, supported)
    {
    }

    /// <summary>A session for a freshly connected host, with a secret per host identity.</summary>
    /// <param name="secretForHost">
    /// The secret provisioned for a host identity, or null if the identity is unknown. An unknown identity is still
    /// challenged and then fails authentication like a wrong proof, so probing reveals nothing about which exist.
    /// </param>
    /// <param name="adapterIdentity">This adapter's name, bound into both proofs.</param>
    /// <param name="supported">Versions this adapter speaks; normally <see cref="ProtocolVersions.Supported"/>.</param>
    public AdapterLinkSession(Func<string, SharedSecret?> secretForHost, string adapterIdentity, VersionRange supported)
    {
        ArgumentNullException.ThrowIfNull(secretForHost);
        if (!PeerIdentity.IsValid(adapterIdentity))
        {
            throw new ArgumentException("Not a valid peer identity.", nameof(adapterIdentity));
        }

        if (!supported.IsValid)
        {
            throw new ArgumentOutOfRangeException(nameof(supported));
        }

        _secretForHost = secretForHost;
        _supported = supported;
        AdapterIdentity = adapterIdentity;
    }

    /// <summary>This adapter's identity.</summary>
    public string AdapterIdentity { get; }

    /// <summary>Current state.</summary>
    public LinkState State { get; private set; } = LinkState.Connected;

    /// <summary>The version chosen in the hello exchange; 0 before.</summary>
    public byte Version { get; private set; }

    /// <summary>The host's identity once it sent a hello; empty before. Trust it only once <see cref="IsAuthenticated"/>.</summary>
    public string HostIdentity => _hello.HostIdentity ?? string.Empty;

    /// <summary>Whether the host proved it holds the shared secret.</summary>
    public bool IsAuthenticated => State is LinkState.Authenticated or LinkState.Registered;

    /// <summary>Services registered so far.</summary>
    public int RegisteredServices => _registeredPorts.Count;

    /// <summary>Whether the host registered <paramref name="port"/>: only then may the adapter open connections for it here.</summary>
    public bool IsRegistered(ushort port) => _registeredPorts.Contains(port);

    /// <summary>
    /// Gate for every received frame. A violation moves the link to <see cref="LinkState.Closing"/>; the caller
    /// sends a <c>ProtocolError</c> and a <c>LinkClose</c>. A link-level <c>LinkClose</c> or <c>ProtocolError</c> also closes.
    /// </summary>
    public Verdict Admit(in Frame frame) => Admit(frame.Type, frame.Version, frame.WorkQueue);

    /// <inheritdoc cref="Admit(in Frame)"/>
    public Verdict Admit(MessageType type, byte frameVersion, uint workQueue)
    {
        var verdict = LinkGate.Admit(State, Version, ProtocolRole.Host, type, frameVersion, workQueue);
        if (verdict.IsViolation || (verdict.IsAccepted && LinkGate.ClosesLink(type, workQueue)))
        {
            State = LinkState.Closing;
        }

        return verdict;
    }

    /// <summary>
    /// Handles the host's hello: picks the highest common version and answers with a challenge carrying
    /// <paramref name="adapterNonce"/> (fresh random bytes from the caller), or refuses when no version is common.
    /// </summary>
    public Verdict OnHello(in Hello hello, Bytes32 adapterNonce, out HelloAnswer answer)
    {
        answer = default;
        if (State != LinkState.Connected)
        {
            return Fail(ProtocolErrorCode.UnexpectedMessage);
        }

        if (!VersionRange.TryNegotiate(_supported, hello.Versions, out var version))
        {
            State = LinkState.Closing;
            answer = new HelloAnswer(true, default, new HelloRefused(HelloRefusalReason.VersionUnsupported, _supported));
            return Verdict.Accepted;
        }

        _hello = hello;
        _adapterNonce = adapterNonce;
        Version = version;
        State = LinkState.Challenged;
        answer = new HelloAnswer(false, new Challenge(version, adapterNonce, AdapterIdentity), default);
        return Verdict.Accepted;
    }

    /// <summary>
    /// Verifies the host's proof in constant time. On success the link is authenticated and <paramref name="result"/>
    /// carries the adapter's own proof; on failure it is a rejection, the link closes and the verdict is
    /// <see cref="ProtocolErrorCode.AuthenticationFailed"/>.
    /// </summary>
    public Verdict OnAuthResponse(in AuthResponse response, out AuthResult result)
    {
        result = AuthResult.Rejected;
        if (State != LinkState.Challenged)
        {
            return Fail(ProtocolErrorCode.UnexpectedMessage);
        }

        var transcript = Transcript();
        var secret = _secretForHost(_hello.HostIdentity);
        var verified = transcript.Verify(secret ?? UnknownIdentitySecret, AuthRole.Host, response.HostProof);
        if (secret is null || !verified)
        {
            return Fail(ProtocolErrorCode.AuthenticationFailed);
        }

        State = LinkState.Authenticated;
        result = new AuthResult(AuthStatus.Accepted, transcript.ComputeProof(secret, AuthRole.Adapter));
        return Verdict.Accepted;
    }

    /// <summary>
    /// Accepts a registration request for consideration; the adapter's policy then decides and answers with
    /// <see cref="OnRegistrationSent"/>. A port the host already registered is answered at once with
    /// <paramref name="immediateAnswer"/> (<see cref="RegistrationStatus.AlreadyRegistered"/>).
    /// </summary>
    public Verdict OnRegisterService(in RegisterService request, out ServiceRegistration? immediateAnswer)
    {
        immediateAnswer = null;
        if (!IsAuthenticated)
        {
            return Fail(ProtocolErrorCode.NotAuthenticated);
        }

        if (_registeredPorts.Contains(request.Port) || !_pendingPorts.Add(request.Port))
        {
            immediateAnswer = new ServiceRegistration(request.Port, RegistrationStatus.AlreadyRegistered);
        }

        return Verdict.Accepted;
    }

    /// <summary>Records the policy's answer to a pending request; a success opens the link to connection traffic.</summary>
    /// <exception cref="InvalidOperationException">No request for that port is pending: a bug in the caller.</exception>
    public void OnRegistrationSent(in ServiceRegistration answer)
    {
        if (!_pendingPorts.Remove(answer.Port))
        {
            throw new InvalidOperationException($"No registration of port {answer.Port} is pending.");
        }

        if (answer.Status == RegistrationStatus.Registered)
        {
            _registeredPorts.Add(answer.Port);
            State = LinkState.Registered;
        }
    }

    /// <summary>
    /// The adapter's policy turns the host away after its hello (too many hosts, identity not allowed): returns the
    /// refusal to send, and the link closes.
    /// </summary>
    public HelloRefused Refuse(HelloRefusalReason reason)
    {
        State = LinkState.Closing;
        return new HelloRefused(reason, _supported);
    }

    /// <summary>Begins closing from this end (shutdown, keepalive timeout).</summary>
    public void Close() => State = LinkState.Closing;

    private AuthTranscript Transcript() =>
        new(_hello.Versions, Version, _hello.HostNonce, _adapterNonce, _hello.HostIdentity, AdapterIdentity);

    private static Func<string, SharedSecret?> SameSecretForEveryHost(SharedSecret secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return _ => secret;
    }

    private Verdict Fail(ProtocolErrorCode error)
    {
        State = LinkState.Closing;
        return Verdict.Violation(error);
    }
}
