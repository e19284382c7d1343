using System.Net;
using RdmaOffload.Verbs.IbVerbs;

namespace RdmaOffload.Verbs.ConformanceTests;

/// <summary>
/// Picks the provider under test from the environment: <c>RDMAOFFLOAD_PROVIDER</c> (<c>ibverbs</c>,
/// the default, or <c>managed-roce</c>), <c>RDMAOFFLOAD_DEVICE</c> (default: the first device) and
/// <c>RDMAOFFLOAD_IP</c> (the local address: finds the GID index and is used for RDMA CM).
/// Everything else in this suite uses only the provider-neutral API.
/// </summary>
internal static class ProviderFactory
{
    internal static string ProviderName => Environment.GetEnvironmentVariable("RDMAOFFLOAD_PROVIDER") is { Length: > 0 } name ? name : "ibverbs";

    internal static string? DeviceName => Environment.GetEnvironmentVariable("RDMAOFFLOAD_DEVICE") is { Length: > 0 } name ? name : null;

    /// <summary>The local IP address; the test fails when it is not set.</summary>
    internal static IPAddress LocalAddress
    {
        get
        {
            string? value = Environment.GetEnvironmentVariable("RDMAOFFLOAD_IP");
            if (string.IsNullOrEmpty(value) || !IPAddress.TryParse(value, out var address))
            {
                Assert.Fail("RDMAOFFLOAD_IP is not set to the local IP address of the RDMA device (the SoftRoCE VM sets it: tests/vm/run tests/vm/guest/verbs-conformance.sh)");
                throw new InvalidOperationException("unreachable");
            }

            return address;
        }
    }

    internal static IFabricProvider Create() => ProviderName switch
    {
        "ibverbs" => new IbVerbsProvider(),
        "managed-roce" => CreateManagedRoce(),
        _ => throw new InvalidOperationException($"RDMAOFFLOAD_PROVIDER='{ProviderName}': expected 'ibverbs' or 'managed-roce'"),
    };

    // ---- managed-roce: the managed-RoCE engineer replaces this one method. ----
    private static ManagedRoce.ManagedRoceProvider CreateManagedRoce() =>
        new ManagedRoce.ManagedRoceProvider(new ManagedRoce.ManagedRoceOptions
        {
            // An ephemeral UDP port, so runs in parallel (and a kernel rxe on 4791) do not collide;
            // QPs of one device find each other by GID. RDMAOFFLOAD_ROCE_PORT pins it (e.g. 4791).
            Devices =
            [
                new ManagedRoce.ManagedRoceDeviceOptions
                {
                    Name = DeviceName ?? "mroce0",
                    BindAddress = LocalAddress,
                    Port = int.TryParse(Environment.GetEnvironmentVariable("RDMAOFFLOAD_ROCE_PORT"), out int port) ? port : 0,
                },
            ],
        });
    // ---- end of managed-roce ----

    /// <summary>Opens the device under test, failing the test with a clear message when there is none.</summary>
    internal static IRdmaDevice OpenDevice(IFabricProvider provider)
    {
        try
        {
            return provider.OpenDevice(DeviceName);
        }
        catch (RdmaException e)
        {
            Assert.Fail($"provider '{provider.Name}' has no usable RDMA device '{DeviceName ?? "(first)"}': {e.Message}. " +
                "Run the suite where a device exists, e.g. tests/vm/run tests/vm/guest/verbs-conformance.sh");
            throw;
        }
    }
}
