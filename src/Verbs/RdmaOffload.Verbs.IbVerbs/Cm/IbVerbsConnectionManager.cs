using System.Collections.Concurrent;
using System.Net;
using RdmaOffload.Verbs.IbVerbs.Cm;
using RdmaOffload.Verbs.IbVerbs.Handles;
using RdmaOffload.Verbs.IbVerbs.Interop;

namespace RdmaOffload.Verbs.IbVerbs;

/// <summary>
/// RDMA CM over librdmacm. One event channel per manager, its fd watched by the provider's
/// dispatcher thread; each event is copied, acknowledged at once (so <c>rdma_destroy_id</c> never
/// waits) and routed to the endpoint owning the id.
/// </summary>
internal sealed partial class IbVerbsConnectionManager : IConnectionManager, IReadinessHandler
{
    /// <summary>Private data limits of RDMA CM over IB/RoCE (REQ, REP and REJ payload sizes).</summary>
    internal const int MaxConnectPrivateData = 56;
    internal const int MaxAcceptPrivateData = 196;
    internal const int MaxRejectPrivateData = 148;

    private const int EAGAIN = 11;
    private readonly ConcurrentDictionary<nint, CmEndpoint> _endpoints = new();
    private readonly CmEventChannelHandle _channel;
    private readonly int _channelFd;
    private readonly ulong _watchToken;
    private int _disposed;

    internal IbVerbsConnectionManager(IbVerbsProvider provider)
    {
        Provider = provider;
        _channel = new CmEventChannelHandle(provider.Tracker);
        nint channel;
        try
        {
            channel = ConnectionManager.CreateEventChannel();
        }
        catch (DllNotFoundException e)
        {
            _channel.Abandon();
            throw new RdmaException("ibverbs: librdmacm.so.1 cannot be loaded (run scripts/install-deps build)", e);
        }

        if (channel == 0)
        {
            _channel.Abandon();
            throw new RdmaException("rdma_create_event_channel failed (is rdma_ucm loaded?)");
        }

        _channel.Attach(channel);
        _channelFd = ConnectionManager.EventChannelFd(channel);
        NativeErrors.ThrowIfNegative(Readiness.SetNonBlocking(_channelFd), "fcntl(O_NONBLOCK) on the CM event channel");
        _watchToken = provider.Dispatcher.Register(_channelFd, this);
    }

    internal IbVerbsProvider Provider { get; }

    public IRdmaListener Listen(IPEndPoint localEndPoint, RdmaConnectionOptions options, int backlog = 64)
    {
        ArgumentNullException.ThrowIfNull(localEndPoint);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(backlog);
        ThrowIfDisposed();
        var endpoint = CreateEndpoint();
        try
        {
            var (address, family) = CmAddress.ToNative(localEndPoint.Address);
            // Safe: `fixed` pins the 16-byte `address` array for the call; the shim reads 4 or 16 bytes of it
            // (per `family`) into its own sockaddr before rdma_bind_addr.
            unsafe
            {
                fixed (byte* raw = address)
                {
                    NativeErrors.ThrowIfNegative(ConnectionManager.Bind(endpoint.Id.Pointer, raw, family, (ushort)localEndPoint.Port), $"rdma_bind_addr({localEndPoint})");
                }
            }

            NativeErrors.ThrowIfFailedWithErrno(ConnectionManager.Listen(endpoint.Id.Pointer, backlog), $"rdma_listen({localEndPoint})");
            var bound = CmAddress.ReadLocal(endpoint.Id.Pointer) ?? localEndPoint;
            return new CmListener(this, endpoint, bound, options);
        }
        catch
        {
            endpoint.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Stops reading CM events and destroys the listeners and pending ids. Connections still open
    /// keep their QP usable (their ids and the channel live until they are disposed) but no longer
    /// learn of the peer's disconnect.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Provider.Dispatcher.Unregister(_channelFd, _watchToken);
            foreach (var endpoint in _endpoints.Values)
            {
                endpoint.Dispose();
            }

            _channel.Dispose();
        }
    }

    /// <summary>Creates an id on the manager's channel and routes its events to a new endpoint.</summary>
    internal CmEndpoint CreateEndpoint()
    {
        var id = new CmIdHandle(Provider.Tracker, _channel);
        int rc = ConnectionManager.CreateId(_channel.Pointer, out nint pointer, 0, IbvConstants.RdmaPortSpaceTcp);
        if (rc != 0)
        {
            int errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            id.Abandon();
            NativeErrors.Throw("rdma_create_id", errno);
        }

        id.Attach(pointer);
        return Adopt(id);
    }

    /// <summary>Routes events of an id that librdmacm created (a connect request's id).</summary>
    internal CmEndpoint AdoptRequestId(nint pointer)
    {
        var id = new CmIdHandle(Provider.Tracker, _channel);
        id.Attach(pointer);
        return Adopt(id);
    }

    internal void Forget(CmEndpoint endpoint) => _endpoints.TryRemove(new KeyValuePair<nint, CmEndpoint>(endpoint.Id.Pointer, endpoint));

    /// <summary>Dispatcher thread: drain the channel, acknowledging every event after copying it.</summary>
    void IReadinessHandler.OnReadable()
    {
        while (true)
        {
            int rc = ConnectionManager.GetEvent(_channel.Pointer, out nint native);
            if (rc == -EAGAIN || rc < 0)
            {
                return;
            }

            CmEvent cmEvent = Copy(native);
            _ = ConnectionManager.AckEvent(native);
            nint target = cmEvent.Type == CmEventType.ConnectRequest ? cmEvent.ListenId : cmEvent.Id;
            if (_endpoints.TryGetValue(target, out var endpoint))
            {
                endpoint.Deliver(cmEvent);
            }
            else if (cmEvent.Type == CmEventType.ConnectRequest)
            {
                // The listener is gone: refuse rather than leave the requester waiting.
                unsafe
                {
                    _ = ConnectionManager.Reject(cmEvent.Id, null, 0);
                }

                _ = ConnectionManager.DestroyId(cmEvent.Id);
            }
        }
    }

    // Safe: `native` is not acknowledged until Copy returns; the shim copies at most 256 bytes into
    // the 256-byte stack `buffer`, and the span over it is clamped to [0, 256].
    private static unsafe CmEvent Copy(nint native)
    {
        byte* buffer = stackalloc byte[256];
        int length = ConnectionManager.EventPrivateData(native, buffer, 256);
        var type = (CmEventType)ConnectionManager.EventType(native);
        nint id = ConnectionManager.EventId(native);
        return new CmEvent(
            type,
            ConnectionManager.EventStatus(native),
            id,
            ConnectionManager.EventListenId(native),
            new ReadOnlySpan<byte>(buffer, Math.Clamp(length, 0, 256)).ToArray(),
            type == CmEventType.ConnectRequest ? CmAddress.ReadPeer(id) : null);
    }

    private CmEndpoint Adopt(CmIdHandle id)
    {
        var endpoint = new CmEndpoint(this, id);
        _endpoints[id.Pointer] = endpoint;
        return endpoint;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed != 0, this);
}
