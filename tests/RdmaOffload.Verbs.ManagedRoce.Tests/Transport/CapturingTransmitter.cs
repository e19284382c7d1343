using RdmaOffload.Verbs.ManagedRoce.Transport;

namespace RdmaOffload.Verbs.ManagedRoce.Tests.Transport;

/// <summary>A transmitter that keeps a copy of every packet, for tests that move packets by hand.</summary>
internal sealed class CapturingTransmitter(List<byte[]> capture) : IPacketTransmitter
{
    private readonly byte[] _buffer = new byte[9000];

    public Span<byte> GetBuffer(int length) => _buffer.AsSpan(0, length);

    public void Transmit(int length) => capture.Add(_buffer.AsSpan(0, length).ToArray());
}
