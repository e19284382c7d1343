using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace RdmaOffload.Verbs.ManagedRoce.ConnectionManagement;

/// <summary>
/// RDMA-CM-like connection establishment for managed-roce: a TCP rendezvous of our own carries the
/// QP endpoints and private data (Request → Accept/Reject → Ready), then stays open so a disconnect
/// (or a dead peer process) is noticed. Not RDMA CM on the wire: it cannot talk to librdmacm peers;
/// there is no route/address resolution step, no UD/multicast, no alternate paths, no CM timeouts
/// negotiation. Devices are opened once per local address and shared by the connections on it.
/// </summary>
internal sealed class TcpConnectionManager : IConnectionManager
{
    private readonly ManagedRoceProvider _provider;
    private readonly Lock _gate = new();
    private readonly Dictionary<IPAddress, (ManagedRoceDevice Device, int References)> _devices = [];
    private bool _disposed;

    public TcpConnectionManager(ManagedRoceProvider provider) => _provider = provider;

    internal ResourceTracker Tracker => _provider.Tracker;

    public IRdmaListener Listen(IPEndPoint localEndPoint, RdmaConnectionOptions options, int backlog = 64)
    {
        ArgumentNullException.ThrowIfNull(localEndPoint);
        ArgumentNullException.ThrowIfNull(options);
        ObjectDisposedException.ThrowIf(_disposed, this);
        _provider.DeviceOptionsFor(localEndPoint.Address); // fails early when no device serves the address
        var listener = new TcpListener(localEndPoint);
        try
        {
            listener.Start(backlog);
        }
        catch (SocketException e)
        {
            throw new RdmaConnectionException($"cannot listen on {localEndPoint}: {e.SocketErrorCode}", e);
        }

        return new TcpRdmaListener(this, listener, options);
    }

    public async Task<IRdmaConnection> ConnectAsync(IPEndPoint remoteEndPoint, RdmaConnectionOptions options, ReadOnlyMemory<byte> privateData, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(remoteEndPoint);
        ArgumentNullException.ThrowIfNull(options);
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.Timeout);
        var localAddress = _provider.DeviceOptionsToReach(remoteEndPoint.Address).BindAddress;
        var client = new TcpClient(remoteEndPoint.AddressFamily) { NoDelay = true };
        ConnectionResources? resources = null;
        try
        {
            // The rendezvous leaves from the device's address, so the peer sees where the QP lives.
            client.Client.Bind(new IPEndPoint(localAddress, 0));
            await client.ConnectAsync(remoteEndPoint, deadline.Token).ConfigureAwait(false);
            resources = ConnectionResources.Create(this, localAddress, options);
            var stream = client.GetStream();
            uint psn = NewPsn();
            await new RendezvousMessage(RendezvousType.Request, resources.LocalEndpoint(psn), privateData).WriteAsync(stream, deadline.Token).ConfigureAwait(false);
            var reply = await RendezvousMessage.ReadAsync(stream, deadline.Token).ConfigureAwait(false);
            if (reply.Type == RendezvousType.Reject)
            {
                throw new RdmaConnectionException($"{remoteEndPoint} rejected the connection", rejected: true, reply.PrivateData);
            }

            if (reply.Type != RendezvousType.Accept)
            {
                throw new RdmaConnectionException($"rendezvous: expected an accept, got {reply.Type}");
            }

            resources.Connect(psn, reply.Endpoint);
            await new RendezvousMessage(RendezvousType.Ready, default, ReadOnlyMemory<byte>.Empty).WriteAsync(stream, deadline.Token).ConfigureAwait(false);
            return new ManagedRdmaConnection(resources, client, reply.PrivateData, remoteEndPoint);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or RdmaException)
        {
            resources?.Dispose();
            client.Dispose();
            if (e is RdmaConnectionException)
            {
                throw;
            }

            if (e is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw new RdmaConnectionException($"cannot connect to {remoteEndPoint}: {e.Message}", e);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
        }
    }

    internal static uint NewPsn() => (uint)RandomNumberGenerator.GetInt32(1 << 24);

    /// <summary>The shared device for a local address, opened on first use.</summary>
    internal ManagedRoceDevice AcquireDevice(IPAddress address)
    {
        var options = _provider.DeviceOptionsFor(address);
        lock (_gate)
        {
            if (_devices.TryGetValue(address, out var entry))
            {
                _devices[address] = (entry.Device, entry.References + 1);
                return entry.Device;
            }

            var device = _provider.OpenDevice(options);
            _devices[address] = (device, 1);
            return device;
        }
    }

    internal void ReleaseDevice(ManagedRoceDevice device)
    {
        lock (_gate)
        {
            var address = device.Options.BindAddress;
            if (!_devices.TryGetValue(address, out var entry) || !ReferenceEquals(entry.Device, device))
            {
                return;
            }

            if (entry.References > 1)
            {
                _devices[address] = (device, entry.References - 1);
                return;
            }

            _devices.Remove(address);
        }

        device.Dispose();
    }
}
