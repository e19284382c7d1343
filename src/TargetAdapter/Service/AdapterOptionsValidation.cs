using System.Globalization;
using System.Net;
using Microsoft.Extensions.Options;
using RdmaOffload.NetStack.Wire;
using RdmaOffload.Protocol.Auth;
using RdmaOffload.TargetAdapter.Correlation;
using RdmaOffload.Verbs;
using RdmaOffload.Verbs.Providers;

namespace RdmaOffload.TargetAdapter.Service;

/// <summary>Checks every setting at start so a misconfigured adapter says what is wrong and does not start.</summary>
internal sealed class AdapterOptionsValidation :
    IValidateOptions<AdapterServiceOptions>, IValidateOptions<TapPortOptions>, IValidateOptions<FabricProviderOptions>
{
    public ValidateOptionsResult Validate(string? name, AdapterServiceOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Identity) || options.Identity.Length > 64)
        {
            errors.Add("Adapter:Identity must be 1-64 characters.");
        }

        if (string.IsNullOrWhiteSpace(options.SharedSecretFile))
        {
            errors.Add("Adapter:SharedSecretFile is required (a file of at least 16 bytes, mode 600).");
        }
        else
        {
            try
            {
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(SharedSecretFile.Load(options.SharedSecretFile));
            }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                errors.Add($"Adapter:SharedSecretFile: {e.Message}");
            }
        }

        if (!TryParsePorts(options.ServicePorts, out _, out var portError))
        {
            errors.Add(portError);
        }

        if (options.LinkPort is < 1 or > 65535)
        {
            errors.Add($"Adapter:LinkPort {options.LinkPort} is not a TCP port.");
        }

        if (!TryParseAdmission(options.Admission, out _))
        {
            errors.Add($"Adapter:Admission '{options.Admission}' is unknown: expected 'target-controlled' or 'server-priority'.");
        }

        if (options.MaxConnectionsPerHost is < 1 or > 65536)
        {
            errors.Add($"Adapter:MaxConnectionsPerHost {options.MaxConnectionsPerHost} must be 1-65536.");
        }

        if (options.TargetConnectionCap is < 1)
        {
            errors.Add("Adapter:TargetConnectionCap must be at least 1.");
        }

        if (options.KeepaliveInterval < TimeSpan.FromMilliseconds(10) || options.KeepaliveTimeout < TimeSpan.FromMilliseconds(10))
        {
            errors.Add("Adapter:KeepaliveInterval and Adapter:KeepaliveTimeout must be at least 00:00:00.010.");
        }

        if (options.LinkAckTimeout is < 0 or > RdmaConnectionOptions.MaxAckTimeout)
        {
            errors.Add($"Adapter:LinkAckTimeout {options.LinkAckTimeout} must be 0-{RdmaConnectionOptions.MaxAckTimeout} (IB encoding: 4.096 µs × 2^value).");
        }

        return Result(errors);
    }

    public ValidateOptionsResult Validate(string? name, TapPortOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Name) || options.Name.Length > 15)
        {
            errors.Add($"Tap:Name '{options.Name}' must be 1-15 characters (a Linux interface name).");
        }

        if (!TryParsePrefix(options.Address, out _, out _))
        {
            errors.Add($"Tap:Address '{options.Address}' must be an IPv4 address with prefix length, e.g. 10.77.0.1/24.");
        }

        if (options.Gateway.Length > 0 && !IPAddress.TryParse(options.Gateway, out _))
        {
            errors.Add($"Tap:Gateway '{options.Gateway}' is not an IPv4 address.");
        }

        if (options.Mac.Length > 0 && !TryParseMac(options.Mac, out _))
        {
            errors.Add($"Tap:Mac '{options.Mac}' is not a MAC address (aa:bb:cc:dd:ee:ff).");
        }

        if (options.Mtu is < 576 or > 9000)
        {
            errors.Add($"Tap:Mtu {options.Mtu} must be 576-9000.");
        }

        if (options.Namespace.Length > 0 && !File.Exists(NamespacePath(options.Namespace)))
        {
            errors.Add($"Tap:Namespace '{options.Namespace}': {NamespacePath(options.Namespace)} does not exist (create it with 'ip netns add').");
        }

        return Result(errors);
    }

    public ValidateOptionsResult Validate(string? name, FabricProviderOptions options) => Result([.. options.Validate()]);

    internal static string NamespacePath(string name) => name.Contains('/', StringComparison.Ordinal) ? name : $"/var/run/netns/{name}";

    internal static bool TryParsePorts(string text, out IReadOnlyList<ushort> ports, out string error)
    {
        var result = new List<ushort>();
        foreach (var part in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!ushort.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port == 0)
            {
                ports = [];
                error = $"Adapter:ServicePorts: '{part}' is not a TCP port.";
                return false;
            }

            if (!result.Contains(port))
            {
                result.Add(port);
            }
        }

        ports = result;
        error = result.Count == 0 ? "Adapter:ServicePorts must name at least one TCP port, e.g. 80." : "";
        return result.Count > 0;
    }

    internal static bool TryParseAdmission(string text, out AdmissionMode mode)
    {
        (var known, mode) = text switch
        {
            "target-controlled" => (true, AdmissionMode.TargetControlled),
            "server-priority" => (true, AdmissionMode.ServerPriority),
            _ => (false, AdmissionMode.TargetControlled),
        };
        return known;
    }

    internal static bool TryParsePrefix(string text, out Ipv4Address address, out int prefixLength)
    {
        address = default;
        prefixLength = 0;
        var slash = (text ?? "").IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0
            || !IPAddress.TryParse(text![..slash], out var ip) || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork
            || !int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out prefixLength)
            || prefixLength is < 1 or > 30)
        {
            return false;
        }

        address = Ipv4Address.Read(ip.GetAddressBytes());
        return true;
    }

    internal static bool TryParseMac(string text, out MacAddress mac)
    {
        mac = default;
        var parts = text.Split(':');
        if (parts.Length != 6 || parts.Any(p => p.Length != 2 || !byte.TryParse(p, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out _)))
        {
            return false;
        }

        mac = MacAddress.Parse(text);
        return true;
    }

    private static ValidateOptionsResult Result(List<string> errors) =>
        errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
}
