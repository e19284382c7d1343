using FsCheck;
using FsCheck.Fluent;
using RdmaOffload.Protocol.Auth;
using RdmaOffload.Protocol.Link;
using RdmaOffload.Protocol.Messages;
using RdmaOffload.Protocol.Wire;

namespace RdmaOffload.Protocol.Tests.Link;

public sealed class LinkSessionTests
{
    private static readonly byte[] SecretBytes = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
    private static readonly Bytes32 HostNonce = Nonce(0x11);
    private static readonly Bytes32 AdapterNonce = Nonce(0x22);

    private static Bytes32 Nonce(byte fill) => Bytes32.Read(Enumerable.Repeat(fill, 32).ToArray());

    private static (HostLinkSession Host, AdapterLinkSession Adapter) NewPair(
        byte[]? hostSecret = null, VersionRange? hostVersions = null, VersionRange? adapterVersions = null) =>
        (new HostLinkSession(new SharedSecret(hostSecret ?? SecretBytes), "web-1", hostVersions ?? new VersionRange(1, 1), HostNonce),
         new AdapterLinkSession(new SharedSecret(SecretBytes), "adapter-a", adapterVersions ?? new VersionRange(1, 1)));

    /// <summary>Runs hello → challenge → proof → result over the wire codec, as the two ends would.</summary>
    private static (Verdict AdapterVerdict, Verdict HostVerdict) Handshake(HostLinkSession host, AdapterLinkSession adapter)
    {
        var hello = RoundTrip(host.CreateHello(), adapter);
        Assert.That(adapter.OnHello(hello, AdapterNonce, out var answer).IsAccepted, Is.True);
        Assert.That(answer.IsRefused, Is.False);
        var challenge = RoundTrip(answer.Challenge, host);
        Assert.That(host.OnChallenge(challenge, out var response).IsAccepted, Is.True);
        var adapterVerdict = adapter.OnAuthResponse(RoundTrip(response, adapter), out var result);
        var hostVerdict = host.OnAuthResult(RoundTrip(result, host));
        return (adapterVerdict, hostVerdict);
    }

    private static T RoundTrip<T>(in T message, AdapterLinkSession receiver)
        where T : struct, IProtocolMessage<T> => Deliver(message, (in Frame f) => receiver.Admit(f));

    private static T RoundTrip<T>(in T message, HostLinkSession receiver)
        where T : struct, IProtocolMessage<T> => Deliver(message, (in Frame f) => receiver.Admit(f));

    private delegate Verdict Gate(in Frame frame);

    private static T Deliver<T>(in T message, Gate gate)
        where T : struct, IProtocolMessage<T>
    {
        var bytes = Wire.MessageGenerators.Encode(message, 0);
        Assert.That(Frame.TryRead(bytes, out var frame), Is.EqualTo(DecodeStatus.Ok));
        Assert.That(gate(frame), Is.EqualTo(Verdict.Accepted), $"{T.Type} admitted");
        Assert.That(FrameCodec.TryDecode(frame, out T decoded), Is.EqualTo(DecodeStatus.Ok));
        return decoded;
    }

    [Test]
    public void Hosts_and_adapters_with_the_same_secret_authenticate_each_other_and_register()
    {
        var (host, adapter) = NewPair();
        var (adapterVerdict, hostVerdict) = Handshake(host, adapter);
        Assert.That(adapterVerdict, Is.EqualTo(Verdict.Accepted));
        Assert.That(hostVerdict, Is.EqualTo(Verdict.Accepted));
        Assert.That(adapter.State, Is.EqualTo(LinkState.Authenticated));
        Assert.That(host.State, Is.EqualTo(LinkState.Authenticated));
        Assert.That(adapter.HostIdentity, Is.EqualTo("web-1"));
        Assert.That(host.AdapterIdentity, Is.EqualTo("adapter-a"));

        Assert.That(adapter.Admit(MessageType.ConnectionAccept, 1, 5).Error, Is.EqualTo(ProtocolErrorCode.NotRegistered),
            "no connection traffic before a service is registered");

        (host, adapter) = NewPair();
        Handshake(host, adapter);
        Assert.That(adapter.Admit(MessageType.RegisterService, 1, 0), Is.EqualTo(Verdict.Accepted));
        var request = host.CreateRegistration(443, 10, 0);
        Assert.That(adapter.OnRegisterService(request, out var immediate), Is.EqualTo(Verdict.Accepted));
        Assert.That(immediate, Is.Null, "a new port awaits the adapter's policy");
        Assert.That(adapter.IsRegistered(443), Is.False);
        var answer = new ServiceRegistration(443, RegistrationStatus.Registered);
        adapter.OnRegistrationSent(answer);
        Assert.That(host.OnServiceRegistration(answer), Is.EqualTo(Verdict.Accepted));
        Assert.That(adapter.IsRegistered(443) && host.IsRegistered(443), Is.True);
        Assert.That(adapter.State, Is.EqualTo(LinkState.Registered));
        Assert.That(host.State, Is.EqualTo(LinkState.Registered));
        Assert.That(adapter.RegisteredServices, Is.EqualTo(1));
        Assert.That(adapter.Admit(MessageType.PostReceiveBuffer, 1, 5), Is.EqualTo(Verdict.Accepted));
        Assert.That(host.Admit(MessageType.ConnectionOpen, 1, 5), Is.EqualTo(Verdict.Accepted));
    }

