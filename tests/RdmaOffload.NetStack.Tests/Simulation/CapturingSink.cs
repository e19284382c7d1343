using RdmaOffload.NetStack.Link;

namespace RdmaOffload.NetStack.Tests.Simulation;

/// <summary>A frame sink that copies every committed frame to a callback (test code; allocation is fine here).</summary>
public sealed class CapturingSink(Action<byte[]> onFrame) : IFrameSink
{
    private byte[] _buffer = new byte[65536 + 128];

    public Span<byte> GetFrameBuffer(int maxLength)
    {
        if (_buffer.Length < maxLength)
        {
            _buffer = new byte[maxLength];
        }

        return _buffer;
    }

    public void Commit(int length) => onFrame(_buffer.AsSpan(0, length).ToArray());
}
