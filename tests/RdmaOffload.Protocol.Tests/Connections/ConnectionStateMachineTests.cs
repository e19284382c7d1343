using FsCheck;
using FsCheck.Fluent;
using RdmaOffload.Protocol.Connections;
using RdmaOffload.Protocol.Wire;
using static RdmaOffload.Protocol.Wire.MessageType;

namespace RdmaOffload.Protocol.Tests.Connections;

public sealed class ConnectionStateMachineTests
{
    /// <summary>Runs the same conversation through a host and an adapter machine, as each end sees it.</summary>
    private sealed class Pair
    {
        public ConnectionStateMachine Host { get; } = new(ProtocolRole.Host);
        public ConnectionStateMachine Adapter { get; } = new(ProtocolRole.Adapter);

        public void FromHost(MessageType type)
        {
            Assert.That(Host.OnSent(type), Is.EqualTo(Verdict.Accepted), $"host sends {type}");
            Assert.That(Adapter.OnReceived(type), Is.EqualTo(Verdict.Accepted), $"adapter receives {type}");
        }

        public void FromAdapter(MessageType type)
        {
            Assert.That(Adapter.OnSent(type), Is.EqualTo(Verdict.Accepted), $"adapter sends {type}");
            Assert.That(Host.OnReceived(type), Is.EqualTo(Verdict.Accepted), $"host receives {type}");
        }

        public void BothAre(ConnectionState host, ConnectionState adapter)
        {
            Assert.That(Host.State, Is.EqualTo(host));
            Assert.That(Adapter.State, Is.EqualTo(adapter));
        }
    }

    [Test]
    public void Full_graceful_lifecycle_client_closes_first()
    {
        var pair = new Pair();
        pair.BothAre(ConnectionState.Opening, ConnectionState.Opening);
        pair.FromHost(ConnectionAccept);
        pair.FromHost(PostReceiveBuffer);
        pair.BothAre(ConnectionState.Open, ConnectionState.Open);
        pair.FromAdapter(DataWritten);
        pair.FromHost(SendDescriptor);
        pair.FromHost(SendDescriptor);
        pair.FromAdapter(SendCompleted);
        pair.FromAdapter(Fin);
        pair.BothAre(ConnectionState.HalfClosedRemote, ConnectionState.HalfClosedLocal);
        pair.FromHost(Fin);
        pair.BothAre(ConnectionState.Draining, ConnectionState.Draining);
        Assert.That(pair.Host.OutstandingSends, Is.EqualTo(1));
        pair.FromAdapter(SendCompleted);
        pair.BothAre(ConnectionState.Closed, ConnectionState.Closed);
        Assert.That(pair.Host.IsTerminal && pair.Adapter.IsTerminal, Is.True);
    }

    [Test]
    public void Full_graceful_lifecycle_host_closes_first()
    {
        var pair = new Pair();
        pair.FromHost(ConnectionAccept);
        pair.FromHost(SendDescriptor);
        pair.FromHost(Fin);
        pair.BothAre(ConnectionState.HalfClosedLocal, ConnectionState.HalfClosedRemote);
        Assert.That(pair.Host.HostMaySend, Is.False);
        pair.FromHost(PostReceiveBuffer);
        pair.FromAdapter(DataWritten);
        pair.FromAdapter(SendCompleted);
        pair.BothAre(ConnectionState.HalfClosedLocal, ConnectionState.HalfClosedRemote);
        pair.FromAdapter(Fin);
        pair.BothAre(ConnectionState.Closed, ConnectionState.Closed);
    }

    [Test]
    public void Refusal_ends_the_connection()
    {
        var pair = new Pair();
        pair.FromHost(ConnectionRefuse);
        pair.BothAre(ConnectionState.Refused, ConnectionState.Refused);
        Assert.That(pair.Host.OnSent(PostReceiveBuffer).Error, Is.EqualTo(ProtocolErrorCode.UnexpectedMessage));
        Assert.That(pair.Adapter.OnReceived(SendDescriptor).Error, Is.EqualTo(ProtocolErrorCode.UnexpectedMessage),
            "the host knew it refused");
    }

