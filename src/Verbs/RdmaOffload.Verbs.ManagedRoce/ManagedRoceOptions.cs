using System.Net;

namespace RdmaOffload.Verbs.ManagedRoce;

/// <summary>One managed-roce device: a UDP socket on a local address, speaking RoCEv2.</summary>
public sealed record ManagedRoceDeviceOptions
{
    /// <summary>The standard RoCEv2 UDP port.</summary>
    public const int RoceV2Port = 4791;

    /// <summary>Device name (as <c>ibv_devices</c> would list it), e.g. <c>mroce0</c>.</summary>
    public string Name { get; init; } = "mroce0";

    /// <summary>The local address to bind; the device's GID is its IPv4-mapped (or IPv6) form. Must be a specific address.</summary>
    public required IPAddress BindAddress { get; init; }

    /// <summary>Local UDP port (4791 by default; 0 picks a free one).</summary>
    public int Port { get; init; } = RoceV2Port;

    /// <summary>
    /// UDP port of peers whose port is not otherwise known (4791: kernel rxe and RoCE NICs). A peer in
    /// this process is found by its GID; a nonzero <see cref="ReadyToReceiveAttributes.RemoteLid"/>
    /// names the peer's UDP port explicitly (this provider's convention, since RoCE has no LIDs).
    /// </summary>
    public int DefaultPeerPort { get; init; } = RoceV2Port;

    /// <summary>
    /// Move datagrams in batches with recvmmsg/sendmmsg (Linux only; elsewhere one call per packet).
    /// </summary>
    public bool BatchedIo { get; init; } = true;

    /// <summary>
    /// With <see cref="BatchedIo"/>, hand runs of equal-sized packets to the kernel as one UDP GSO
    /// message (UDP_SEGMENT) and let it coalesce received ones (UDP_GRO); falls back by itself where
    /// the kernel refuses either.
    /// </summary>
    public bool UdpSegmentationOffload { get; init; } = true;

    /// <summary>Send and receive socket buffer size in bytes.</summary>
    public int SocketBufferBytes { get; init; } = 8 << 20;

    /// <summary>
    /// Check the ICRC of received packets. The ICRC covers the IPv4 identification field, which a UDP
    /// socket cannot see: a packet with identification 0 (what Linux puts in unconnected DF datagrams,
    /// so what this provider sends) is checked in full; for others (kernel rxe randomises it) the
    /// identification is solved for, which keeps 16 of the 32 check bits.
    /// </summary>
    public bool VerifyIcrc { get; init; } = true;
}

/// <summary>Configuration of the managed-roce provider.</summary>
public sealed record ManagedRoceOptions
{
    /// <summary>The devices the provider offers.</summary>
    public required IReadOnlyList<ManagedRoceDeviceOptions> Devices { get; init; }

    /// <summary>TCP port of the connection manager's rendezvous listener when a caller asks for port 0 semantics.</summary>
    public int ConnectionManagerPort { get; init; } = 18515;
}
