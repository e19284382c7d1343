using System.Net;

namespace RdmaOffload.TargetAdapter.Admin;

/// <summary>One correlator entry: an accelerated client connection and where it lives on the fabric.</summary>
/// <param name="Client">The client's address and port.</param>
/// <param name="Service">The adapter address and service port the client connected to.</param>
/// <param name="LinkId">The host link carrying it.</param>
/// <param name="HostIdentity">The host's authenticated identity.</param>
/// <param name="WorkQueue">The connection's wq# on that link.</param>
/// <param name="TcpState">The client TCP connection's state in the adapter's stack.</param>
/// <param name="BytesIn">Client → host payload bytes so far.</param>
/// <param name="BytesOut">Host → client payload bytes so far.</param>
/// <param name="Age">Time since the connection was established.</param>
public sealed record ConnectionSnapshot(
    IPEndPoint Client, IPEndPoint Service, int LinkId, string HostIdentity, uint WorkQueue, string TcpState, long BytesIn, long BytesOut, TimeSpan Age);

/// <summary>One host link as the adapter sees it.</summary>
/// <param name="LinkId">The adapter's id for the link.</param>
/// <param name="HostIdentity">The host's identity (empty before it authenticated).</param>
/// <param name="Remote">The host's fabric endpoint.</param>
/// <param name="Ports">Service ports the host registered.</param>
/// <param name="Connections">Client connections it has now.</param>
/// <param name="ConnectionLimit">Most it may have under the admission mode.</param>
/// <param name="KeepaliveRoundTripMicros">Round trip of its last answered keepalive ping, if any.</param>
public sealed record HostLinkSnapshot(
    int LinkId, string HostIdentity, IPEndPoint Remote, IReadOnlyList<ushort> Ports, int Connections, int ConnectionLimit, long? KeepaliveRoundTripMicros);
