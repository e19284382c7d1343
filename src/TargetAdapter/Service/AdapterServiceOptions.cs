namespace RdmaOffload.TargetAdapter.Service;

/// <summary>The adapter service's own settings (configuration section <c>Adapter</c>).</summary>
public sealed class AdapterServiceOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Adapter";

    /// <summary>This adapter's identity on host links.</summary>
    public string Identity { get; set; } = "adapter";

    /// <summary>File holding the secret hosts must prove (mode 600).</summary>
    public string SharedSecretFile { get; set; } = "";

    /// <summary>Comma-separated TCP ports offered to clients, e.g. <c>80,8080</c>.</summary>
    public string ServicePorts { get; set; } = "";

    /// <summary>TCP port (on <c>Fabric:Address</c>) where hosts connect their links.</summary>
    public int LinkPort { get; set; } = 18515;

    /// <summary><c>target-controlled</c> (the adapter caps connections per host) or <c>server-priority</c> (hosts grant).</summary>
    public string Admission { get; set; } = "target-controlled";

    /// <summary>Staging slots per host: the most client connections a host can have.</summary>
    public int MaxConnectionsPerHost { get; set; } = 256;

    /// <summary>The adapter's cap per host under target-controlled admission (default: the slots).</summary>
    public int? TargetConnectionCap { get; set; }

    /// <summary>Send host bytes without Nagle's delay (TCP_NODELAY), the default.</summary>
    public bool NoDelay { get; set; } = true;

    /// <summary>Silence from a host after which the adapter pings it.</summary>
    public TimeSpan KeepaliveInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long a ping may go unanswered before the host's connections are reset.</summary>
    public TimeSpan KeepaliveTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Host links' QP local ACK timeout, IB encoding 0–31 (4.096 µs × 2^value; 16 ≈ 268 ms).</summary>
    public int LinkAckTimeout { get; set; } = TargetAdapterOptions.DefaultLinkAckTimeout;
}

/// <summary>The client-facing TAP port (configuration section <c>Tap</c>).</summary>
public sealed class TapPortOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Tap";

    /// <summary>Interface name.</summary>
    public string Name { get; set; } = "rdo0";

    /// <summary>Network namespace (name under /var/run/netns, or a path) to create the TAP in; empty: the adapter's own.</summary>
    public string Namespace { get; set; } = "";

    /// <summary>The adapter's client-facing address with prefix, e.g. <c>10.77.0.1/24</c>.</summary>
    public string Address { get; set; } = "";

    /// <summary>Default gateway for clients outside the prefix (optional).</summary>
    public string Gateway { get; set; } = "";

    /// <summary>MAC address (default: a locally administered one derived from the address).</summary>
    public string Mac { get; set; } = "";

    /// <summary>MTU of the TAP link.</summary>
    public int Mtu { get; set; } = 1500;
}

/// <summary>The admin endpoint (configuration section <c>Admin</c>).</summary>
public sealed class AdminOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Admin";

    /// <summary>Unix domain socket the admin commands are served on; empty disables it.</summary>
    public string Socket { get; set; } = "/run/rdmaoffload/adapter.sock";
}
