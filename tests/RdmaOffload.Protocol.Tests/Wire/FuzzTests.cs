using FsCheck;
using FsCheck.Fluent;
using RdmaOffload.Protocol.Messages;
using RdmaOffload.Protocol.Wire;
using G = RdmaOffload.Protocol.Tests.Wire.MessageGenerators;

namespace RdmaOffload.Protocol.Tests.Wire;

/// <summary>Decoders never throw, and whatever they accept is in range and re-encodes identically.</summary>
public sealed class FuzzTests
{
    private static readonly Config Config = Config.QuickThrowOnFailure.WithMaxTest(5000);

    [Test]
    public void Arbitrary_bytes_never_throw_and_accepted_frames_are_in_range() =>
        Prop.ForAll<byte[]>(bytes => AcceptedFramesAreSound(bytes)).Check(Config);

    [Test]
    public void Arbitrary_bytes_behind_a_valid_magic_never_throw() =>
        // Biases input past the magic check so type, length and body checks are exercised.
        Prop.ForAll<byte[], byte, ushort>((tail, type, length) =>
        {
            var bytes = new byte[FrameHeader.Length + tail.Length];
            tail.CopyTo(bytes, FrameHeader.Length);
            bytes[0] = 0x52;
            bytes[1] = 0x4F;
            bytes[2] = 1;
            bytes[3] = type;
            bytes[6] = (byte)(length >> 8);
            bytes[7] = (byte)length;
            return AcceptedFramesAreSound(bytes);
        }).Check(Config);

    [Test]
    public void Mutated_valid_frames_never_throw_and_never_decode_out_of_range() =>
        Prop.ForAll(G.AnyFrame.ToArbitrary(), ArbMap.Default.ArbFor<(int Position, byte Value)[]>(), ArbMap.Default.ArbFor<int>(),
            (frame, mutations, resize) =>
            {
                var bytes = Mutate(frame, mutations, resize);
                return AcceptedFramesAreSound(bytes);
            }).Check(Config);

    [Test]
    public void Single_byte_flips_in_the_body_are_rejected_or_decode_in_range() =>
        Prop.ForAll(G.AnyFrame.ToArbitrary(), ArbMap.Default.ArbFor<int>(), ArbMap.Default.ArbFor<byte>(), (frame, position, xor) =>
        {
            var bytes = (byte[])frame.Clone();
            bytes[(int)((uint)position % bytes.Length)] ^= xor == 0 ? (byte)1 : xor;
            return AcceptedFramesAreSound(bytes);
        }).Check(Config);

    [Test]
    public void Batch_reader_never_throws_and_stops_at_the_first_bad_frame() =>
        Prop.ForAll(Gen.ListOf(G.AnyFrame).ToArbitrary(), ArbMap.Default.ArbFor<byte[]>(), (frames, garbage) =>
        {
            var valid = frames.SelectMany(f => f).ToArray();
            var bytes = valid.Concat(garbage).ToArray();
            var reader = new FrameBatchReader(bytes);
            var count = 0;
            while (reader.TryReadNext(out var frame))
            {
                count++;
                if (!DecodedCheck.DecodesInRange(frame))
                {
                    return false;
                }
            }

            // Every valid frame before the garbage is read; the error, if any, is at or after the garbage.
            return count >= frames.Count
                && (reader.Status == DecodeStatus.Ok ? reader.Offset == bytes.Length : reader.ErrorOffset >= valid.Length);
        }).Check(Config);

    [Test]
    public void Batch_reader_reports_the_offset_of_a_corrupt_frame()
    {
        var first = G.Encode(new DataWritten(1, 0, 10), 3);
        var second = G.Encode(new SendCompleted(9), 3);
        var third = G.Encode(new Fin(), 3);
        var bytes = first.Concat(second).Concat(third).ToArray();
        bytes[first.Length + 3] = 0xEE; // second frame's type byte

        var reader = new FrameBatchReader(bytes);
        Assert.That(reader.TryReadNext(out var frame), Is.True);
        Assert.That(frame.Type, Is.EqualTo(MessageType.DataWritten));
        Assert.That(reader.TryReadNext(out _), Is.False);
        Assert.That(reader.Status, Is.EqualTo(DecodeStatus.UnknownMessageType));
        Assert.That(reader.ErrorOffset, Is.EqualTo(first.Length));
        Assert.That(reader.TryReadNext(out _), Is.False, "a reader stays stopped after an error");
    }

