namespace RdmaOffload.Protocol.Wire;

/// <summary>Packs frames back to back into one RDMA SEND buffer.</summary>
public ref struct FrameBatchWriter
{
    private readonly Span<byte> _buffer;

    /// <summary>Writes from the beginning of <paramref name="buffer"/>.</summary>
    public FrameBatchWriter(Span<byte> buffer, byte version = ProtocolVersions.MaxSupported)
    {
        _buffer = buffer;
        Version = version;
    }

    /// <summary>Version non-hello frames are encoded with.</summary>
    public byte Version { get; }

    /// <summary>Bytes written so far.</summary>
    public int Length { get; private set; }

    /// <summary>Number of frames written so far.</summary>
    public int Count { get; private set; }

    /// <summary>The frames written so far.</summary>
    public readonly ReadOnlySpan<byte> Written => _buffer[..Length];

    /// <summary>Bytes still free.</summary>
    public readonly int Remaining => _buffer.Length - Length;

    /// <summary>Appends one frame; false, writing nothing, when it does not fit.</summary>
    /// <exception cref="ArgumentException">As <see cref="FrameCodec.TryEncode{T}"/>: an invalid message is a caller bug.</exception>
    public bool TryAppend<T>(uint workQueue, in T message)
        where T : struct, IProtocolMessage<T>
    {
        if (!FrameCodec.TryEncode(_buffer[Length..], workQueue, message, out var written, Version))
        {
            return false;
        }

        Length += written;
        Count++;
        return true;
    }
}
