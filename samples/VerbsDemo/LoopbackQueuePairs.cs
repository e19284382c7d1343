using System.Net;
using RdmaOffload.Verbs;

namespace RdmaOffload.Samples.Verbs;

/// <summary>
/// Two RC queue pairs on one device connected to each other with the device's own GID, the way
/// perftest's loopback runs: the smallest setup that moves real RDMA traffic. Also used by
/// bench/VerbsBench (linked source).
/// </summary>
internal sealed class LoopbackQueuePairs : IDisposable
{
    internal const byte Port = 1;

    private LoopbackQueuePairs(IProtectionDomain pd, ICompletionQueue requesterCq, ICompletionQueue responderCq, IQueuePair requester, IQueuePair responder, Gid gid, int gidIndex)
    {
        ProtectionDomain = pd;
        RequesterCompletionQueue = requesterCq;
        ResponderCompletionQueue = responderCq;
        Requester = requester;
        Responder = responder;
        Gid = gid;
        GidIndex = gidIndex;
    }

    internal IProtectionDomain ProtectionDomain { get; }

    internal ICompletionQueue RequesterCompletionQueue { get; }

    internal ICompletionQueue ResponderCompletionQueue { get; }

    /// <summary>Issues the RDMA operations.</summary>
    internal IQueuePair Requester { get; }

    /// <summary>Owns the memory the requester reads or writes.</summary>
    internal IQueuePair Responder { get; }

    internal Gid Gid { get; }

    internal int GidIndex { get; }

    /// <summary>Finds the GID for <paramref name="address"/> (or the first IPv4-mapped GID) and connects two QPs through it.</summary>
    internal static LoopbackQueuePairs Create(IRdmaDevice device, IPAddress? address, int depth, byte readDepth = 16)
    {
        int gidIndex = FindGid(device, address);
        var gid = device.QueryGid(Port, gidIndex);
        var mtu = device.QueryPort(Port).ActiveMtu;
        var pd = device.AllocateProtectionDomain();
        var requesterCq = device.CreateCompletionQueue(depth * 2);
        var responderCq = device.CreateCompletionQueue(depth * 2);
        var requester = pd.CreateQueuePair(new QueuePairOptions { SendCompletionQueue = requesterCq, ReceiveCompletionQueue = requesterCq, MaxSendWorkRequests = depth, MaxReceiveWorkRequests = depth });
        var responder = pd.CreateQueuePair(new QueuePairOptions { SendCompletionQueue = responderCq, ReceiveCompletionQueue = responderCq, MaxSendWorkRequests = depth, MaxReceiveWorkRequests = depth });
        const MemoryAccess Access = MemoryAccess.LocalWrite | MemoryAccess.RemoteRead | MemoryAccess.RemoteWrite;
        requester.ModifyToInit(Port, Access);
        responder.ModifyToInit(Port, Access);
        var requesterEndpoint = new QueuePairEndpoint(requester.QueuePairNumber, 0x100, gid);
        var responderEndpoint = new QueuePairEndpoint(responder.QueuePairNumber, 0x200, gid);
        requester.ModifyToReadyToReceive(ReadyToReceiveAttributes.ForRoce(responderEndpoint, gidIndex, mtu) with { MaxDestinationReadAtomic = readDepth });
        responder.ModifyToReadyToReceive(ReadyToReceiveAttributes.ForRoce(requesterEndpoint, gidIndex, mtu) with { MaxDestinationReadAtomic = readDepth });
        requester.ModifyToReadyToSend(ReadyToSendAttributes.Default(requesterEndpoint.PacketSequenceNumber) with { MaxReadAtomic = readDepth });
        responder.ModifyToReadyToSend(ReadyToSendAttributes.Default(responderEndpoint.PacketSequenceNumber) with { MaxReadAtomic = readDepth });
        return new LoopbackQueuePairs(pd, requesterCq, responderCq, requester, responder, gid, gidIndex);
    }

    public void Dispose()
    {
        Requester.Dispose();
        Responder.Dispose();
        RequesterCompletionQueue.Dispose();
        ResponderCompletionQueue.Dispose();
        ProtectionDomain.Dispose();
    }

    private static int FindGid(IRdmaDevice device, IPAddress? address)
    {
        if (address is not null)
        {
            return device.FindGidIndex(Port, address)
                ?? throw new RdmaException($"{device.Name} has no GID for {address}");
        }

        int length = device.QueryPort(Port).GidTableLength;
        for (int index = 0; index < length; index++)
        {
            try
            {
                var candidate = device.QueryGid(Port, index).ToIPAddress();
                if (candidate.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
                {
                    return device.FindGidIndex(Port, candidate) ?? index;
                }
            }
            catch (RdmaException)
            {
                // empty table entry
            }
        }

        throw new RdmaException($"{device.Name} has no IPv4 GID; pass --ip");
    }
}
