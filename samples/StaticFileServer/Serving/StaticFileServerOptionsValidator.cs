using System.Net;
using Microsoft.Extensions.Options;
using RdmaOffload.Protocol.Auth;

namespace RdmaOffload.Samples.StaticFileServer.Serving;

/// <summary>Checks the configuration before anything starts, naming every problem at once.</summary>
internal sealed class StaticFileServerOptionsValidator : IValidateOptions<StaticFileServerOptions>
{
    public ValidateOptionsResult Validate(string? name, StaticFileServerOptions options)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(options.StaticFiles.Root))
        {
            problems.Add("StaticFiles:Root is required (the directory to serve).");
        }
        else if (!Directory.Exists(options.StaticFiles.Root))
        {
            problems.Add($"StaticFiles:Root '{options.StaticFiles.Root}' is not an existing directory.");
        }

        if (!options.ServesAccelerated && !options.ServesTcp)
        {
            problems.Add("Nothing to serve on: set RdmaOffload:Adapter (and the RdmaOffload and Fabric sections) or Listen:Tcp.");
        }

        if (options.ServesAccelerated)
        {
            ValidateAccelerated(options, problems);
        }

        if (options.ServesTcp && !IPEndPoint.TryParse(options.Listen.Tcp!, out _))
        {
            problems.Add($"Listen:Tcp '{options.Listen.Tcp}' is not an address:port.");
        }

        problems.AddRange(options.Http.Validate());
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    private static void ValidateAccelerated(StaticFileServerOptions options, List<string> problems)
    {
        var rdma = options.RdmaOffload;
        if (!IPEndPoint.TryParse(rdma.Adapter, out var adapter) || adapter.Port == 0)
        {
            problems.Add($"RdmaOffload:Adapter '{rdma.Adapter}' is not an address:port.");
        }

        if (string.IsNullOrWhiteSpace(rdma.SharedSecretFile))
        {
            problems.Add("RdmaOffload:SharedSecretFile is required with RdmaOffload:Adapter.");
        }
        else
        {
            try
            {
                _ = SharedSecretFile.Load(rdma.SharedSecretFile);
            }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                problems.Add($"RdmaOffload:SharedSecretFile: {e.Message}");
            }
        }

        if (string.IsNullOrWhiteSpace(rdma.HostIdentity) || System.Text.Encoding.UTF8.GetByteCount(rdma.HostIdentity) > 64
            || rdma.HostIdentity.Any(char.IsControl))
        {
            problems.Add($"RdmaOffload:HostIdentity '{rdma.HostIdentity}' must be 1-64 bytes of UTF-8 without control characters.");
        }

        if (rdma.ServicePort is < 1 or > 65535)
        {
            problems.Add($"RdmaOffload:ServicePort {rdma.ServicePort} is not a TCP port.");
        }

        if (rdma.MaxConnections is < 1 or > 65536)
        {
            problems.Add($"RdmaOffload:MaxConnections {rdma.MaxConnections} must be between 1 and 65536.");
        }

        if (rdma.MaxRelinkDelay <= TimeSpan.Zero)
        {
            problems.Add($"RdmaOffload:MaxRelinkDelay {rdma.MaxRelinkDelay} must be positive.");
        }

        problems.AddRange(options.Fabric.Validate());
    }
}
