using System.Diagnostics;
using System.Net;
using RdmaOffload.NetStack.Tcp;
using RdmaOffload.Protocol;
using RdmaOffload.Protocol.Connections;
using RdmaOffload.Protocol.Messages;
using RdmaOffload.Protocol.Wire;
using RdmaOffload.TargetAdapter.Links;
using RdmaOffload.Verbs;

namespace RdmaOffload.TargetAdapter.Connections;

/// <summary>
/// One accelerated connection: the client's TCP connection in NetStack joined to a wq# on a host link. Client
/// bytes are staged in registered memory and RDMA-WRITten into the host's posted buffers; host bytes are
/// RDMA-READ from its send descriptors into a staging ring that backs the TCP send queue until acknowledged.
/// Runs on the stack's dispatcher thread only.
/// </summary>
internal sealed partial class ClientConnection : ITcpConnectionHandler
{
    private readonly HostLink _link;
    private readonly ConnectionSession _session;
    private readonly TcpConnection _tcp;
    private readonly IMemoryRegion _staging;
    private readonly long _startTimestamp = Stopwatch.GetTimestamp();
    private readonly int _writeRingBase;
    private readonly int _writeRingSize;
    private readonly int _readRingBase;
    private readonly int _readRingSize;
    private readonly Queue<int> _writesInFlight = new();
    private readonly Queue<int> _readsInFlight = new();

    // Client → host: the write ring holds [head, head + staged); the first `placed` of those are written or being written.
    private int _writeHead;
    private int _staged;
    private int _placed;
    private bool _clientFinished;
    private bool _finSentToHost;

    // Host → client: stream offsets [acknowledged, readIssued) live in the read ring; [acknowledged, readDone) are declared to TCP.
    private long _acknowledged;
    private long _readIssued;
    private long _readDone;
    private bool _hostFinished;
    private bool _closeSendCalled;

    private long _bytesIn;
    private long _bytesOut;
    private string? _cause;

    public ClientConnection(HostLink link, uint workQueue, StagingSlot slot, TcpConnection tcp)
    {
        _link = link;
        _tcp = tcp;
        Slot = slot.Index;
        _staging = slot.Region;
        var options = link.Processor.Options;
        _session = new ConnectionSession(ProtocolRole.Adapter, workQueue, options.MaxPostedBuffersPerConnection, options.MaxSendsPerConnection);
        _writeRingBase = slot.Offset;
        _writeRingSize = options.WriteStagingSize;
        _readRingBase = _writeRingBase + _writeRingSize;
        _readRingSize = options.ReadStagingSize;
    }

    public uint WorkQueue => _session.WorkQueue;

    public int Slot { get; }

    public TcpFourTuple FourTuple => _tcp.FourTuple;

    public long BytesIn => _bytesIn;

    public long BytesOut => _bytesOut;

    public TimeSpan Age => Stopwatch.GetElapsedTime(_startTimestamp);

    public TcpState TcpState => _tcp.State;

    /// <summary>True once the TCP connection closed: nothing more is sent for it.</summary>
    public bool IsFinished { get; private set; }

    public int OperationsInFlight => _writesInFlight.Count + _readsInFlight.Count;

    /// <summary>Tells the host about the connection (the first message on the wq#).</summary>
    public void SendOpen()
    {
        var tuple = _tcp.FourTuple;
        var open = ConnectionOpen.FromEndPoints(
            new IPEndPoint(tuple.RemoteAddress.ToIPAddress(), tuple.RemotePort),
            new IPEndPoint(tuple.LocalAddress.ToIPAddress(), tuple.LocalPort));
        _link.Channel.Send(WorkQueue, open);
    }

    /// <summary>A connection message from the host.</summary>
    public void OnFrame(in Frame frame)
    {
        var verdict = _session.OnReceived(frame);
        if (verdict.IsViolation)
        {
            if (_session.OnSent(MessageType.Reset).IsAccepted)
            {
                _link.Channel.Send(WorkQueue, new Reset(ResetReason.ProtocolViolation));
            }

            Abort($"host protocol violation: {frame.Type} {verdict.Error}");
            return;
        }

        if (!verdict.IsAccepted)
        {
            return;
        }

        switch (frame.Type)
        {
            case MessageType.ConnectionAccept:
            case MessageType.PostReceiveBuffer:
                PumpWrites();
                break;
            case MessageType.ConnectionRefuse:
                Abort("refused by the host");
                return;
            case MessageType.SendDescriptor:
                PumpReads();
                break;
            case MessageType.Fin:
                _hostFinished = true;
                TryCloseSend();
                break;
            case MessageType.Reset:
            case MessageType.ProtocolError:
                Abort("reset by the host");
                return;
        }

        UpdateReceiveWindow();
    }

    /// <summary>An RDMA WRITE or READ of this connection completed (each kind completes in posting order).</summary>
    public void OnOperationCompleted(bool isRead)
    {
        if (isRead)
        {
            var length = _readsInFlight.Dequeue();
            if (!IsFinished)
            {
                _readDone += length;
                _bytesOut += length;
                _tcp.AppendSendData(length);
                TryCloseSend();
            }
        }
        else
        {
            var length = _writesInFlight.Dequeue();
            _writeHead = (_writeHead + length) % _writeRingSize;
            _staged -= length;
            _placed -= length;
            if (!IsFinished)
            {
                UpdateReceiveWindow();
            }
        }

        if (IsFinished)
        {
            _link.ReleaseSlotIfIdle(this);
        }
    }

    /// <summary>The host link is gone: the client gets RST.</summary>
    public void OnLinkLost() => Abort("host link lost");

    private void Abort(string cause)
    {
        _cause ??= cause;
        if (!IsFinished)
        {
            _tcp.Abort(); // reports OnClosed(Aborted), which finishes the connection
        }
    }

    private Span<byte> Staging(int offset, int length) => _staging.Span.Slice(offset, length);

    private ScatterGatherEntry StagingEntry(int offset, int length) => _staging.Slice(offset, length);
}
