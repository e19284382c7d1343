using RdmaOffload.NetStack.Tcp;
using RdmaOffload.NetStack.Tests.Simulation;
using RdmaOffload.NetStack.Wire;

namespace RdmaOffload.NetStack.Tests.Tcp;

/// <summary>The stack against a scripted peer: handshake, RFC 5961 protections, RST, windows, timers.</summary>
public sealed class StateMachineTests
{
    private const ushort ServerPort = 80;
    private const ushort ClientPort = 40000;
    private const uint ClientIsn = 1_000_000;

    /// <summary>Handshake as a Linux client would (all options); returns the server's ISN and the accepted owner.</summary>
    private static (uint ServerIsn, TestConnection Server) Establish(ScriptedPeer peer, TestAcceptor acceptor, bool timestamps = true)
    {
        var synOptions = timestamps ? ScriptedPeer.LinuxSynOptions(100) : new TcpOptions { WindowScale = 7, MaximumSegmentSize = 1460 };
        peer.Send(ClientPort, ServerPort, ClientIsn, 0, TcpFlags.Syn, 64240, options: synOptions);
        var synAck = peer.TakeSegments().Single();
        Assert.That(synAck.Flags, Is.EqualTo(TcpFlags.Syn | TcpFlags.Ack));
        Assert.That(synAck.Ack, Is.EqualTo(ClientIsn + 1));
        peer.Send(ClientPort, ServerPort, ClientIsn + 1, synAck.Seq + 1, TcpFlags.Ack, 502,
            options: timestamps ? ScriptedPeer.Timestamps(101, synAck.Options.TimestampValue) : null);
        Assert.That(acceptor.Accepted, Has.Count.EqualTo(1));
        return (synAck.Seq, acceptor.Accepted[0]);
    }

    private static (ScriptedPeer Peer, TestAcceptor Acceptor) Listening(Action<NetworkStackOptions>? configure = null, Func<TestConnection>? factory = null)
    {
        var peer = new ScriptedPeer(configure);
        var acceptor = new TestAcceptor(factory ?? (() => new TestConnection()));
        peer.Stack.Listen(ServerPort, acceptor);
        return (peer, acceptor);
    }

    [Test]
    public void Syn_ack_carries_negotiated_options()
    {
        var (peer, _) = Listening();
        peer.Send(ClientPort, ServerPort, ClientIsn, 0, TcpFlags.Syn, 64240, options: ScriptedPeer.LinuxSynOptions(100));
        var synAck = peer.TakeSegments().Single();
        Assert.That(synAck.Options.MaximumSegmentSize, Is.EqualTo(1460));
        Assert.That(synAck.Options.WindowScale, Is.GreaterThan(0));
        Assert.That(synAck.Options.SackPermitted, Is.True);
        Assert.That(synAck.Options.HasTimestamps, Is.True);
        Assert.That(synAck.Options.TimestampEcho, Is.EqualTo(100));
    }

    [Test]
    public void Syn_ack_omits_options_the_client_did_not_offer()
    {
        var (peer, _) = Listening();
        peer.Send(ClientPort, ServerPort, ClientIsn, 0, TcpFlags.Syn, 64240);
        var synAck = peer.TakeSegments().Single();
        Assert.That(synAck.Options.WindowScale, Is.EqualTo(-1));
        Assert.That(synAck.Options.SackPermitted, Is.False);
        Assert.That(synAck.Options.HasTimestamps, Is.False);
    }

    [Test]
    public void Syn_to_closed_port_gets_rst_ack()
    {
        var peer = new ScriptedPeer();
        peer.Send(ClientPort, 81, ClientIsn, 0, TcpFlags.Syn);
        var rst = peer.TakeSegments().Single();
        Assert.That(rst.Flags, Is.EqualTo(TcpFlags.Rst | TcpFlags.Ack));
        Assert.That(rst.Ack, Is.EqualTo(ClientIsn + 1));
        Assert.That(rst.Seq, Is.Zero);
    }

