using System.Buffers.Binary;

namespace RdmaOffload.NetStack.Wire;

/// <summary>A SACK block: the half-open sequence range [<see cref="Left"/>, <see cref="Right"/>).</summary>
/// <param name="Left">First sequence number received.</param>
/// <param name="Right">Sequence number after the last byte received.</param>
public readonly record struct SackBlock(uint Left, uint Right);

/// <summary>
/// The TCP options the stack understands (MSS, window scale, SACK-permitted, SACK, timestamps),
/// parsed from or written to the option bytes. A value type with inline storage: no allocation.
/// </summary>
public struct TcpOptions
{
    /// <summary>Most SACK blocks a segment can carry (with timestamps, three fit).</summary>
    public const int MaxSackBlocks = 4;

    private SackBlock _sack0;
    private SackBlock _sack1;
    private SackBlock _sack2;
    private SackBlock _sack3;

    /// <summary>Maximum segment size, or 0 when absent.</summary>
    public ushort MaximumSegmentSize { get; set; }

    /// <summary>Window scale shift, or -1 when absent. Values above 14 are clamped to 14 (RFC 7323 §2.3).</summary>
    public int WindowScale { get; set; }

    /// <summary>SACK-permitted option present.</summary>
    public bool SackPermitted { get; set; }

    /// <summary>Timestamps option present.</summary>
    public bool HasTimestamps { get; set; }

    /// <summary>TSval.</summary>
    public uint TimestampValue { get; set; }

    /// <summary>TSecr.</summary>
    public uint TimestampEcho { get; set; }

    /// <summary>Number of SACK blocks present.</summary>
    public int SackBlockCount { get; private set; }

    /// <summary>Options with nothing present.</summary>
    public static TcpOptions None => new() { WindowScale = -1 };

    /// <summary>Returns SACK block <paramref name="index"/>.</summary>
    public readonly SackBlock GetSackBlock(int index) => index switch
    {
        0 => _sack0,
        1 => _sack1,
        2 => _sack2,
        3 => _sack3,
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    /// <summary>Appends a SACK block; ignored when full.</summary>
    public void AddSackBlock(SackBlock block)
    {
        switch (SackBlockCount)
        {
            case 0: _sack0 = block; break;
            case 1: _sack1 = block; break;
            case 2: _sack2 = block; break;
            case 3: _sack3 = block; break;
            default: return;
        }

        SackBlockCount++;
    }

    /// <summary>Removes all SACK blocks.</summary>
    public void ClearSackBlocks() => SackBlockCount = 0;

    /// <summary>
    /// Parses option bytes. Malformed options end parsing (what was read so far is kept); never throws.
    /// Returns false when the option list was malformed.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> bytes, out TcpOptions options)
    {
        options = None;
        var i = 0;
        while (i < bytes.Length)
        {
            var kind = bytes[i];
            if (kind == 0)
            {
                return true;
            }

            if (kind == 1)
            {
                i++;
                continue;
            }

            if (i + 1 >= bytes.Length)
            {
                return false;
            }

            int length = bytes[i + 1];
            if (length < 2 || i + length > bytes.Length)
            {
                return false;
            }

            var body = bytes.Slice(i + 2, length - 2);
            switch (kind)
            {
                case 2 when length == 4:
                    options.MaximumSegmentSize = BinaryPrimitives.ReadUInt16BigEndian(body);
                    break;
                case 3 when length == 3:
                    options.WindowScale = Math.Min((int)body[0], 14);
                    break;
                case 4 when length == 2:
                    options.SackPermitted = true;
                    break;
                case 5 when (length - 2) % 8 == 0:
                    for (var b = 0; b + 8 <= body.Length; b += 8)
                    {
                        options.AddSackBlock(new SackBlock(BinaryPrimitives.ReadUInt32BigEndian(body[b..]), BinaryPrimitives.ReadUInt32BigEndian(body[(b + 4)..])));
                    }

                    break;
                case 8 when length == 10:
                    options.HasTimestamps = true;
                    options.TimestampValue = BinaryPrimitives.ReadUInt32BigEndian(body);
                    options.TimestampEcho = BinaryPrimitives.ReadUInt32BigEndian(body[4..]);
                    break;
                default:
                    // Unknown options, or known ones with a wrong length, are skipped (RFC 9293 §3.2).
                    break;
            }

            i += length;
        }

        return true;
    }

    /// <summary>Bytes <see cref="Write"/> will produce (a multiple of 4).</summary>
    public readonly int EncodedLength
    {
        get
        {
            var n = 0;
            if (MaximumSegmentSize != 0)
            {
                n += 4;
            }

            if (WindowScale >= 0)
            {
                n += 4; // NOP + 3
            }

            if (HasTimestamps)
            {
                n += 12; // NOP NOP + 10 (SACK-permitted shares the two pads when present)
            }
            else if (SackPermitted)
            {
                n += 4;
            }

            if (SackBlockCount > 0)
            {
                n += 4 + (8 * SackBlockCount);
            }

            return n;
        }
    }

    /// <summary>Writes the options padded to a 4-byte boundary; returns the length.</summary>
    public readonly int Write(Span<byte> destination)
    {
        var i = 0;
        if (MaximumSegmentSize != 0)
        {
            destination[i] = 2;
            destination[i + 1] = 4;
            BinaryPrimitives.WriteUInt16BigEndian(destination[(i + 2)..], MaximumSegmentSize);
            i += 4;
        }

        if (SackPermitted)
        {
            destination[i] = 4;
            destination[i + 1] = 2;
            i += 2;
            if (!HasTimestamps)
            {
                destination[i] = 1;
                destination[i + 1] = 1;
                i += 2;
            }
        }
        else if (HasTimestamps)
        {
            destination[i] = 1;
            destination[i + 1] = 1;
            i += 2;
        }

        if (HasTimestamps)
        {
            destination[i] = 8;
            destination[i + 1] = 10;
            BinaryPrimitives.WriteUInt32BigEndian(destination[(i + 2)..], TimestampValue);
            BinaryPrimitives.WriteUInt32BigEndian(destination[(i + 6)..], TimestampEcho);
            i += 10;
        }

        if (WindowScale >= 0)
        {
            destination[i] = 1;
            destination[i + 1] = 3;
            destination[i + 2] = 3;
            destination[i + 3] = (byte)WindowScale;
            i += 4;
        }

        if (SackBlockCount > 0)
        {
            destination[i] = 1;
            destination[i + 1] = 1;
            destination[i + 2] = 5;
            destination[i + 3] = (byte)(2 + (8 * SackBlockCount));
            i += 4;
            for (var b = 0; b < SackBlockCount; b++)
            {
                var block = GetSackBlock(b);
                BinaryPrimitives.WriteUInt32BigEndian(destination[i..], block.Left);
                BinaryPrimitives.WriteUInt32BigEndian(destination[(i + 4)..], block.Right);
                i += 8;
            }
        }

        return i;
    }
}
