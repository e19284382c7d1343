namespace RdmaOffload.NetStack.Link;

/// <summary>
/// Where the stack puts outgoing Ethernet frames (a TAP port, a simulated link, a capture). The stack asks for a
/// buffer, builds one frame in place and commits it; nothing is copied or allocated per frame.
/// </summary>
public interface IFrameSink
{
    /// <summary>
    /// Largest TCP payload the sink can accept in one frame and cut into MSS-sized segments itself (TSO/GSO), or 0
    /// when it cannot. When non-zero the stack may build such frames and hand them to <see cref="CommitSegmented"/>.
    /// </summary>
    int SegmentationOffloadLimit => 0;

    /// <summary>A writable buffer for one frame of up to <paramref name="maxLength"/> bytes, valid until <see cref="Commit"/>.</summary>
    Span<byte> GetFrameBuffer(int maxLength);

    /// <summary>Sends the first <paramref name="length"/> bytes of the buffer last returned by <see cref="GetFrameBuffer"/>.</summary>
    void Commit(int length);

    /// <summary>
    /// Sends a TCP/IPv4 frame whose payload exceeds one segment: the sink splits it into segments of
    /// <paramref name="segmentSize"/> payload bytes, replicating the first <paramref name="headerLength"/> bytes
    /// (Ethernet + IPv4 + TCP with options). The TCP checksum field holds the folded pseudo-header sum over the whole
    /// TCP length (CHECKSUM_PARTIAL convention); the sink completes each segment's checksum.
    /// </summary>
    void CommitSegmented(int length, int headerLength, int segmentSize) =>
        throw new NotSupportedException("This sink does not offload segmentation.");
}