    [Test]
    public void Stray_ack_gets_rst_with_its_ack_as_sequence()
    {
        var peer = new ScriptedPeer();
        peer.Send(ClientPort, 81, 5, 777, TcpFlags.Ack);
        var rst = peer.TakeSegments().Single();
        Assert.That(rst.Flags, Is.EqualTo(TcpFlags.Rst));
        Assert.That(rst.Seq, Is.EqualTo(777));
    }

    [Test]
    public void Refusing_accept_handler_resets_the_client()
    {
        var (peer, acceptor) = Listening();
        acceptor.Refuse = true;
        peer.Send(ClientPort, ServerPort, ClientIsn, 0, TcpFlags.Syn, options: ScriptedPeer.LinuxSynOptions(1));
        var synAck = peer.TakeSegments().Single();
        peer.Send(ClientPort, ServerPort, ClientIsn + 1, synAck.Seq + 1, TcpFlags.Ack, options: ScriptedPeer.Timestamps(2, synAck.Options.TimestampValue));
        Assert.That(peer.TakeSegments().Any(s => s.Has(TcpFlags.Rst)), Is.True);
        Assert.That(peer.Stack.ConnectionCount, Is.Zero);
    }

    [Test]
    public void Rst_with_exact_sequence_resets_but_in_window_rst_draws_challenge_ack()
    {
        var (peer, acceptor) = Listening();
        var (serverIsn, server) = Establish(peer, acceptor);
        peer.TakeSegments();

        peer.Send(ClientPort, ServerPort, ClientIsn + 1 + 100, 0, TcpFlags.Rst);
        var challenge = peer.TakeSegments().Single();
        Assert.That(challenge.Flags, Is.EqualTo(TcpFlags.Ack), "RFC 5961 §3.2: challenge ACK");
        Assert.That(challenge.Ack, Is.EqualTo(ClientIsn + 1));
        Assert.That(server.Connection!.State, Is.EqualTo(TcpState.Established));

        peer.Send(ClientPort, ServerPort, ClientIsn + 1 + 10_000_000, 0, TcpFlags.Rst);
        Assert.That(peer.TakeSegments(), Is.Empty, "out-of-window RST is dropped silently");

        peer.Send(ClientPort, ServerPort, ClientIsn + 1, 0, TcpFlags.Rst);
        Assert.That(server.ClosedReason, Is.EqualTo(TcpCloseReason.ResetByPeer));
        Assert.That(peer.Stack.ConnectionCount, Is.Zero);
        Assert.That(challenge.Seq, Is.EqualTo(serverIsn + 1));
    }

    [Test]
    public void Abort_resets_with_a_sequence_number_the_peer_accepts_after_it_shrank_its_window_to_zero()
    {
        var payload = TestConnection.RandomPayload(20_000, 3);
        var (peer, acceptor) = Listening(factory: () => new TestConnection(payload) { CloseAfterSend = false });
        var (serverIsn, server) = Establish(peer, acceptor);
        var data = peer.TakeSegments().Where(s => s.Payload.Length > 0).ToList();
        Assert.That(data, Has.Count.GreaterThan(1));

        // The peer takes only the first segment and closes its window: the rest in flight lies beyond its edge.
        var accepted = serverIsn + 1 + (uint)data[0].Payload.Length;
        peer.Send(ClientPort, ServerPort, ClientIsn + 1, accepted, TcpFlags.Ack, 0, options: ScriptedPeer.Timestamps(102, data[0].Options.TimestampValue));
        server.Connection!.Abort();

        // RFC 9293 §3.10.7.4 with a zero window accepts only SEQ = RCV.NXT: the RST must carry that, not SND.NXT
        // (Linux does the same: tcp_acceptable_seq).
        var reset = peer.TakeSegments().Single(s => s.Has(TcpFlags.Rst));
        Assert.That(reset.Seq, Is.EqualTo(accepted));
    }

