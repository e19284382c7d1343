using System.Net;
using System.Security.Authentication;
using System.Text;
using RdmaOffload.Protocol.Auth;
using RdmaOffload.Protocol.Link;
using RdmaOffload.Protocol.Messages;
using RdmaOffload.Protocol.Wire;

namespace RdmaOffload.HostAgent.Tests;

/// <summary>The host agent's side of the protocol, against an adapter the test scripts message by message.</summary>
[TestFixture]
[NonParallelizable]
public sealed class HostLinkRulesTests
{
    private static readonly byte[] Secret = Encoding.ASCII.GetBytes("a shared secret of 32 bytes.....");

    private static HostAgentOptions HostOptions(ScriptedAdapter adapter) => new()
    {
        AdapterEndPoint = adapter.EndPoint,
        SharedSecret = Secret,
        HostIdentity = "host-under-test",
        ServicePort = 80,
        ReceiveBuffersPerConnection = 2,
        ReceiveBufferSize = 4096,
    };

    /// <summary>Runs the real adapter handshake; <paramref name="forgeProof"/> answers with a bad adapter proof instead.</summary>
    private static async Task HandshakeAsync(ScriptedAdapter adapter, bool forgeProof = false)
    {
        using var secret = new SharedSecret(Secret);
        var session = new AdapterLinkSession(secret, "scripted-adapter", ProtocolVersions.Supported);
        var (hello, _) = await adapter.ReceiveAsync<Hello>();
        Assert.That(session.OnHello(hello, Bytes32.Read(new byte[32]), out var answer).IsAccepted, Is.True);
        adapter.Channel.Send(0, answer.Challenge);
        adapter.Channel.Version = session.Version;

        var (response, _) = await adapter.ReceiveAsync<AuthResponse>();
        Assert.That(session.OnAuthResponse(response, out var result).IsAccepted, Is.True, "the host's proof verifies");
        if (forgeProof)
        {
            adapter.Channel.Send(0, new AuthResult(AuthStatus.Accepted, Bytes32.Read(Enumerable.Repeat((byte)0x5A, 32).ToArray())));
            return;
        }

        adapter.Channel.Send(0, result);
        var (registration, _) = await adapter.ReceiveAsync<RegisterService>();
        Assert.That(registration.Port, Is.EqualTo(80));
        Assert.That(session.OnRegisterService(registration, out _).IsAccepted, Is.True);
        var registered = new ServiceRegistration(80, RegistrationStatus.Registered);
        session.OnRegistrationSent(registered);
        adapter.Channel.Send(0, registered);
    }

    [Test]
    public async Task The_host_does_not_serve_an_adapter_whose_proof_fails()
    {
        await using var adapter = ScriptedAdapter.Start();
        var connecting = AcceleratedListener.ConnectAsync(adapter.HostManager, HostOptions(adapter));
        await adapter.WaitForLinkAsync();

        await HandshakeAsync(adapter, forgeProof: true);

        Assert.That(async () => await connecting.WaitAsync(ScriptedAdapter.Timeout), Throws.InstanceOf<AuthenticationException>());
    }

    [Test]
    public async Task Opens_for_other_ports_are_refused_and_a_credit_violation_resets_only_that_connection()
    {
        await using var adapter = ScriptedAdapter.Start();
        var connecting = AcceleratedListener.ConnectAsync(adapter.HostManager, HostOptions(adapter));
        await adapter.WaitForLinkAsync();
        await HandshakeAsync(adapter);
        await using var host = await connecting.WaitAsync(ScriptedAdapter.Timeout);

        var client = new IPEndPoint(IPAddress.Parse("192.0.2.10"), 40000);
        adapter.Channel.Send(1, ConnectionOpen.FromEndPoints(client, new IPEndPoint(IPAddress.Parse("198.51.100.1"), 81)));
        var (refusal, refusedWq) = await adapter.ReceiveAsync<ConnectionRefuse>();
        Assert.That((refusal.Reason, refusedWq), Is.EqualTo((ConnectionRefusalReason.NotListening, 1u)));

        adapter.Channel.Send(2, ConnectionOpen.FromEndPoints(client, new IPEndPoint(IPAddress.Parse("198.51.100.1"), 80)));
        Assert.That((await adapter.ReceiveAsync<ConnectionAccept>()).WorkQueue, Is.EqualTo(2u));
        var (first, _) = await adapter.ReceiveAsync<PostReceiveBuffer>();
        var (second, _) = await adapter.ReceiveAsync<PostReceiveBuffer>();
        Assert.That((first.Length, second.Length), Is.EqualTo((4096u, 4096u)));
        Assert.That(first.BufferId, Is.Not.EqualTo(second.BufferId));

        var connection = await host.AcceptAsync().AsTask().WaitAsync(ScriptedAdapter.Timeout);
        Assert.That(connection.RemoteEndPoint, Is.EqualTo(client));

        // Data must start at offset 0 of the oldest buffer: offset 100 is a credit violation.
        adapter.Channel.Send(2, new DataWritten(first.BufferId, 100, 10));
        var (reset, resetWq) = await adapter.ReceiveAsync<Reset>();
        Assert.That((reset.Reason, resetWq), Is.EqualTo((ResetReason.ProtocolViolation, 2u)));
        Assert.That(async () => await connection.Input.ReadAsync().AsTask().WaitAsync(ScriptedAdapter.Timeout), Throws.InstanceOf<IOException>());

        // The link itself is still up: it answers a ping.
        adapter.Channel.Send(0, new Ping(42));
        Assert.That((await adapter.ReceiveAsync<Pong>()).Message.Token, Is.EqualTo(42UL));
    }
}