    [Test]
    public void A_wrong_secret_is_rejected_and_the_host_gets_nothing()
    {
        var wrong = SecretBytes.ToArray();
        wrong[^1] ^= 1;
        var (host, adapter) = NewPair(hostSecret: wrong);
        var hello = host.CreateHello();
        adapter.OnHello(hello, AdapterNonce, out var answer);
        host.OnChallenge(answer.Challenge, out var response);
        var verdict = adapter.OnAuthResponse(response, out var result);

        Assert.That(verdict, Is.EqualTo(Verdict.Violation(ProtocolErrorCode.AuthenticationFailed)));
        Assert.That(result, Is.EqualTo(AuthResult.Rejected));
        Assert.That(result.AdapterProof.IsZero, Is.True, "a rejected host learns no adapter proof");
        Assert.That(adapter.State, Is.EqualTo(LinkState.Closing));
        Assert.That(adapter.IsAuthenticated, Is.False);
        Assert.That(host.OnAuthResult(result).Error, Is.EqualTo(ProtocolErrorCode.AuthenticationFailed));
        Assert.That(host.State, Is.EqualTo(LinkState.Closing));
    }

    [Test]
    public void Per_host_secrets_authenticate_known_hosts_and_reject_unknown_ones_like_wrong_proofs()
    {
        var secrets = new Dictionary<string, SharedSecret> { ["web-1"] = new(SecretBytes) };
        var adapter = new AdapterLinkSession(id => secrets.GetValueOrDefault(id), "adapter-a", new VersionRange(1, 1));
        var host = new HostLinkSession(new SharedSecret(SecretBytes), "web-1", new VersionRange(1, 1), HostNonce);
        Assert.That(Handshake(host, adapter), Is.EqualTo((Verdict.Accepted, Verdict.Accepted)));

        adapter = new AdapterLinkSession(id => secrets.GetValueOrDefault(id), "adapter-a", new VersionRange(1, 1));
        var stranger = new HostLinkSession(new SharedSecret(SecretBytes), "web-9", new VersionRange(1, 1), HostNonce);
        Assert.That(adapter.OnHello(stranger.CreateHello(), AdapterNonce, out var answer).IsAccepted, Is.True,
            "an unknown identity is still challenged, so probing does not reveal which identities exist");
        stranger.OnChallenge(answer.Challenge, out var response);
        Assert.That(adapter.OnAuthResponse(response, out var result).Error, Is.EqualTo(ProtocolErrorCode.AuthenticationFailed));
        Assert.That(result, Is.EqualTo(AuthResult.Rejected));
    }

    [Test]
    public void Policy_can_refuse_a_hello()
    {
        var (host, adapter) = NewPair();
        adapter.OnHello(host.CreateHello(), AdapterNonce, out _);
        var refusal = adapter.Refuse(HelloRefusalReason.TooManyHosts);
        Assert.That(refusal, Is.EqualTo(new HelloRefused(HelloRefusalReason.TooManyHosts, new VersionRange(1, 1))));
        Assert.That(adapter.State, Is.EqualTo(LinkState.Closing));
    }

    [Test]
    public void An_adapter_without_the_secret_is_not_trusted_by_the_host()
    {
        var (host, adapter) = NewPair();
        var hello = host.CreateHello();
        adapter.OnHello(hello, AdapterNonce, out var answer);
        host.OnChallenge(answer.Challenge, out _);
        var forged = new AuthResult(AuthStatus.Accepted, Nonce(0x5A));
        Assert.That(host.OnAuthResult(forged).Error, Is.EqualTo(ProtocolErrorCode.AuthenticationFailed));
        Assert.That(host.IsAuthenticated, Is.False);
    }

    [Test]
    public void A_proof_replayed_on_another_link_fails()
    {
        var (host, adapter) = NewPair();
        adapter.OnHello(host.CreateHello(), AdapterNonce, out var answer);
        host.OnChallenge(answer.Challenge, out var recorded);

        var (_, freshAdapter) = NewPair();
        freshAdapter.OnHello(new HostLinkSession(new SharedSecret(SecretBytes), "web-1", new VersionRange(1, 1), HostNonce).CreateHello(),
            Nonce(0x23), out _);
        Assert.That(freshAdapter.OnAuthResponse(recorded, out _).Error, Is.EqualTo(ProtocolErrorCode.AuthenticationFailed));
    }