    [Test]
    public void Syn_in_established_draws_challenge_ack_not_reset()
    {
        var (peer, acceptor) = Listening();
        var (_, server) = Establish(peer, acceptor);
        peer.TakeSegments();
        peer.Send(ClientPort, ServerPort, ClientIsn + 5, 0, TcpFlags.Syn);
        var reply = peer.TakeSegments().Single();
        Assert.That(reply.Flags, Is.EqualTo(TcpFlags.Ack));
        Assert.That(server.Connection!.State, Is.EqualTo(TcpState.Established));
    }

    [Test]
    public void Challenge_acks_are_rate_limited()
    {
        var (peer, acceptor) = Listening(o => o.Tcp.ChallengeAckLimitPerSecond = 3);
        Establish(peer, acceptor);
        peer.TakeSegments();
        for (var i = 0; i < 10; i++)
        {
            peer.Send(ClientPort, ServerPort, ClientIsn + 50, 0, TcpFlags.Rst);
        }

        Assert.That(peer.TakeSegments(), Has.Count.EqualTo(3));
    }

    [Test]
    public void Ack_for_unsent_data_is_answered_and_ignored()
    {
        var (peer, acceptor) = Listening();
        var (serverIsn, server) = Establish(peer, acceptor, timestamps: false);
        peer.TakeSegments();
        peer.Send(ClientPort, ServerPort, ClientIsn + 1, serverIsn + 1 + 5000, TcpFlags.Ack);
        var reply = peer.TakeSegments().Single();
        Assert.That(reply.Flags, Is.EqualTo(TcpFlags.Ack));
        Assert.That(reply.Seq, Is.EqualTo(serverIsn + 1));
        Assert.That(server.AcknowledgedOffset, Is.Zero);
    }

    [Test]
    public void Retransmission_timeout_backs_off_exponentially()
    {
        var (peer, acceptor) = Listening(factory: () => new TestConnection(new byte[100]) { CloseAfterSend = false });
        var (serverIsn, server) = Establish(peer, acceptor, timestamps: false);
        var first = peer.TakeSegments().Single(s => s.Payload.Length == 100);
        Assert.That(first.Seq, Is.EqualTo(serverIsn + 1));
        peer.Advance(20_000_000); // retransmissions at +1, +3, +7, +15 s
        var retransmits = peer.TakeSegments().Where(s => s.Payload.Length == 100).ToList();
        Assert.That(retransmits, Has.Count.GreaterThanOrEqualTo(4));
        Assert.That(retransmits.All(s => s.Seq == serverIsn + 1), Is.True);
        var gaps = retransmits.Zip(retransmits.Skip(1), (a, b) => b.Time - a.Time).ToList();
        var firstGap = retransmits[0].Time - first.Time;
        Assert.That(firstGap, Is.EqualTo(1_000_000), "no RTT sample without timestamps: initial RTO 1 s (RFC 6298)");
        Assert.That(gaps[0], Is.EqualTo(2 * firstGap));
        Assert.That(gaps[1], Is.EqualTo(4 * firstGap));
        Assert.That(server.Connection!.RetransmissionTimeouts, Is.EqualTo(retransmits.Count));
    }

    [Test]
    public void Connection_times_out_after_max_retransmissions()
    {
        var (peer, acceptor) = Listening(o =>
        {
            o.Tcp.MaxRetransmissions = 3;
            o.Tcp.MaxRto = 2_000_000;
        }, () => new TestConnection(new byte[10]) { CloseAfterSend = false });
        var (_, server) = Establish(peer, acceptor, timestamps: false);
        peer.Advance(30_000_000);
        Assert.That(server.ClosedReason, Is.EqualTo(TcpCloseReason.TimedOut));
        Assert.That(peer.TakeSegments().Last().Has(TcpFlags.Rst), Is.True);
    }

