using System.Net;

namespace RdmaOffload.Verbs.Providers;

/// <summary>Which fabric provider a service uses and where it sits on the fabric (bound from configuration).</summary>
public sealed class FabricProviderOptions
{
    /// <summary>The provider for machines without kernel RDMA: RoCEv2 over UDP in C#.</summary>
    public const string ManagedRoce = "managed-roce";

    /// <summary>The provider for libibverbs devices (RoCE/InfiniBand NICs, kernel SoftRoCE).</summary>
    public const string IbVerbs = "ibverbs";

    /// <summary><c>managed-roce</c> (the default) or <c>ibverbs</c>.</summary>
    public string Provider { get; set; } = ManagedRoce;

    /// <summary>The local fabric address: the managed-roce device binds it; RDMA CM uses it for the link.</summary>
    public string Address { get; set; } = "";

    /// <summary>ibverbs device name (default: the first device); managed-roce device name.</summary>
    public string? Device { get; set; }

    /// <summary>managed-roce UDP port (4791, the RoCEv2 port, by default).</summary>
    public int RocePort { get; set; } = 4791;

    /// <summary>The parsed <see cref="Address"/>; throws a clear error when it is missing or malformed.</summary>
    public IPAddress ParsedAddress => IPAddress.TryParse(Address, out var address)
        ? address
        : throw new ArgumentException($"Fabric address '{Address}' is not an IP address (set Fabric:Address).");

    /// <summary>Returns the problems with these options (empty when valid).</summary>
    public IEnumerable<string> Validate()
    {
        if (Provider is not (ManagedRoce or IbVerbs))
        {
            yield return $"Fabric:Provider '{Provider}' is unknown: expected '{ManagedRoce}' or '{IbVerbs}'.";
        }

        if (!IPAddress.TryParse(Address, out var address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
        {
            yield return $"Fabric:Address '{Address}' must be a specific local IP address.";
        }

        if (RocePort is < 0 or > 65535)
        {
            yield return $"Fabric:RocePort {RocePort} is not a UDP port.";
        }
    }
}
