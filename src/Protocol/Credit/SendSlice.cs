namespace RdmaOffload.Protocol.Credit;

/// <summary>A run of outgoing stream bytes inside one send descriptor: the source of one RDMA READ.</summary>
/// <param name="DescriptorId">The descriptor holding the bytes.</param>
/// <param name="RemoteAddress">Address of the first byte in host memory.</param>
/// <param name="RemoteKey">rkey of the descriptor's memory.</param>
/// <param name="Length">Bytes in the run.</param>
public readonly record struct SendSlice(uint DescriptorId, ulong RemoteAddress, uint RemoteKey, uint Length);
