namespace RdmaOffload.NetStack.Link;

/// <summary>
/// Where the stack puts outgoing Ethernet frames (a TAP port, a simulated link, a capture). The stack asks for a
/// buffer, builds one frame in place and commits it; nothing is copied or allocated per frame.
/// </summary>
public interface IFrameSink
{
    /// <summary>A writable buffer for one frame of up to <paramref name="maxLength"/> bytes, valid until <see cref="Commit"/>.</summary>
    Span<byte> GetFrameBuffer(int maxLength);

    /// <summary>Sends the first <paramref name="length"/> bytes of the buffer last returned by <see cref="GetFrameBuffer"/>.</summary>
    void Commit(int length);
}