    [Test]
    public void Reset_from_either_end_is_terminal([Values] ProtocolRole resetter)
    {
        var pair = new Pair();
        pair.FromHost(ConnectionAccept);
        if (resetter == ProtocolRole.Host)
        {
            pair.FromHost(Reset);
        }
        else
        {
            pair.FromAdapter(Reset);
        }

        pair.BothAre(ConnectionState.Reset, ConnectionState.Reset);
    }

    [Test]
    public void Connection_scoped_protocol_error_resets()
    {
        var pair = new Pair();
        pair.FromHost(ConnectionAccept);
        pair.FromAdapter(ProtocolError);
        pair.BothAre(ConnectionState.Reset, ConnectionState.Reset);
    }

    [Test]
    public void Messages_crossing_a_local_reset_are_ignored()
    {
        var adapter = new ConnectionStateMachine(ProtocolRole.Adapter);
        Assert.That(adapter.OnReceived(ConnectionAccept).IsAccepted, Is.True);
        Assert.That(adapter.OnSent(Reset).IsAccepted, Is.True);
        foreach (var late in new[] { PostReceiveBuffer, SendDescriptor, Fin, Reset })
        {
            Assert.That(adapter.OnReceived(late), Is.EqualTo(Verdict.Ignored), late.ToString());
        }
    }

    [Test]
    public void Messages_after_the_peers_own_reset_are_violations()
    {
        var adapter = new ConnectionStateMachine(ProtocolRole.Adapter);
        adapter.OnReceived(ConnectionAccept);
        adapter.OnReceived(Reset);
        Assert.That(adapter.OnReceived(SendDescriptor).IsViolation, Is.True);
        Assert.That(adapter.OnSent(DataWritten).IsViolation, Is.True, "nothing is sent after a reset");
    }

    [Test]
    public void Reset_crossing_an_accept_is_ignored_by_the_adapter()
    {
        var adapter = new ConnectionStateMachine(ProtocolRole.Adapter);
        Assert.That(adapter.OnSent(Reset).IsAccepted, Is.True);
        Assert.That(adapter.OnReceived(ConnectionAccept), Is.EqualTo(Verdict.Ignored));
        Assert.That(adapter.OnReceived(PostReceiveBuffer), Is.EqualTo(Verdict.Ignored));
    }

    [Test]
    public void Buffer_posted_before_the_host_saw_the_adapters_fin_is_ignored_not_fatal()
    {
        var pair = new Pair();
        pair.FromHost(ConnectionAccept);
        Assert.That(pair.Adapter.OnSent(Fin).IsAccepted, Is.True);
        Assert.That(pair.Host.OnSent(PostReceiveBuffer).IsAccepted, Is.True, "host has not seen the Fin yet");
        Assert.That(pair.Adapter.OnReceived(PostReceiveBuffer), Is.EqualTo(Verdict.Ignored));
        Assert.That(pair.Host.OnReceived(Fin).IsAccepted, Is.True);
        Assert.That(pair.Host.OnSent(PostReceiveBuffer).Error, Is.EqualTo(ProtocolErrorCode.UnexpectedMessage),
            "once the host has seen the Fin, posting is its own mistake");
    }

    [Test]
    public void Crossing_abort_after_graceful_close_is_ignored()
    {
        var pair = new Pair();
        pair.FromHost(ConnectionAccept);
        pair.FromAdapter(Fin);
        pair.FromHost(Fin);
        pair.BothAre(ConnectionState.Closed, ConnectionState.Closed);
        Assert.That(pair.Adapter.OnReceived(Reset), Is.EqualTo(Verdict.Ignored));
        Assert.That(pair.Adapter.OnReceived(PostReceiveBuffer), Is.EqualTo(Verdict.Ignored));
        Assert.That(pair.Adapter.OnReceived(SendDescriptor).IsViolation, Is.True);
        Assert.That(pair.Host.OnReceived(DataWritten).IsViolation, Is.True);
    }