    [Test]
    public void A_decode_failure_becomes_an_encodable_error_report()
    {
        var bytes = G.Encode(new Ping(1), 0).Concat(G.Encode(new SendCompleted(2), 5)).ToArray();
        bytes[20 + 12 + 5] = 0x44; // reserved field of the second frame, which starts after the 20-byte ping
        var reader = new FrameBatchReader(bytes);
        while (reader.TryReadNext(out _))
        {
        }

        var report = ProtocolError.ForMalformedFrame(reader.Status, bytes, reader.ErrorOffset);
        Assert.That(report, Is.EqualTo(new ProtocolError(ProtocolErrorCode.MalformedFrame, (byte)MessageType.SendCompleted,
            DecodeStatus.ReservedFieldSet, 20)));
        Assert.That(G.Encode(report, 0), Is.Not.Empty);

        var violation = ProtocolError.ForViolation(Verdict.Violation(ProtocolErrorCode.WrongSender), MessageType.DataWritten);
        Assert.That(G.Encode(violation, 5), Is.Not.Empty);
        Assert.Throws<ArgumentOutOfRangeException>(() => ProtocolError.ForViolation(Verdict.Accepted, MessageType.Fin));
    }

    [TestCase(0, (byte)0x00, DecodeStatus.BadMagic)]
    [TestCase(2, (byte)0x09, DecodeStatus.UnsupportedVersion)]
    [TestCase(3, (byte)0x3E, DecodeStatus.UnknownMessageType)]
    [TestCase(5, (byte)0x01, DecodeStatus.ReservedFlagsSet)]
    [TestCase(7, (byte)0x05, DecodeStatus.BadFrameLength)]
    [TestCase(7, (byte)0xFF, DecodeStatus.Truncated)]
    [TestCase(11, (byte)0x00, DecodeStatus.WorkQueueScopeMismatch)]
    [TestCase(12 + 20, (byte)0x01, DecodeStatus.ReservedFieldSet)]
    [TestCase(12 + 19, (byte)0x00, DecodeStatus.FieldOutOfRange)]
    public void Each_header_and_body_check_reports_its_own_status(int position, byte value, DecodeStatus expected)
    {
        // PostReceiveBuffer, wq# 1: length is the low byte at offset 19 of the body's big-endian u32 at 16.
        var bytes = G.Encode(new PostReceiveBuffer(5, 6, 0x1000, 0x100), 1);
        bytes[12 + 18] = 0;
        bytes[position] = value;
        Assert.That(Frame.TryRead(bytes, out _), Is.EqualTo(expected));
    }

    [Test]
    public void Wrong_body_lengths_are_rejected_for_every_fixed_type()
    {
        foreach (var frame in new[] { G.Encode(new Ping(1), 0), G.Encode(new Fin(), 4), G.Encode(new SendCompleted(1), 4) })
        {
            var longer = frame.Concat(new byte[] { 0 }).ToArray();
            longer[7]++;
            Assert.That(Frame.TryRead(longer, out _), Is.EqualTo(DecodeStatus.BodyLengthMismatch));
            Assert.That(Frame.TryRead(frame.AsSpan(0, frame.Length - 1), out _), Is.EqualTo(DecodeStatus.Truncated));
        }
    }

    [TestCase((byte)0xFF)]
    [TestCase((byte)0x00)]
    [TestCase((byte)0x1B)]
    [TestCase((byte)0x7F)]
    public void Identities_must_be_well_formed_utf8_without_control_characters(byte last)
    {
        var bytes = G.Encode(new Hello(new VersionRange(1, 1), default, "ab"), 0);
        bytes[^1] = last;
        Assert.That(Frame.TryRead(bytes, out _), Is.EqualTo(DecodeStatus.MalformedIdentity));
    }

