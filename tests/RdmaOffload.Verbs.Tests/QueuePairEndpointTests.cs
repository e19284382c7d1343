using System.Net;
using FsCheck;
using FsCheck.Fluent;
using RdmaOffload.Verbs;

namespace RdmaOffload.Verbs.Tests;

public class QueuePairEndpointTests
{
    [Test]
    public void RoundTripsThroughItsWireForm()
    {
        var endpoint = new QueuePairEndpoint(0x123456, 0xABCDEF, Gid.FromIPAddress(IPAddress.Parse("192.0.2.7")), 0, 0x7f00_1234_5000, 0xdeadbeef, 1 << 20);
        Span<byte> wire = stackalloc byte[QueuePairEndpoint.EncodedLength];
        endpoint.Encode(wire);

        Assert.That(QueuePairEndpoint.TryDecode(wire, out var decoded), Is.True);
        Assert.That(decoded, Is.EqualTo(endpoint));
        Assert.That(decoded.Gid.ToIPAddress(), Is.EqualTo(IPAddress.Parse("192.0.2.7")));
    }

    [Test]
    public void RejectsShortInputAndOversizedQpn()
    {
        Assert.That(QueuePairEndpoint.TryDecode(new byte[QueuePairEndpoint.EncodedLength - 1], out _), Is.False);
        var wire = new byte[QueuePairEndpoint.EncodedLength];
        wire[0] = 0x01; // QPN 0x01000000 does not fit in 24 bits
        Assert.That(QueuePairEndpoint.TryDecode(wire, out _), Is.False);
    }

    [Test]
    public void DecodingArbitraryBytesNeverThrows()
    {
        Prop.ForAll<byte[]>(bytes =>
        {
            bool ok = QueuePairEndpoint.TryDecode(bytes, out var e);
            return !ok || (e.QueuePairNumber <= 0xFFFFFF && e.PacketSequenceNumber <= 0xFFFFFF);
        }).QuickCheckThrowOnFailure();
    }

    [Test]
    public void GidPrintsLikeIbvDevinfo()
    {
        var gid = Gid.FromIPAddress(IPAddress.Parse("10.0.0.1"));
        Assert.That(gid.ToString(), Is.EqualTo("0000:0000:0000:0000:0000:ffff:0a00:0001"));
        Assert.That(gid.IsZero, Is.False);
        Assert.That(Gid.Zero.IsZero, Is.True);
    }
}
