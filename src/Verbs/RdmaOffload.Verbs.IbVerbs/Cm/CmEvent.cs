using System.Net;
using RdmaOffload.Verbs.IbVerbs.Interop;

namespace RdmaOffload.Verbs.IbVerbs.Cm;

/// <summary>An <c>rdma_cm_event</c>, copied out before the event is acknowledged.</summary>
/// <param name="Type">Event type.</param>
/// <param name="Status">Event status (errno or reject reason).</param>
/// <param name="Id">The id the event is for (the new id for connect requests).</param>
/// <param name="ListenId">For connect requests: the listening id.</param>
/// <param name="PrivateData">Private data carried by the event (possibly zero-padded).</param>
/// <param name="RemoteEndPoint">For connect requests: the requester's address.</param>
internal sealed record CmEvent(CmEventType Type, int Status, nint Id, nint ListenId, byte[] PrivateData, IPEndPoint? RemoteEndPoint)
{
    public override string ToString() => $"{Type} (status {Status})";
}