    [TestCase(MessageType.RegisterService)]
    [TestCase(MessageType.Ping)]
    [TestCase(MessageType.PostReceiveBuffer)]
    [TestCase(MessageType.SendDescriptor)]
    [TestCase(MessageType.ConnectionAccept)]
    public void Anything_but_the_handshake_before_authentication_is_refused_and_closes(MessageType type)
    {
        var (_, adapter) = NewPair();
        var workQueue = MessageTypes.ScopeOf(type) == MessageScope.Connection ? 3u : 0u;
        Assert.That(adapter.Admit(type, 1, workQueue), Is.EqualTo(Verdict.Violation(ProtocolErrorCode.NotAuthenticated)));
        Assert.That(adapter.State, Is.EqualTo(LinkState.Closing));
        Assert.That(adapter.Admit(MessageType.Hello, 1, 0), Is.EqualTo(Verdict.Ignored), "a closing link ignores the rest");
    }

    [Test]
    public void Challenged_but_unproven_hosts_still_get_nothing()
    {
        var (host, adapter) = NewPair();
        adapter.OnHello(host.CreateHello(), AdapterNonce, out _);
        Assert.That(adapter.State, Is.EqualTo(LinkState.Challenged));
        Assert.That(adapter.Admit(MessageType.RegisterService, 1, 0).Error, Is.EqualTo(ProtocolErrorCode.NotAuthenticated));
    }

    [Test]
    public void Registration_handler_refuses_unauthenticated_hosts()
    {
        var (_, adapter) = NewPair();
        Assert.That(adapter.OnRegisterService(new RegisterService(80, 1, 0), out var immediate).Error,
            Is.EqualTo(ProtocolErrorCode.NotAuthenticated));
        Assert.That(immediate, Is.Null);
        Assert.Throws<InvalidOperationException>(() => adapter.OnRegistrationSent(new ServiceRegistration(80, RegistrationStatus.Registered)),
            "nothing is pending, so answering is a local bug");
        Assert.That(adapter.State, Is.EqualTo(LinkState.Closing));
        Assert.That(adapter.RegisteredServices, Is.Zero);
    }

    [Test]
    public void Handshake_messages_out_of_order_are_violations()
    {
        var (host, adapter) = NewPair();
        Assert.That(adapter.OnAuthResponse(new AuthResponse(Nonce(1)), out _).Error, Is.EqualTo(ProtocolErrorCode.UnexpectedMessage));

        (host, adapter) = NewPair();
        Handshake(host, adapter);
        Assert.That(adapter.Admit(MessageType.Hello, 1, 0).Error, Is.EqualTo(ProtocolErrorCode.UnexpectedMessage));

        (host, _) = NewPair();
        Assert.That(host.OnChallenge(new Challenge(1, AdapterNonce, "adapter-a"), out _).Error,
            Is.EqualTo(ProtocolErrorCode.UnexpectedMessage), "no challenge before the hello was sent");
    }

    [Test]
    public void Registration_answers_must_match_requests()
    {
        var (host, adapter) = NewPair();
        Handshake(host, adapter);
        var request = host.CreateRegistration(8080, 1, 100);
        Assert.Throws<InvalidOperationException>(() => host.CreateRegistration(8080, 1, 100), "already pending");
        Assert.That(host.OnServiceRegistration(new ServiceRegistration(9090, RegistrationStatus.Registered)).Error,
            Is.EqualTo(ProtocolErrorCode.UnexpectedMessage), "an answer nobody asked for");
        Assert.That(host.State, Is.EqualTo(LinkState.Closing));

        adapter.OnRegisterService(request, out _);
        Assert.That(adapter.OnRegisterService(request, out var duplicate), Is.EqualTo(Verdict.Accepted));
        Assert.That(duplicate, Is.EqualTo(new ServiceRegistration(8080, RegistrationStatus.AlreadyRegistered)));
        adapter.OnRegistrationSent(new ServiceRegistration(8080, RegistrationStatus.PortNotServed));
        Assert.That(adapter.State, Is.EqualTo(LinkState.Authenticated), "a refused registration opens nothing");
        Assert.That(adapter.IsRegistered(8080), Is.False);
    }

    [Test]
    public void Messages_from_the_wrong_side_are_violations()
    {
        var (host, adapter) = NewPair();
        Assert.That(adapter.Admit(MessageType.Challenge, 1, 0).Error, Is.EqualTo(ProtocolErrorCode.WrongSender));
        Assert.That(host.Admit(MessageType.Hello, 1, 0).Error, Is.EqualTo(ProtocolErrorCode.WrongSender));
    }

