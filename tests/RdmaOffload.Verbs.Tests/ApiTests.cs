using System.Net;
using FsCheck;
using FsCheck.Fluent;

namespace RdmaOffload.Verbs.Tests;

/// <summary>Provider-neutral API value types and argument validation.</summary>
public sealed class ApiTests
{
    [Test]
    public void Gid_of_an_IPv4_address_is_the_IPv4_mapped_form_and_round_trips()
    {
        var gid = Gid.FromIPAddress(IPAddress.Parse("10.77.0.1"));
        Span<byte> bytes = stackalloc byte[16];
        gid.WriteTo(bytes);
        Assert.That(bytes.ToArray(), Is.EqualTo(new byte[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 77, 0, 1 }));
        Assert.That(gid.ToIPAddress(), Is.EqualTo(IPAddress.Parse("10.77.0.1")));
        Assert.That(new Gid(bytes), Is.EqualTo(gid));
    }

    [Test]
    public void Gid_round_trips_any_16_bytes()
    {
        Prop.ForAll<byte[]>(raw =>
        {
            var bytes = new byte[16];
            raw.AsSpan(0, Math.Min(raw.Length, 16)).CopyTo(bytes);
            var gid = new Gid(bytes);
            var back = new byte[16];
            gid.WriteTo(back);
            return back.AsSpan().SequenceEqual(bytes) && gid.ToString().Length == 39;
        }).QuickCheckThrowOnFailure();
    }

    [Test]
    public void Connection_options_refuse_ack_timeouts_and_retry_counts_outside_their_ib_fields()
    {
        Assert.That(() => new RdmaConnectionOptions { AckTimeout = 32 }, Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("AckTimeout"));
        Assert.That(() => new RdmaConnectionOptions { RetryCount = 8 }, Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("RetryCount"));
        Assert.That(() => new RdmaConnectionOptions { RnrRetryCount = 8 }, Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("RnrRetryCount"));
        var edges = new RdmaConnectionOptions { AckTimeout = 31, RetryCount = 0, RnrRetryCount = 7 };
        Assert.That((edges.AckTimeout, edges.RetryCount, edges.RnrRetryCount), Is.EqualTo(((byte?)31, (byte)0, (byte)7)));
        var defaults = new RdmaConnectionOptions();
        Assert.That((defaults.AckTimeout, defaults.RetryCount, defaults.RnrRetryCount), Is.EqualTo(((byte?)null, (byte)7, (byte)7)), "null: the connection manager's default");
    }

    [Test]
    public void Gid_needs_exactly_16_bytes()
    {
        Assert.That(() => new Gid(new byte[15]), Throws.ArgumentException);
        Assert.That(() => new Gid(new byte[17]), Throws.ArgumentException);
    }

    [Test]
    public void Path_mtu_converts_to_bytes_and_refuses_unknown_values()
    {
        Assert.That(PathMtu.Mtu1024.ToBytes(), Is.EqualTo(1024));
        Assert.That(PathMtu.Mtu4096.ToBytes(), Is.EqualTo(4096));
        Assert.That(() => ((PathMtu)9).ToBytes(), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void RdmaException_names_the_errno()
    {
        var error = new RdmaException("ibv_post_send", 12);
        Assert.That(error.ErrorNumber, Is.EqualTo(12));
        Assert.That(error.Message, Does.Contain("ibv_post_send").And.Contain("ENOMEM"));
    }

    [Test]
    public void Rejection_carries_the_peer_private_data()
    {
        var error = new RdmaConnectionException("rejected", rejected: true, new byte[] { 1, 2 });
        Assert.That(error.Rejected, Is.True);
        Assert.That(error.RejectPrivateData.ToArray(), Is.EqualTo(new byte[] { 1, 2 }));
        Assert.That(new RdmaConnectionException("timeout").Rejected, Is.False);
    }

    [Test]
    public void Roce_defaults_point_at_the_remote_endpoint()
    {
        var remote = new QueuePairEndpoint(0x42, 0x777, Gid.FromIPAddress(IPAddress.Parse("10.0.0.2")));
        var rtr = ReadyToReceiveAttributes.ForRoce(remote, localGidIndex: 3, PathMtu.Mtu1024);
        Assert.That(rtr.RemoteQueuePairNumber, Is.EqualTo(0x42u));
        Assert.That(rtr.ReceivePacketSequenceNumber, Is.EqualTo(0x777u));
        Assert.That(rtr.RemoteGid, Is.EqualTo(remote.Gid));
        Assert.That(rtr.LocalGidIndex, Is.EqualTo(3));
        Assert.That(ReadyToSendAttributes.Default(5).SendPacketSequenceNumber, Is.EqualTo(5u));
    }

    [Test]
    public void Resource_counts_add_up()
    {
        Assert.That(new FabricResourceCounts(1, 2, 3, 4, 5, 6).Total, Is.EqualTo(21));
        Assert.That(default(FabricResourceCounts).Total, Is.Zero);
    }
}
