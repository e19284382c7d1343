using System.Net;
using FsCheck;
using FsCheck.Fluent;
using RdmaOffload.Verbs.ManagedRoce.ConnectionManagement;

namespace RdmaOffload.Verbs.ManagedRoce.Tests.ConnectionManagement;

public sealed class RendezvousMessageTests
{
    [Test]
    public void Every_message_type_round_trips()
    {
        Prop.ForAll<byte[], uint, uint>((data, qpn, psn) =>
        {
            var privateData = data.Length > RendezvousMessage.MaxPrivateData ? data[..RendezvousMessage.MaxPrivateData] : data;
            foreach (var type in Enum.GetValues<RendezvousType>())
            {
                var endpoint = RendezvousMessage.HasEndpoint(type)
                    ? new QueuePairEndpoint(qpn & 0xFFFFFF, psn & 0xFFFFFF, Gid.FromIPAddress(IPAddress.Loopback), 4791)
                    : default;
                var frame = new RendezvousMessage(type, endpoint, privateData).Encode();
                if (!RendezvousMessage.TryDecode(frame.AsSpan(2), out var decoded)
                    || decoded.Type != type || decoded.Endpoint != endpoint || !decoded.PrivateData.Span.SequenceEqual(privateData)
                    || frame.Length - 2 != ((frame[0] << 8) | frame[1]))
                {
                    return false;
                }
            }

            return true;
        }).QuickCheckThrowOnFailure();
    }

    [Test]
    public void Arbitrary_bodies_never_throw()
    {
        Prop.ForAll<byte[]>(body =>
        {
            _ = RendezvousMessage.TryDecode(body, out _);
            return true;
        }).QuickCheckThrowOnFailure();
    }

    [Test]
    public void Inconsistent_lengths_and_unknown_types_are_refused()
    {
        var frame = new RendezvousMessage(RendezvousType.Reject, default, new byte[] { 1, 2, 3 }).Encode();
        Assert.That(RendezvousMessage.TryDecode(frame.AsSpan(2), out _), Is.True);
        Assert.That(RendezvousMessage.TryDecode(frame.AsSpan(2, frame.Length - 3), out _), Is.False, "truncated private data");
        frame[2] = 9;
        Assert.That(RendezvousMessage.TryDecode(frame.AsSpan(2), out _), Is.False, "unknown type");
        Assert.That(() => new RendezvousMessage(RendezvousType.Request, default, new byte[RendezvousMessage.MaxPrivateData + 1]).Encode(), Throws.InstanceOf<RdmaConnectionException>());
    }
}
