using System.Net;
using RdmaOffload.Verbs.Providers;

namespace RdmaOffload.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The fabric the suite runs on: <c>managed-roce</c> over loopback by default (every testbed on its own 127.3.N.x
/// addresses), or what <c>RDMAOFFLOAD_PROVIDER=ibverbs</c> and <c>RDMAOFFLOAD_IP</c> name — the SoftRoCE VM's rxe
/// device, which adapter and hosts share (one device reaching itself by its IPv4 GID), links told apart by port.
/// </summary>
internal static class FabricUnderTest
{
    public static string Provider => Environment.GetEnvironmentVariable("RDMAOFFLOAD_PROVIDER") is { Length: > 0 } name ? name : FabricProviderOptions.ManagedRoce;

    public static bool IsIbVerbs => Provider == FabricProviderOptions.IbVerbs;

    public static IPAddress AdapterAddress(int world) => IsIbVerbs ? DeviceAddress : new IPAddress([127, 3, (byte)world, 1]);

    public static IPAddress HostAddress(int world, int host) => IsIbVerbs ? DeviceAddress : new IPAddress([127, 3, (byte)world, (byte)(10 + host)]);

    public static int LinkPort(int world) => 18515 + (IsIbVerbs ? world : 0);

    /// <summary>Scales the load tests down where the fabric is emulated (the VM): RDMAOFFLOAD_E2E_SCALE, default 1.</summary>
    public static double LoadScale => double.TryParse(Environment.GetEnvironmentVariable("RDMAOFFLOAD_E2E_SCALE"), System.Globalization.CultureInfo.InvariantCulture, out var scale) ? scale : 1.0;

    /// <summary>
    /// Adapter settings for the fabric: on an emulated CPU (scale below 1) a host may take seconds to answer a
    /// keepalive ping, so the adapter is given 10 s before it declares a host dead.
    /// </summary>
    public static string[] AdapterSettings => LoadScale < 1 ? ["--Adapter:KeepaliveInterval=00:00:02", "--Adapter:KeepaliveTimeout=00:00:10"] : [];

    private static IPAddress DeviceAddress =>
        IPAddress.TryParse(Environment.GetEnvironmentVariable("RDMAOFFLOAD_IP"), out var address)
            ? address
            : throw new InvalidOperationException("RDMAOFFLOAD_PROVIDER=ibverbs needs RDMAOFFLOAD_IP, the RDMA device's IPv4 address (the SoftRoCE VM sets it).");
}
