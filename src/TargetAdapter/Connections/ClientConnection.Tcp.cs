using System.Diagnostics;
using Microsoft.Extensions.Logging;
using RdmaOffload.NetStack.Tcp;
using RdmaOffload.Protocol.Messages;
using RdmaOffload.Protocol.Wire;
using RdmaOffload.Verbs;

namespace RdmaOffload.TargetAdapter.Connections;

/// <summary>NetStack's callbacks and the two data directions.</summary>
internal sealed partial class ClientConnection
{
    void ITcpConnectionHandler.OnConnected(TcpConnection connection)
    {
        // Passive connections are handed over already established.
    }

    void ITcpConnectionHandler.OnDataReceived(TcpConnection connection, ReadOnlySpan<byte> data)
    {
        // The stack never delivers beyond the credit granted, and credit never exceeds the ring's free room.
        var tail = (_writeHead + _staged) % _writeRingSize;
        var first = Math.Min(data.Length, _writeRingSize - tail);
        data[..first].CopyTo(Staging(_writeRingBase + tail, first));
        data[first..].CopyTo(Staging(_writeRingBase, data.Length - first));
        _staged += data.Length;
        _bytesIn += data.Length;
        PumpWrites();
        UpdateReceiveWindow();
    }

    void ITcpConnectionHandler.OnReceiveClosed(TcpConnection connection)
    {
        _clientFinished = true;
        TrySendFinToHost();
    }

    void ITcpConnectionHandler.CopySendData(TcpConnection connection, long streamOffset, Span<byte> destination)
    {
        // [acknowledged, readDone) is in the ring at stream offset modulo its size.
        var position = (int)(streamOffset % _readRingSize);
        var first = Math.Min(destination.Length, _readRingSize - position);
        Staging(_readRingBase + position, first).CopyTo(destination);
        Staging(_readRingBase, destination.Length - first).CopyTo(destination[first..]);
    }

    void ITcpConnectionHandler.OnDataAcknowledged(TcpConnection connection, long acknowledgedOffset)
    {
        _acknowledged = acknowledgedOffset;
        if (_session.Acknowledge(acknowledgedOffset).IsViolation)
        {
            return;
        }

        while (_session.TryCompleteSend(out var completion))
        {
            _link.Channel.Send(WorkQueue, completion);
        }

        PumpReads();
    }

    void ITcpConnectionHandler.OnClosed(TcpConnection connection, TcpCloseReason reason)
    {
        if (IsFinished)
        {
            return;
        }

        IsFinished = true;
        if (!_session.Machine.IsTerminal && _session.OnSent(MessageType.Reset).IsAccepted)
        {
            var resetReason = reason switch
            {
                TcpCloseReason.ResetByPeer => ResetReason.ClientReset,
                TcpCloseReason.TimedOut => ResetReason.ClientTimeout,
                _ => ResetReason.Shutdown,
            };
            _link.Channel.Send(WorkQueue, new Reset(resetReason));
        }

        _cause ??= reason.ToString();
        _link.Processor.OnConnectionFinished(this);
        _link.Forget(this);
        if (_link.Processor.Logger.IsEnabled(LogLevel.Information))
        {
            var client = connection.FourTuple.ToString();
            var durationMs = (long)Stopwatch.GetElapsedTime(_startTimestamp).TotalMilliseconds;
            TargetAdapterLog.ConnectionFinished(_link.Processor.Logger, client, WorkQueue, _link.HostIdentity, _bytesIn, _bytesOut, durationMs, _cause);
        }
    }

    /// <summary>Writes staged client bytes into the host's oldest posted buffer, each WRITE followed by its DataWritten.</summary>
    private void PumpWrites()
    {
        while (!IsFinished && _staged - _placed > 0)
        {
            var position = (_writeHead + _placed) % _writeRingSize;
            var run = Math.Min(_staged - _placed, _writeRingSize - position);
            if (!_session.TryPlaceWrite(run, out var placement))
            {
                break;
            }

            var count = (int)placement.ByteCount;
            _link.Channel.PostRdma(SendOpcode.RdmaWrite, StagingEntry(_writeRingBase + position, count), placement.RemoteAddress, placement.RemoteKey,
                Links.HostLink.OperationToken(Slot, isRead: false));
            _link.Channel.Send(WorkQueue, placement.ToDataWritten());
            _writesInFlight.Enqueue(count);
            _placed += count;
        }

        TrySendFinToHost();
    }

    /// <summary>
    /// Grants TCP receive credit so that bytes the client may still send fit both the staging ring and the host's
    /// free posted buffers: a host that stops posting buffers closes the client's window.
    /// </summary>
    private void UpdateReceiveWindow()
    {
        if (IsFinished || _clientFinished)
        {
            return;
        }

        var promised = _tcp.ReceiveCreditOffset - _tcp.ReceivedOffset;
        var ringRoom = _writeRingSize - _staged - promised;
        var hostRoom = _session.AdvertisableWindow(long.MaxValue) - (_staged - _placed) - promised;
        var grant = Math.Min(ringRoom, hostRoom);
        if (grant > 0)
        {
            _tcp.GrantReceiveCredit(grant);
        }
    }

    private void TrySendFinToHost()
    {
        if (_clientFinished && !_finSentToHost && !IsFinished && _staged == _placed && _session.OnSent(MessageType.Fin).IsAccepted)
        {
            _finSentToHost = true;
            _link.Channel.Send(WorkQueue, default(Fin));
        }
    }

    /// <summary>READs host bytes into the ring as far as it has room (bytes leave it when the client acknowledges them).</summary>
    private void PumpReads()
    {
        var queued = _session.Sends.QueuedBytes;
        while (!IsFinished && _readIssued < queued && _readIssued - _acknowledged < _readRingSize)
        {
            var position = (int)(_readIssued % _readRingSize);
            var room = _readRingSize - (int)(_readIssued - _acknowledged);
            var length = Math.Min(Math.Min(room, _readRingSize - position), _link.Processor.Options.MaxReadSize);
            if (!_session.Sends.TryLocate(_readIssued, (uint)length, out var slice))
            {
                break;
            }

            _link.Channel.PostRdma(SendOpcode.RdmaRead, StagingEntry(_readRingBase + position, (int)slice.Length), slice.RemoteAddress, slice.RemoteKey,
                Links.HostLink.OperationToken(Slot, isRead: true));
            _readsInFlight.Enqueue((int)slice.Length);
            _readIssued += slice.Length;
        }
    }

    private void TryCloseSend()
    {
        if (_hostFinished && !_closeSendCalled && !IsFinished && _readDone == _session.Sends.QueuedBytes && _readIssued == _readDone)
        {
            _closeSendCalled = true;
            _tcp.CloseSend();
        }
    }
}