    [Test]
    public void Zero_window_is_probed_with_backoff_and_reopened()
    {
        var data = TestConnection.RandomPayload(5000, 9);
        var (peer, acceptor) = Listening(factory: () => new TestConnection(data) { CloseAfterSend = false });
        peer.Send(ClientPort, ServerPort, ClientIsn, 0, TcpFlags.Syn, 64240, options: new TcpOptions { WindowScale = -1, MaximumSegmentSize = 1000 });
        var synAck = peer.TakeSegments().Single();
        var serverIsn = synAck.Seq;

        // Complete the handshake advertising a zero window: nothing may be sent, only probes.
        peer.Send(ClientPort, ServerPort, ClientIsn + 1, serverIsn + 1, TcpFlags.Ack, window: 0);
        Assert.That(peer.TakeSegments().Where(s => s.Payload.Length > 0), Is.Empty);
        peer.Advance(20_000_000);
        var probes = peer.TakeSegments();
        Assert.That(probes, Has.Count.GreaterThanOrEqualTo(3), "persist timer must probe");
        Assert.That(probes.All(p => p.Payload.Length == 0 && p.Seq == serverIsn), Is.True, "probe uses SND.UNA-1");
        var gaps = probes.Zip(probes.Skip(1), (a, b) => b.Time - a.Time).ToList();
        Assert.That(gaps[1], Is.GreaterThan(gaps[0]), "probe interval backs off");

        // Window opens: data flows, bounded by the window.
        peer.Send(ClientPort, ServerPort, ClientIsn + 1, serverIsn + 1, TcpFlags.Ack, window: 3000);
        var flowing = peer.TakeSegments();
        Assert.That(flowing.Sum(s => s.Payload.Length), Is.EqualTo(3000));
        Assert.That(flowing.SelectMany(s => s.Payload).ToArray(), Is.EqualTo(data.AsSpan(0, 3000).ToArray()));
        Assert.That(acceptor.Accepted, Has.Count.EqualTo(1));
    }

    [Test]
    public void Small_window_is_used_after_the_sws_override_timeout()
    {
        var data = TestConnection.RandomPayload(5000, 10);
        var (peer, _) = Listening(factory: () => new TestConnection(data) { CloseAfterSend = false });
        peer.Send(ClientPort, ServerPort, ClientIsn, 0, TcpFlags.Syn, 64240, options: new TcpOptions { WindowScale = -1, MaximumSegmentSize = 1000 });
        var serverIsn = peer.TakeSegments().Single().Seq;
        peer.Send(ClientPort, ServerPort, ClientIsn + 1, serverIsn + 1, TcpFlags.Ack, window: 100);
        Assert.That(peer.TakeSegments(), Is.Empty, "sender SWS avoidance: no 100-byte runt at once");
        peer.Advance(5_000_000);
        var forced = peer.TakeSegments().Where(s => s.Payload.Length > 0).ToList();
        Assert.That(forced, Has.Count.EqualTo(1));
        Assert.That(forced[0].Payload, Is.EqualTo(data[..100]));
    }

    [Test]
    public void Owner_controls_the_advertised_window()
    {
        var (peer, acceptor) = Listening(o =>
        {
            o.Tcp.InitialReceiveCredit = 4000;
            o.Tcp.WindowScaling = false;
        }, () => new TestConnection { AutoGrant = false });
        var (serverIsn, server) = Establish(peer, acceptor, timestamps: false);
        var initial = peer.TakeSegments();
        Assert.That(initial, Is.Empty);

        var chunk = TestConnection.RandomPayload(1000, 3);
        for (var i = 0; i < 6; i++)
        {
            peer.Send(ClientPort, ServerPort, ClientIsn + 1 + (uint)(i * 1000), serverIsn + 1, TcpFlags.Ack, payload: chunk);
        }

        Assert.That(server.ReceivedCount, Is.EqualTo(4000), "never more than the owner's credit");
        var acks = peer.TakeSegments();
        Assert.That(acks.Last().Ack, Is.EqualTo(ClientIsn + 1 + 4000));
        Assert.That(acks.Last().Window, Is.Zero);

        server.GrantPending();
        peer.Stack.Poll(peer.Now);
        var update = peer.TakeSegments().Single();
        Assert.That(update.Window, Is.EqualTo(4000), "window update after the owner consumed");
    }

