using System.Net;
using RdmaOffload.Verbs.Providers;

namespace RdmaOffload.HostAgent.Hosting;

/// <summary>
/// How a hosted application links to its target adapter, bound from the <c>RdmaOffload</c> configuration section
/// (and <see cref="Fabric"/> from the <c>Fabric</c> section), e.g. <c>--RdmaOffload:Adapter=127.0.0.1:18515</c>.
/// </summary>
public sealed class RdmaOffloadHostOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "RdmaOffload";

    /// <summary>The configuration section <see cref="Fabric"/> is bound from.</summary>
    public const string FabricSectionName = "Fabric";

    /// <summary>The adapter's link endpoint, <c>address:port</c>.</summary>
    public string Adapter { get; set; } = "";

    /// <summary>File holding the secret shared with the adapter (mode 600; see <c>SharedSecretFile</c>).</summary>
    public string SharedSecretFile { get; set; } = "";

    /// <summary>This host's identity on the link (1–64 bytes of UTF-8, no control characters).</summary>
    public string HostIdentity { get; set; } = Environment.MachineName;

    /// <summary>
    /// The TCP port clients reach this host on through the adapter. Required for the generic host service; with
    /// Kestrel, 0 means "the port Kestrel binds" and any other value is what Kestrel's single endpoint is offered as.
    /// </summary>
    public int ServicePort { get; set; }

    /// <summary>Most client connections open at once.</summary>
    public int MaxConnections { get; set; } = 128;

    /// <summary>Relative share of new connections the adapter should send here.</summary>
    public int Weight { get; set; } = 1;

    /// <summary>First wait before linking again after a failure; doubled on each failed attempt.</summary>
    public TimeSpan ReconnectInitialDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest wait between link attempts.</summary>
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a closing connection waits for the client's FIN before resetting it.</summary>
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The fabric provider and this host's fabric address.</summary>
    public FabricProviderOptions Fabric { get; set; } = new();

    /// <summary>Further link settings (buffer sizes, registered pool); the fields above override their counterparts.</summary>
    public Action<HostAgentOptionsBuilder>? ConfigureLink { get; set; }

    internal IPEndPoint AdapterEndPoint => IPEndPoint.Parse(Adapter);

    internal HostAgentOptions ToAgentOptions(ushort servicePort, byte[] secret)
    {
        var builder = new HostAgentOptionsBuilder();
        ConfigureLink?.Invoke(builder);
        return builder.Build(AdapterEndPoint, secret, HostIdentity, servicePort, (ushort)Weight, MaxConnections);
    }
}
