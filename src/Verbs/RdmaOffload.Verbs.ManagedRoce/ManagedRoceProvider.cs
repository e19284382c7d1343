using System.Buffers.Binary;

namespace RdmaOffload.Verbs.ManagedRoce;

/// <summary>
/// The <c>managed-roce</c> fabric provider: RoCEv2 reliable-connected transport implemented in C#
/// over UDP, wire-compatible with Linux rxe, for machines and containers without kernel RDMA.
/// </summary>
public sealed class ManagedRoceProvider : IFabricProvider, IFabricResourceCounter
{
    private readonly ManagedRoceOptions _options;

    /// <summary>Creates the provider with the given devices.</summary>
    public ManagedRoceProvider(ManagedRoceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Devices.Count == 0 || options.Devices.Select(d => d.Name).Distinct(StringComparer.Ordinal).Count() != options.Devices.Count)
        {
            throw new ArgumentException("at least one device, with unique names", nameof(options));
        }

        _options = options;
    }

    /// <summary>Creates the provider with one device bound to <paramref name="bindAddress"/>.</summary>
    public ManagedRoceProvider(System.Net.IPAddress bindAddress, int port = ManagedRoceDeviceOptions.RoceV2Port)
        : this(new ManagedRoceOptions { Devices = [new ManagedRoceDeviceOptions { BindAddress = bindAddress, Port = port }] })
    {
    }

    /// <inheritdoc/>
    public string Name => "managed-roce";

    /// <inheritdoc/>
    public IReadOnlyList<RdmaDeviceInfo> GetDevices() =>
        [.. _options.Devices.Select(d => new RdmaDeviceInfo(d.Name, NodeGuid(d), RdmaTransport.Ethernet))];

    /// <inheritdoc/>
    public IRdmaDevice OpenDevice(string? name = null) => OpenManagedDevice(name);

    /// <summary>Opens a device with its concrete type (UDP endpoint, counters).</summary>
    public ManagedRoceDevice OpenManagedDevice(string? name = null)
    {
        var options = name is null ? _options.Devices[0] : _options.Devices.FirstOrDefault(d => d.Name == name)
            ?? throw new RdmaException($"managed-roce: no device named {name}");
        return new ManagedRoceDevice(options, Tracker);
    }

    /// <inheritdoc/>
    public FabricResourceCounts GetLiveResourceCounts() => Tracker.Snapshot();

    /// <inheritdoc/>
    public IConnectionManager CreateConnectionManager() => new ConnectionManagement.TcpConnectionManager(this);

    /// <inheritdoc/>
    public void Dispose()
    {
        // Devices are owned by whoever opened them.
    }

    internal ResourceTracker Tracker { get; } = new();

    /// <summary>Options of the device bound to <paramref name="address"/>, for the connection manager.</summary>
    internal ManagedRoceDeviceOptions DeviceOptionsFor(System.Net.IPAddress address) =>
        _options.Devices.FirstOrDefault(d => d.BindAddress.Equals(address))
            ?? throw new RdmaConnectionException($"managed-roce: no device is bound to {address}");

    internal ManagedRoceDevice OpenDevice(ManagedRoceDeviceOptions options) => new(options, Tracker);

    /// <summary>The device to connect from: the one bound to the remote address itself (a local peer), else the first of its family.</summary>
    internal ManagedRoceDeviceOptions DeviceOptionsToReach(System.Net.IPAddress remote) =>
        _options.Devices.FirstOrDefault(d => d.BindAddress.Equals(remote))
            ?? _options.Devices.FirstOrDefault(d => d.BindAddress.AddressFamily == remote.AddressFamily)
            ?? throw new RdmaConnectionException($"managed-roce: no device can reach {remote}");

    private static ulong NodeGuid(ManagedRoceDeviceOptions options)
    {
        // A stable, locally administered GUID from the bind address and port.
        Span<byte> gid = stackalloc byte[16];
        Gid.FromIPAddress(options.BindAddress).WriteTo(gid);
        return 0x0200_0000_0000_0000UL | (BinaryPrimitives.ReadUInt64BigEndian(gid[8..]) ^ ((ulong)options.Port << 40));
    }
}