    [Test]
    public void Single_segment_ack_is_delayed_two_segments_are_acked_at_once()
    {
        var (peer, acceptor) = Listening(o => o.Tcp.DelayedAckTimeout = 40_000);
        var (serverIsn, _) = Establish(peer, acceptor, timestamps: false);
        peer.TakeSegments();
        peer.Send(ClientPort, ServerPort, ClientIsn + 1, serverIsn + 1, TcpFlags.Ack, payload: new byte[100]);
        Assert.That(peer.TakeSegments(), Is.Empty, "ACK delayed");
        var sentAt = peer.Now;
        peer.Advance(100_000);
        var delayed = peer.TakeSegments().Single();
        Assert.That(delayed.Time - sentAt, Is.EqualTo(40_000));
        Assert.That(delayed.Ack, Is.EqualTo(ClientIsn + 101));

        peer.Send(ClientPort, ServerPort, ClientIsn + 101, serverIsn + 1, TcpFlags.Ack, payload: new byte[100]);
        peer.Send(ClientPort, ServerPort, ClientIsn + 201, serverIsn + 1, TcpFlags.Ack, payload: new byte[100]);
        var immediate = peer.TakeSegments().Single();
        Assert.That(immediate.Ack, Is.EqualTo(ClientIsn + 301));
    }

    [Test]
    public void Out_of_order_data_is_sacked_and_delivered_once_the_gap_fills()
    {
        var (peer, acceptor) = Listening();
        var (serverIsn, server) = Establish(peer, acceptor);
        peer.TakeSegments();
        var data = TestConnection.RandomPayload(3000, 4);
        var ts = ScriptedPeer.Timestamps(200, 0);
        peer.Send(ClientPort, ServerPort, ClientIsn + 1 + 2000, serverIsn + 1, TcpFlags.Ack, 502, data[2000..], ts);
        var dupAck = peer.TakeSegments().Single();
        Assert.That(dupAck.Ack, Is.EqualTo(ClientIsn + 1));
        Assert.That(dupAck.Options.SackBlockCount, Is.EqualTo(1));
        Assert.That(dupAck.Options.GetSackBlock(0), Is.EqualTo(new SackBlock(ClientIsn + 2001, ClientIsn + 3001)));
        Assert.That(server.ReceivedCount, Is.Zero);

        peer.Send(ClientPort, ServerPort, ClientIsn + 1, serverIsn + 1, TcpFlags.Ack, 502, data[..2000], ts);
        Assert.That(server.Received, Is.EqualTo(data));
        var ack = peer.TakeSegments().Single();
        Assert.That(ack.Ack, Is.EqualTo(ClientIsn + 3001));
        Assert.That(ack.Options.SackBlockCount, Is.Zero);
    }

    [Test]
    public void Paws_drops_segments_with_old_timestamps()
    {
        var (peer, acceptor) = Listening();
        var (serverIsn, server) = Establish(peer, acceptor);
        peer.TakeSegments();
        peer.Send(ClientPort, ServerPort, ClientIsn + 1, serverIsn + 1, TcpFlags.Ack, 502, new byte[10], ScriptedPeer.Timestamps(50, 0));
        Assert.That(server.ReceivedCount, Is.Zero, "TSval 50 < TS.Recent 101");
        Assert.That(peer.TakeSegments().Single().Flags, Is.EqualTo(TcpFlags.Ack));
    }

