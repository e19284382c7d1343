using RdmaOffload.NetStack.Tcp;
using RdmaOffload.NetStack.Wire;

namespace RdmaOffload.NetStack;

/// <summary>Configuration of one <see cref="NetworkStack"/> (one interface, one IPv4 address).</summary>
public sealed class NetworkStackOptions
{
    /// <summary>The interface's MAC address.</summary>
    public MacAddress MacAddress { get; set; } = MacAddress.Parse("02:00:00:00:00:01");

    /// <summary>The interface's IPv4 address.</summary>
    public Ipv4Address Address { get; set; }

    /// <summary>Prefix length of the on-link subnet.</summary>
    public int PrefixLength { get; set; } = 24;

    /// <summary>Next hop for destinations outside the subnet; <see cref="Ipv4Address.Any"/> for none.</summary>
    public Ipv4Address Gateway { get; set; }

    /// <summary>IP MTU (1500 for Ethernet, 9000 for jumbo frames). The TCP MSS follows from it.</summary>
    public int Mtu { get; set; } = 1500;

    /// <summary>TTL of packets the stack originates.</summary>
    public byte TimeToLive { get; set; } = 64;

    /// <summary>How long a learned ARP entry stays valid (µs).</summary>
    public long ArpEntryLifetime { get; set; } = 60_000_000;

    /// <summary>Minimum time between ARP requests for the same address (µs).</summary>
    public long ArpRequestInterval { get; set; } = 1_000_000;

    /// <summary>Most ARP entries kept.</summary>
    public int ArpCacheCapacity { get; set; } = 4096;

    /// <summary>Time a partially reassembled IPv4 datagram is kept (µs).</summary>
    public long ReassemblyTimeout { get; set; } = 30_000_000;

    /// <summary>Most datagrams being reassembled at once.</summary>
    public int ReassemblyMaxDatagrams { get; set; } = 64;

    /// <summary>Most bytes held by reassembly buffers in total.</summary>
    public int ReassemblyMaxBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Secret for ISNs and SYN cookies (≥ 16 bytes); random when null. Tests pass a fixed one.</summary>
    public byte[]? SequenceSecret { get; set; }

    /// <summary>First port used for active opens.</summary>
    public ushort EphemeralPortStart { get; set; } = 32768;

    /// <summary>TCP tunables.</summary>
    public TcpSettings Tcp { get; set; } = new();

    /// <summary>Largest frame (Ethernet header + MTU).</summary>
    public int MaxFrameLength => Mtu + EthernetFrameHeader;

    private const int EthernetFrameHeader = 14;
}
