using System.Net;
using System.Text;
using Microsoft.Extensions.Options;

namespace RdmaOffload.HostAgent.Hosting;

/// <summary>Checks the options at start, naming each bad setting by its configuration key.</summary>
internal sealed class RdmaOffloadHostOptionsValidator : IValidateOptions<RdmaOffloadHostOptions>
{
    public ValidateOptionsResult Validate(string? name, RdmaOffloadHostOptions options)
    {
        var problems = new List<string>();
        if (!IPEndPoint.TryParse(options.Adapter, out var adapter) || adapter.Port == 0)
        {
            problems.Add($"RdmaOffload:Adapter '{options.Adapter}' is not the adapter's link endpoint (address:port, e.g. 127.0.0.1:18515).");
        }

        if (string.IsNullOrWhiteSpace(options.SharedSecretFile))
        {
            problems.Add("RdmaOffload:SharedSecretFile is not set: it names the file holding the secret shared with the adapter.");
        }
        else
        {
            try
            {
                _ = Protocol.Auth.SharedSecretFile.Load(options.SharedSecretFile);
            }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                problems.Add($"RdmaOffload:SharedSecretFile: {e.Message}");
            }
        }

        var identityBytes = Encoding.UTF8.GetByteCount(options.HostIdentity ?? "");
        if (identityBytes is < 1 or > 64 || options.HostIdentity!.Any(char.IsControl))
        {
            problems.Add($"RdmaOffload:HostIdentity '{options.HostIdentity}' must be 1–64 bytes of UTF-8 without control characters.");
        }

        if (options.ServicePort is < 0 or > 65535)
        {
            problems.Add($"RdmaOffload:ServicePort {options.ServicePort} is not a TCP port.");
        }

        if (options.MaxConnections < 1)
        {
            problems.Add($"RdmaOffload:MaxConnections {options.MaxConnections} must be at least 1.");
        }

        if (options.Weight is < 1 or > 65535)
        {
            problems.Add($"RdmaOffload:Weight {options.Weight} must be 1–65535.");
        }

        if (options.ReconnectInitialDelay <= TimeSpan.Zero || options.ReconnectMaxDelay < options.ReconnectInitialDelay)
        {
            problems.Add("RdmaOffload:ReconnectInitialDelay must be positive and at most RdmaOffload:ReconnectMaxDelay.");
        }

        if (options.CloseTimeout < TimeSpan.Zero)
        {
            problems.Add("RdmaOffload:CloseTimeout must not be negative.");
        }

        problems.AddRange(options.Fabric.Validate());
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