    /// <summary>
    /// Steps are "H:Type" (sent by the host) or "A:Type" (sent by the adapter), as seen by a machine of the given role;
    /// every step but the last is valid and the last is the violation.
    /// </summary>
    [TestCase(ProtocolRole.Adapter, "A:DataWritten", ProtocolErrorCode.UnexpectedMessage)]
    [TestCase(ProtocolRole.Adapter, "A:Fin", ProtocolErrorCode.UnexpectedMessage)]
    [TestCase(ProtocolRole.Host, "H:PostReceiveBuffer", ProtocolErrorCode.UnexpectedMessage)]
    [TestCase(ProtocolRole.Host, "H:ConnectionAccept H:ConnectionAccept", ProtocolErrorCode.UnexpectedMessage)]
    [TestCase(ProtocolRole.Host, "H:ConnectionAccept H:ConnectionRefuse", ProtocolErrorCode.UnexpectedMessage)]
    [TestCase(ProtocolRole.Host, "A:ConnectionOpen", ProtocolErrorCode.UnexpectedMessage)]
    [TestCase(ProtocolRole.Host, "H:ConnectionAccept H:DataWritten", ProtocolErrorCode.WrongSender)]
    [TestCase(ProtocolRole.Adapter, "H:ConnectionAccept A:SendDescriptor", ProtocolErrorCode.WrongSender)]
    [TestCase(ProtocolRole.Host, "H:ConnectionAccept H:Ping", ProtocolErrorCode.UnexpectedMessage)]
    [TestCase(ProtocolRole.Adapter, "H:ConnectionAccept A:SendCompleted", ProtocolErrorCode.SendQueueViolation)]
    [TestCase(ProtocolRole.Host, "H:ConnectionAccept H:SendDescriptor A:SendCompleted A:SendCompleted", ProtocolErrorCode.SendQueueViolation)]
    [TestCase(ProtocolRole.Host, "H:ConnectionAccept H:Fin H:SendDescriptor", ProtocolErrorCode.UnexpectedMessage)]
    [TestCase(ProtocolRole.Adapter, "H:ConnectionAccept H:Fin H:SendDescriptor", ProtocolErrorCode.UnexpectedMessage)]
    [TestCase(ProtocolRole.Host, "H:ConnectionAccept H:Fin H:Fin", ProtocolErrorCode.UnexpectedMessage)]
    [TestCase(ProtocolRole.Adapter, "H:ConnectionAccept A:Fin A:DataWritten", ProtocolErrorCode.UnexpectedMessage)]
    [TestCase(ProtocolRole.Host, "H:ConnectionAccept A:Fin A:DataWritten", ProtocolErrorCode.UnexpectedMessage)]
    public void Invalid_sequences_are_reported_as_values(ProtocolRole role, string steps, ProtocolErrorCode expected)
    {
        var machine = new ConnectionStateMachine(role);
        var sequence = steps.Split(' ');
        for (var i = 0; i < sequence.Length; i++)
        {
            var sender = sequence[i][0] == 'H' ? ProtocolRole.Host : ProtocolRole.Adapter;
            var type = Enum.Parse<MessageType>(sequence[i][2..]);
            var verdict = sender == role ? machine.OnSent(type) : machine.OnReceived(type);
            var expectedVerdict = i < sequence.Length - 1 ? Verdict.Accepted : Verdict.Violation(expected);
            Assert.That(verdict, Is.EqualTo(expectedVerdict), $"step {i}: {sequence[i]}");
        }
    }

    [Test]
    public void Undefined_type_bytes_are_violations([Values] ProtocolRole role)
    {
        var machine = new ConnectionStateMachine(role);
        Assert.That(machine.OnReceived((MessageType)0x99), Is.EqualTo(Verdict.Violation(ProtocolErrorCode.UnexpectedMessage)));
        Assert.That(machine.State, Is.EqualTo(ConnectionState.Opening));
    }

    [Test]
    public void Any_sequence_of_any_bytes_never_throws_and_terminal_states_stay_terminal() =>
        Prop.ForAll<bool, (bool Sent, byte Type)[]>((isHost, steps) =>
        {
            var machine = new ConnectionStateMachine(isHost ? ProtocolRole.Host : ProtocolRole.Adapter);
            var wasTerminal = false;
            foreach (var (sent, type) in steps)
            {
                var before = machine.State;
                var verdict = sent ? machine.OnSent((MessageType)type) : machine.OnReceived((MessageType)type);
                if (wasTerminal && machine.State != before)
                {
                    return false;
                }

                if (!verdict.IsAccepted && machine.State != before)
                {
                    return false;
                }

                if (machine.OutstandingSends < 0)
                {
                    return false;
                }

                wasTerminal = machine.IsTerminal;
            }

            return true;
        }).QuickCheckThrowOnFailure();
}