    [TestCase("")]
    [TestCase("a\\nb")]
    [TestCase("\\uD800x")]
    [TestCase("0123456789012345678901234567890123456789012345678901234567890123456789")]
    [TestCase("漢漢漢漢漢漢漢漢漢漢漢漢漢漢漢漢漢漢漢漢漢漢")]
    public void Unencodable_identities_are_refused_by_the_encoder(string escaped)
    {
        var identity = System.Text.RegularExpressions.Regex.Unescape(escaped);
        Assert.That(PeerIdentity.IsValid(identity), Is.False);
        Assert.Throws<ArgumentException>(() => G.Encode(new Hello(new VersionRange(1, 1), default, identity), 0));
    }

    [Test]
    public void Hello_from_a_future_version_header_is_rejected_but_its_body_may_offer_future_versions()
    {
        var bytes = G.Encode(new Hello(new VersionRange(1, 9), default, "h"), 0);
        Assert.That(Frame.TryRead(bytes, out var frame), Is.EqualTo(DecodeStatus.Ok));
        Assert.That(FrameCodec.TryDecode(frame, out Hello hello), Is.EqualTo(DecodeStatus.Ok));
        Assert.That(hello.Versions.Max, Is.EqualTo(9));

        bytes[2] = 2;
        Assert.That(Frame.TryRead(bytes, out _), Is.EqualTo(DecodeStatus.UnsupportedVersion));
    }

    [Test]
    public void Decoding_as_the_wrong_type_is_reported_not_misread()
    {
        var bytes = G.Encode(new SendCompleted(1), 4);
        Assert.That(Frame.TryRead(bytes, out var frame), Is.EqualTo(DecodeStatus.Ok));
        Assert.That(FrameCodec.TryDecode(frame, out DataWritten _), Is.EqualTo(DecodeStatus.UnexpectedMessageType));
    }

    [Test]
    public void Ipv4_connection_open_with_bits_above_32_is_out_of_range()
    {
        var bytes = G.Encode(new ConnectionOpen(IpFamily.V4, 0xC0000201, 5000, 0xC6336401, 80), 9);
        bytes[12 + 8 + 11] = 1; // a high byte of the client address field
        Assert.That(Frame.TryRead(bytes, out _), Is.EqualTo(DecodeStatus.FieldOutOfRange));
        bytes[12 + 8 + 11] = 0;
        bytes[12] = 5; // family
        Assert.That(Frame.TryRead(bytes, out _), Is.EqualTo(DecodeStatus.FieldOutOfRange));
    }

    private static bool AcceptedFramesAreSound(byte[] bytes)
    {
        var status = Frame.TryRead(bytes, out var frame);
        if (status != DecodeStatus.Ok)
        {
            return Enum.IsDefined(status);
        }

        var scope = MessageTypes.ScopeOf(frame.Type);
        return frame.Length is >= FrameHeader.Length and <= FrameHeader.MaxFrameLength
            && frame.Length <= bytes.Length
            && ProtocolVersions.IsSupported(frame.Version)
            && (scope != MessageScope.Link || frame.WorkQueue == 0)
            && (scope != MessageScope.Connection || frame.WorkQueue != 0)
            && DecodedCheck.DecodesInRange(frame);
    }

    private static byte[] Mutate(byte[] frame, (int Position, byte Value)[] mutations, int resize)
    {
        var length = Math.Max(0, frame.Length + (resize % 8));
        var bytes = new byte[length];
        frame.AsSpan(0, Math.Min(frame.Length, length)).CopyTo(bytes);
        if (length == 0)
        {
            return bytes;
        }

        foreach (var (position, value) in mutations)
        {
            bytes[(int)((uint)position % length)] = value;
        }

        return bytes;
    }
}
