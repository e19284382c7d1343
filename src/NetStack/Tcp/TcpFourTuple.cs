using RdmaOffload.NetStack.Wire;

namespace RdmaOffload.NetStack.Tcp;

/// <summary>The addresses and ports identifying a TCP connection, from the local side's point of view.</summary>
/// <param name="LocalAddress">This stack's address.</param>
/// <param name="LocalPort">This stack's port.</param>
/// <param name="RemoteAddress">The peer's address.</param>
/// <param name="RemotePort">The peer's port.</param>
public readonly record struct TcpFourTuple(Ipv4Address LocalAddress, ushort LocalPort, Ipv4Address RemoteAddress, ushort RemotePort)
{
    /// <summary>Serialises the tuple into 12 bytes for keyed hashing.</summary>
    internal void Write(Span<byte> destination)
    {
        LocalAddress.Write(destination);
        RemoteAddress.Write(destination[4..]);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(destination[8..], LocalPort);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(destination[10..], RemotePort);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{LocalAddress}:{LocalPort}<->{RemoteAddress}:{RemotePort}";
}