    [Test]
    public void Nagle_holds_runts_while_data_is_unacknowledged()
    {
        foreach (var nagle in new[] { true, false })
        {
            var (peer, acceptor) = Listening(o => o.Tcp.NagleEnabled = nagle, () => new TestConnection(new byte[40]) { CloseAfterSend = false });
            var (serverIsn, server) = Establish(peer, acceptor, timestamps: false);
            var first = peer.TakeSegments();
            Assert.That(first.Sum(s => s.Payload.Length), Is.EqualTo(40));
            server.ToSend = new byte[80];
            server.Connection!.AppendSendData(40);
            peer.Stack.Poll(peer.Now);
            var second = peer.TakeSegments().Sum(s => s.Payload.Length);
            Assert.That(second, Is.EqualTo(nagle ? 0 : 40), $"nagle={nagle}");
            peer.Send(ClientPort, ServerPort, ClientIsn + 1, serverIsn + 41, TcpFlags.Ack);
            if (nagle)
            {
                Assert.That(peer.TakeSegments().Sum(s => s.Payload.Length), Is.EqualTo(40), "sent once the ACK arrives");
            }
        }
    }

    [Test]
    public void Keepalive_probes_idle_peer_and_gives_up()
    {
        var (peer, acceptor) = Listening(o =>
        {
            o.Tcp.KeepAlive = true;
            o.Tcp.KeepAliveIdle = 10_000_000;
            o.Tcp.KeepAliveInterval = 1_000_000;
            o.Tcp.KeepAliveProbes = 3;
        });
        var (serverIsn, server) = Establish(peer, acceptor, timestamps: false);
        peer.TakeSegments();
        peer.Advance(9_000_000);
        Assert.That(peer.TakeSegments(), Is.Empty);
        peer.Advance(1_500_000);
        var probe = peer.TakeSegments().Single();
        Assert.That(probe.Seq, Is.EqualTo(serverIsn), "keepalive uses SND.UNA-1");

        // An answer resets the idle timer.
        peer.Send(ClientPort, ServerPort, ClientIsn + 1, serverIsn + 1, TcpFlags.Ack);
        peer.Advance(9_500_000);
        Assert.That(peer.TakeSegments(), Is.Empty);
        peer.Advance(10_000_000);
        Assert.That(server.ClosedReason, Is.EqualTo(TcpCloseReason.TimedOut));
    }

    [Test]
    public void Passive_close_goes_through_close_wait_and_last_ack()
    {
        var (peer, acceptor) = Listening();
        var (serverIsn, server) = Establish(peer, acceptor, timestamps: false);
        peer.TakeSegments();
        peer.Send(ClientPort, ServerPort, ClientIsn + 1, serverIsn + 1, TcpFlags.Fin | TcpFlags.Ack);
        Assert.That(server.ReceiveClosed, Is.True);
        Assert.That(server.Connection!.State, Is.EqualTo(TcpState.CloseWait));
        Assert.That(peer.TakeSegments().Single().Ack, Is.EqualTo(ClientIsn + 2));
        server.Connection.CloseSend();
        peer.Stack.Poll(peer.Now);
        var fin = peer.TakeSegments().Single();
        Assert.That(fin.Has(TcpFlags.Fin), Is.True);
        Assert.That(server.Connection.State, Is.EqualTo(TcpState.LastAck));
        peer.Send(ClientPort, ServerPort, ClientIsn + 2, serverIsn + 2, TcpFlags.Ack);
        Assert.That(server.ClosedReason, Is.EqualTo(TcpCloseReason.Graceful));
        Assert.That(peer.Stack.ConnectionCount, Is.Zero);
    }

