using System.Net;
using System.Security.Authentication;
using RdmaOffload.Protocol;
using RdmaOffload.Protocol.Connections;
using RdmaOffload.Protocol.Link;
using RdmaOffload.Protocol.Messages;
using RdmaOffload.Protocol.Wire;

namespace RdmaOffload.HostAgent;

/// <summary>Received frames: the link handshake, keepalive and dispatch of connection messages.</summary>
public sealed partial class AcceleratedListener
{
    void Fabric.ILinkChannelHandler.OnBatch(ReadOnlySpan<byte> batch)
    {
        string? failure = null;
        Exception? handshakeError = null;
        lock (_gate)
        {
            var reader = new FrameBatchReader(batch);
            while (failure is null && _session.State != LinkState.Closing && reader.TryReadNext(out var frame))
            {
                failure = HandleFrame(frame, out handshakeError);
            }

            if (failure is null && reader.Status != DecodeStatus.Ok && _session.State != LinkState.Closing)
            {
                _channel.Send(0, ProtocolError.ForMalformedFrame(reader.Status, batch, reader.ErrorOffset));
                failure = $"malformed frame ({reader.Status})";
            }

            if (failure is not null && _session.State != LinkState.Closing)
            {
                _channel.Send(0, new LinkClose(LinkCloseReason.ProtocolViolation));
                _session.Close();
            }
        }

        if (handshakeError is not null)
        {
            _registered.TrySetException(handshakeError);
        }

        if (failure is not null)
        {
            FailLink(failure, notifyLog: true);
        }
    }

    /// <summary>Handles one frame under the gate; returns why the link must close, or null.</summary>
    private string? HandleFrame(in Frame frame, out Exception? handshakeError)
    {
        handshakeError = null;
        var admitted = _session.Admit(frame);
        if (admitted.IsViolation)
        {
            _channel.Send(0, ProtocolError.ForViolation(admitted, frame.Type));
            return $"{frame.Type} not admitted: {admitted.Error}";
        }

        if (frame.WorkQueue != 0)
        {
            HandleConnectionFrame(frame);
            return null;
        }

        switch (frame.Type)
        {
            case MessageType.Challenge when FrameCodec.TryDecode(frame, out Challenge challenge) == DecodeStatus.Ok:
                var answered = _session.OnChallenge(challenge, out var response);
                if (!answered.IsAccepted)
                {
                    handshakeError = new IOException($"The adapter's challenge was not acceptable: {answered.Error}");
                    return handshakeError.Message;
                }

                _channel.Version = _session.Version;
                _channel.Send(0, response);
                return null;
            case MessageType.HelloRefused when FrameCodec.TryDecode(frame, out HelloRefused refused) == DecodeStatus.Ok:
                _ = _session.OnHelloRefused(refused);
                handshakeError = new IOException($"The adapter refused this host: {refused.Reason}");
                return handshakeError.Message;
            case MessageType.AuthResult when FrameCodec.TryDecode(frame, out AuthResult result) == DecodeStatus.Ok:
                var verified = _session.OnAuthResult(result);
                if (!verified.IsAccepted || result.Status != AuthStatus.Accepted)
                {
                    handshakeError = new AuthenticationException($"Authentication with the adapter failed ({result.Status}, {verified.Error}).");
                    return handshakeError.Message;
                }

                _channel.Send(0, _session.CreateRegistration(_options.ServicePort, _options.Weight, (uint)_options.MaxConnections));
                return null;
            case MessageType.ServiceRegistration when FrameCodec.TryDecode(frame, out ServiceRegistration answer) == DecodeStatus.Ok:
                var registered = _session.OnServiceRegistration(answer);
                if (registered.IsViolation)
                {
                    return $"unexpected registration answer: {registered.Error}";
                }

                if (answer.Status != RegistrationStatus.Registered)
                {
                    handshakeError = new IOException($"The adapter did not register port {answer.Port}: {answer.Status}");
                    return handshakeError.Message;
                }

                _registered.TrySetResult();
                return null;
            case MessageType.Ping when FrameCodec.TryDecode(frame, out Ping ping) == DecodeStatus.Ok:
                _channel.Send(0, new Pong(ping.Token));
                return null;
            case MessageType.Pong:
                return null;
            case MessageType.LinkClose:
                handshakeError = new IOException("The adapter closed the link.");
                return "the adapter closed the link";
            case MessageType.ProtocolError when FrameCodec.TryDecode(frame, out ProtocolError error) == DecodeStatus.Ok:
                handshakeError = new IOException($"The adapter reported a protocol error: {error.Code}");
                return handshakeError.Message;
            default:
                _channel.Send(0, ProtocolError.ForViolation(Verdict.Violation(ProtocolErrorCode.UnexpectedMessage), frame.Type));
                return $"unexpected {frame.Type}";
        }
    }

    private void HandleConnectionFrame(in Frame frame)
    {
        if (frame.Type == MessageType.ConnectionOpen)
        {
            OnConnectionOpen(frame);
            return;
        }

        if (!_connections.TryGetValue(frame.WorkQueue, out var connection))
        {
            // Messages crossing a reset or close of ours are expected; anything else about an unknown wq# is too
            // late to matter, so it is dropped rather than closing the link.
            return;
        }

        connection.OnFrame(frame);
    }

    private void OnConnectionOpen(in Frame frame)
    {
        var wq = frame.WorkQueue;
        if (_connections.ContainsKey(wq) || FrameCodec.TryDecode(frame, out ConnectionOpen open) != DecodeStatus.Ok)
        {
            _channel.Send(wq, ProtocolError.ForViolation(Verdict.Violation(ProtocolErrorCode.UnexpectedMessage), frame.Type));
            return;
        }

        var session = new ConnectionSession(ProtocolRole.Host, wq, _options.ReceiveBuffersPerConnection, _options.MaxSendsPerConnection);
        _ = session.OnReceived(frame);
        var client = new IPEndPoint(ToAddress(open.Family, open.ClientAddress), open.ClientPort);
        var service = new IPEndPoint(ToAddress(open.Family, open.ServiceAddress), open.ServicePort);
        if (open.ServicePort != _options.ServicePort || _connections.Count >= _options.MaxConnections
            || _receiveBuffers.FreeCount < _options.ReceiveBuffersPerConnection)
        {
            var reason = open.ServicePort != _options.ServicePort ? ConnectionRefusalReason.NotListening : ConnectionRefusalReason.Overloaded;
            _ = session.OnSent(MessageType.ConnectionRefuse);
            _channel.Send(wq, new ConnectionRefuse(reason));
            HostAgentLog.ConnectionRefused(_logger, wq, client, reason.ToString());
            return;
        }

        var connection = new AcceleratedConnection(this, session, client, service);
        _connections.Add(wq, connection);
        _ = session.OnSent(MessageType.ConnectionAccept);
        _channel.Send(wq, default(ConnectionAccept));
        for (int i = 0; i < _options.ReceiveBuffersPerConnection; i++)
        {
            _ = _receiveBuffers.TryRent(out var bufferId);
            connection.PostReceiveBuffer(bufferId);
        }

        connection.Start();
        _ = _accepted.Writer.TryWrite(connection);
    }

    private static IPAddress ToAddress(IpFamily family, UInt128 value)
    {
        Span<byte> bytes = stackalloc byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(bytes, value);
        return family == IpFamily.V4 ? new IPAddress(bytes[12..]) : new IPAddress(bytes);
    }
}
