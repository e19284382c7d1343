using RdmaOffload.NetStack.Tcp;
using RdmaOffload.NetStack.Wire;

namespace RdmaOffload.NetStack;

public sealed partial class NetworkStack
{
    private void HandleArp(ReadOnlySpan<byte> payload, long now)
    {
        if (!ArpPacket.TryParse(payload, out var arp))
        {
            Counters.FramesDropped++;
            return;
        }

        var senderIp = arp.SenderProtocolAddress;
        var senderMac = arp.SenderHardwareAddress;
        if (senderMac.IsMulticast || senderIp == Ipv4Address.Any)
        {
            Counters.FramesDropped++;
            return;
        }

        // RFC 826 merge: refresh an existing entry from any ARP; add one only when the packet is for us.
        var forUs = arp.TargetProtocolAddress == _options.Address;
        if (!_arp.UpdateIfPresent(senderIp, senderMac, now) && forUs)
        {
            _arp.Update(senderIp, senderMac, now);
        }

        if (_awaitingArp.Count > 0)
        {
            ReleaseArpWaiters();
        }

        if (forUs && arp.Operation == ArpOperation.Request)
        {
            SendArp(ArpOperation.Reply, senderMac, senderMac, senderIp);
        }
    }

    private void SendArp(ArpOperation operation, MacAddress ethernetDestination, MacAddress targetMac, Ipv4Address targetIp)
    {
        var frame = _sink.GetFrameBuffer(EthernetFrame.HeaderLength + ArpPacket.Length);
        EthernetFrame.WriteHeader(frame, ethernetDestination, _options.MacAddress, EtherType.Arp);
        ArpPacket.Write(frame[EthernetFrame.HeaderLength..], operation, _options.MacAddress, _options.Address, targetMac, targetIp);
        Commit(EthernetFrame.HeaderLength + ArpPacket.Length);
    }

    /// <summary>The MAC for the next hop towards <paramref name="destination"/>; asks ARP and returns false when unknown.</summary>
    private bool TryResolve(Ipv4Address destination, out MacAddress mac)
    {
        var nextHop = destination.IsInSameSubnet(_options.Address, _options.PrefixLength) || _options.Gateway == Ipv4Address.Any
            ? destination
            : _options.Gateway;
        if (_arp.TryGet(nextHop, _now, out mac))
        {
            return true;
        }

        Counters.ArpMisses++;
        if (_arp.ShouldRequest(nextHop, _now, _options.ArpRequestInterval))
        {
            SendArp(ArpOperation.Request, MacAddress.Broadcast, MacAddress.Zero, nextHop);
        }

        return false;
    }

    /// <summary>Most connections remembered as waiting for ARP; beyond this they rely on their retransmission timer.</summary>
    private const int MaxArpWaiters = 1024;

    private readonly List<TcpConnection> _awaitingArp = [];

    private void AwaitArp(TcpConnection connection)
    {
        if (_awaitingArp.Count < MaxArpWaiters && !_awaitingArp.Contains(connection))
        {
            _awaitingArp.Add(connection);
        }
    }

    /// <summary>Connections whose output stalled on ARP try again once any mapping is learned.</summary>
    private void ReleaseArpWaiters()
    {
        foreach (var connection in _awaitingArp)
        {
            if (connection.State != TcpState.Closed)
            {
                MarkForOutput(connection);
            }
        }

        _awaitingArp.Clear();
    }

    private void Commit(int length)
    {
        _sink.Commit(length);
        Counters.FramesSent++;
    }
}