    [Test]
    public void Active_close_waits_in_time_wait_and_reacks_retransmitted_fin()
    {
        var (peer, acceptor) = Listening(o => o.Tcp.TimeWaitDuration = 5_000_000);
        var (serverIsn, server) = Establish(peer, acceptor, timestamps: false);
        peer.TakeSegments();
        server.Connection!.CloseSend();
        peer.Stack.Poll(peer.Now);
        Assert.That(peer.TakeSegments().Single().Has(TcpFlags.Fin), Is.True);
        Assert.That(server.Connection.State, Is.EqualTo(TcpState.FinWait1));
        peer.Send(ClientPort, ServerPort, ClientIsn + 1, serverIsn + 2, TcpFlags.Ack);
        Assert.That(server.Connection.State, Is.EqualTo(TcpState.FinWait2));
        peer.Send(ClientPort, ServerPort, ClientIsn + 1, serverIsn + 2, TcpFlags.Fin | TcpFlags.Ack);
        Assert.That(server.Connection.State, Is.EqualTo(TcpState.TimeWait));
        Assert.That(peer.TakeSegments().Single().Ack, Is.EqualTo(ClientIsn + 2));

        peer.Advance(3_000_000);
        peer.Send(ClientPort, ServerPort, ClientIsn + 1, serverIsn + 2, TcpFlags.Fin | TcpFlags.Ack);
        Assert.That(peer.TakeSegments().Single().Ack, Is.EqualTo(ClientIsn + 2), "retransmitted FIN is re-acknowledged");
        peer.Advance(4_000_000);
        Assert.That(peer.Stack.ConnectionCount, Is.EqualTo(1), "2MSL restarted by the retransmitted FIN");
        peer.Advance(2_000_000);
        Assert.That(peer.Stack.ConnectionCount, Is.Zero);
    }

    [Test]
    public void New_syn_with_higher_sequence_reuses_a_time_wait_tuple()
    {
        var (peer, acceptor) = Listening();
        var (serverIsn, server) = Establish(peer, acceptor, timestamps: false);
        server.Connection!.CloseSend();
        peer.Stack.Poll(peer.Now);
        peer.Send(ClientPort, ServerPort, ClientIsn + 1, serverIsn + 2, TcpFlags.Fin | TcpFlags.Ack);
        Assert.That(server.Connection.State, Is.EqualTo(TcpState.TimeWait));
        peer.TakeSegments();

        // An old duplicate SYN (lower sequence number) must not disturb TIME-WAIT: it draws an ACK.
        peer.Send(ClientPort, ServerPort, ClientIsn - 5, 0, TcpFlags.Syn);
        Assert.That(peer.TakeSegments().Single().Flags, Is.EqualTo(TcpFlags.Ack));
        Assert.That(acceptor.Accepted, Has.Count.EqualTo(1));

        // A new incarnation (higher sequence number) is answered with SYN-ACK at once.
        peer.Send(ClientPort, ServerPort, ClientIsn + 100_000, 0, TcpFlags.Syn);
        var synAck = peer.TakeSegments().Single();
        Assert.That(synAck.Flags, Is.EqualTo(TcpFlags.Syn | TcpFlags.Ack));
        Assert.That(synAck.Ack, Is.EqualTo(ClientIsn + 100_001));
        peer.Send(ClientPort, ServerPort, ClientIsn + 100_001, synAck.Seq + 1, TcpFlags.Ack);
        Assert.That(acceptor.Accepted, Has.Count.EqualTo(2));
    }

