using System.Globalization;
using System.Text;
using RdmaOffload.NetStack.Tap;

namespace RdmaOffload.TargetAdapter.Service;

/// <summary>The admin commands: plain-text tables an operator (or a test) reads.</summary>
internal sealed class AdminCommands(AcceleratedConnectionProcessor processor, NetStackHost stack)
{
    public const string Help = """
        commands:
          connections   the correlator: client 4-tuple <-> host, link, wq#, TCP state, bytes, age
          hosts         host links: identity, fabric address, ports, connections/limit, keepalive RTT
          stats         totals and stack counters
          help          this text

        """;

    public async Task<string> ExecuteAsync(string command)
    {
        switch (command)
        {
            case "connections":
                return FormatConnections(await processor.GetConnectionsAsync().ConfigureAwait(false));
            case "hosts":
                return FormatHosts(await processor.GetHostsAsync().ConfigureAwait(false));
            case "stats":
                var hosts = await processor.GetHostsAsync().ConfigureAwait(false);
                var connections = await processor.GetConnectionCountAsync().ConfigureAwait(false);
                return string.Create(CultureInfo.InvariantCulture,
                    $"hosts {hosts.Count}\nconnections {connections}\ntap_transmit_drops {stack.TransmitDrops}\ncontained_errors {stack.ContainedErrors}\n");
            case "help":
                return Help;
            default:
                return $"unknown command '{command}'\n{Help}";
        }
    }

    internal static string FormatConnections(IReadOnlyList<Admin.ConnectionSnapshot> connections)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{"client",-22} {"service",-22} {"host",-16} {"link",4} {"wq#",6} {"tcp",-12} {"bytes-in",12} {"bytes-out",12} {"age-s",8}\n");
        foreach (var c in connections.OrderBy(c => c.LinkId).ThenBy(c => c.WorkQueue))
        {
            text.Append(CultureInfo.InvariantCulture,
                $"{c.Client,-22} {c.Service,-22} {c.HostIdentity,-16} {c.LinkId,4} {c.WorkQueue,6} {c.TcpState,-12} {c.BytesIn,12} {c.BytesOut,12} {c.Age.TotalSeconds,8:F1}\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"{connections.Count} connection(s)\n");
        return text.ToString();
    }

    internal static string FormatHosts(IReadOnlyList<Admin.HostLinkSnapshot> hosts)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{"link",4} {"host",-16} {"fabric",-22} {"ports",-12} {"conns",6} {"limit",6} {"rtt-us",8}\n");
        foreach (var h in hosts)
        {
            var ports = h.Ports.Count == 0 ? "-" : string.Join(',', h.Ports);
            var rtt = h.KeepaliveRoundTripMicros?.ToString(CultureInfo.InvariantCulture) ?? "-";
            text.Append(CultureInfo.InvariantCulture, $"{h.LinkId,4} {h.HostIdentity,-16} {h.Remote,-22} {ports,-12} {h.Connections,6} {h.ConnectionLimit,6} {rtt,8}\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"{hosts.Count} host link(s)\n");
        return text.ToString();
    }
}
