using FsCheck;
using FsCheck.Fluent;
using RdmaOffload.Verbs.ManagedRoce.Wire;

namespace RdmaOffload.Verbs.ManagedRoce.Tests.Wire;

public sealed class HeaderTests
{
    [Test]
    public void Bth_layout_matches_the_specification()
    {
        var header = new BaseTransportHeader
        {
            Opcode = (byte)RoceOpcode.SendOnly,
            Solicited = true,
            PadCount = 2,
            PartitionKey = 0xFFFF,
            DestinationQueuePair = 0x123456,
            AckRequest = true,
            Psn = new Psn(0xABCDEF),
        };
        var bytes = new byte[12];
        header.Write(bytes);
        Assert.That(bytes, Is.EqualTo(new byte[] { 0x04, 0xA0, 0xFF, 0xFF, 0x00, 0x12, 0x34, 0x56, 0x80, 0xAB, 0xCD, 0xEF }));
    }

    [Test]
    public void Bth_round_trips()
    {
        Prop.ForAll<uint, uint, uint>((first, qpn, psn) =>
        {
            byte opcode = (byte)first;
            byte flags = (byte)(first >> 8);
            ushort pkey = (ushort)(first >> 16);
            var header = new BaseTransportHeader
            {
                Opcode = opcode,
                Solicited = (flags & 1) != 0,
                MigrationRequest = (flags & 2) != 0,
                PadCount = (byte)((flags >> 2) & 3),
                TransportVersion = (byte)(flags >> 4),
                PartitionKey = pkey,
                Reserved8A = (byte)(qpn >> 24),
                DestinationQueuePair = qpn & 0xFF_FFFF,
                AckRequest = (psn & 0x8000_0000) != 0,
                Psn = new Psn(psn),
            };
            var bytes = new byte[BaseTransportHeader.Length];
            header.Write(bytes);
            return BaseTransportHeader.TryRead(bytes, out var parsed) && parsed == header;
        }).QuickCheckThrowOnFailure();
    }

    [Test]
    public void Reth_round_trips()
    {
        Prop.ForAll<ulong, uint, uint>((va, rkey, length) =>
        {
            var reth = new RdmaExtendedTransportHeader(va, rkey, length);
            var bytes = new byte[RdmaExtendedTransportHeader.Length];
            reth.Write(bytes);
            return RdmaExtendedTransportHeader.TryRead(bytes, out var parsed) && parsed == reth;
        }).QuickCheckThrowOnFailure();
    }

    [Test]
    public void Aeth_round_trips_and_decodes_the_syndrome()
    {
        Prop.ForAll<byte, uint>((syndrome, msn) =>
        {
            var aeth = new AckExtendedTransportHeader(syndrome, msn & Psn.Mask);
            var bytes = new byte[AckExtendedTransportHeader.Length];
            aeth.Write(bytes);
            return AckExtendedTransportHeader.TryRead(bytes, out var parsed) && parsed == aeth
                && (byte)parsed.Kind == ((syndrome >> 5) & 3) && parsed.Value == (syndrome & 0x1F);
        }).QuickCheckThrowOnFailure();

        Assert.That(AckExtendedTransportHeader.Nak(5, NakCode.RemoteAccessError).Syndrome, Is.EqualTo(0x62));
        Assert.That(AckExtendedTransportHeader.ReceiverNotReady(5, 12).Syndrome, Is.EqualTo(0x2C));
        Assert.That(AckExtendedTransportHeader.Ack(5).Syndrome, Is.EqualTo(0x1F));
        Assert.That(AckExtendedTransportHeader.RnrTimerMicroseconds(12), Is.EqualTo(640));
        Assert.That(AckExtendedTransportHeader.RnrTimerMicroseconds(0), Is.EqualTo(655_360));
    }

    [Test]
    public void Headers_refuse_short_input()
    {
        Assert.That(BaseTransportHeader.TryRead(new byte[11], out _), Is.False);
        Assert.That(RdmaExtendedTransportHeader.TryRead(new byte[15], out _), Is.False);
        Assert.That(AckExtendedTransportHeader.TryRead(new byte[3], out _), Is.False);
    }
}