    [Test]
    public void Version_negotiation_picks_the_highest_common_version()
    {
        Assert.That(VersionRange.TryNegotiate(new(1, 3), new(2, 5), out var v), Is.True);
        Assert.That(v, Is.EqualTo(3));
        Assert.That(VersionRange.TryNegotiate(new(1, 2), new(3, 4), out v), Is.False);
        Assert.That(v, Is.Zero);
        Assert.That(VersionRange.TryNegotiate(new(2, 1), new(1, 4), out _), Is.False, "an empty range never negotiates");
    }

    [Test]
    public void Incompatible_versions_are_refused_with_the_adapters_range()
    {
        var (host, adapter) = NewPair(hostVersions: new VersionRange(2, 4), adapterVersions: new VersionRange(1, 1));
        var verdict = adapter.OnHello(host.CreateHello(), AdapterNonce, out var answer);
        Assert.That(verdict, Is.EqualTo(Verdict.Accepted));
        Assert.That(answer.IsRefused, Is.True);
        Assert.That(answer.Refusal, Is.EqualTo(new HelloRefused(HelloRefusalReason.VersionUnsupported, new VersionRange(1, 1))));
        Assert.That(adapter.State, Is.EqualTo(LinkState.Closing));
        Assert.That(host.OnHelloRefused(answer.Refusal), Is.EqualTo(Verdict.Accepted));
        Assert.That(host.Refusal, Is.EqualTo(answer.Refusal));
        Assert.That(host.State, Is.EqualTo(LinkState.Closing));
    }

    [Test]
    public void A_host_refuses_a_version_it_did_not_offer()
    {
        var (host, _) = NewPair(hostVersions: new VersionRange(1, 1));
        host.CreateHello();
        Assert.That(host.OnChallenge(new Challenge(2, AdapterNonce, "adapter-a"), out _).Error,
            Is.EqualTo(ProtocolErrorCode.VersionMismatch));
    }

    [Test]
    public void The_proof_exchange_must_already_carry_the_negotiated_version()
    {
        var (host, adapter) = NewPair();
        adapter.OnHello(host.CreateHello(), AdapterNonce, out _);
        Assert.That(adapter.Admit(MessageType.AuthResponse, 2, 0).Error, Is.EqualTo(ProtocolErrorCode.VersionMismatch));
        Assert.That(adapter.State, Is.EqualTo(LinkState.Closing));
    }

    [Test]
    public void After_negotiation_frames_must_carry_the_negotiated_version()
    {
        var (host, adapter) = NewPair();
        Handshake(host, adapter);
        Assert.That(adapter.Admit(MessageType.Ping, 2, 0).Error, Is.EqualTo(ProtocolErrorCode.VersionMismatch));
    }

    [Test]
    public void Link_close_and_link_errors_close_in_any_state_but_connection_errors_do_not()
    {
        var (host, adapter) = NewPair();
        Assert.That(host.Admit(MessageType.LinkClose, 1, 0), Is.EqualTo(Verdict.Accepted));
        Assert.That(host.State, Is.EqualTo(LinkState.Closing));

        (host, adapter) = NewPair();
        Handshake(host, adapter);
        adapter.OnRegisterService(new RegisterService(80, 1, 0), out _);
        adapter.OnRegistrationSent(new ServiceRegistration(80, RegistrationStatus.Registered));
        Assert.That(adapter.Admit(MessageType.ProtocolError, 1, 9), Is.EqualTo(Verdict.Accepted));
        Assert.That(adapter.State, Is.EqualTo(LinkState.Registered));
        Assert.That(adapter.Admit(MessageType.ProtocolError, 1, 0), Is.EqualTo(Verdict.Accepted));
        Assert.That(adapter.State, Is.EqualTo(LinkState.Closing));
    }

    [Test]
    public void Arbitrary_frames_never_authenticate_a_host_or_reach_connection_handling() =>
        Prop.ForAll<(byte Type, byte Version, uint WorkQueue)[]>(frames =>
        {
            var (_, adapter) = NewPair();
            foreach (var (type, version, workQueue) in frames)
            {
                var messageType = (MessageType)type;
                var verdict = adapter.Admit(messageType, version, workQueue);
                var closes = messageType == MessageType.LinkClose || (messageType == MessageType.ProtocolError && workQueue == 0);
                if (verdict.IsAccepted && !MessageTypes.IsHandshake(messageType) && !closes)
                {
                    return false;
                }

                if (adapter.IsAuthenticated)
                {
                    return false;
                }
            }

            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(1000));
}
