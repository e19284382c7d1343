using RdmaOffload.Verbs.IbVerbs.Handles;
using RdmaOffload.Verbs.IbVerbs.Interop;

namespace RdmaOffload.Verbs.IbVerbs;

/// <summary>
/// An RC queue pair: explicit state transitions here, posting in <c>IbVerbsQueuePair.Posting.cs</c>.
/// Works for QPs from <c>ibv_create_qp</c> and from <c>rdma_create_qp</c> alike.
/// </summary>
internal sealed partial class IbVerbsQueuePair : IQueuePair
{
    private readonly NativeObjectHandle _handle;
    private volatile QueuePairState _state = QueuePairState.Reset;
    private int _disposed;

    internal IbVerbsQueuePair(NativeObjectHandle handle, int maxSendWorkRequests)
    {
        _handle = handle;
        MaxBatch = Math.Clamp(maxSendWorkRequests, 1, MaxChainLength);
        QueuePairNumber = QueuePairs.QpNumber(handle.Pointer);
    }

    internal event Action? Disposed;

    public uint QueuePairNumber { get; }

    public QueuePairState State => _state;

    public QueuePairState QueryState()
    {
        ThrowIfDisposed();
        int state = QueuePairs.QueryState(_handle.Pointer);
        NativeErrors.ThrowIfNegative(state, "ibv_query_qp");
        _state = (QueuePairState)state;
        return _state;
    }

    public void ModifyToInit(byte portNumber, MemoryAccess remoteAccess)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfZero(portNumber);
        NativeErrors.ThrowIfNegative(QueuePairs.ModifyToInit(_handle.Pointer, portNumber, (int)remoteAccess), "ibv_modify_qp(INIT)");
        _state = QueuePairState.Init;
    }

    // Safe: `native` is a stack local; its fixed 16-byte RemoteGid is written through a 16-byte span,
    // and the shim reads the struct only during the call.
    public unsafe void ModifyToReadyToReceive(in ReadyToReceiveAttributes attributes)
    {
        ThrowIfDisposed();
        if (attributes.RemoteQueuePairNumber > 0xFFFFFF || attributes.ReceivePacketSequenceNumber > 0xFFFFFF)
        {
            throw new ArgumentOutOfRangeException(nameof(attributes), "QP numbers and PSNs are 24-bit values");
        }

        if (attributes.LocalGidIndex is < 0 or > byte.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(attributes), attributes.LocalGidIndex, "GID index out of range");
        }

        var native = new ShimRtrAttributes
        {
            RemoteQpn = attributes.RemoteQueuePairNumber,
            ReceivePsn = attributes.ReceivePacketSequenceNumber,
            RemoteLid = attributes.RemoteLid,
            PortNumber = attributes.PortNumber == 0 ? (byte)1 : attributes.PortNumber,
            SourceGidIndex = (byte)attributes.LocalGidIndex,
            PathMtu = (int)(attributes.PathMtu == 0 ? PathMtu.Mtu1024 : attributes.PathMtu),
            MaxDestRdAtomic = attributes.MaxDestinationReadAtomic,
            MinRnrTimer = attributes.MinRnrTimer,
            HopLimit = attributes.HopLimit == 0 ? (byte)64 : attributes.HopLimit,
            UseGlobalRoute = attributes.RemoteGid.IsZero ? (byte)0 : (byte)1,
        };
        attributes.RemoteGid.WriteTo(new Span<byte>(native.RemoteGid, 16));
        // Safe: `native` is a local on this frame, alive for the whole call.
        NativeErrors.ThrowIfNegative(QueuePairs.ModifyToRtr(_handle.Pointer, &native), "ibv_modify_qp(RTR)");
        _state = QueuePairState.ReadyToReceive;
    }

    // Safe: the only pointer is &native, a stack local the shim reads during ibv_modify_qp(RTS).
    public unsafe void ModifyToReadyToSend(in ReadyToSendAttributes attributes)
    {
        ThrowIfDisposed();
        if (attributes.SendPacketSequenceNumber > 0xFFFFFF)
        {
            throw new ArgumentOutOfRangeException(nameof(attributes), "PSNs are 24-bit values");
        }

        var native = new ShimRtsAttributes
        {
            SendPsn = attributes.SendPacketSequenceNumber,
            Timeout = attributes.Timeout,
            RetryCount = attributes.RetryCount,
            RnrRetry = attributes.RnrRetry,
            MaxRdAtomic = attributes.MaxReadAtomic,
        };
        // Safe: `native` is a local on this frame, alive for the whole call.
        NativeErrors.ThrowIfNegative(QueuePairs.ModifyToRts(_handle.Pointer, &native), "ibv_modify_qp(RTS)");
        _state = QueuePairState.ReadyToSend;
    }

    public void ModifyToError() => ModifyTo(QueuePairState.Error);

    public void ModifyToReset() => ModifyTo(QueuePairState.Reset);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _handle.Dispose();
            Disposed?.Invoke();
        }
    }

    private void ModifyTo(QueuePairState state)
    {
        ThrowIfDisposed();
        NativeErrors.ThrowIfNegative(QueuePairs.ModifyState(_handle.Pointer, (int)state), $"ibv_modify_qp({state})");
        _state = state;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed != 0, this);
}
