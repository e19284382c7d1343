using System.Security.Cryptography;
using RdmaOffload.Protocol;
using RdmaOffload.Protocol.Link;
using RdmaOffload.Protocol.Messages;
using RdmaOffload.Protocol.Wire;

namespace RdmaOffload.TargetAdapter.Links;

/// <summary>Received frames: hello, authentication, registration, keepalive and connection dispatch.</summary>
internal sealed partial class HostLink
{
    private KeepaliveMonitor? _keepalive;

    private static long Now => (long)System.Diagnostics.Stopwatch.GetElapsedTime(0).TotalMicroseconds;

    /// <summary>Round-trip time of the last answered keepalive ping, if any.</summary>
    public long? KeepaliveRoundTripMicros => _keepalive?.LastRoundTripMicros;

    /// <summary>Pings a silent host and closes the link when a ping goes unanswered (called periodically on the dispatcher).</summary>
    public void PollKeepalive()
    {
        if (_closed || _keepalive is null)
        {
            return;
        }

        switch (_keepalive.Poll(Now, out var ping))
        {
            case KeepaliveAction.SendPing:
                _channel.Send(0, ping);
                break;
            case KeepaliveAction.PeerTimedOut:
                _channel.Send(0, new LinkClose(LinkCloseReason.KeepaliveTimeout));
                Close("keepalive timeout");
                break;
        }
    }

    private void HandleBatch(ReadOnlySpan<byte> batch)
    {
        var reader = new FrameBatchReader(batch);
        while (!_closed && reader.TryReadNext(out var frame))
        {
            if (HandleFrame(frame) is { } failure)
            {
                Close(failure);
                return;
            }
        }

        if (!_closed && reader.Status != DecodeStatus.Ok)
        {
            _channel.Send(0, ProtocolError.ForMalformedFrame(reader.Status, batch, reader.ErrorOffset));
            _channel.Send(0, new LinkClose(LinkCloseReason.ProtocolViolation));
            Close($"malformed frame ({reader.Status})");
        }
    }

    /// <summary>Handles one frame; returns why the link must close, or null.</summary>
    private string? HandleFrame(in Frame frame)
    {
        var admitted = _session.Admit(frame);
        if (admitted.IsViolation)
        {
            _channel.Send(0, ProtocolError.ForViolation(admitted, frame.Type));
            _channel.Send(0, new LinkClose(LinkCloseReason.ProtocolViolation));
            return $"{frame.Type} not admitted: {admitted.Error}";
        }

        if (frame.Type != MessageType.Pong)
        {
            _keepalive?.OnFrameReceived(Now); // a pong counts as life inside OnPong, which also times it
        }

        if (frame.WorkQueue != 0)
        {
            if (_connections.TryGetValue(frame.WorkQueue, out var connection))
            {
                connection.OnFrame(frame);
            }

            // Otherwise a message crossing our reset or close: nothing to do.
            return null;
        }

        switch (frame.Type)
        {
            case MessageType.Hello when FrameCodec.TryDecode(frame, out Hello hello) == DecodeStatus.Ok:
                var verdict = _session.OnHello(hello, Bytes32.Read(RandomNumberGenerator.GetBytes(Bytes32.Length)), out var answer);
                if (!verdict.IsAccepted || answer.IsRefused)
                {
                    _channel.Send(0, answer.Refusal);
                    return $"hello refused ({answer.Refusal.Reason})";
                }

                _channel.Send(0, answer.Challenge); // frozen format: still the base version
                _channel.Version = _session.Version;
                return null;
            case MessageType.AuthResponse when FrameCodec.TryDecode(frame, out AuthResponse response) == DecodeStatus.Ok:
                var proven = _session.OnAuthResponse(response, out var result);
                _channel.Send(0, result);
                if (!proven.IsAccepted)
                {
                    _channel.Send(0, new LinkClose(LinkCloseReason.AuthenticationFailed));
                    TargetAdapterLog.LinkRejected(_processor.Logger, Id, RemoteEndPoint, $"host '{_session.HostIdentity}' failed authentication");
                    return "authentication failed";
                }

                // Pings are allowed only after authentication: start watching the host now.
                _keepalive = new KeepaliveMonitor(
                    (long)_processor.Options.KeepaliveInterval.TotalMicroseconds, (long)_processor.Options.KeepaliveTimeout.TotalMicroseconds, Now);
                return null;
            case MessageType.RegisterService when FrameCodec.TryDecode(frame, out RegisterService request) == DecodeStatus.Ok:
                _ = _session.OnRegisterService(request, out var immediate);
                if (immediate is { } duplicate)
                {
                    _channel.Send(0, duplicate);
                    return null;
                }

                var status = _processor.Options.ServicePorts.Contains(request.Port) ? RegistrationStatus.Registered : RegistrationStatus.PortNotServed;
                var registration = new ServiceRegistration(request.Port, status);
                _session.OnRegistrationSent(registration);
                if (status == RegistrationStatus.Registered)
                {
                    OnRegistered(request.Port, request.MaxConnections);
                    TargetAdapterLog.HostRegistered(_processor.Logger, _session.HostIdentity, RemoteEndPoint, request.Port);
                }

                _channel.Send(0, registration);
                return null;
            case MessageType.Ping when FrameCodec.TryDecode(frame, out Ping ping) == DecodeStatus.Ok:
                _channel.Send(0, new Pong(ping.Token));
                return null;
            case MessageType.Pong when FrameCodec.TryDecode(frame, out Pong pong) == DecodeStatus.Ok:
                _ = _keepalive?.OnPong(pong, Now);
                return null;
            case MessageType.LinkClose:
                return "the host closed the link";
            case MessageType.ProtocolError when FrameCodec.TryDecode(frame, out ProtocolError error) == DecodeStatus.Ok:
                return $"the host reported a protocol error: {error.Code}";
            default:
                _channel.Send(0, ProtocolError.ForViolation(Verdict.Violation(ProtocolErrorCode.UnexpectedMessage), frame.Type));
                _channel.Send(0, new LinkClose(LinkCloseReason.ProtocolViolation));
                return $"unexpected {frame.Type}";
        }
    }
}
