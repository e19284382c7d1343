namespace RdmaOffload.Verbs;

/// <summary>
/// Something that carries verbs: <c>ibverbs</c> (libibverbs: hardware, kernel SoftRoCE) or
/// <c>managed-roce</c> (RoCEv2 over UDP in C#). The rest of the product talks only to this API.
/// </summary>
public interface IFabricProvider : IDisposable
{
    /// <summary>Provider name as used in configuration: <c>ibverbs</c> or <c>managed-roce</c>.</summary>
    string Name { get; }

    /// <summary>Devices this provider can open right now.</summary>
    IReadOnlyList<RdmaDeviceInfo> GetDevices();

    /// <summary>Opens a device by name, or the first device when <paramref name="name"/> is null.</summary>
    /// <exception cref="RdmaException">No such device, or it cannot be opened.</exception>
    IRdmaDevice OpenDevice(string? name = null);

    /// <summary>Creates a connection manager (RDMA CM, or the provider's own rendezvous).</summary>
    IConnectionManager CreateConnectionManager();
}
