using System.Buffers.Binary;

namespace RdmaOffload.NetStack.Link;

/// <summary>
/// Writes Ethernet frames to a classic pcap stream (microsecond timestamps, LINKTYPE_ETHERNET) for Wireshark/tshark.
/// Diagnostics only: each record is written synchronously to the stream.
/// </summary>
public sealed class PcapWriter : IDisposable
{
    private const uint Magic = 0xA1B2C3D4;
    private const uint LinkTypeEthernet = 1;
    private readonly Stream _stream;
    private readonly int _snapLength;
    private readonly byte[] _recordHeader = new byte[16];

    /// <summary>Writes the file header to <paramref name="stream"/>; the writer owns the stream.</summary>
    public PcapWriter(Stream stream, int snapLength = 65535)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _snapLength = snapLength;
        Span<byte> header = stackalloc byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], 4);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], (uint)snapLength);
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], LinkTypeEthernet);
        _stream.Write(header);
    }

    /// <summary>Appends one frame captured at <paramref name="timestampMicros"/>.</summary>
    public void Write(ReadOnlySpan<byte> frame, long timestampMicros)
    {
        var captured = Math.Min(frame.Length, _snapLength);
        BinaryPrimitives.WriteUInt32LittleEndian(_recordHeader, (uint)(timestampMicros / 1_000_000));
        BinaryPrimitives.WriteUInt32LittleEndian(_recordHeader.AsSpan(4), (uint)(timestampMicros % 1_000_000));
        BinaryPrimitives.WriteUInt32LittleEndian(_recordHeader.AsSpan(8), (uint)captured);
        BinaryPrimitives.WriteUInt32LittleEndian(_recordHeader.AsSpan(12), (uint)frame.Length);
        _stream.Write(_recordHeader);
        _stream.Write(frame[..captured]);
    }

    /// <inheritdoc/>
    public void Dispose() => _stream.Dispose();
}

/// <summary>An <see cref="IFrameSink"/> that records every transmitted frame to a <see cref="PcapWriter"/> and passes it on.</summary>
/// <param name="inner">The real sink.</param>
/// <param name="pcap">Where copies go.</param>
/// <param name="clock">Timestamp source for records (µs).</param>
public sealed class PcapFrameSink(IFrameSink inner, PcapWriter pcap, Func<long> clock) : IFrameSink
{
    private Memory<byte> _lastBuffer;

    /// <inheritdoc/>
    public int SegmentationOffloadLimit => 0; // record real segments: never ask for TSO through a capture

    /// <inheritdoc/>
    public Span<byte> GetFrameBuffer(int maxLength)
    {
        var span = inner.GetFrameBuffer(maxLength);
        if (_lastBuffer.Length < span.Length)
        {
            _lastBuffer = new byte[span.Length];
        }

        return _lastBuffer.Span[..span.Length];
    }

    /// <inheritdoc/>
    public void Commit(int length)
    {
        var frame = _lastBuffer.Span[..length];
        pcap.Write(frame, clock());
        frame.CopyTo(inner.GetFrameBuffer(length));
        inner.Commit(length);
    }
}
