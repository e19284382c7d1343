using RdmaOffload.NetStack.Tap;
using RdmaOffload.NetStack.Wire;
using RdmaOffload.Testing;

namespace RdmaOffload.NetStack.InteropTests.Infrastructure;

/// <summary>
/// A client network namespace joined to a NetStack TAP through a bridge, all created by this object with names
/// unique to the process and removed on dispose (also after failures):
/// <c>[netns client: veth 10.88.N.2/24] ─ veth ─ [bridge] ─ TAP ─ NetStack 10.88.N.1</c>.
/// </summary>
public sealed class NamespaceLab : IDisposable
{
    private static int _instances;
    private readonly List<Action> _cleanup = [];

    public NamespaceLab(int mtu = 1500, Action<NetworkStackOptions>? configure = null, LinkFaults? faults = null)
    {
        Shell.RequireRootAndTools("ip");
        var id = $"{Environment.ProcessId % 100000}{Interlocked.Increment(ref _instances)}";
        Subnet = 10 + (Environment.ProcessId + _instances) % 200;
        Mtu = mtu;
        Namespace = $"nsi{id}";
        Bridge = $"nsb{id}";
        var vethHost = $"nsh{id}";
        var vethClient = $"nsc{id}";
        StackAddress = Ipv4Address.Parse($"10.88.{Subnet}.1");
        ClientAddress = Ipv4Address.Parse($"10.88.{Subnet}.2");
        try
        {
            Shell.Run("ip", "netns", "add", Namespace).EnsureSuccess("ip netns add");
            _cleanup.Add(() => Shell.Run("ip", "netns", "del", Namespace));
            Shell.Run("ip", "link", "add", Bridge, "type", "bridge").EnsureSuccess("ip link add bridge");
            _cleanup.Add(() => Shell.Run("ip", "link", "del", Bridge));
            Shell.Run("ip", "link", "add", vethHost, "mtu", $"{mtu}", "type", "veth", "peer", "name", vethClient, "mtu", $"{mtu}").EnsureSuccess("ip link add veth");
            _cleanup.Add(() => Shell.Run("ip", "link", "del", vethHost));
            Shell.Run("ip", "link", "set", vethClient, "netns", Namespace).EnsureSuccess("move veth");
            Shell.Run("ip", "link", "set", vethHost, "master", Bridge).EnsureSuccess("enslave veth");
            Shell.Run("ip", "link", "set", vethHost, "up").EnsureSuccess("veth up");

            Tap = TapDevice.Open($"nst{id}");
            _cleanup.Add(() => Tap.Dispose());
            Tap.BringUp(mtu);
            Shell.Run("ip", "link", "set", Tap.Name, "master", Bridge).EnsureSuccess("enslave tap");
            Shell.Run("ip", "link", "set", Bridge, "mtu", $"{mtu}").EnsureSuccess("bridge mtu");
            Shell.Run("ip", "link", "set", Bridge, "up").EnsureSuccess("bridge up");

            InNamespace("ip", "link", "set", "lo", "up").EnsureSuccess("lo up");
            InNamespace("ip", "addr", "add", $"{ClientAddress}/24", "dev", vethClient).EnsureSuccess("client address");
            InNamespace("ip", "link", "set", vethClient, "up").EnsureSuccess("client veth up");
            ClientInterface = vethClient;

            var options = new NetworkStackOptions
            {
                Address = StackAddress,
                MacAddress = MacAddress.Parse($"02:00:0a:58:{Subnet:x2}:01"),
                PrefixLength = 24,
                Mtu = mtu,
            };
            configure?.Invoke(options);
            Host = new NetStackHost(Tap, options, faults);
            _cleanup.Add(() => Host.Dispose()); // runs first: stop the loop before the TAP closes
            Host.Start();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Namespace { get; }

    public string Bridge { get; }

    public string ClientInterface { get; } = "";

    public int Subnet { get; }

    public int Mtu { get; }

    public Ipv4Address StackAddress { get; }

    public Ipv4Address ClientAddress { get; }

    public TapDevice Tap { get; } = null!;

    public NetStackHost Host { get; } = null!;

    /// <summary>
    /// Adds a second namespace on the same bridge at 10.88.N.3 for a kernel-TCP reference server (Linux↔Linux over the
    /// same veth/bridge path as the client uses to reach NetStack). Returns its address.
    /// </summary>
    public string AddServerNamespace()
    {
        var id = Namespace[3..];
        ServerNamespace = $"nss{id}";
        var vethHost = $"nsq{id}";
        var vethServer = $"nsr{id}";
        Shell.Run("ip", "netns", "add", ServerNamespace).EnsureSuccess("ip netns add (server)");
        var serverNamespace = ServerNamespace;
        _cleanup.Insert(0, () => Shell.Run("ip", "netns", "del", serverNamespace));
        Shell.Run("ip", "link", "add", vethHost, "mtu", $"{Mtu}", "type", "veth", "peer", "name", vethServer, "mtu", $"{Mtu}").EnsureSuccess("server veth");
        _cleanup.Insert(0, () => Shell.Run("ip", "link", "del", vethHost));
        Shell.Run("ip", "link", "set", vethServer, "netns", ServerNamespace).EnsureSuccess("move server veth");
        Shell.Run("ip", "link", "set", vethHost, "master", Bridge).EnsureSuccess("enslave server veth");
        Shell.Run("ip", "link", "set", vethHost, "up").EnsureSuccess("server veth up");
        var address = $"10.88.{Subnet}.3";
        Shell.Run("ip", "netns", "exec", ServerNamespace, "ip", "addr", "add", $"{address}/24", "dev", vethServer).EnsureSuccess("server address");
        Shell.Run("ip", "netns", "exec", ServerNamespace, "ip", "link", "set", vethServer, "up").EnsureSuccess("server veth up");
        return address;
    }

    public string? ServerNamespace { get; private set; }

    /// <summary>
    /// A listening kernel TCP socket inside the server namespace: a dedicated thread enters the namespace (setns) just
    /// to create and bind it; the socket stays there while this process uses it from any thread.
    /// </summary>
    public System.Net.Sockets.Socket ListenInServerNamespace(string address, int port)
    {
        System.Net.Sockets.Socket? socket = null;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var ns = File.OpenHandle($"/var/run/netns/{ServerNamespace}");
                if (Tmds.Linux.LibC.setns((int)ns.DangerousGetHandle(), Tmds.Linux.LibC.CLONE_NEWNET) != 0)
                {
                    throw new InvalidOperationException($"setns failed: errno {Tmds.Linux.LibC.errno}");
                }

                socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                socket.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Parse(address), port));
                socket.Listen(4096);
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or System.Net.Sockets.SocketException or UnauthorizedAccessException)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join(); // the thread (and its namespace) ends here; the socket lives on
        return socket ?? throw new InvalidOperationException("Cannot listen in the server namespace.", failure);
    }

    /// <summary>Applies a netem qdisc on the client's interface; fails the test clearly when the kernel lacks sch_netem.</summary>
    public void ApplyNetem(params string[] netemArguments)
    {
        var result = InNamespace(["tc", "qdisc", "add", "dev", ClientInterface, "root", "netem", .. netemArguments]);
        if (result.ExitCode != 0)
        {
            Assert.Fail($"tc netem is not available here ({result.StandardError.Trim()}); the kernel " +
                $"{Environment.OSVersion.Version} needs CONFIG_NET_SCH_NETEM. The same impairments are covered by the LinkFaults tests.");
        }
    }

    public Shell.Result InNamespace(params string[] command) => Shell.Run("ip", ["netns", "exec", Namespace, .. command]);

    public Task<Shell.Result> InNamespaceAsync(TimeSpan timeout, params string[] command) =>
        Shell.RunAsync("ip", ["netns", "exec", Namespace, .. command], timeout);

    public void Dispose()
    {
        for (var i = _cleanup.Count - 1; i >= 0; i--)
        {
            try
            {
                _cleanup[i]();
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or TimeoutException)
            {
                TestContext.Out.WriteLine($"cleanup step failed: {e.Message}");
            }
        }

        _cleanup.Clear();
    }
}
