using RdmaOffload.Samples.StaticFileServer.Http;
using RdmaOffload.Verbs.Providers;

namespace RdmaOffload.Samples.StaticFileServer.Serving;

/// <summary>The whole configuration, bound from the configuration root (each property is a section).</summary>
internal sealed class StaticFileServerOptions
{
    public StaticFilesSection StaticFiles { get; set; } = new();

    public RdmaOffloadSection RdmaOffload { get; set; } = new();

    public FabricProviderOptions Fabric { get; set; } = new();

    public ListenSection Listen { get; set; } = new();

    public HttpLimits Http { get; set; } = new();

    /// <summary>Serve through a target adapter (RdmaOffload:Adapter is set).</summary>
    public bool ServesAccelerated => !string.IsNullOrWhiteSpace(RdmaOffload.Adapter);

    /// <summary>Serve on kernel sockets too (Listen:Tcp is set).</summary>
    public bool ServesTcp => !string.IsNullOrWhiteSpace(Listen.Tcp);
}

internal sealed class StaticFilesSection
{
    /// <summary>The directory served (required, must exist).</summary>
    public string Root { get; set; } = "";
}

internal sealed class RdmaOffloadSection
{
    /// <summary>The adapter's link endpoint, e.g. 127.0.0.1:18515.</summary>
    public string Adapter { get; set; } = "";

    /// <summary>File holding the secret shared with the adapter (mode 600).</summary>
    public string SharedSecretFile { get; set; } = "";

    /// <summary>This host's identity on the link.</summary>
    public string HostIdentity { get; set; } = Environment.MachineName;

    /// <summary>The TCP port served through the adapter.</summary>
    public int ServicePort { get; set; } = 80;

    /// <summary>Most client connections open at once through the adapter (sizes the registered receive memory).</summary>
    public int MaxConnections { get; set; } = 128;

    /// <summary>Longest wait between attempts to re-link after the link fails.</summary>
    public TimeSpan MaxRelinkDelay { get; set; } = TimeSpan.FromSeconds(5);
}

internal sealed class ListenSection
{
    /// <summary>A kernel-socket endpoint to serve the same files on, e.g. 127.0.0.1:8080 (port 0 picks one).</summary>
    public string? Tcp { get; set; }
}