    [Test]
    public void Syn_flood_beyond_backlog_is_answered_with_cookies_that_complete()
    {
        var (peer, acceptor) = Listening(o => o.Tcp.SynBacklog = 2);
        for (ushort port = 50000; port < 50010; port++)
        {
            peer.Send(port, ServerPort, ClientIsn + port, 0, TcpFlags.Syn, options: ScriptedPeer.LinuxSynOptions(1));
        }

        var synAcks = peer.TakeSegments();
        Assert.That(synAcks, Has.Count.EqualTo(10));
        Assert.That(peer.Stack.ConnectionCount, Is.EqualTo(2), "only the backlog holds state");

        var cookieSynAck = synAcks[9];
        Assert.That(cookieSynAck.Options.MaximumSegmentSize, Is.Not.Zero);
        Assert.That(cookieSynAck.Options.HasTimestamps, Is.True, "options ride in the timestamp");
        Assert.That(cookieSynAck.Options.WindowScale, Is.GreaterThan(0));
        Assert.That(cookieSynAck.Options.SackPermitted, Is.True);
        peer.Send(50009, ServerPort, ClientIsn + 50009 + 1, cookieSynAck.Seq + 1, TcpFlags.Ack, 502, [1, 2, 3],
            ScriptedPeer.Timestamps(2, cookieSynAck.Options.TimestampValue));
        Assert.That(acceptor.Accepted, Has.Count.EqualTo(1));
        Assert.That(acceptor.Accepted[0].Received, Is.EqualTo(new byte[] { 1, 2, 3 }));
        var cookieConnection = acceptor.Accepted[0].Connection!;
        Assert.That(cookieConnection.State, Is.EqualTo(TcpState.Established));
        Assert.That(cookieConnection.WindowScale.Send, Is.EqualTo(7), "peer's window scale recovered from the cookie");
        Assert.That(cookieConnection.PeerWindow, Is.EqualTo(502 << 7));
        Assert.That(cookieConnection.TimestampsEnabled, Is.True);
        Assert.That(cookieConnection.SackEnabled, Is.True);
        var ack = peer.TakeSegments().Last();
        Assert.That(ack.Options.TimestampValue - cookieSynAck.Options.TimestampValue, Is.LessThan(1u << 31), "TSval never goes back (peer PAWS)");

        // Without timestamps only the MSS survives.
        peer.Send(50008, ServerPort, ClientIsn + 50008, 0, TcpFlags.Syn, options: new TcpOptions { WindowScale = 7, MaximumSegmentSize = 1460 });
        var plainSynAck = peer.TakeSegments().Single();
        Assert.That(plainSynAck.Options.HasTimestamps, Is.False);
        Assert.That(plainSynAck.Options.WindowScale, Is.EqualTo(-1));
        peer.Send(50008, ServerPort, ClientIsn + 50008 + 1, plainSynAck.Seq + 1, TcpFlags.Ack);
        Assert.That(acceptor.Accepted, Has.Count.EqualTo(2));
        Assert.That(acceptor.Accepted[1].Connection!.WindowScale, Is.EqualTo((0, 0)));

        // A forged cookie is refused with RST.
        peer.TakeSegments();
        peer.Send(50007, ServerPort, ClientIsn + 50007 + 1, synAcks[7].Seq + 2, TcpFlags.Ack);
        Assert.That(peer.TakeSegments().Single().Has(TcpFlags.Rst), Is.True);
        Assert.That(acceptor.Accepted, Has.Count.EqualTo(2));
    }

    [Test]
    public void Half_open_connections_expire_after_syn_ack_retries()
    {
        var (peer, _) = Listening(o => o.Tcp.MaxSynRetransmissions = 2);
        peer.Send(ClientPort, ServerPort, ClientIsn, 0, TcpFlags.Syn);
        peer.Advance(60_000_000);
        var synAcks = peer.TakeSegments();
        Assert.That(synAcks.Count(s => s.Flags == (TcpFlags.Syn | TcpFlags.Ack)), Is.EqualTo(3));
        Assert.That(peer.Stack.ConnectionCount, Is.Zero);
    }

    [Test]
    public void Initial_sequence_numbers_differ_per_tuple_and_advance_with_time()
    {
        var (peer, _) = Listening();
        peer.Send(1111, ServerPort, 1, 0, TcpFlags.Syn);
        peer.Send(2222, ServerPort, 1, 0, TcpFlags.Syn);
        var isns = peer.TakeSegments().Select(s => s.Seq).ToList();
        Assert.That(isns[0], Is.Not.EqualTo(isns[1]));

        var peer2 = new ScriptedPeer();
        peer2.Stack.Listen(ServerPort, new TestAcceptor(() => new TestConnection()));
        peer2.Advance(4_000_000);
        peer2.Send(1111, ServerPort, 1, 0, TcpFlags.Syn);
        var later = peer2.TakeSegments().Single().Seq;
        Assert.That(later - isns[0], Is.EqualTo(1_000_000u), "same secret and tuple: ISN advances by one per 4 µs (RFC 6528)");
    }
}
