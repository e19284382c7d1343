namespace RdmaOffload.Protocol.Wire;

/// <summary>
/// Walks the frames packed back to back in one RDMA SEND. Stops at the end of the buffer or at the first
/// invalid frame, whose status and byte offset it then reports; never throws.
/// </summary>
/// <example>
/// <code>
/// var reader = new FrameBatchReader(received);
/// while (reader.TryReadNext(out var frame)) { … }
/// if (reader.Status != DecodeStatus.Ok) { /* report reader.ErrorOffset, close the peer */ }
/// </code>
/// </example>
public ref struct FrameBatchReader
{
    private readonly ReadOnlySpan<byte> _buffer;

    /// <summary>Starts reading at the beginning of <paramref name="buffer"/>.</summary>
    public FrameBatchReader(ReadOnlySpan<byte> buffer) => _buffer = buffer;

    /// <summary>Offset of the next frame to read (or of the invalid frame once <see cref="Status"/> is not Ok).</summary>
    public int Offset { get; private set; }

    /// <summary><see cref="DecodeStatus.Ok"/> until an invalid frame is met.</summary>
    public DecodeStatus Status { get; private set; }

    /// <summary>Offset of the invalid frame, or -1 while every frame so far was valid.</summary>
    public readonly int ErrorOffset => Status == DecodeStatus.Ok ? -1 : Offset;

    /// <summary>Whether every byte of the buffer was consumed by valid frames.</summary>
    public readonly bool IsComplete => Status == DecodeStatus.Ok && Offset == _buffer.Length;

    /// <summary>Reads the next frame; false at the end of the buffer or on the first invalid frame.</summary>
    public bool TryReadNext(out Frame frame)
    {
        frame = default;
        if (Status != DecodeStatus.Ok || Offset >= _buffer.Length)
        {
            return false;
        }

        var status = Frame.TryRead(_buffer[Offset..], out frame);
        if (status != DecodeStatus.Ok)
        {
            Status = status;
            return false;
        }

        Offset += frame.Length;
        return true;
    }
}
